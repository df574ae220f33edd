package downloads

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"borne/testbench/demosite"
)

func TestWanted(t *testing.T) {
	tests := []struct {
		mime, name string
		want       bool
	}{
		{"application/pdf", "attestation.pdf", true},
		{"application/pdf; charset=binary", "x", true},
		{"application/octet-stream", "attestation.PDF", true},
		{"application/octet-stream", "setup.exe", false},
		{"text/html", "page.pdf", false},
		{"application/zip", "docs.zip", false},
		{"image/jpeg", "photo.jpg", false},
	}
	for _, tc := range tests {
		if got := Wanted(tc.mime, tc.name); got != tc.want {
			t.Errorf("Wanted(%q, %q) = %v", tc.mime, tc.name, got)
		}
	}
}

func TestPathIsSafeAndUnique(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]string{
		"attestation.pdf":           "attestation.pdf",
		"../../etc/passwd":          "passwd.pdf",
		"..\\..\\windows\\evil.pdf": "evil.pdf",
		".hidden.pdf":               "hidden.pdf",
		"relevé de droits (1).pdf":  "relevé_de_droits__1_.pdf",
		"":                          "document.pdf",
		strings.Repeat("a", 300):    strings.Repeat("a", 76) + ".pdf",
	}
	for in, want := range tests {
		p, err := Path(dir, in)
		if err != nil || filepath.Dir(p) != dir || filepath.Base(p) != want {
			t.Errorf("Path(%q) = %q, %v; want %s in the dir", in, p, err, want)
		}
	}
	first, _ := Path(dir, "a.pdf")
	os.WriteFile(first, nil, 0o600)
	second, _ := Path(dir, "a.pdf")
	if filepath.Base(second) != "a-2.pdf" {
		t.Fatalf("second a.pdf named %q", second)
	}
}

func TestInspect(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.pdf", demosite.Attestation("CAF", time.Now()))
	info, err := Inspect(good)
	if err != nil || info.Pages != 1 || info.Name != "good.pdf" {
		t.Fatalf("Inspect(good) = %+v, %v", info, err)
	}
	for name, data := range map[string][]byte{
		"html.pdf":      []byte("<html>not a pdf</html>"),
		"truncated.pdf": demosite.Attestation("CAF", time.Now())[:120],
		"garbage.pdf":   []byte("%PDF-1.7\n\x00\x01garbage"),
	} {
		p := write(name, data)
		if _, err := Inspect(p); !errors.Is(err, ErrNotPDF) {
			t.Errorf("Inspect(%s) = %v, want ErrNotPDF", name, err)
		}
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s was kept after failing", name)
		}
	}
}

func FuzzInspect(f *testing.F) {
	f.Add(demosite.Attestation("CAF", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	f.Add([]byte("%PDF-1.4\ntrailer<</Root 1 0 R>>"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "f.pdf")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if info, err := Inspect(p); err == nil && info.Pages < 1 {
			t.Fatalf("accepted a PDF with %d pages", info.Pages)
		}
	})
}
