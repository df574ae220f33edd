package scanner_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"borne/drivers/scanner"
	"borne/testbench/escl"
	"borne/testbench/lobby"
)

// esclScanner is the lobby's network scanner the tests reach through
// Debian's sane-airscan backend (lobby.ESCLDevice).
var esclScanner *escl.Scanner

// esclPages are the pages it serves in turn.
var esclPages = []string{samplePage, "../../testdata/pages/linn.png"}

// startESCL serves the eSCL scanner on a free loopback port and adds it to
// the SANE configuration in dir, before libsane starts.
func startESCL(dir string) (stop func(), err error) {
	if esclScanner, err = escl.New(esclPages, nil); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if err := lobby.AddESCL(dir, "http://"+ln.Addr().String()+"/eSCL"); err != nil {
		ln.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	go esclScanner.Serve(ctx, ln)
	return cancel, nil
}

// TestAirscan scans through the real sane-airscan backend from the eSCL
// simulator: the flatbed page at the resolution asked, every sheet of the
// feeder, and the feeder's faults as airscan reports them.
func TestAirscan(t *testing.T) {
	// The simulated glass is 2550×3508 three-hundredths of an inch.
	glass := func(dpi int) (int, int) { return 2550 * dpi / 300, 3508 * dpi / 300 }
	for _, c := range []struct {
		name      string
		opt       scanner.Options
		feeder    int // sheets in the feeder
		jamAfter  int // <0: no jam
		asleep    int // scan requests answered 503 (waking up): airscan asks again
		busy      int // status answers saying Processing: the driver asks again
		wantPages int
		wantErr   error
	}{
		{"flatbed 100 dpi colour", scanner.Options{Resolution: 100}, 0, -1, 0, 0, 1, nil},
		{"flatbed 150 dpi grey", scanner.Options{Resolution: 150, Mode: scanner.Gray}, 0, -1, 0, 0, 1, nil},
		{"feeder of 3", scanner.Options{Resolution: 75, Source: scanner.ADF}, 3, -1, 0, 0, 3, nil},
		{"feeder empty", scanner.Options{Resolution: 75, Source: scanner.ADF}, 0, -1, 0, 0, 0, scanner.ErrNoDocuments},
		{"feeder jams at the 2nd sheet", scanner.Options{Resolution: 75, Source: scanner.ADF}, 3, 1, 0, 0, 1, scanner.ErrJammed},
		{"feeder jammed", scanner.Options{Resolution: 75, Source: scanner.ADF}, 3, 0, 0, 0, 0, scanner.ErrJammed},
		{"asleep, woken", scanner.Options{Resolution: 75}, 0, -1, 1, 0, 1, nil},
		{"busy, waited for", scanner.Options{Resolution: 75}, 0, -1, 0, 2, 1, nil},
		{"busy too long", scanner.Options{Resolution: 75, Wake: time.Millisecond}, 0, -1, 0, 2, 0, scanner.ErrBusy},
	} {
		t.Run(c.name, func(t *testing.T) {
			esclScanner.SetFeeder(c.feeder)
			esclScanner.SetJam(c.jamAfter)
			esclScanner.SetAsleep(c.asleep)
			esclScanner.SetBusy(c.busy)
			t.Cleanup(func() { esclScanner.SetJam(-1); esclScanner.SetAsleep(0); esclScanner.SetBusy(0) })
			var waits atomic.Int32
			c.opt.Waiting = func(err error) {
				if !errors.Is(err, scanner.ErrBusy) {
					t.Errorf("waiting for %v, want ErrBusy", err)
				}
				waits.Add(1)
			}
			pages, err := open(t, lobby.ESCLDevice).Scan(context.Background(), c.opt, nil)
			if !errors.Is(err, c.wantErr) || (err == nil) != (c.wantErr == nil) {
				t.Fatalf("scan: %v (%s), want %v", err, scanner.Describe(err).Code, c.wantErr)
			}
			if len(pages) != c.wantPages {
				t.Fatalf("%d pages, want %d", len(pages), c.wantPages)
			}
			if c.busy > 0 && c.wantErr == nil && waits.Load() == 0 {
				t.Error("a busy scanner was not waited for")
			}
			w, h := glass(c.opt.Resolution)
			if c.opt.Source != scanner.ADF && len(pages) == 1 {
				if d := nearestPage(t, pages[0].Image, c.opt); d > 3 {
					t.Errorf("the scan differs from every lobby page by %.1f levels on average", d)
				}
			}
			for i, p := range pages {
				if p.DPI != c.opt.Resolution || p.Image.Bounds().Dx() != w || p.Image.Bounds().Dy() != h {
					t.Errorf("page %d: %v at %d dpi, want %d×%d at %d dpi", i+1, p.Image.Bounds(), p.DPI, w, h, c.opt.Resolution)
				}
			}
		})
	}
}

// nearestPage is the mean difference, in grey levels, between img and the
// closest of the simulator's pages as it renders them for opt.
func nearestPage(t *testing.T, img image.Image, opt scanner.Options) float64 {
	t.Helper()
	mode := "RGB24"
	if opt.Mode == scanner.Gray {
		mode = "Grayscale8"
	}
	best := math.Inf(1)
	for _, path := range esclPages {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		page, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		st := escl.Settings{Source: "Platen", ColorMode: mode, Format: "image/jpeg", XResolution: opt.Resolution, YResolution: opt.Resolution, Width: 2550, Height: 3508}
		data, err := escl.Render(page, st)
		if err != nil {
			t.Fatal(err)
		}
		want, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if want.Bounds() != img.Bounds() {
			continue
		}
		var sum float64
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				g1 := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
				g2 := color.GrayModel.Convert(want.At(x, y)).(color.Gray).Y
				sum += math.Abs(float64(g1) - float64(g2))
			}
		}
		best = min(best, sum/float64(b.Dx()*b.Dy()))
	}
	return best
}

// BenchmarkPage is the time per page of a colour flatbed scan of the lobby
// page, through SANE's pnm backend (a file read, no protocol) and through
// sane-airscan from the eSCL simulator (HTTP, JPEG decoded by airscan), at
// the same 300 dpi and at lower resolutions. The simulator serves pages it
// rendered before (BenchmarkRender in testbench/escl times that).
func BenchmarkPage(b *testing.B) {
	for _, c := range []struct {
		name   string
		device string
		dpi    int
	}{
		{"pnm/300dpi", "pnm:0", 300},
		{"airscan/300dpi", lobby.ESCLDevice, 300},
		{"airscan/150dpi", lobby.ESCLDevice, 150},
		{"airscan/75dpi", lobby.ESCLDevice, 75},
	} {
		b.Run(c.name, func(b *testing.B) {
			d, err := scanner.Open(context.Background(), c.device)
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			opt := scanner.Options{Resolution: c.dpi}
			// The simulator renders each of its pages once per setting:
			// render them before timing.
			for range esclPages {
				if _, err := d.Scan(context.Background(), opt, nil); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				pages, err := d.Scan(context.Background(), opt, nil)
				if err != nil || len(pages) != 1 {
					b.Fatalf("%d pages, %v", len(pages), err)
				}
			}
		})
	}
}
