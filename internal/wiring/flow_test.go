package wiring

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"borne/drivers/printer"
	"borne/drivers/printer/printertest"
	"borne/drivers/scanner"
	"borne/drivers/scanner/scannertest"
	"borne/kiosk/session"
	"borne/kiosk/shrink"
	"borne/kiosk/visit"
)

// A resident's whole errand through the drivers' fakes and the real core,
// without X: scan into the tray (through a jam), shrink under the site's
// limit, attach, print, end. Runs under -race with the internal packages.
func TestResidentFlow(t *testing.T) {
	tests := []struct {
		name        string
		source      scanner.Source
		sheets      int     // pages in the feeder
		faults      []error // scans that fail first, in order
		wantPages   int
		wantProblem []string // Scan.Problem after each scan
		formats     []string
	}{
		{"one letter on the flatbed", scanner.Flatbed, 1, nil, 1, []string{""}, nil},
		{"two sheets through the feeder", scanner.ADF, 2, nil, 2, []string{""}, nil},
		{"a jam, then the flatbed", scanner.Flatbed, 1, []error{scanner.ErrJammed}, 1,
			[]string{scanner.Describe(scanner.ErrJammed).Code, ""}, nil},
		{"a letter for a site that takes only images", scanner.Flatbed, 1, nil, 1, []string{""}, []string{shrink.JPEG, shrink.PNG}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pages := make([]scanner.Page, tc.sheets)
			for i := range pages {
				pages[i] = scannertest.TextPage(100)
			}
			dev := scannertest.NewDevice("fake:flow", pages...)
			dev.Fail(tc.faults...)
			scanners := scannertest.NewScanners(dev)
			ipp := printertest.NewServer()
			t.Cleanup(ipp.Close)
			pc, err := printer.Open(ipp.URI(), printer.Options{Timeout: time.Second, PollEvery: 5 * time.Millisecond, Log: quiet})
			if err != nil {
				t.Fatal(err)
			}
			snaps := make(chan visit.Snapshot, 1024)
			h := visit.NewHost(visit.Options{
				Scanner: Scanner(func(ctx context.Context) (scanner.Device, error) { return scanners.Open(ctx, dev.Info.Name) },
					scanner.Options{Resolution: 100, Source: tc.source}),
				Printer: Printer(pc), PageQuota: 5, Log: quiet,
				OnChange: func(_ *visit.Visit, s visit.Snapshot) { snaps <- s },
			})
			dir := filepath.Join(t.TempDir(), "s-flow")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			h.Begin(session.Begun{Session: 1, Dir: dir})
			v := h.Current()
			until := func(what string, ok func(visit.Snapshot) bool) visit.Snapshot {
				t.Helper()
				for s := range snaps {
					if ok(s) {
						return s
					}
				}
				t.Fatalf("no snapshot with %s", what)
				return visit.Snapshot{}
			}

			for i, want := range tc.wantProblem {
				v.StartScan("")
				s := until("the scan ended", func(s visit.Snapshot) bool { return !s.Scan.Busy && s.Scan.Doc != "" })
				if s.Scan.Problem != want {
					t.Fatalf("scan %d: problem %q, want %q", i+1, s.Scan.Problem, want)
				}
			}
			doc := v.FinishScan()
			tr, err := v.Tray()
			if err != nil {
				t.Fatal(err)
			}
			d, err := tr.Document(doc)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Pages) != tc.wantPages {
				t.Fatalf("the tray's document has %d pages, want %d", len(d.Pages), tc.wantPages)
			}

			const limit = 300_000
			shrunk := make(chan error, 1)
			var res shrink.Result
			v.Shrink(doc, shrink.Target{MaxBytes: limit, Formats: tc.formats}, func(r shrink.Result, err error) { res = r; shrunk <- err })
			if err := <-shrunk; err != nil {
				t.Fatalf("shrink: %v", err)
			}
			fi, err := os.Stat(res.Path)
			if err != nil || fi.Size() != res.Bytes || res.Bytes > limit {
				t.Fatalf("shrunk file %s: %d bytes on disk (%v), %d said, limit %d", res.Path, fi.Size(), err, res.Bytes, limit)
			}
			if tc.formats != nil && res.Format != tc.formats[0] {
				t.Fatalf("shrunk to %s, the site takes %v", res.Format, tc.formats)
			}
			v.Attached("caf")

			v.Print("caf", attestation(t, v.Dir()), 1)
			s := until("the print ended", func(s visit.Snapshot) bool { return s.Print.Seq > 0 && !s.Print.Busy })
			if s.Print.Problem != "" || s.Printed != 1 || s.Attached != 1 || s.Remaining != 4 {
				t.Fatalf("after attaching and printing: %+v", s)
			}
			if got := len(ipp.Documents()); got != 1 {
				t.Fatalf("the printer got %d documents, want 1", got)
			}

			h.End(session.Ending{Dir: dir})
			h.Wait()
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Fatalf("the visit's directory is left: %v", err)
			}
			if !dev.Closed() {
				t.Fatal("the scanner was left open")
			}
		})
	}
}
