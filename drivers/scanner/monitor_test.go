package scanner_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"borne/drivers/scanner"
	"borne/drivers/scanner/scannertest"
)

// TestMonitor: plugging and unplugging scanners reaches OnChange.
func TestMonitor(t *testing.T) {
	fakes := scannertest.NewScanners(scannertest.NewDevice("fake:1"))
	seen := make(chan []string, 10)
	m := &scanner.Monitor{Scanners: fakes, Every: 10 * time.Millisecond, OnChange: func(infos []scanner.Info) {
		var names []string
		for _, in := range infos {
			names = append(names, in.Name)
		}
		seen <- names
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- m.Serve(ctx) }()
	want := func(names ...string) {
		t.Helper()
		select {
		case got := <-seen:
			if !slices.Equal(got, names) {
				t.Fatalf("OnChange(%v), want %v", got, names)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("no OnChange, want %v", names)
		}
	}
	want("fake:1")
	fakes.Plug(scannertest.NewDevice("fake:2"))
	want("fake:1", "fake:2")
	fakes.Unplug("fake:1")
	want("fake:2")
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Serve returned %v", err)
	}
}
