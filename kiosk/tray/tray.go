// Package tray is the resident's document tray: the documents scanned during
// a session, each a list of pages, kept under the session's directory. Pages
// are added, retaken, turned, deleted and moved; each has a thumbnail of the
// paper, cropped and straightened. A document is shrunk for a website by the
// shrink engine (kiosk/shrink) into the tray, so the session's wipe takes it.
package tray

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"borne/kiosk/atomicfile"
	"borne/kiosk/shrink"
)

// ThumbSize is the long side of a thumbnail, in pixels.
const ThumbSize = 320

// ErrNotFound: no such document or page in the tray.
var ErrNotFound = errors.New("not in the tray")

const (
	trayDir      = "docs"
	manifestName = "tray.json"
)

// Document is a scanned document: its pages in order.
type Document struct {
	ID    string        `json:"id"`
	Pages []shrink.Page `json:"pages"`
	Kind  string        `json:"kind,omitempty"` // shrink.DocLetter (also ""), DocID or DocPhoto, as the resident said
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

// New opens the tray of the session whose private directory is
// sessionDir, creating it on first use.
func New(sessionDir string) (*Tray, error) {
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

// SetKind says what a document is (shrink.DocLetter, DocID, DocPhoto): Shrink
// keeps its pages accordingly.
func (t *Tray) SetKind(docID, kind string) error {
	if !slices.Contains(shrink.DocKinds, kind) {
		return fmt.Errorf("tray: %w: %q", shrink.ErrKind, kind)
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
	for _, f := range []string{shrink.PDF, shrink.JPEG, shrink.PNG} {
		os.Remove(t.outPath(id, f))
	}
	t.docs = slices.Delete(t.docs, i, i+1)
	return t.save()
}

// AddPage adds a scanned page at the end of a document: the page is kept as
// scanned, with the paper's crop and straightening found for its
// thumbnail, and a warning when it looks blank or dark.
func (t *Tray) AddPage(docID string, img image.Image, dpi int) (shrink.Page, error) {
	return t.storePage(docID, "", img, dpi)
}

// Retake replaces a page with a new scan, in the same place; the page gets
// a new ID.
func (t *Tray) Retake(docID, pageID string, img image.Image, dpi int) (shrink.Page, error) {
	return t.storePage(docID, pageID, img, dpi)
}

// storePage stores a new page (the slow part) off the lock, then puts it
// into the document found again under the lock, since it may have changed
// meanwhile: at the end, or in place of pageID when one is given.
func (t *Tray) storePage(docID, pageID string, img image.Image, dpi int) (shrink.Page, error) {
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
		return shrink.Page{}, err
	}
	p, err := t.store(id, img, dpi)
	if err != nil {
		return shrink.Page{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	i, j, err := locate()
	if err != nil { // deleted meanwhile
		removePage(p)
		return shrink.Page{}, err
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
func (t *Tray) Rotate(docID, pageID string, quarterTurns int) (shrink.Page, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, j, err := t.findPage(docID, pageID)
	if err != nil {
		return shrink.Page{}, err
	}
	p := &t.docs[i].Pages[j]
	q := (quarterTurns%4 + 4) % 4
	if q == 0 {
		return *p, nil
	}
	if err := turnThumb(p.Thumb, q); err != nil {
		return shrink.Page{}, fmt.Errorf("tray: rotate: %w", err)
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

// Shrink writes a document as the target asks (see shrink.Shrink) into the tray,
// replacing the previous output of the document. The document's kind
// counts when the target names none.
func (t *Tray) Shrink(ctx context.Context, docID string, target shrink.Target) (shrink.Result, error) {
	d, err := t.Document(docID)
	if err != nil {
		return shrink.Result{}, err
	}
	if len(d.Pages) == 0 {
		return shrink.Result{}, fmt.Errorf("tray: document %s has no pages", docID)
	}
	// Mkdir, not MkdirAll: a shrink that ends after the visit was wiped
	// must not make its directory again.
	if err := os.Mkdir(filepath.Join(t.dir, "out"), 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return shrink.Result{}, fmt.Errorf("tray: %w", err)
	}
	if target.Kind == "" {
		target.Kind = d.Kind
	}
	tmp := filepath.Join(t.dir, "out", docID+".tmp")
	res, err := shrink.Shrink(ctx, d.Pages, target, tmp)
	if err != nil {
		return shrink.Result{}, err
	}
	res.Path = t.outPath(docID, res.Format)
	for _, f := range []string{shrink.PDF, shrink.JPEG, shrink.PNG} {
		os.Remove(t.outPath(docID, f))
	}
	if err := os.Rename(tmp, res.Path); err != nil {
		os.Remove(tmp)
		return shrink.Result{}, fmt.Errorf("tray: %w", err)
	}
	return res, nil
}

func (t *Tray) outPath(docID, format string) string {
	ext := map[string]string{shrink.PDF: ".pdf", shrink.JPEG: ".jpg", shrink.PNG: ".png"}[format]
	return filepath.Join(t.dir, "out", docID+ext)
}

// store writes a scanned page and its thumbnail.
func (t *Tray) store(id string, img image.Image, dpi int) (shrink.Page, error) {
	s, err := shrink.PrepareScan(img, dpi, ThumbSize)
	if err != nil {
		return shrink.Page{}, fmt.Errorf("tray: %w", err)
	}
	page := shrink.Page{ID: id, Path: filepath.Join(t.dir, id+s.Ext), DPI: float64(s.DPI), Thumb: filepath.Join(t.dir, id+".thumb.png"), Warning: s.Warning}
	if err := os.WriteFile(page.Path, s.Data, 0o600); err != nil {
		return shrink.Page{}, fmt.Errorf("tray: %w", err)
	}
	if err := writePNG(page.Thumb, s.Thumb); err != nil {
		removePage(page)
		return shrink.Page{}, fmt.Errorf("tray: thumbnail: %w", err)
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
	return writePNG(path, shrink.Turn(img, q))
}

func writePNG(path string, img image.Image) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, buf.Bytes(), 0o600)
}

func removePage(p shrink.Page) {
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
	j := slices.IndexFunc(t.docs[i].Pages, func(p shrink.Page) bool { return p.ID == pageID })
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
