package instance_test

import (
	"errors"
	"path/filepath"
	"testing"

	"borne/kiosk/instance"
)

func TestSecondAcquireIsRefusedUntilRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.lock")
	first, err := instance.Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := instance.Acquire(path); !errors.Is(err, instance.ErrRunning) {
		t.Fatalf("second Acquire: %v, want ErrRunning", err)
	}
	first.Release()
	again, err := instance.Acquire(path)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.Release()
}
