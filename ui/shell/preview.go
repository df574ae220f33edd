package shell

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/gotk3/gotk3/gdk"
	"github.com/gotk3/gotk3/gtk"
	"github.com/pdfcpu/pdfcpu/pkg/api"

	"borne/kiosk/downloads"
)

// Bounds of the print preview: how many pages are drawn, how large, and how
// long the drawing may take (a hostile PDF must not hold the panel).
const (
	previewPages   = 12
	previewPixels  = 360
	previewTimeout = 20 * time.Second
)

// printChoice is the print panel of one document: its pages drawn small,
// and the ones the resident wants.
type printChoice struct {
	info   downloads.Info
	path   string
	chosen []bool
	thumbs []*gdk.Pixbuf // nil until drawn
	failed bool          // the preview could not be drawn: the document still prints
	size   int           // the height pages are shown at, shrunk to fit the panel
}

func (c *printChoice) count() int {
	n := 0
	for _, on := range c.chosen {
		if on {
			n++
		}
	}
	return n
}

// showPrintChoice offers a PDF for printing: a preview of its pages, drawn
// off the main loop, and for several pages a tap on each to leave it out,
// within what the session may still print.
func (s *Shell) showPrintChoice(info downloads.Info, path string) {
	c := &printChoice{info: info, path: path, chosen: make([]bool, info.Pages), size: previewPixels}
	if info.Pages > 1 {
		c.size = previewPixels * 2 / 3
	}
	v := s.cur()
	remaining := v.Snapshot().Remaining
	for i := range c.chosen {
		c.chosen[i] = i < remaining // the first pages, as many as the quota allows; the panel says so
	}
	s.lastDocument = path
	s.drawPrintChoice(c)
	var thumbs []*gdk.Pixbuf
	v.Run("print preview", func(ctx context.Context) (err error) {
		thumbs, err = renderPreview(ctx, v.Dir(), path, min(info.Pages, previewPages))
		return err
	}, func(err error) {
		if err != nil {
			s.opt.Log.Warn("print preview not drawn", "err", err)
			c.failed = true
		}
		c.thumbs = thumbs
		if s.dialogOpen && s.lastDocument == path {
			s.drawPrintChoice(c)
		}
	})
}

// drawPrintChoice (re)draws the panel for the choice as it stands.
func (s *Shell) drawPrintChoice(c *printChoice) {
	grid, _ := gtk.GridNew()
	grid.SetName("print-preview")
	grid.SetRowSpacing(12)
	grid.SetColumnSpacing(12)
	grid.SetHAlign(gtk.ALIGN_CENTER)
	many := c.info.Pages > 1
	cols := min(c.info.Pages, 4)
	size := c.size
	for i := range c.info.Pages {
		card := vbox(4)
		var pic gtk.IWidget
		switch {
		case i < len(c.thumbs) && c.thumbs[i] != nil:
			pb := c.thumbs[i]
			if pb.GetHeight() > size {
				pb, _ = pb.ScaleSimple(pb.GetWidth()*size/pb.GetHeight(), size, gdk.INTERP_BILINEAR)
			}
			pic, _ = gtk.ImageNewFromPixbuf(pb)
		case i < previewPages && c.thumbs == nil && !c.failed:
			pic = label(s.cat.T("Aperçu en préparation…"), "note")
		}
		if pic != nil {
			card.PackStart(pic, false, false, 0)
		}
		if !many {
			grid.Attach(card, 0, 0, 1, 1)
			break
		}
		n := i
		state := s.cat.T("Page %d", i+1)
		if !c.chosen[i] {
			state = s.cat.T("Page %d : pas imprimée", i+1)
		}
		card.PackStart(label(state, "note"), false, false, 0)
		btn := s.button(fmt.Sprintf("preview-page-%d", i+1), func() {
			c.chosen[n] = !c.chosen[n]
			s.drawPrintChoice(c)
		})
		addClass(&btn.Widget, "page-thumb")
		setClass(&btn.Widget, "chosen", c.chosen[i])
		setAccessible(&btn.Widget, state, s.cat.T("Touchez pour imprimer cette page ou non."))
		btn.Add(card)
		grid.Attach(btn, i%cols, i/cols, 1, 1)
	}

	if c.thumbs != nil {
		rows := (min(c.info.Pages, previewPages) + cols - 1) / cols
		s.shrinkToFit(&grid.Widget, rows, &c.size, minThumb, func() (int, bool) { return s.scrolledBottom(&grid.Widget) }, func() {
			if s.dialogOpen && s.lastDocument == c.path {
				s.drawPrintChoice(c)
			}
		})
	}
	text := s.cat.N("%s — %d page", "%s — %d pages", c.info.Pages, c.info.Name, c.info.Pages)
	if many {
		text += "\n" + s.cat.T("Touchez une page pour ne pas l'imprimer.")
	}
	v := s.cur()
	remaining := v.Snapshot().Remaining
	count := c.count()
	print := s.actionButton("print", "print", s.cat.N("Imprimer %d page", "Imprimer %d pages", count, count), func() { s.printChosen(c) })
	addClass(&print.Widget, "primary")
	if c.info.Pages > remaining {
		text += "\n" + s.cat.N("Vous pouvez encore imprimer %d page.", "Vous pouvez encore imprimer %d pages.", remaining, remaining)
	}
	print.SetSensitive(count > 0 && count <= remaining)
	s.showDialog("", s.cat.T("Document reçu"), text, grid, print,
		s.actionButton("dialog-close", "back", s.cat.T("Fermer"), s.closeDialog))
}

// printChosen prints the pages chosen: the document itself when all are,
// else a copy with only those pages, made off the main loop.
func (s *Shell) printChosen(c *printChoice) {
	count := c.count()
	if count == c.info.Pages {
		s.printDocument(c.path, count)
		return
	}
	var pages []string
	for i, on := range c.chosen {
		if on {
			pages = append(pages, strconv.Itoa(i+1))
		}
	}
	out := filepath.Join(filepath.Dir(c.path), fmt.Sprintf("pages-%d-%s", time.Now().UnixNano(), filepath.Base(c.path)))
	s.cur().Run("page choice", func(context.Context) error {
		return api.TrimFile(c.path, out, pages, nil)
	}, func(err error) {
		if err != nil {
			s.opt.Log.Warn("printer: pages not chosen", "err", err)
			s.showDialog("print", s.cat.T("Pas d'impression"), s.cat.T("Ce document ne peut pas être imprimé ici. Demandez de l'aide à un agent."), nil,
				s.actionButton("dialog-close", "back", s.cat.T("Fermer"), s.closeDialog))
			return
		}
		s.printDocument(out, count)
	})
}

// renderPreview draws the first pages of a PDF as small PNGs with poppler's
// pdftoppm, a child process bounded in time and size, into the session
// directory, and loads them; the files go at once.
func renderPreview(ctx context.Context, sessionDir, pdf string, pages int) ([]*gdk.Pixbuf, error) {
	dir, err := os.MkdirTemp(sessionDir, "preview-")
	if err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(ctx, previewTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "pdftoppm", "-png", "-scale-to", strconv.Itoa(previewPixels), "-f", "1", "-l", strconv.Itoa(pages), pdf, filepath.Join(dir, "p"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("preview: pdftoppm: %w: %.200s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "p-*.png"))
	sort.Strings(files) // p-01 … p-12: pdftoppm pads to the same width
	thumbs := make([]*gdk.Pixbuf, 0, len(files))
	for _, f := range files {
		pb, err := gdk.PixbufNewFromFile(f)
		if err != nil {
			return nil, fmt.Errorf("preview: %w", err)
		}
		thumbs = append(thumbs, pb)
	}
	return thumbs, nil
}
