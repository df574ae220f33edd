package scanner_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"borne/drivers/scanner"
	"borne/testbench/lobby"
)

// samplePage is the page the simulated lobby's pnm scanner serves.
const samplePage = "../../testdata/pages/letter.jpg"

// caseEnv carries a test-backend scan to a child process (see scanChild).
const caseEnv = "BORNE_SANE_CASE"

// TestMain points libsane at the simulated lobby's private configuration:
// SANE's pnm and test backends and the eSCL scanner through sane-airscan,
// nothing from /etc. In a child process it
// runs the one scan it was given instead of the tests.
func TestMain(m *testing.M) {
	if c := os.Getenv(caseEnv); c != "" {
		runChild(c)
		return
	}
	dir, err := os.MkdirTemp("", "borne-sane-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if _, err := lobby.UseSANE(dir, []string{samplePage}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	stop, err := startESCL(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

func open(t *testing.T, name string) scanner.Device {
	t.Helper()
	d, err := scanner.Open(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	return d
}

// testCase is one scan on the test backend.
type testCase struct {
	Opt         scanner.Options
	Timeout     time.Duration // of the scan's context
	CancelAfter time.Duration // cancel the context after this
	CloseAfter  time.Duration // close the device during the scan
}

// outcome is what a scan gave.
type outcome struct {
	Pages   int
	Type    string
	Size    image.Point
	At55    string // the first page's pixel at (5, 5)
	Sum     string // of the first page's pixels
	Matches []string
	Code    string // scanner.Describe(err).Code when the scan failed
	Err     string
	Took    time.Duration
	Again   string // Describe of a scan after Close, when closed
}

var sentinels = map[string]error{
	"ErrJammed": scanner.ErrJammed, "ErrNoDocuments": scanner.ErrNoDocuments, "ErrCoverOpen": scanner.ErrCoverOpen,
	"ErrBusy": scanner.ErrBusy, "ErrIO": scanner.ErrIO, "ErrGone": scanner.ErrGone, "ErrTimeout": scanner.ErrTimeout,
	"ErrCancelled": scanner.ErrCancelled, "ErrLocked": scanner.ErrLocked, "ErrNoMemory": scanner.ErrNoMemory,
	"ErrDenied": scanner.ErrDenied, "ErrUnsupported": scanner.ErrUnsupported, "ErrInvalid": scanner.ErrInvalid,
	"ErrTooLarge": scanner.ErrTooLarge, "ErrBadFrame": scanner.ErrBadFrame, "ErrClosed": scanner.ErrClosed,
	"context.Canceled": context.Canceled,
}

// scanChild runs a scan on the test backend in a child process. The test
// backend cancels its reader thread asynchronously (sanei_thread), and now
// and then the thread dies holding a malloc lock: the next sane_cancel then
// never returns, and every later libsane call waits for it. The driver
// survives that (Scan returns; the lock stays with the stuck call), but the
// tests after it would not: each scan gets a fresh process, and a child
// that hangs before answering is run again.
func scanChild(t *testing.T, c testCase) outcome {
	t.Helper()
	spec, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 1; attempt <= 3; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := exec.CommandContext(ctx, os.Args[0])
		cmd.Env = append(os.Environ(), caseEnv+"="+string(spec))
		out, _ := cmd.Output()
		cancel()
		if _, js, ok := strings.Cut(string(out), "OUTCOME "); ok {
			var o outcome
			if err := json.Unmarshal([]byte(js), &o); err != nil {
				t.Fatalf("child answered %q: %v", js, err)
			}
			return o
		}
		t.Logf("attempt %d: the test backend hung; trying again", attempt)
	}
	t.Fatal("the test backend hung three times")
	return outcome{}
}

// runChild scans as told and prints the outcome, then exits at once:
// closing could meet the test backend's hang.
func runChild(spec string) {
	var c testCase
	if err := json.Unmarshal([]byte(spec), &c); err != nil {
		fmt.Println("bad case:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	if c.CancelAfter > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		time.AfterFunc(c.CancelAfter, cancel)
	}
	d, err := scanner.Open(context.Background(), "test:0")
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	if c.CloseAfter > 0 {
		time.AfterFunc(c.CloseAfter, func() { d.Close() })
	}
	start := time.Now()
	pages, err := d.Scan(ctx, c.Opt, nil)
	o := outcome{Pages: len(pages), Took: time.Since(start)}
	if err != nil {
		o.Code, o.Err = scanner.Describe(err).Code, err.Error()
		for name, s := range sentinels {
			if errors.Is(err, s) {
				o.Matches = append(o.Matches, name)
			}
		}
	}
	if len(pages) > 0 {
		img := pages[0].Image
		o.Type, o.Size, o.At55 = fmt.Sprintf("%T", img), img.Bounds().Size(), fmt.Sprint(img.At(5, 5))
		if rgba, ok := img.(*image.RGBA); ok {
			o.Sum = fmt.Sprintf("%x", sha256.Sum256(rgba.Pix))
		}
	}
	if c.CloseAfter > 0 {
		_, err := d.Scan(context.Background(), scanner.Options{}, nil)
		o.Again = scanner.Describe(err).Code
	}
	js, _ := json.Marshal(o)
	fmt.Println("OUTCOME " + string(js))
	os.Exit(0)
}

// The local listing leaves network backends alone (no discovery sockets);
// the full one, and the listing for a network device, find the eSCL scanner.
func TestList(t *testing.T) {
	local := "test:0 pnm:0 pnm:1"
	for _, tc := range []struct {
		name string
		list func(context.Context) ([]scanner.Info, error)
		want string
	}{
		{"local", scanner.List, local},
		{"all", scanner.ListAll, lobby.ESCLDevice + " " + local},
		{"for pnm:0", scanner.ListerFor("pnm:0"), local},
		{"for the eSCL scanner", scanner.ListerFor(lobby.ESCLDevice), lobby.ESCLDevice + " " + local},
	} {
		infos, err := tc.list(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, in := range infos {
			names = append(names, in.Name)
		}
		if got := strings.Join(names, " "); got != tc.want {
			t.Errorf("%s: listed %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestOpenMissing(t *testing.T) {
	_, err := scanner.Open(context.Background(), "nosuch:0")
	if !errors.Is(err, scanner.ErrGone) || scanner.Describe(err).Code != "gone" {
		t.Errorf("open of a missing scanner: %v (%s), want ErrGone", err, scanner.Describe(err).Code)
	}
}

// TestScanLobbyPage scans the lobby's page through the pnm backend: the
// pixels must be those of the page, at the resolution asked.
func TestScanLobbyPage(t *testing.T) {
	f, err := os.Open(samplePage)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	var calls int
	var last [2]int64
	pages, err := open(t, "pnm:0").Scan(context.Background(), scanner.Options{}, func(done, total int64) {
		calls++
		last = [2]int64{done, total}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 1 || pages[0].DPI != 300 || pages[0].Image.Bounds() != want.Bounds() {
		t.Fatalf("got %d pages, first %v at %d dpi; want 1 of %v at 300 dpi", len(pages), pages[0].Image.Bounds(), pages[0].DPI, want.Bounds())
	}
	if calls == 0 || last[0] != last[1] || last[1] != 2480*3508*3 {
		t.Errorf("progress: %d calls, last %v; want the page's %d bytes", calls, last, 2480*3508*3)
	}
	got := pages[0].Image
	for _, p := range []image.Point{{0, 0}, {1200, 1700}, {2479, 3507}, {300, 200}} {
		r1, g1, b1, _ := got.At(p.X, p.Y).RGBA()
		r2, g2, b2, _ := want.At(p.X, p.Y).RGBA()
		if r1>>8 != r2>>8 || g1>>8 != g2>>8 || b1>>8 != b2>>8 {
			t.Errorf("pixel %v = %v, want %v", p, got.At(p.X, p.Y), want.At(p.X, p.Y))
		}
	}
}

// TestFrames scans every kind of frame SANE sends.
func TestFrames(t *testing.T) {
	tests := []struct {
		name  string
		opt   scanner.Options
		pages int
		kind  string
		size  image.Point
		at55  string // the pixel at (5, 5)
	}{
		{"grey", scanner.Options{Mode: scanner.Gray, Resolution: 50}, 1, "*image.Gray", image.Pt(157, 196), "{0}"},
		{"colour", scanner.Options{Mode: scanner.Color, Resolution: 50}, 1, "*image.RGBA", image.Pt(157, 196), "{0 0 0 255}"},
		{"line art", scanner.Options{Mode: scanner.Lineart, Resolution: 50}, 1, "*image.Paletted", image.Pt(157, 196), "{0}"},
		{"white line art", scanner.Options{Mode: scanner.Lineart, Resolution: 50, Extra: map[string]string{"test-picture": "Solid white"}},
			1, "*image.Paletted", image.Pt(157, 196), "{65535}"},
		{"16 bits", scanner.Options{Mode: scanner.Gray, Resolution: 50, Extra: map[string]string{"depth": "16", "test-picture": "Solid white"}},
			1, "*image.Gray", image.Pt(157, 196), "{255}"},
		{"three-pass", scanner.Options{Mode: scanner.Color, Resolution: 50, Extra: map[string]string{"three-pass": "yes", "three-pass-order": "GBR"}},
			1, "*image.RGBA", image.Pt(157, 196), "{0 0 0 255}"},
		{"hand scanner", scanner.Options{Mode: scanner.Color, Resolution: 50, Extra: map[string]string{"hand-scanner": "yes"}},
			1, "*image.RGBA", image.Pt(216, 334), "{0 0 0 255}"},
		{"feeder", scanner.Options{Mode: scanner.Gray, Resolution: 50, Source: scanner.ADF}, 10, "*image.Gray", image.Pt(157, 196), "{0}"},
		{"area", scanner.Options{Mode: scanner.Gray, Resolution: 100, Area: scanner.Area{X: 10, Y: 10, W: 50, H: 25}},
			1, "*image.Gray", image.Pt(196, 98), "{0}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := scanChild(t, testCase{Opt: tt.opt})
			if o.Err != "" {
				t.Fatal(o.Err)
			}
			if o.Pages != tt.pages || o.Type != tt.kind || o.Size != tt.size || o.At55 != tt.at55 {
				t.Errorf("%d pages, a %s of %v, pixel (5, 5) %s; want %d, a %s of %v, %s",
					o.Pages, o.Type, o.Size, o.At55, tt.pages, tt.kind, tt.size, tt.at55)
			}
		})
	}
}

// TestThreePassMatchesOnePass: the colour pattern in three frames, in any
// order, is the same picture as in one.
func TestThreePassMatchesOnePass(t *testing.T) {
	scan := func(extra map[string]string) outcome {
		extra["test-picture"] = "Color pattern"
		o := scanChild(t, testCase{Opt: scanner.Options{Mode: scanner.Color, Resolution: 50, Extra: extra}})
		if o.Err != "" || o.Sum == "" {
			t.Fatalf("%v: %s", extra, o.Err)
		}
		return o
	}
	one := scan(map[string]string{})
	for _, order := range []string{"RGB", "BRG", "GBR"} {
		if three := scan(map[string]string{"three-pass": "yes", "three-pass-order": order}); three.Sum != one.Sum {
			t.Errorf("three-pass page (%s) differs from the one-pass page", order)
		}
	}
}

// TestFaults injects every SANE status through the test backend: each must
// come out as its typed error and code.
func TestFaults(t *testing.T) {
	tests := []struct {
		status string
		err    string
		code   string
	}{
		{"SANE_STATUS_JAMMED", "ErrJammed", "jammed"},
		{"SANE_STATUS_NO_DOCS", "ErrNoDocuments", "no-documents"},
		{"SANE_STATUS_COVER_OPEN", "ErrCoverOpen", "cover-open"},
		{"SANE_STATUS_DEVICE_BUSY", "ErrBusy", "busy"},
		{"SANE_STATUS_IO_ERROR", "ErrIO", "io-error"},
		{"SANE_STATUS_NO_MEM", "ErrNoMemory", "no-memory"},
		{"SANE_STATUS_ACCESS_DENIED", "ErrDenied", "access-denied"},
		{"SANE_STATUS_CANCELLED", "ErrCancelled", "cancelled"},
		{"SANE_STATUS_UNSUPPORTED", "ErrUnsupported", "unsupported"},
		{"SANE_STATUS_INVAL", "ErrInvalid", "invalid"},
		{"SANE_STATUS_EOF", "ErrBadFrame", "bad-frame"},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			t.Parallel()
			o := scanChild(t, testCase{Opt: scanner.Options{Mode: scanner.Gray, Resolution: 50, Extra: map[string]string{"read-return-value": tt.status}}})
			if o.Pages != 0 || o.Code != tt.code || !slices.Contains(o.Matches, tt.err) {
				t.Errorf("got %d pages, error %q (%s, matching %v); want %s", o.Pages, o.Err, o.Code, o.Matches, tt.err)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	tests := []struct {
		name string
		opt  scanner.Options
		code string
	}{
		{"2400 dpi on a large glass", scanner.Options{Mode: scanner.Gray, Resolution: 2400, Extra: map[string]string{"br-x": "200", "br-y": "200"}}, "too-large"},
		{"unknown option", scanner.Options{Extra: map[string]string{"warp-speed": "9"}}, "invalid"},
		{"not a number", scanner.Options{Extra: map[string]string{"ppl-loss": "lots"}}, "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if o := scanChild(t, testCase{Opt: tt.opt}); o.Code != tt.code {
				t.Errorf("got %q (%s), want %s", o.Err, o.Code, tt.code)
			}
		})
	}
	t.Run("no feeder", func(t *testing.T) {
		_, err := open(t, "pnm:0").Scan(context.Background(), scanner.Options{Source: scanner.ADF}, nil)
		if !errors.Is(err, scanner.ErrUnsupported) {
			t.Errorf("got %v, want ErrUnsupported", err)
		}
	})
}

// TestSlowScanner: a scanner that stalls is cancelled after Stall, a
// context that ends cancels the scan, and so does Close; all promptly.
func TestSlowScanner(t *testing.T) {
	// The test backend waits 0.2 s before it sends the picture.
	slow := map[string]string{"read-delay": "yes", "read-delay-duration": "200000"}
	opt := func(stall time.Duration) scanner.Options {
		return scanner.Options{Mode: scanner.Gray, Resolution: 50, Stall: stall, Extra: slow}
	}
	tests := []struct {
		name  string
		c     testCase
		code  string
		match string
		again string
	}{
		{"stall", testCase{Opt: opt(100 * time.Millisecond)}, "timeout", "ErrTimeout", ""},
		{"deadline", testCase{Opt: opt(time.Minute), Timeout: 50 * time.Millisecond}, "timeout", "ErrTimeout", ""},
		{"cancelled", testCase{Opt: opt(time.Minute), CancelAfter: 50 * time.Millisecond}, "cancelled", "context.Canceled", ""},
		{"closed", testCase{Opt: opt(time.Minute), CloseAfter: 50 * time.Millisecond}, "cancelled", "ErrCancelled", "closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := scanChild(t, tt.c)
			if o.Code != tt.code || !slices.Contains(o.Matches, tt.match) || o.Again != tt.again {
				t.Errorf("got %q (%s, matching %v, then %q), want %s, %s, then %q", o.Err, o.Code, o.Matches, o.Again, tt.code, tt.match, tt.again)
			}
			if o.Took > 3*time.Second {
				t.Errorf("took %v to give up", o.Took)
			}
		})
	}
}
