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
var themeSource string

// textScales are the text size steps a resident can choose.
var textScales = [...]float64{1, 1.25, 1.5}

// webZooms are the same steps for web pages, which start smaller than
// Borne's screens: the largest doubles the page (a 50+ reader's need).
var webZooms = [...]float64{1, 1.5, 2}

// webZoom is the page zoom for a text size step.
func webZoom(textSize int) float64 { return webZooms[min(max(textSize, 0), len(webZooms)-1)] }

// themeCSS renders the theme: touch targets at least minTarget pixels (9 mm
// at the configured DPI), every font scaled to the text size step.
func themeCSS(minTarget, textSize int) (string, error) {
	scale := textScales[min(max(textSize, 0), len(textScales)-1)]
	t, err := template.New("theme").Funcs(template.FuncMap{
		"px": func(n int) int { return int(float64(n)*scale + 0.5) },
	}).Parse(themeSource)
	if err != nil {
		return "", fmt.Errorf("shell: theme: %w", err)
	}
	var css bytes.Buffer
	if err := t.Execute(&css, struct{ Target int }{minTarget}); err != nil {
		return "", fmt.Errorf("shell: theme: %w", err)
	}
	return css.String(), nil
}

// installTheme loads the theme for the whole screen.
func installTheme(minTarget int) (*gtk.CssProvider, error) {
	p, err := gtk.CssProviderNew()
	if err != nil {
		return nil, fmt.Errorf("shell: theme: %w", err)
	}
	if err := loadTheme(p, minTarget, 0); err != nil {
		return nil, err
	}
	scr, err := gdk.ScreenGetDefault()
	if err != nil {
		return nil, fmt.Errorf("shell: theme: %w", err)
	}
	gtk.AddProviderForScreen(scr, p, gtk.STYLE_PROVIDER_PRIORITY_APPLICATION)
	return p, nil
}

// loadTheme replaces the theme's rules, e.g. for another text size.
func loadTheme(p *gtk.CssProvider, minTarget, textSize int) error {
	css, err := themeCSS(minTarget, textSize)
	if err != nil {
		return err
	}
	if err := p.LoadFromData(css); err != nil {
		return fmt.Errorf("shell: theme: %w", err)
	}
	return nil
}
