package staff

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"borne/kiosk/atomicfile"
)

// LockoutFile keeps the count of wrong PINs in the state dir, so that
// restarting the kiosk (or pulling its plug) does not reset it.
const LockoutFile = "staff-lockout.json"

// Policy is how wrong PINs lock the PIN pad.
type Policy struct {
	MaxFailures int           // wrong PINs in a row that lock the pad
	LockFor     time.Duration // the first lock; each further lock in a row doubles it
	MaxLock     time.Duration // the longest lock
}

// DefaultPolicy: 5 wrong PINs lock for 1 minute, then 2, 4… up to 1 hour.
var DefaultPolicy = Policy{MaxFailures: 5, LockFor: time.Minute, MaxLock: time.Hour}

// ErrWrongPIN says the PIN did not match.
var ErrWrongPIN = errors.New("staff: wrong PIN")

// LockedError says the PIN pad is locked after too many wrong PINs.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return "staff: too many wrong PINs: locked until " + e.Until.Format(time.TimeOnly)
}

// lockState is what LockoutFile holds.
type lockState struct {
	Failures int       `json:"failures"` // wrong PINs since the last lock or success
	Locks    int       `json:"locks"`    // locks in a row since the last success
	Until    time.Time `json:"until"`    // end of the current lock; zero when none
}

// lockout counts wrong PINs and locks the pad. Every attempt is counted as
// a failure on disk before the PIN is checked, and cleared once it matched:
// cutting the power after a wrong guess gains nothing.
type lockout struct {
	policy Policy
	path   string
	now    func() time.Time

	mu sync.Mutex // held across a check: one PIN at a time
	st lockState
}

func loadLockout(stateDir string, policy Policy, now func() time.Time) (*lockout, error) {
	l := &lockout{policy: policy, path: filepath.Join(stateDir, LockoutFile), now: now}
	data, err := os.ReadFile(l.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return l, nil
	case err != nil:
		return nil, fmt.Errorf("staff: lockout state: %w", err)
	}
	if err := json.Unmarshal(data, &l.st); err != nil {
		// A damaged file must not open the pad: treat it as a fresh lock.
		l.st = lockState{Failures: 0, Locks: 1, Until: now().Add(policy.LockFor)}
	}
	l.st.Failures = max(l.st.Failures, 0)
	if l.st.Failures >= policy.MaxFailures && l.lockedUntil().IsZero() {
		// The last allowed attempt was counted, then the kiosk died before
		// the lock was written (kill -9 during the check): lock now, as
		// that attempt would have. Kept in memory even if it cannot be
		// written: the next attempt's write fails anyway.
		_ = l.lock()
	}
	return l, nil
}

// lockedUntil is the end of the current lock, or zero. A lock never runs
// past MaxLock from now, so a clock set back (a dead RTC battery) cannot
// lock the pad for years.
func (l *lockout) lockedUntil() time.Time {
	now := l.now()
	if !now.Before(l.st.Until) {
		return time.Time{}
	}
	if limit := now.Add(l.policy.MaxLock); l.st.Until.After(limit) {
		return limit
	}
	return l.st.Until
}

// status is the end of the current lock (zero when none) and the wrong PINs
// left before the next one.
func (l *lockout) status() (until time.Time, left int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lockedUntil(), max(l.policy.MaxFailures-l.st.Failures, 0)
}

// check runs match (the PIN comparison) unless the pad is locked, and
// counts the result. It returns nil, ErrWrongPIN, a *LockedError, or why
// the attempt could not be recorded (then nothing is tried).
func (l *lockout) check(match func() (bool, error)) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := l.lockedUntil(); !until.IsZero() {
		return &LockedError{Until: until}
	}
	attempt := l.st
	attempt.Failures++
	if err := l.save(attempt); err != nil {
		return err
	}
	ok, err := match()
	if err != nil {
		return err // counted: a broken hash is no reason to allow unlimited tries
	}
	if ok {
		l.st = lockState{}
		return l.save(l.st)
	}
	l.st = attempt
	if l.st.Failures < l.policy.MaxFailures {
		return ErrWrongPIN
	}
	if err := l.lock(); err != nil {
		return err
	}
	return &LockedError{Until: l.st.Until}
}

// lock starts the next lock in a row, each twice as long as the one before,
// and records it.
func (l *lockout) lock() error {
	lock := l.policy.LockFor << min(l.st.Locks, 30)
	if lock > l.policy.MaxLock || lock <= 0 {
		lock = l.policy.MaxLock
	}
	l.st = lockState{Locks: l.st.Locks + 1, Until: l.now().Add(lock)}
	return l.save(l.st)
}

func (l *lockout) save(st lockState) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("staff: lockout state: %w", err)
	}
	if err := atomicfile.WriteFile(l.path, data, 0o600); err != nil {
		return fmt.Errorf("staff: cannot record the PIN attempt: %w", err)
	}
	return nil
}
