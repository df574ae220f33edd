package scannertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"borne/drivers/scanner"
)

func TestDevice(t *testing.T) {
	page := TextPage(100)
	d := NewDevice("fake:0", page)
	s := NewScanners(d)
	ctx := context.Background()
	dev, err := s.Open(ctx, "fake:0")
	if err != nil {
		t.Fatal(err)
	}

	d.Fail(scanner.ErrJammed, scanner.ErrCoverOpen)
	for _, want := range []error{scanner.ErrJammed, scanner.ErrCoverOpen, nil} {
		pages, err := dev.Scan(ctx, scanner.Options{}, nil)
		if !errors.Is(err, want) || (want == nil) != (len(pages) == 1) {
			t.Errorf("scan: %d pages, %v; want %v", len(pages), err, want)
		}
	}

	d.Stick(true)
	tctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := dev.Scan(tctx, scanner.Options{}, nil); scanner.Describe(err).Code != "timeout" {
		t.Errorf("stuck scan: %v, want a timeout", err)
	}
	d.Stick(false)

	if pages, err := dev.Scan(ctx, scanner.Options{Source: scanner.ADF}, nil); err != nil || len(pages) != 1 {
		t.Errorf("feeder: %d pages, %v", len(pages), err)
	}
	if got := len(d.Scans()); got != 5 {
		t.Errorf("%d scans recorded, want 5", got)
	}

	s.Unplug("fake:0")
	if _, err := dev.Scan(ctx, scanner.Options{}, nil); !errors.Is(err, scanner.ErrGone) {
		t.Errorf("scan of an unplugged scanner: %v, want ErrGone", err)
	}
	if _, err := s.Open(ctx, "fake:0"); !errors.Is(err, scanner.ErrGone) {
		t.Errorf("open of an unplugged scanner: %v, want ErrGone", err)
	}
	dev.Close()
	if !d.Closed() {
		t.Error("not closed")
	}
}
