package downloads

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
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
	info, err := Inspect(context.Background(), good)
	if err != nil || info.Pages != 1 || info.Name != "good.pdf" {
		t.Fatalf("Inspect(good) = %+v, %v", info, err)
	}
	for name, data := range map[string][]byte{
		"html.pdf":      []byte("<html>not a pdf</html>"),
		"truncated.pdf": demosite.Attestation("CAF", time.Now())[:120],
		"garbage.pdf":   []byte("%PDF-1.7\n\x00\x01garbage"),
	} {
		p := write(name, data)
		if _, err := Inspect(context.Background(), p); !errors.Is(err, ErrNotPDF) {
			t.Errorf("Inspect(%s) = %v, want ErrNotPDF", name, err)
		}
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s was kept after failing", name)
		}
	}
}

// A hostile PDF (a page tree as deep as the file allows) is checked by a
// child process with a memory ceiling, given up at the deadline, and removed.
func TestInspectIsBounded(t *testing.T) {
	p := filepath.Join(t.TempDir(), "deep.pdf")
	if err := os.WriteFile(p, demosite.DeepPageTree(20<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	done := make(chan error, 1)
	go func() { _, err := Inspect(ctx, p); done <- err }()
	ceiling := ""
	for ceiling == "" && ctx.Err() == nil {
		ceiling = checkerCeiling()
	}
	if n, err := strconv.ParseUint(ceiling, 10, 64); err != nil || n > addressSpace()+2*InspectMemory {
		t.Fatalf("the checker's address space is not bounded: %q", ceiling)
	}
	err := <-done
	if !errors.Is(err, ErrUncheckable) {
		t.Fatalf("Inspect(deep tree) = %v, want ErrUncheckable", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("a 3 s deadline held the caller %v", took)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatal("the hostile PDF was kept")
	}
}

func TestInspectRefusesOversizedFilesWithoutReadingThem(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.pdf")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, MaxBytes+1); err != nil {
		t.Fatal(err)
	}
	if _, err := Inspect(context.Background(), p); !errors.Is(err, ErrTooBig) {
		t.Fatalf("Inspect(MaxBytes+1) = %v, want ErrTooBig", err)
	}
}

// Whatever the bytes, the inspector answers within its deadline with a
// verdict: a PDF with pages, or one of its refusals.
func FuzzInspect(f *testing.F) {
	f.Add(demosite.Attestation("CAF", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	f.Add([]byte("%PDF-1.4\ntrailer<</Root 1 0 R>>"))
	f.Add(demosite.DeepPageTree(64 << 10))
	dir := f.TempDir()
	const deadline = 2 * time.Second
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "f.pdf")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		start := time.Now()
		info, err := Inspect(ctx, p)
		if took := time.Since(start); took > deadline+5*time.Second {
			t.Fatalf("answered after %v, deadline %v", took, deadline)
		}
		switch {
		case err == nil && info.Pages < 1:
			t.Fatalf("accepted a PDF with %d pages", info.Pages)
		case err != nil && !errors.Is(err, ErrNotPDF) && !errors.Is(err, ErrUncheckable) && !errors.Is(err, ErrTooBig):
			t.Fatalf("unclassified refusal: %v", err)
		}
	})
}

// checkerCeiling is the soft address-space limit of this test's checker
// child, once it has set it ("" before).
func checkerCeiling() string {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		limits, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "limits"))
		for _, line := range strings.Split(string(limits), "\n") {
			if f := strings.Fields(line); len(f) > 3 && strings.HasPrefix(line, "Max address space") && f[3] != "unlimited" {
				return f[3]
			}
		}
	}
	return ""
}

// A wiped session directory is not made again by a late download.
func TestPathNeverRemakesAWipedDir(t *testing.T) {
	gone := filepath.Join(t.TempDir(), "s-wiped")
	if p, err := Path(filepath.Join(gone, "downloads"), "a.pdf"); err == nil {
		t.Fatalf("Path in a wiped dir = %q, want an error", p)
	}
	if _, err := os.Stat(gone); !os.IsNotExist(err) {
		t.Fatalf("the wiped dir came back: %v", err)
	}
}
