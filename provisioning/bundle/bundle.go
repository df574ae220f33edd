// Package bundle is how a fleet of kiosks is configured: a signed bundle
// (the configuration, which holds the service catalogue and the agency
// directory, and branding images) made once with a private key, checked on each kiosk
// against its trust file, and applied atomically with a rollback.
//
// A bundle is a gzipped tar holding manifest.json (every file with its
// size and SHA-256), manifest.sig (the ed25519 signature of manifest.json's
// exact bytes, in base64) and the files. A kiosk takes a bundle only when a
// key of its trust file signed the manifest, every file matches it, and
// nothing else is in the archive.
package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Names inside a bundle.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
	ConfigName    = "borne.toml" // the kiosk configuration: service catalogue and agency directory included
)

// Format is the manifest format this package writes and reads.
const Format = 1

// MaxSize bounds a bundle, packed and unpacked: it is read into memory.
const MaxSize = 64 << 20

// File is one file of a bundle, as the manifest lists it.
type File struct {
	Path   string `json:"path"` // slash-separated, relative
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // hex
}

// Manifest is what the signature covers.
type Manifest struct {
	Format int `json:"format"`
	// Created orders bundles: a kiosk refuses one older than the bundle it
	// runs, so an old signed bundle cannot be replayed to undo a fix.
	Created time.Time `json:"created"`
	Comment string    `json:"comment,omitempty"` // e.g. "autumn catalogue, CAF hosts fixed"
	Files   []File    `json:"files"`
}

// ID names the bundle's directory on a kiosk: its date and a hash prefix.
func (m *Manifest) ID(raw []byte) string {
	sum := sha256.Sum256(raw)
	return m.Created.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(sum[:4])
}

// Rule says which files a bundle may hold, how large, and how each is
// checked beyond its hash. The configuration is checked when it is applied,
// once this kiosk's identity is merged in (see Compose).
type Rule struct {
	Pattern string // path.Match pattern
	MaxSize int64
	Check   func(data []byte) error // nil: no check
}

// Rules is the closed list of what a bundle may hold; anything else is
// refused, so that a bundle cannot drop arbitrary files on a kiosk.
var Rules = []Rule{
	{ConfigName, 4 << 20, nil},
	{"branding/*.png", 2 << 20, checkSniff("image/png")},
	{"branding/*.jpg", 2 << 20, checkSniff("image/jpeg")},
	{"branding/*.svg", 2 << 20, checkSVG},
}

func ruleFor(p string) (Rule, bool) {
	for _, r := range Rules {
		if ok, _ := path.Match(r.Pattern, p); ok {
			return r, true
		}
	}
	return Rule{}, false
}

func allowedList() string {
	var ps []string
	for _, r := range Rules {
		ps = append(ps, r.Pattern)
	}
	return strings.Join(ps, ", ")
}

func checkSniff(want string) func([]byte) error {
	return func(data []byte) error {
		if got := http.DetectContentType(data); got != want {
			return fmt.Errorf("is %s, not %s", got, want)
		}
		return nil
	}
}

func checkSVG(data []byte) error {
	head := data[:min(len(data), 1024)]
	if !bytes.Contains(head, []byte("<svg")) {
		return errors.New("is not an SVG image")
	}
	// Branding is drawn by the kiosk, never run: an SVG with script or
	// external references has no business there.
	lower := bytes.ToLower(data)
	for _, bad := range []string{"<script", "javascript:", "xlink:href=\"http", "href=\"http", "<foreignobject"} {
		if bytes.Contains(lower, []byte(bad)) {
			return fmt.Errorf("holds %q: SVG images must not script or load anything", bad)
		}
	}
	return nil
}

// Bundle is a bundle whose signature and files have been checked.
type Bundle struct {
	Manifest    Manifest
	RawManifest []byte            // the signed bytes
	Signature   []byte            // manifest.sig as found
	Signer      TrustedKey        // the trusted key that signed it
	Files       map[string][]byte // by manifest path
}

// ID names the bundle (see Manifest.ID).
func (b *Bundle) ID() string { return b.Manifest.ID(b.RawManifest) }

// Make packs the files of dir into a bundle signed with key. Every regular
// file of dir must be allowed by Rules and pass its check, and dir must hold
// a configuration; the configuration itself is checked by Verify and Apply.
func Make(dir string, key ed25519.PrivateKey, created time.Time, comment string) ([]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", rel)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := checkFile(rel, data); err != nil {
			return err
		}
		files[rel] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bundle: make: %w", err)
	}
	if _, ok := files[ConfigName]; !ok {
		return nil, fmt.Errorf("bundle: make: %s has no %s", dir, ConfigName)
	}
	m := Manifest{Format: Format, Created: created.UTC().Truncate(time.Second), Comment: comment}
	for _, p := range slices.Sorted(maps.Keys(files)) {
		sum := sha256.Sum256(files[p])
		m.Files = append(m.Files, File{Path: p, Size: int64(len(files[p])), SHA256: hex.EncodeToString(sum[:])})
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("bundle: make: %w", err)
	}
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(key, raw)) + "\n"

	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	add := func(name string, data []byte) error {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: m.Created, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	err = errors.Join(add(ManifestName, raw), add(SignatureName, []byte(sig)))
	for _, f := range m.Files {
		err = errors.Join(err, add(f.Path, files[f.Path]))
	}
	if err = errors.Join(err, tw.Close(), zw.Close()); err != nil {
		return nil, fmt.Errorf("bundle: make: %w", err)
	}
	return buf.Bytes(), nil
}

// checkFile checks one file against Rules.
func checkFile(p string, data []byte) error {
	r, ok := ruleFor(p)
	if !ok {
		return fmt.Errorf("%s: not a file a bundle may hold (allowed: %s)", p, allowedList())
	}
	if int64(len(data)) > r.MaxSize {
		return fmt.Errorf("%s: %d bytes, more than the %d allowed", p, len(data), r.MaxSize)
	}
	if r.Check != nil {
		if err := r.Check(data); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}

// ErrUntrusted says no key of the trust file signed the bundle.
var ErrUntrusted = errors.New("bundle: not signed by a trusted key")

// Open unpacks a bundle and checks it: signed by one of trusted, every file
// listed by the manifest present with its size and hash and allowed by
// Rules, nothing else in the archive. The configuration is not checked here.
func Open(archive []byte, trusted []TrustedKey) (*Bundle, error) {
	if len(archive) > MaxSize {
		return nil, fmt.Errorf("bundle: %d bytes, more than %d", len(archive), MaxSize)
	}
	entries, err := untar(archive)
	if err != nil {
		return nil, err
	}
	b := &Bundle{RawManifest: entries[ManifestName], Signature: entries[SignatureName], Files: map[string][]byte{}}
	if b.RawManifest == nil || b.Signature == nil {
		return nil, fmt.Errorf("bundle: no %s or %s: not a Borne bundle", ManifestName, SignatureName)
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b.Signature)))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("bundle: %s is not a base64 ed25519 signature", SignatureName)
	}
	signed := false
	for _, k := range trusted {
		if ed25519.Verify(k.Key, b.RawManifest, sig) {
			b.Signer, signed = k, true
			break
		}
	}
	if !signed {
		return nil, ErrUntrusted
	}
	// From here on the manifest is the signer's word.
	dec := json.NewDecoder(bytes.NewReader(b.RawManifest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b.Manifest); err != nil {
		return nil, fmt.Errorf("bundle: %s: %w", ManifestName, err)
	}
	if b.Manifest.Format != Format {
		return nil, fmt.Errorf("bundle: format %d; this kiosk reads format %d", b.Manifest.Format, Format)
	}
	for _, f := range b.Manifest.Files {
		data, ok := entries[f.Path]
		switch {
		case !ok:
			return nil, fmt.Errorf("bundle: %s is in the manifest but not in the bundle", f.Path)
		case f.Path == ManifestName || f.Path == SignatureName:
			return nil, fmt.Errorf("bundle: the manifest lists %s", f.Path)
		case int64(len(data)) != f.Size || hexSum(data) != f.SHA256:
			return nil, fmt.Errorf("bundle: %s does not match the manifest: altered after signing", f.Path)
		}
		if _, dup := b.Files[f.Path]; dup {
			return nil, fmt.Errorf("bundle: the manifest lists %s twice", f.Path)
		}
		if err := checkFile(f.Path, data); err != nil {
			return nil, fmt.Errorf("bundle: %w", err)
		}
		b.Files[f.Path] = data
	}
	for p := range entries {
		if _, ok := b.Files[p]; !ok && p != ManifestName && p != SignatureName {
			return nil, fmt.Errorf("bundle: %s is not in the manifest: added after signing", p)
		}
	}
	if _, ok := b.Files[ConfigName]; !ok {
		return nil, fmt.Errorf("bundle: no %s", ConfigName)
	}
	return b, nil
}

func hexSum(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// untar reads every regular file of a gzipped tar, refusing anything that
// could land outside the bundle's directory or be read twice.
func untar(archive []byte) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		return nil, fmt.Errorf("bundle: not a gzipped tar: %w", err)
	}
	tr := tar.NewReader(io.LimitReader(zr, MaxSize+1))
	entries := map[string][]byte{}
	var total int64
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return entries, nil
		}
		if err != nil {
			return nil, fmt.Errorf("bundle: read archive: %w", err)
		}
		name := hdr.Name
		switch {
		case hdr.Typeflag == tar.TypeDir:
			continue
		case hdr.Typeflag != tar.TypeReg:
			return nil, fmt.Errorf("bundle: %s: only regular files are allowed", name)
		case !fs.ValidPath(name) || name == ".":
			return nil, fmt.Errorf("bundle: %q: not a clean relative path", name)
		case entries[name] != nil:
			return nil, fmt.Errorf("bundle: %s appears twice", name)
		}
		if total += hdr.Size; total > MaxSize {
			return nil, fmt.Errorf("bundle: more than %d bytes unpacked", MaxSize)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("bundle: read %s: %w", name, err)
		}
		entries[name] = data
	}
}
