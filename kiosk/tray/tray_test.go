package tray

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"borne/kiosk/shrink"
	"borne/kiosk/shrink/shrinktest"
)

func pageIDs(d Document) []string {
	var ids []string
	for _, p := range d.Pages {
		ids = append(ids, p.ID)
	}
	return ids
}

func thumbSize(t *testing.T, p shrink.Page) image.Point {
	t.Helper()
	f, err := os.Open(p.Thumb)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img.Bounds().Size()
}

func TestTray(t *testing.T) {
	session := t.TempDir()
	tray, err := New(session)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := tray.NewDocument()
	if err != nil {
		t.Fatal(err)
	}
	page := shrinktest.TextPage(150, 232, color.RGBA{20, 20, 20, 255})
	var ids []string
	for range 3 {
		p, err := tray.AddPage(doc.ID, page, 150)
		if err != nil {
			t.Fatal(err)
		}
		if p.Warning != "" || filepath.Dir(p.Path) != filepath.Join(session, trayDir) {
			t.Errorf("page %+v", p)
		}
		if got := thumbSize(t, p); got.Y != ThumbSize || got.X >= got.Y {
			t.Errorf("thumbnail %v, want portrait %d high", got, ThumbSize)
		}
		ids = append(ids, p.ID)
	}

	// Rotate: the thumbnail turns, the page remembers.
	p, err := tray.Rotate(doc.ID, ids[1], 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := thumbSize(t, p); p.Turns != 1 || got.X != ThumbSize {
		t.Errorf("after a quarter turn: turns %d, thumbnail %v", p.Turns, got)
	}
	if p, _ = tray.Rotate(doc.ID, ids[1], -5); p.Turns != 0 {
		t.Errorf("turns %d after -5 more, want 0", p.Turns)
	}

	// Move, delete, retake.
	if err := tray.Move(doc.ID, ids[2], 0); err != nil {
		t.Fatal(err)
	}
	d, _ := tray.Document(doc.ID)
	if want := []string{ids[2], ids[0], ids[1]}; !slices.Equal(pageIDs(d), want) {
		t.Errorf("after move: %v, want %v", pageIDs(d), want)
	}
	old := d.Pages[1]
	if err := tray.Delete(doc.ID, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("deleted page's file still there: %v", err)
	}
	blank := image.NewGray(image.Rect(0, 0, 1240, 1754))
	for i := range blank.Pix {
		blank.Pix[i] = 250
	}
	retaken, err := tray.Retake(doc.ID, ids[1], blank, 150)
	if err != nil {
		t.Fatal(err)
	}
	if retaken.Warning != shrink.WarnBlank {
		t.Errorf("a blank retake: warning %q, want %q", retaken.Warning, shrink.WarnBlank)
	}
	d, _ = tray.Document(doc.ID)
	if want := []string{ids[2], retaken.ID}; !slices.Equal(pageIDs(d), want) {
		t.Errorf("after delete and retake: %v, want %v", pageIDs(d), want)
	}

	// Unknown IDs.
	for _, err := range []error{
		tray.Delete(doc.ID, "p99"),
		tray.Move(doc.ID, ids[2], 5),
		tray.DeleteDocument("d99"),
		func() error { _, err := tray.AddPage("d99", page, 150); return err }(),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	}

	// Another Tray on the same session sees the same documents.
	again, err := New(session)
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Documents(); len(got) != 1 || !slices.Equal(pageIDs(got[0]), pageIDs(d)) {
		t.Errorf("reopened tray: %+v", got)
	}

	// Shrink into the tray, then delete the document: nothing remains.
	res, err := tray.Shrink(context.Background(), doc.ID, shrink.Target{MaxBytes: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Path, session) || len(res.PerPage) != 2 || res.PerPage[1].Kind != shrink.KindBlank {
		t.Errorf("shrink: %+v", res)
	}
	shrinktest.CheckPDF(t, res.Path)
	if err := tray.DeleteDocument(doc.ID); err != nil {
		t.Fatal(err)
	}
	left, err := os.ReadDir(filepath.Join(session, trayDir))
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(left, func(e os.DirEntry) bool { return e.Name() != manifestName && e.Name() != "out" }) {
		t.Errorf("left in the tray: %v", left)
	}
	if out, err := os.ReadDir(filepath.Join(session, trayDir, "out")); err != nil || len(out) != 0 {
		t.Errorf("left in out: %v %v", out, err)
	}
}

// TestTrayThumbnailStraight: a tilted, dark-bordered scan gets a thumbnail
// of the paper only.
func TestTrayThumbnailStraight(t *testing.T) {
	page := shrinktest.TextPage(100, 235, color.RGBA{20, 20, 20, 255})
	glass := image.NewRGBA(image.Rect(0, 0, 1000, 1300))
	shrinktest.Fill(glass, glass.Bounds(), color.RGBA{10, 10, 10, 255})
	for y := range page.Rect.Dy() {
		for x := range page.Rect.Dx() {
			glass.SetRGBA(80+x, 60+y, page.RGBAAt(x, y))
		}
	}
	tray, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := tray.NewDocument()
	p, err := tray.AddPage(doc.ID, glass, 100)
	if err != nil {
		t.Fatal(err)
	}
	// The paper is 826×1169: the thumbnail keeps its proportions, not the glass's.
	got := thumbSize(t, p)
	if want := 826 * ThumbSize / 1169; max(got.X-want, want-got.X) > 6 || got.Y != ThumbSize {
		t.Errorf("thumbnail %v, want about %d×%d", got, want, ThumbSize)
	}
}

// TestTrayKind: the kind the resident picked decides the shrink.
func TestTrayKind(t *testing.T) {
	tray, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d, err := tray.NewDocument()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("../../testdata/hard/idcard-front.jpg")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tray.AddPage(d.ID, img, 300); err != nil {
		t.Fatal(err)
	}
	if err := tray.SetKind(d.ID, "passport"); !errors.Is(err, shrink.ErrKind) {
		t.Errorf("unknown kind: %v", err)
	}
	if err := tray.SetKind(d.ID, shrink.DocID); err != nil {
		t.Fatal(err)
	}
	again, err := New(filepath.Dir(tray.dir))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := again.Document(d.ID); got.Kind != shrink.DocID {
		t.Errorf("kind %q after reopening the tray", got.Kind)
	}
	res, err := tray.Shrink(context.Background(), d.ID, shrink.Target{Formats: []string{"image/jpeg"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != shrink.JPEG || res.PerPage[0].Kind != shrink.KindCard || filepath.Ext(res.Path) != ".jpg" {
		t.Errorf("%s %s, want the card as shrink.JPEG", res.Format, res.PerPage[0])
	}
}
