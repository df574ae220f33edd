package usage

import (
	"context"
	"testing"
	"time"
)

// TestReportByPeriod: a small kiosk, two visits a day, says nothing per day
// (every cell under MinCell) but something per week and per month.
func TestReportByPeriod(t *testing.T) {
	s, _ := openTemp(t)
	start := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) // a Monday, ISO week 45
	id := uint32(0)
	for day := range 28 {
		for range 2 {
			id++
			at := start.AddDate(0, 0, day)
			appendSessions(t, s, "k1", []uint32{id}, func(id uint32) []Event {
				return []Event{{At: at, Session: id, Kind: SessionStart}, {At: at, Session: id, Kind: TileOpened, Service: "caf"}}
			})
		}
	}
	for _, tc := range []struct {
		period string
		shown  map[string]int // period -> sessions started, shown
		hidden int            // suppressed session-start cells
	}{
		{"day", map[string]int{}, 28},
		{"week", map[string]int{"2026-W45": 14, "2026-W46": 14, "2026-W47": 14, "2026-W48": 14}, 0},
		{"month", map[string]int{"2026-11": 56}, 0},
	} {
		t.Run(tc.period, func(t *testing.T) {
			r, err := s.ReportBy(context.Background(), "", "", tc.period)
			if err != nil {
				t.Fatal(err)
			}
			hidden, shown := 0, map[string]int{}
			for _, row := range r.Rows {
				if row.Dimension != DimService || row.Value != AllValues {
					continue
				}
				if row.Suppressed {
					hidden++
				} else {
					shown[row.Day] = row.Sessions
				}
			}
			if hidden != tc.hidden || len(shown) != len(tc.shown) {
				t.Fatalf("%d hidden, shown %v; want %d hidden, shown %v", hidden, shown, tc.hidden, tc.shown)
			}
			for p, n := range tc.shown {
				if shown[p] != n {
					t.Errorf("%s: %d sessions, want %d", p, shown[p], n)
				}
			}
		})
	}
	if _, err := s.ReportBy(context.Background(), "", "", "fortnight"); err == nil {
		t.Error("period fortnight accepted")
	}
}
