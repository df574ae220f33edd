// Package updates brings new Borne versions to kiosks through a signed apt
// repository: the repository side (reprepro, signed with a key kept off the
// kiosks), and the kiosk side (unattended-upgrades run only inside a
// maintenance window outside the agencies' opening hours, never during a
// visit).
package updates

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"borne/kiosk/config"
	"borne/kiosk/session"
)

// Window is the daily maintenance window, kiosk-local, from Start to End
// minutes after midnight; it may run past midnight (Start > End).
type Window struct{ Start, End int }

// DefaultWindow is used when no agency has opening hours: 02:00 to 05:00.
var DefaultWindow = Window{Start: 2 * 60, End: 5 * 60}

// Margin keeps the window this far from any opening hour, for staff who
// come early and leave late.
const Margin = 60

// MinWindow is the shortest window an upgrade is given.
const MinWindow = 60

// FromAgencies is the window outside every agency's opening hours, on every
// day of the week: from the latest closing plus Margin to the earliest
// opening minus Margin, over midnight.
func FromAgencies(agencies []config.Agency) (Window, error) {
	first, last, any := 24*60, 0, false
	for _, a := range agencies {
		for d := time.Sunday; d <= time.Saturday; d++ {
			for _, s := range a.Hours.Day(d).Spans {
				first, last, any = min(first, s.From), max(last, s.To), true
			}
		}
	}
	if !any {
		return DefaultWindow, nil
	}
	// The night from the latest closing to the next earliest opening.
	if first+24*60-last-2*Margin < MinWindow {
		return Window{}, fmt.Errorf("updates: the agencies open from %s to %s: less than %d minutes are left for updates at night",
			hhmm(first), hhmm(last), MinWindow)
	}
	return Window{Start: (last + Margin) % (24 * 60), End: (first - Margin + 24*60) % (24 * 60)}, nil
}

// Length is the window's length in minutes.
func (w Window) Length() int { return (w.End - w.Start + 24*60) % (24 * 60) }

// Contains says whether t (in the kiosk's zone) falls in the window.
func (w Window) Contains(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	return (m-w.Start+24*60)%(24*60) < w.Length()
}

func (w Window) String() string { return hhmm(w.Start) + "-" + hhmm(w.End) }

func hhmm(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// Refusals of Gate.
var (
	ErrOutsideWindow = errors.New("outside the maintenance window")
	ErrVisit         = errors.New("a resident's visit is under way")
)

// SessionRoots are where a kiosk's session directories may be: the
// configured one, else the defaults of session.DefaultRoot for any user
// (the gate runs as root, the kiosk as its own user).
func SessionRoots(cfg *config.Config) []string {
	if cfg.Session.Dir != "" {
		return []string{cfg.Session.Dir}
	}
	var roots []string
	for _, pattern := range []string{"/run/user/*/borne/sessions", "/dev/shm/borne-*/sessions", "/tmp/borne-*/sessions"} {
		m, _ := filepath.Glob(pattern)
		roots = append(roots, m...)
	}
	return roots
}

// Gate says whether an upgrade may run now: inside the window and with no
// visit under way in any of roots.
func Gate(now time.Time, w Window, roots []string) error {
	if !w.Contains(now) {
		return fmt.Errorf("%w (%s, now %s)", ErrOutsideWindow, w, now.Format("15:04"))
	}
	for _, r := range roots {
		active, err := session.ActiveIn(r)
		if err != nil {
			return fmt.Errorf("updates: look for a visit in %s: %w", r, err)
		}
		if active {
			return ErrVisit
		}
	}
	return nil
}
