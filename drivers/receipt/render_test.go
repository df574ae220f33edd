package receipt

import (
	"bytes"
	"errors"
	"flag"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"borne/internal/receiptspec"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func mustProfile(t testing.TB, name string) Profile {
	t.Helper()
	p, ok := LookupProfile(name)
	if !ok {
		t.Fatalf("no profile %q", name)
	}
	return p
}

// TestProfiles: every printer model writes text in CP858, and every baud
// rate of the configuration has a termios speed.
func TestProfiles(t *testing.T) {
	names := receiptspec.ProfileNames()
	if len(names) < 2 || !slices.Contains(names, DefaultProfile) {
		t.Fatalf("profiles %v", names)
	}
	for _, n := range names {
		p := mustProfile(t, n)
		if _, num, ok := textCodePage(p); !ok || p.CodePages["cp858"] != num {
			t.Errorf("%s: text code page %d, %v; want cp858", n, num, ok)
		}
	}
	for _, b := range receiptspec.Bauds {
		if _, ok := bauds[b]; !ok {
			t.Errorf("baud %d: no termios speed", b)
		}
	}
	if len(bauds) != len(receiptspec.Bauds) {
		t.Errorf("termios speeds %v, configuration's %v", bauds, receiptspec.Bauds)
	}
}

// The bytes CP858 gives the letters of French, Spanish and Portuguese and
// the euro sign, as the printer's code page 19 table prints them.
func TestEncodeText(t *testing.T) {
	cm, _, _ := textCodePage(mustProfile(t, DefaultProfile))
	tests := []struct {
		in   string
		want []byte // nil: refused, must go as an image
	}{
		{"Reçu: 12 €", []byte{'R', 'e', 0x87, 'u', ':', ' ', '1', '2', ' ', 0xd5}},
		{"éèêëàâîïôùûüÿ", []byte{0x82, 0x8a, 0x88, 0x89, 0x85, 0x83, 0x8c, 0x8b, 0x93, 0x97, 0x96, 0x81, 0x98}},
		{"ÉÀÇ", []byte{0x90, 0xb7, 0x80}},
		{"ñ¿¡", []byte{0xa4, 0xa8, 0xad}},
		{"ãõ", []byte{0xc6, 0xe4}},
		{"« a »", []byte{0xae, ' ', 'a', ' ', 0xaf}},
		{fold("sœur – l’été…"), []byte("soeur - l'\x82t\x82...")},
		{"sœur", nil},
		{"مرحبا", nil},
		{"tab\there", nil},
	}
	for _, tt := range tests {
		got, ok := encodeText(cm, tt.in)
		if ok != (tt.want != nil) || !bytes.Equal(got, tt.want) {
			t.Errorf("%q: % x, %v; want % x", tt.in, got, ok, tt.want)
		}
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in   string
		cols int
		want []string
	}{
		{"", 10, []string{""}},
		{"one two three", 7, []string{"one two", "three"}},
		{"one two three", 13, []string{"one two three"}},
		{"  spaced   out  ", 20, []string{"spaced out"}},
		{"https://www.example.fr/long", 10, []string{"https://ww", "w.example.", "fr/long"}},
		{"a\n\nb", 5, []string{"a", "", "b"}},
		{"ééé ààà", 4, []string{"ééé", "ààà"}},
	}
	for _, tt := range tests {
		if got := wrap(tt.in, tt.cols); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.in, tt.cols, got, tt.want)
		}
	}
}

func TestJustification(t *testing.T) {
	tests := []struct {
		a    Align
		rtl  bool
		want byte
	}{
		{Start, false, JustifyLeft}, {End, false, JustifyRight}, {Center, false, JustifyCenter},
		{Start, true, JustifyRight}, {End, true, JustifyLeft}, {Center, true, JustifyCenter},
	}
	for _, tt := range tests {
		if got := justification(tt.a, tt.rtl); got != tt.want {
			t.Errorf("justification(%v, %v) = %d, want %d", tt.a, tt.rtl, got, tt.want)
		}
	}
}

// sampleDoc has a block of each kind, in French.
func sampleDoc() *Doc {
	var d Doc
	d.Text("Borne — essai", Style{Large: true, Bold: true, Align: Center})
	d.Text("Attestation imprimée : 2 pages. Coût : 0 €.", Style{})
	d.Rule()
	d.Text("Prochaine étape : déclaration trimestrielle du 1er au 15 janvier.", Style{Bold: true})
	d.QR("https://www.caf.fr/")
	logo := image.NewGray(image.Rect(0, 0, 16, 8)) // all black
	d.Image(logo)
	d.Feed(1)
	d.Text("Fin", Style{Align: End})
	return &d
}

// The encoded stream is pinned byte for byte: any change to it is a change
// to what every printer in the field receives, and must be looked at.
func TestRenderGolden(t *testing.T) {
	for _, profile := range []string{"generic-80mm", "generic-58mm"} {
		t.Run(profile, func(t *testing.T) {
			got, err := Render(sampleDoc(), mustProfile(t, profile), nil)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", profile+".bin"), got)
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (%d bytes, want %d): run go test -update and look at the difference", path, len(got), len(want))
	}
}

func TestRenderNeedsFontsForArabic(t *testing.T) {
	var d Doc
	d.Text("مرحبا", Style{})
	if _, err := Render(&d, mustProfile(t, DefaultProfile), nil); !errors.Is(err, ErrNoFonts) {
		t.Fatalf("err = %v, want ErrNoFonts", err)
	}
	fonts := testFonts(t)
	d.RTL = true
	data, err := Render(&d, mustProfile(t, DefaultProfile), fonts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte{gs, 'v', '0', 0, 576 / 8, 0}) {
		t.Error("Arabic text did not go out as a raster image as wide as the paper")
	}
}

func testFonts(t testing.TB) *Fonts {
	t.Helper()
	f, err := LoadFonts(DefaultFontDir)
	if err != nil {
		t.Skipf("fonts-noto-core is needed: %v", err)
	}
	return f
}

func TestFontsShapeArabic(t *testing.T) {
	f := testFonts(t)
	// Joined, a word is narrower than its letters drawn apart: shaping ran.
	joined := inkWidth(f.Paragraphs("سلام", 24, 576, false, true, JustifyLeft))
	apart := inkWidth(f.Paragraphs("س ل ا م", 24, 576, false, true, JustifyLeft))
	if joined == 0 || joined >= apart {
		t.Errorf("joined width %d, letters apart %d", joined, apart)
	}
	// Right to left, justified right: the ink ends at the right edge.
	img := f.Paragraphs("سلام", 24, 576, false, true, JustifyRight)
	if last := inkRight(img); last < 570 {
		t.Errorf("right-justified Arabic ends at x=%d", last)
	}
	// Wrapped to the width: a long paragraph makes several lines.
	long := strings.Repeat("كلمة ", 60)
	if h1, h := f.Paragraphs("كلمة", 24, 576, false, true, 0).Bounds().Dy(), f.Paragraphs(long, 24, 576, false, true, 0).Bounds().Dy(); h < 3*h1 {
		t.Errorf("long paragraph %d px high, one line %d", h, h1)
	}
}

func inkWidth(img *image.Gray) int {
	l, r := img.Bounds().Dx(), -1
	for y := 0; y < img.Bounds().Dy(); y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			if img.GrayAt(x, y).Y == 0 {
				l, r = min(l, x), max(r, x)
			}
		}
	}
	return max(0, r-l+1)
}

func inkRight(img *image.Gray) int {
	r := -1
	for y := 0; y < img.Bounds().Dy(); y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			if img.GrayAt(x, y).Y == 0 {
				r = max(r, x)
			}
		}
	}
	return r
}
