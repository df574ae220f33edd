package shell

import (
	"bytes"
	_ "embed"
	"fmt"
	"text/template"

	"github.com/gotk3/gotk3/gdk"
	"github.com/gotk3/gotk3/gtk"
)

//go:embed theme.css
var themeCSS string

var themeTemplate = template.Must(template.New("theme").Parse(themeCSS))

// installTheme loads the CSS theme for the whole screen, with touch targets
// at least minTarget pixels (9 mm at the configured DPI).
func installTheme(minTarget int) (*gtk.CssProvider, error) {
	var css bytes.Buffer
	if err := themeTemplate.Execute(&css, struct{ Target int }{minTarget}); err != nil {
		return nil, fmt.Errorf("shell: theme: %w", err)
	}
	p, err := gtk.CssProviderNew()
	if err != nil {
		return nil, fmt.Errorf("shell: theme: %w", err)
	}
	if err := p.LoadFromData(css.String()); err != nil {
		return nil, fmt.Errorf("shell: theme: %w", err)
	}
	scr, err := gdk.ScreenGetDefault()
	if err != nil {
		return nil, fmt.Errorf("shell: theme: %w", err)
	}
	gtk.AddProviderForScreen(scr, p, gtk.STYLE_PROVIDER_PRIORITY_APPLICATION)
	return p, nil
}
