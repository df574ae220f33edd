package updates

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"borne/kiosk/config"
)

func hours(t *testing.T, week map[string]string) config.Agency {
	t.Helper()
	var a config.Agency
	for day, h := range week {
		var d config.DayHours
		if err := d.UnmarshalText([]byte(h)); err != nil {
			t.Fatal(err)
		}
		switch day {
		case "mon":
			a.Hours.Mon = d
		case "thu":
			a.Hours.Thu = d
		case "sat":
			a.Hours.Sat = d
		}
	}
	return a
}

func TestWindowFromAgencies(t *testing.T) {
	for _, tc := range []struct {
		name     string
		agencies []config.Agency
		want     string
		err      string
	}{
		{"none", nil, "02:00-05:00", ""},
		{"the built-in lobby", config.Default().Agencies, "", ""},
		{"office hours", []config.Agency{hours(t, map[string]string{"mon": "08:30-12:00, 13:30-17:00"}), hours(t, map[string]string{"thu": "13:30-19:00", "sat": "09:00-12:00"})},
			"20:00-07:30", ""},
		{"open until 23:30", []config.Agency{hours(t, map[string]string{"mon": "06:00-23:30"})}, "00:30-05:00", ""},
		{"open round the clock", []config.Agency{hours(t, map[string]string{"mon": "01:00-23:30"})}, "", "less than 60 minutes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := FromAgencies(tc.agencies)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, %v; want error %q", w, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != "" && w.String() != tc.want {
				t.Errorf("window %s, want %s", w, tc.want)
			}
			// Never inside anyone's opening hours, on any day.
			for _, a := range tc.agencies {
				for d := time.Sunday; d <= time.Saturday; d++ {
					for _, s := range a.Hours.Day(d).Spans {
						for m := s.From; m < s.To; m++ {
							if w.Contains(time.Date(2026, 1, 1, m/60, m%60, 0, 0, time.UTC)) {
								t.Fatalf("window %s contains %s, when %s is open", w, hhmm(m), a.ID)
							}
						}
					}
				}
			}
		})
	}
}

func TestGate(t *testing.T) {
	w := Window{Start: 20 * 60, End: 7*60 + 30}
	at := func(h, m int) time.Time { return time.Date(2026, 12, 3, h, m, 0, 0, time.UTC) }
	idle, busy := t.TempDir(), t.TempDir()
	if err := os.Mkdir(filepath.Join(busy, "s-1234"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		now   time.Time
		roots []string
		want  error
	}{
		{"night, idle", at(2, 0), []string{idle, filepath.Join(idle, "none")}, nil},
		{"evening start", at(20, 0), []string{idle}, nil},
		{"just before opening margin", at(7, 29), []string{idle}, nil},
		{"morning", at(7, 30), []string{idle}, ErrOutsideWindow},
		{"opening hours", at(10, 0), []string{idle}, ErrOutsideWindow},
		{"night, a visit", at(2, 0), []string{idle, busy}, ErrVisit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := Gate(tc.now, w, tc.roots); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("Gate: %v, want %v", err, tc.want)
			}
		})
	}
}
