package shell

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/drivers/printer"
	"borne/drivers/printer/printertest"
	"borne/drivers/selftest"
	"borne/kiosk/config"
	"borne/kiosk/downloads"
	"borne/kiosk/i18n"
	"borne/kiosk/session"
	"borne/kiosk/tray"
)

// The window sizes of the kiosks in the field.
var windowSizes = [][2]int{{1280, 800}, {1024, 768}}

// resize gives the kiosk window a size and waits until it has it.
func (k *kiosk) resize(w, h int) {
	k.t.Helper()
	// The screen and the bar are laid out for a width: empty them so that
	// the window can shrink, and lay them out again at the new size.
	onUI(func() {
		if k.sh.browser != nil {
			k.sh.browser.detach()
		}
		removeChildren(k.sh.page)
		removeChildren(k.sh.bar)
		k.sh.Window().Resize(w, h)
	})
	defer onUI(k.sh.rebuild)
	k.waitLayout(fmt.Sprintf("the window at %d×%d", w, h), func() string {
		win := k.sh.Window()
		if gw, gh := win.GetAllocatedWidth(), win.GetAllocatedHeight(); gw != w || gh != h {
			return fmt.Sprintf("window is %d×%d", gw, gh)
		}
		return ""
	})
}

// waitLayout waits until check (run on the main loop) finds nothing wrong
// twice in a row, i.e. once the layout has settled; it fails with the last
// problem when it never does.
func (k *kiosk) waitLayout(what string, check func() string) {
	k.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	good := 0
	for {
		var problem string
		onUI(func() { problem = check() })
		if problem == "" {
			if good++; good == 2 {
				return
			}
		} else {
			good = 0
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("%s: %s", what, problem)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// offScreen says why a widget cannot be seen without scrolling, or "": it
// must be drawn, inside the window, inside every scrolled area around it,
// and the page must not be scrolled.
func (k *kiosk) offScreen(w *gtk.Widget) string {
	win := k.sh.Window()
	if !w.GetMapped() || w.GetAllocatedWidth() <= 1 {
		return "not drawn"
	}
	x, y, err := w.TranslateCoordinates(win, 0, 0)
	if err != nil {
		return err.Error()
	}
	r := [4]int{x, y, x + w.GetAllocatedWidth(), y + w.GetAllocatedHeight()}
	if r[0] < 0 || r[1] < 0 || r[2] > win.GetAllocatedWidth() || r[3] > win.GetAllocatedHeight() {
		return fmt.Sprintf("at %v, out of the %d×%d window", r, win.GetAllocatedWidth(), win.GetAllocatedHeight())
	}
	scrolled := glib.TypeFromName("GtkScrolledWindow")
	for cur := w; ; {
		parent, err := cur.GetParent()
		if err != nil || parent == nil {
			break
		}
		cur = parent.ToWidget()
		if !cur.IsA(scrolled) {
			continue
		}
		sx, sy, err := cur.TranslateCoordinates(win, 0, 0)
		if err != nil {
			return err.Error()
		}
		if r[0] < sx || r[1] < sy || r[2] > sx+cur.GetAllocatedWidth() || r[3] > sy+cur.GetAllocatedHeight() {
			return fmt.Sprintf("at %v, outside its scrolled area %v", r, [4]int{sx, sy, sx + cur.GetAllocatedWidth(), sy + cur.GetAllocatedHeight()})
		}
	}
	if inside(w, &k.sh.page.Widget) {
		if p, _ := k.sh.page.GetParent(); p != nil {
			if vp, ok := p.(*gtk.Viewport); ok {
				if adj, err := vp.GetVAdjustment(); err == nil && adj.GetValue() != 0 {
					return fmt.Sprintf("the page is scrolled by %.0f px", adj.GetValue())
				}
			}
		}
	}
	return ""
}

// buttonsOnScreen checks named buttons of the current screen; "" when all
// can be seen and reached.
func (k *kiosk) buttonsOnScreen(names ...string) string {
	for _, n := range names {
		b, ok := k.sh.Button(n)
		if !ok {
			return fmt.Sprintf("no button %q", n)
		}
		if p := k.offScreen(&b.Widget); p != "" {
			return fmt.Sprintf("button %q %s", n, p)
		}
	}
	return ""
}

// find is the first widget under root, root included, that match accepts.
func find(root *gtk.Widget, match func(*gtk.Widget) bool) *gtk.Widget {
	if match(root) {
		return root
	}
	if !root.IsA(glib.TypeFromName("GtkContainer")) {
		return nil
	}
	var found *gtk.Widget
	if children := (&gtk.Container{Widget: *root}).GetChildren(); children != nil {
		children.Foreach(func(item any) {
			if c, ok := item.(*gtk.Widget); ok && found == nil {
				found = find(c, match)
			}
		})
		children.Free()
	}
	return found
}

// named finds a widget by name under root.
func named(root *gtk.Widget, name string) *gtk.Widget {
	return find(root, func(w *gtk.Widget) bool { n, _ := w.GetName(); return n == name })
}

// firstOf finds the first widget of a type under root.
func firstOf(root *gtk.Widget, typeName string) *gtk.Widget {
	t := glib.TypeFromName(typeName)
	return find(root, func(w *gtk.Widget) bool { return w.IsA(t) })
}

// each runs f at every window size, language and text size of the kiosk,
// redrawing the screen with setup first.
func (k *kiosk) each(f func(where string, w, h int, lang string, size int)) {
	for _, ws := range windowSizes {
		k.resize(ws[0], ws[1])
		for _, lang := range k.cfg.Kiosk.Languages {
			for size := 0; size <= session.MaxTextSize; size++ {
				f(fmt.Sprintf("%d×%d %s A%d", ws[0], ws[1], lang, size), ws[0], ws[1], lang, size)
			}
		}
	}
}

// page is a small A4-shaped page with a few dark lines, cheap to add.
func testPage(seed int) image.Image {
	img := image.NewGray(image.Rect(0, 0, 248, 351))
	for i := range img.Pix {
		img.Pix[i] = 250
	}
	for line := 0; line < 12; line++ {
		y := 40 + line*22 + seed%7
		for x := 30; x < 30+150+(line*seed)%60; x++ {
			img.SetGray(x, y, color.Gray{Y: 20})
			img.SetGray(x, y+1, color.Gray{Y: 20})
		}
	}
	return img
}

// What a resident must see without scrolling, at 1280×800 and 1024×768, in
// every language, at every text size: the privacy line of the attract
// screen; on the scan screen, every page of a 1- to 10-page document and the
// buttons to scan and finish; a page shown full screen with all its tools;
// the print panel's preview with its page choice and its buttons. One
// kiosk window for all of it: language, text size and window size change
// within the test.
func TestEverythingOnScreen(t *testing.T) {
	_, a4 := testPrinter(t)
	k := startKiosk(t, timings{idle: time.Hour, warn: time.Minute, thanks: time.Second},
		func(_ *config.Config, o *kitOptions) { o.Printer = a4 })
	t.Cleanup(func() { k.resize(1280, 800) })

	// The attract screen is drawn in the site's default language; each
	// language's catalogue is put in its place to check its privacy line.
	k.each(func(where string, w, h int, lang string, size int) {
		onUI(func() {
			k.sh.cat = i18n.For(lang)
			setDirection(k.sh.cat.Language().RTL)
			if err := loadTheme(k.sh.css, k.cfg.MinTargetPx(), size); err != nil {
				t.Fatal(err)
			}
			k.sh.rebuild()
		})
		want := k.sh.cat.T("Cette borne compte son utilisation de façon anonyme. Tout est effacé à la fin.")
		k.waitLayout("attract "+where, func() string {
			w := named(&k.sh.page.Widget, "privacy")
			if w == nil {
				return "no privacy line"
			}
			if text, _ := (&gtk.Label{Widget: *w}).GetText(); text != want {
				return fmt.Sprintf("privacy line %q", text)
			}
			return k.offScreen(w)
		})
		if size == session.MaxTextSize && (lang == "fr" || lang == "ar") {
			k.screenshot(fmt.Sprintf("60-attract-%s-%s", fmt.Sprintf("%dx%d", w, h), lang))
		}
	})
	onUI(func() {
		k.sh.cat = i18n.For(k.sh.shown.Lang)
		setDirection(k.sh.cat.Language().RTL)
		_ = loadTheme(k.sh.css, k.cfg.MinTargetPx(), 0)
		k.sh.rebuild()
	})

	// Documents of 1 to 10 pages in the session's tray.
	k.startSession("fr")
	var tr *tray.Tray
	var err error
	onUI(func() { tr, err = k.sh.cur().Tray() })
	if err != nil {
		t.Fatal(err)
	}
	var documents []tray.Document
	for n := 1; n <= 10; n++ {
		d, err := tr.NewDocument()
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if _, err := tr.AddPage(d.ID, testPage(i), 30); err != nil {
				t.Fatal(err)
			}
		}
		if d, err = tr.Document(d.ID); err != nil {
			t.Fatal(err)
		}
		documents = append(documents, d)
	}
	pdf, info := threePages(t)

	k.each(func(where string, w, h int, lang string, size int) {
		if k.shown().Lang != lang {
			k.mgr.ChooseLanguage(lang)
			k.waitShown("home in "+lang, func(s session.Snapshot) bool { return s.Lang == lang && s.Screen == session.ScreenHome })
		}
		if k.shown().TextSize != size {
			k.mgr.SetComfort(session.Comfort{TextSize: size})
			k.waitShown("text size", func(s session.Snapshot) bool { return s.TextSize == size })
		}
		k.mgr.OpenScan()
		k.waitScreen(session.ScreenScan)
		for n, d := range documents {
			n++
			onUI(func() {
				k.sh.cur().ChooseDocument(d.ID)
				k.sh.rebuild()
			})
			names := []string{"scan-page", "scan-done", "help", "done"}
			for i := 1; i <= n; i++ {
				names = append(names, fmt.Sprintf("page-%d", i))
			}
			k.waitLayout(fmt.Sprintf("scan screen, %d pages, %s", n, where), func() string { return k.buttonsOnScreen(names...) })
			if n == 10 && size == session.MaxTextSize && (lang == "fr" || lang == "ar") {
				k.screenshot(fmt.Sprintf("61-scan-10-pages-%s-%s", fmt.Sprintf("%dx%d", w, h), lang))
			}
		}
		// The last page, full screen, with its tools.
		last := documents[9].Pages[9]
		onUI(func() {
			k.sh.scan.viewing = last.ID
			k.sh.rebuild()
		})
		k.waitLayout("a page full screen, "+where, func() string {
			if p := k.buttonsOnScreen("page-back", "rotate-10", "retake-10", "before-10", "delete-10"); p != "" {
				return p
			}
			view := named(&k.sh.page.Widget, "page-full")
			if view == nil {
				return "no page view"
			}
			if view.GetAllocatedWidth() < 400 {
				return fmt.Sprintf("the page is only %d px wide", view.GetAllocatedWidth())
			}
			return k.offScreen(view)
		})
		if size == session.MaxTextSize && (lang == "fr" || lang == "ar") {
			k.screenshot(fmt.Sprintf("62-page-full-%s-%s", fmt.Sprintf("%dx%d", w, h), lang))
		}
		onUI(func() { k.sh.scan.viewing = "" })

		// The print panel: the pages drawn, each a choice, and the buttons.
		onUI(func() { k.sh.showDocument(info, pdf) })
		k.waitLayout("print preview, "+where, func() string {
			if p := k.buttonsOnScreen("print", "dialog-close", "preview-page-1", "preview-page-2", "preview-page-3"); p != "" {
				return p
			}
			for i := 1; i <= 3; i++ {
				b, _ := k.sh.Button(fmt.Sprintf("preview-page-%d", i))
				img := firstOf(&b.Widget, "GtkImage")
				if img == nil {
					return fmt.Sprintf("page %d is not drawn yet", i)
				}
				if p := k.offScreen(img); p != "" {
					return fmt.Sprintf("preview of page %d %s", i, p)
				}
			}
			return ""
		})
		if size == session.MaxTextSize && (lang == "fr" || lang == "ar") {
			k.screenshot(fmt.Sprintf("63-print-preview-%s-%s", fmt.Sprintf("%dx%d", w, h), lang))
		}
		onUI(k.sh.closeDialog)
	})
}

// threePages is a three-page PDF, as a site hands one over.
func threePages(t testing.TB) (string, downloads.Info) {
	t.Helper()
	dir := t.TempDir()
	one := filepath.Join(dir, "one.pdf")
	if err := selftest.WriteTestPage(one, "Attestation"); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(dir, "attestation.pdf")
	if out, err := exec.Command("qpdf", "--empty", "--pages", one, one, one, "--", pdf).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, out)
	}
	info, err := downloads.Inspect(context.Background(), pdf)
	if err != nil || info.Pages != 3 {
		t.Fatalf("%+v %v", info, err)
	}
	return pdf, info
}

// testPrinter is an IPP printer in the test's process, and the kiosk's
// client to it.
func testPrinter(t *testing.T) (*printertest.Server, printer.Printer) {
	t.Helper()
	ipp := printertest.NewServer()
	t.Cleanup(ipp.Close)
	a4, err := printer.Open(ipp.URI(), printer.Options{PollEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return ipp, a4
}
