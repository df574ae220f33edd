package lobby

import (
	"bufio"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // sample pages are JPEG…
	_ "image/png"  // …or PNG
	"os"
	"path/filepath"
	"strings"

	"borne/drivers/scanner"
)

// SANEConfig writes into dir a private SANE configuration for the simulated
// lobby and returns the environment that points libsane and Borne's scanner
// driver at it; nothing in /etc is read or written. It enables two of SANE's
// own backends: pnm ("pnm:0", "pnm:1"), which serves pages, here the given
// ones converted to PNM in dir/pages and taken in turn; and test ("test:0"),
// which injects faults through its options (read-return-value, hand-scanner,
// three-pass, read-delay…).
func SANEConfig(dir string, pages []string) (env []string, err error) {
	conf := filepath.Join(dir, "sane.d")
	pagesDir := filepath.Join(dir, "pages")
	for _, d := range []string{conf, pagesDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("lobby: SANE config: %w", err)
		}
	}
	files := map[string]string{
		"dll.conf":  "# Borne's simulated lobby: SANE's page-serving and fault-injecting backends.\npnm\ntest\n",
		"test.conf": "number_of_devices 1\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(conf, name), []byte(content), 0o600); err != nil {
			return nil, fmt.Errorf("lobby: SANE config: %w", err)
		}
	}
	for i, p := range pages {
		if err := toPNM(p, filepath.Join(pagesDir, fmt.Sprintf("page-%02d", i+1))); err != nil {
			return nil, fmt.Errorf("lobby: SANE page %s: %w", p, err)
		}
	}
	// Without a trailing colon, SANE_CONFIG_DIR replaces /etc/sane.d.
	return []string{"SANE_CONFIG_DIR=" + conf, scanner.PNMPagesEnv + "=" + pagesDir}, nil
}

// toPNM converts an image file to binary PGM (grey) or PPM, the formats the
// pnm backend reads, at base plus the right extension.
func toPNM(src, base string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	img, _, err := image.Decode(bufio.NewReader(f))
	if err != nil {
		return err
	}
	b := img.Bounds()
	rgba := image.NewRGBA(b)
	draw.Draw(rgba, b, img, b.Min, draw.Src)
	grey := true
	for i := 0; i < len(rgba.Pix) && grey; i += 4 {
		grey = rgba.Pix[i] == rgba.Pix[i+1] && rgba.Pix[i+1] == rgba.Pix[i+2]
	}
	magic, ext, samples := "P6", ".ppm", 3
	if grey {
		magic, ext, samples = "P5", ".pgm", 1
	}
	out, err := os.Create(base + ext)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	fmt.Fprintf(w, "%s\n%d %d\n255\n", magic, b.Dx(), b.Dy())
	row := make([]byte, b.Dx()*samples)
	for y := range b.Dy() {
		px := rgba.Pix[y*rgba.Stride:]
		for x := range b.Dx() {
			if grey {
				row[x] = px[4*x]
			} else {
				copy(row[3*x:3*x+3], px[4*x:4*x+3])
			}
		}
		w.Write(row)
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// UseSANE writes the configuration as SANEConfig does and points this
// process's libsane at it; call it before anything initialises libsane.
// It returns the environment too, for child processes.
func UseSANE(dir string, pages []string) (env []string, err error) {
	if env, err = SANEConfig(dir, pages); err != nil {
		return nil, err
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if err := os.Setenv(k, v); err != nil {
			return nil, fmt.Errorf("lobby: SANE environment: %w", err)
		}
	}
	return env, nil
}

// ESCLDevice is the SANE name sane-airscan gives the lobby's eSCL scanner
// once AddESCL has configured it.
const ESCLDevice = "airscan:e0:Borne eSCL"

// AddESCL adds Debian's sane-airscan backend to the SANE configuration in
// dir (as SANEConfig wrote it), with the eSCL scanner at url
// (http://HOST:PORT/eSCL) declared statically and discovery off: a scanner
// asleep between residents stays listed, and listing takes no time.
func AddESCL(dir, url string) error {
	conf := filepath.Join(dir, "sane.d")
	dll, err := os.OpenFile(filepath.Join(conf, "dll.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("lobby: eSCL scanner: %w", err)
	}
	_, err = dll.WriteString("# The lobby's network scanner (eSCL), through sane-airscan.\nairscan\n")
	if cerr := dll.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("lobby: eSCL scanner: %w", err)
	}
	name := strings.TrimPrefix(ESCLDevice, "airscan:e0:")
	airscan := fmt.Sprintf("[devices]\n%q = %s, eSCL\n\n[options]\ndiscovery = disable\n", name, url)
	if err := os.WriteFile(filepath.Join(conf, "airscan.conf"), []byte(airscan), 0o600); err != nil {
		return fmt.Errorf("lobby: eSCL scanner: %w", err)
	}
	return nil
}
