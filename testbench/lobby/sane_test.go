package lobby

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSANEConfig(t *testing.T) {
	dir := t.TempDir()
	env, err := SANEConfig(dir, []string{"../../testdata/pages/letter.jpg", "../../testdata/pages/linn.png"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"SANE_CONFIG_DIR=" + filepath.Join(dir, "sane.d"), "BORNE_PNM_PAGES=" + filepath.Join(dir, "pages")}
	if !slices.Equal(env, want) {
		t.Errorf("env %q, want %q", env, want)
	}
	dll, err := os.ReadFile(filepath.Join(dir, "sane.d", "dll.conf"))
	if err != nil || !strings.Contains(string(dll), "\npnm\ntest\n") {
		t.Errorf("dll.conf: %q, %v", dll, err)
	}
	for name, header := range map[string]string{"page-01.ppm": "P6\n2480 3508\n255\n", "page-02.pgm": "P5\n2550 3300\n255\n"} {
		data, err := os.ReadFile(filepath.Join(dir, "pages", name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(data), header) {
			t.Errorf("%s starts %q, want %q", name, data[:20], header)
		}
	}
	if _, err := SANEConfig(t.TempDir(), []string{"sane_test.go"}); err == nil {
		t.Error("a page that is not an image was taken")
	}
}
