package docs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"borne/kiosk/atomicfile"
)

// ThumbSize is the long side of a thumbnail, in pixels.
const ThumbSize = 320

// ErrNotFound: no such document or page in the tray.
var ErrNotFound = errors.New("not in the tray")

const (
	trayDir      = "docs"
	manifestName = "tray.json"
	// pageQuality is the JPEG quality a scanned page is kept at in the
	// tray: visually lossless, and a tenth of the raw size on the tmpfs.
	pageQuality = 92
	// analysisDPI caps the resolution of the tray's analysis (crop, skew).
	analysisDPI = 300
)

// Document is a scanned document: its pages in order.
type Document struct {
	ID    string `json:"id"`
	Pages []Page `json:"pages"`
	Kind  string `json:"kind,omitempty"` // DocLetter (also ""), DocID or DocPhoto, as the resident said
}

// Tray holds a session's documents under its directory, which the session
// wipes. Its methods are safe from any goroutine; AddPage and Retake take a
// fraction of a second (analysis, JPEG, thumbnail): call them off the UI's
// main loop.
type Tray struct {
	dir string

	mu   sync.Mutex
	docs []Document
	next int // the last number given to an ID
}

// manifest is what the tray writes to disk, so that a new Tray on the same
// session directory (another screen, a restart of the UI) finds its pages.
type manifest struct {
	Docs []Document `json:"docs"`
	Next int        `json:"next"`
}

// NewTray opens the tray of the session whose private directory is
// sessionDir, creating it on first use.
func NewTray(sessionDir string) (*Tray, error) {
	dir := filepath.Join(sessionDir, trayDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tray: %w", err)
	}
	t := &Tray{dir: dir}
	data, err := os.ReadFile(filepath.Join(dir, manifestName))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return t, nil
	case err != nil:
		return nil, fmt.Errorf("tray: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("tray: %s: %w", manifestName, err)
	}
	t.docs, t.next = m.Docs, m.Next
	return t, nil
}

// Documents returns the documents, oldest first.
func (t *Tray) Documents() []Document {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Document, len(t.docs))
	for i, d := range t.docs {
		out[i] = Document{ID: d.ID, Pages: slices.Clone(d.Pages), Kind: d.Kind}
	}
	return out
}

// Document returns one document.
func (t *Tray) Document(id string) (Document, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, err := t.find(id)
	if err != nil {
		return Document{}, err
	}
	return Document{ID: id, Pages: slices.Clone(t.docs[i].Pages), Kind: t.docs[i].Kind}, nil
}

// SetKind says what a document is (DocLetter, DocID, DocPhoto): Shrink
// keeps its pages accordingly.
func (t *Tray) SetKind(docID, kind string) error {
	if !slices.Contains(DocKinds, kind) {
		return fmt.Errorf("tray: %w: %q", ErrKind, kind)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	i, err := t.find(docID)
	if err != nil {
		return err
	}
	t.docs[i].Kind = kind
	return t.save()
}

// NewDocument starts an empty document.
func (t *Tray) NewDocument() (Document, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	d := Document{ID: t.newID("d")}
	t.docs = append(t.docs, d)
	return d, t.save()
}

// DeleteDocument removes a document and its files.
func (t *Tray) DeleteDocument(id string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, err := t.find(id)
	if err != nil {
		return err
	}
	for _, p := range t.docs[i].Pages {
		removePage(p)
	}
	for _, f := range []string{PDF, JPEG, PNG} {
		os.Remove(t.outPath(id, f))
	}
	t.docs = slices.Delete(t.docs, i, i+1)
	return t.save()
}

// AddPage adds a scanned page at the end of a document: the page is kept as
// scanned, with the paper's crop and straightening found for its
// thumbnail, and a warning when it looks blank or dark.
func (t *Tray) AddPage(docID string, img image.Image, dpi int) (Page, error) {
	return t.storePage(docID, "", img, dpi)
}

// Retake replaces a page with a new scan, in the same place; the page gets
// a new ID.
func (t *Tray) Retake(docID, pageID string, img image.Image, dpi int) (Page, error) {
	return t.storePage(docID, pageID, img, dpi)
}

// storePage stores a new page (the slow part) off the lock, then puts it
// into the document found again under the lock, since it may have changed
// meanwhile: at the end, or in place of pageID when one is given.
func (t *Tray) storePage(docID, pageID string, img image.Image, dpi int) (Page, error) {
	locate := func() (i, j int, err error) {
		if pageID == "" {
			i, err = t.find(docID)
			return i, -1, err
		}
		return t.findPage(docID, pageID)
	}
	t.mu.Lock()
	_, _, err := locate()
	id := t.newID("p")
	t.mu.Unlock()
	if err != nil {
		return Page{}, err
	}
	p, err := t.store(id, img, dpi)
	if err != nil {
		return Page{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	i, j, err := locate()
	if err != nil { // deleted meanwhile
		removePage(p)
		return Page{}, err
	}
	if j < 0 {
		t.docs[i].Pages = append(t.docs[i].Pages, p)
	} else {
		removePage(t.docs[i].Pages[j])
		t.docs[i].Pages[j] = p
	}
	return p, t.save()
}

// Rotate turns a page by quarter turns (positive: clockwise).
func (t *Tray) Rotate(docID, pageID string, quarterTurns int) (Page, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, j, err := t.findPage(docID, pageID)
	if err != nil {
		return Page{}, err
	}
	p := &t.docs[i].Pages[j]
	q := (quarterTurns%4 + 4) % 4
	if q == 0 {
		return *p, nil
	}
	if err := turnThumb(p.Thumb, q); err != nil {
		return Page{}, fmt.Errorf("tray: rotate: %w", err)
	}
	p.Turns = (p.Turns + q) % 4
	return *p, t.save()
}

// Delete removes a page and its files.
func (t *Tray) Delete(docID, pageID string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, j, err := t.findPage(docID, pageID)
	if err != nil {
		return err
	}
	removePage(t.docs[i].Pages[j])
	t.docs[i].Pages = slices.Delete(t.docs[i].Pages, j, j+1)
	return t.save()
}

// Move puts a page at index to (from 0) of its document.
func (t *Tray) Move(docID, pageID string, to int) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, j, err := t.findPage(docID, pageID)
	if err != nil {
		return err
	}
	pages := t.docs[i].Pages
	if to < 0 || to >= len(pages) {
		return fmt.Errorf("tray: move to %d: %w (the document has %d pages)", to, ErrNotFound, len(pages))
	}
	p := pages[j]
	pages = slices.Delete(pages, j, j+1)
	t.docs[i].Pages = slices.Insert(pages, to, p)
	return t.save()
}

// Shrink writes a document as the target asks (see Shrink) into the tray,
// replacing the previous output of the document. The document's kind
// counts when the target names none.
func (t *Tray) Shrink(ctx context.Context, docID string, target Target) (Result, error) {
	d, err := t.Document(docID)
	if err != nil {
		return Result{}, err
	}
	if len(d.Pages) == 0 {
		return Result{}, fmt.Errorf("tray: document %s has no pages", docID)
	}
	// Mkdir, not MkdirAll: a shrink that ends after the visit was wiped
	// must not make its directory again.
	if err := os.Mkdir(filepath.Join(t.dir, "out"), 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return Result{}, fmt.Errorf("tray: %w", err)
	}
	if target.Kind == "" {
		target.Kind = d.Kind
	}
	tmp := filepath.Join(t.dir, "out", docID+".tmp")
	res, err := Shrink(ctx, d.Pages, target, tmp)
	if err != nil {
		return Result{}, err
	}
	res.Path = t.outPath(docID, res.Format)
	for _, f := range []string{PDF, JPEG, PNG} {
		os.Remove(t.outPath(docID, f))
	}
	if err := os.Rename(tmp, res.Path); err != nil {
		os.Remove(tmp)
		return Result{}, fmt.Errorf("tray: %w", err)
	}
	return res, nil
}

func (t *Tray) outPath(docID, format string) string {
	ext := map[string]string{PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}[format]
	return filepath.Join(t.dir, "out", docID+ext)
}

// store writes a scanned page and its thumbnail.
func (t *Tray) store(id string, img image.Image, dpi int) (Page, error) {
	b := img.Bounds()
	if err := checkSize(b.Dx(), b.Dy()); err != nil {
		return Page{}, fmt.Errorf("tray: %w", err)
	}
	if dpi <= 0 {
		dpi = int(guessDPI(b.Dx(), b.Dy()))
	}
	p := toPlanes(img)
	var data []byte
	var err error
	ext := ".jpg"
	if p.bilevel {
		ext = ".png" // line art stays exact, and small
		var buf bytes.Buffer
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
		data = buf.Bytes()
	} else {
		data, err = encodeJPEG(p, pageQuality, float64(dpi))
	}
	if err != nil {
		return Page{}, fmt.Errorf("tray: encode page: %w", err)
	}
	page := Page{ID: id, Path: filepath.Join(t.dir, id+ext), DPI: float64(dpi), Thumb: filepath.Join(t.dir, id+".thumb.png")}
	if err := os.WriteFile(page.Path, data, 0o600); err != nil {
		return Page{}, fmt.Errorf("tray: %w", err)
	}

	// What the resident sees: the paper, straightened.
	a, adpi := p, float64(dpi)
	if adpi > analysisDPI {
		a, adpi = p.scaled(analysisDPI/adpi), analysisDPI
	}
	l := sketch(a, adpi)
	page.Warning = l.warning
	crop := a.sub(l.crop)
	f := ThumbSize / float64(max(crop.y.w, crop.y.h))
	thumb := crop.resized(max(1, int(math.Round(float64(crop.y.w)*f))), max(1, int(math.Round(float64(crop.y.h)*f)))).rotated(l.skew, 0)
	if err := writePNG(page.Thumb, thumb.image()); err != nil {
		removePage(page)
		return Page{}, fmt.Errorf("tray: thumbnail: %w", err)
	}
	return page, nil
}

// turnThumb turns a thumbnail file by quarter turns clockwise.
func turnThumb(path string, q int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		return err
	}
	return writePNG(path, toPlanes(img).rotated(0, q).image())
}

func writePNG(path string, img image.Image) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, buf.Bytes(), 0o600)
}

func removePage(p Page) {
	os.Remove(p.Path)
	os.Remove(p.Thumb)
}

// newID returns a new document ("d") or page ("p") ID; t.mu is held.
func (t *Tray) newID(kind string) string {
	t.next++
	return fmt.Sprintf("%s%d", kind, t.next)
}

func (t *Tray) find(docID string) (int, error) {
	i := slices.IndexFunc(t.docs, func(d Document) bool { return d.ID == docID })
	if i < 0 {
		return 0, fmt.Errorf("tray: document %q: %w", docID, ErrNotFound)
	}
	return i, nil
}

func (t *Tray) findPage(docID, pageID string) (int, int, error) {
	i, err := t.find(docID)
	if err != nil {
		return 0, 0, err
	}
	j := slices.IndexFunc(t.docs[i].Pages, func(p Page) bool { return p.ID == pageID })
	if j < 0 {
		return 0, 0, fmt.Errorf("tray: page %q of %s: %w", pageID, docID, ErrNotFound)
	}
	return i, j, nil
}

// save writes the manifest; t.mu is held.
func (t *Tray) save() error {
	data, err := json.Marshal(manifest{Docs: t.docs, Next: t.next})
	if err != nil {
		return fmt.Errorf("tray: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(t.dir, manifestName), data, 0o600); err != nil {
		return fmt.Errorf("tray: %w", err)
	}
	return nil
}
