package staff

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A kiosk killed (kill -9, a power cut) while it checks a PIN has counted
// the attempt on disk but not its outcome. After the restart the pad counts
// from 0 to MaxFailures, never below, and the attempt that reached the
// maximum locks as it would have.
func TestLockoutAfterAKillDuringTheCheck(t *testing.T) {
	max := DefaultPolicy.MaxFailures
	tests := []struct {
		name      string
		before    lockState // on disk when the cut attempt started
		kills     int       // attempts cut in a row
		lockedFor time.Duration
		left      int
	}{
		{"first attempt cut", lockState{}, 1, 0, max - 1},
		{"next to last attempt cut", lockState{Failures: max - 2}, 1, 0, 1},
		{"last allowed attempt cut", lockState{Failures: max - 1}, 1, time.Minute, max},
		{"attempts cut past the maximum", lockState{Failures: max - 1}, 3, time.Minute, max},
		{"last attempt cut after a lock", lockState{Failures: max - 1, Locks: 1}, 1, 2 * time.Minute, max},
		{"count past the maximum on disk", lockState{Failures: max + 2}, 0, time.Minute, max},
		{"count below zero on disk", lockState{Failures: -3}, 0, 0, max},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			now := func() time.Time { return t0 }
			data, _ := json.Marshal(tt.before)
			if err := os.WriteFile(filepath.Join(dir, LockoutFile), data, 0o600); err != nil {
				t.Fatal(err)
			}
			for range tt.kills {
				l, err := loadLockout(dir, DefaultPolicy, now)
				if err != nil {
					t.Fatal(err)
				}
				// The process dies inside the comparison: only what reached
				// the disk survives, and this lockout is never used again.
				l.check(func() (bool, error) { return false, errKilled })
			}
			restarted, err := loadLockout(dir, DefaultPolicy, now)
			if err != nil {
				t.Fatal(err)
			}
			until, left := restarted.status()
			if left != tt.left || left < 0 || left > max {
				t.Errorf("attempts left %d, want %d", left, tt.left)
			}
			var want time.Time
			if tt.lockedFor > 0 {
				want = t0.Add(tt.lockedFor)
			}
			if !until.Equal(want) {
				t.Fatalf("locked until %v, want %v", until, want)
			}
			if tt.lockedFor == 0 {
				return
			}
			// The lock holds, and is on disk for the next restart.
			var locked *LockedError
			if err := restarted.check(func() (bool, error) { return true, nil }); !errors.As(err, &locked) {
				t.Errorf("the right PIN during the lock: %v", err)
			}
			again, _ := loadLockout(dir, DefaultPolicy, now)
			if until, _ := again.status(); !until.Equal(want) {
				t.Errorf("after another restart: locked until %v, want %v", until, want)
			}
		})
	}
}

// errKilled stands for the process dying during the comparison: check
// returns it as it would any failure to compare, after counting.
var errKilled = errors.New("killed")
