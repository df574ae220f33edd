package usage

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// appendSessions appends, for each session number, the events made by ev.
func appendSessions(t *testing.T, s *Store, kiosk string, ids []uint32, ev func(id uint32) []Event) {
	t.Helper()
	var evs []Event
	for _, id := range ids {
		evs = append(evs, ev(id)...)
	}
	if err := s.Append(context.Background(), kiosk, time.UTC, evs...); err != nil {
		t.Fatal(err)
	}
}

func seq(from, to uint32) []uint32 {
	var ids []uint32
	for i := from; i <= to; i++ {
		ids = append(ids, i)
	}
	return ids
}

func TestReportCountsAndSuppresses(t *testing.T) {
	s, _ := openTemp(t)
	day1 := time.Date(2024, 5, 2, 9, 0, 0, 0, time.UTC)
	day2 := day1.AddDate(0, 0, 1)
	// Day 1: five sessions; all open caf (session 1 twice), four open ameli;
	// four press help on the upload screen, the fifth on home.
	appendSessions(t, s, "k1", seq(1, 5), func(id uint32) []Event {
		evs := []Event{
			{At: day1, Session: id, Kind: SessionStart},
			{At: day1, Session: id, Kind: Language, Lang: "fr"},
			{At: day1, Session: id, Kind: TileOpened, Service: "caf"},
			{At: day1.Add(time.Hour), Session: id, Kind: SessionEnd, Outcome: "done", Duration: "5-15m"},
		}
		if id == 1 {
			evs = append(evs, Event{At: day1, Session: id, Kind: TileOpened, Service: "caf"})
		}
		if id <= 4 {
			evs = append(evs,
				Event{At: day1, Session: id, Kind: TileOpened, Service: "ameli"},
				Event{At: day1, Session: id, Kind: HelpPressed, Screen: "upload"},
				Event{At: day1, Session: id, Kind: HelpPressed, Screen: "upload"})
		} else {
			evs = append(evs, Event{At: day1, Session: id, Kind: HelpPressed, Screen: "home"})
		}
		return evs
	})
	// Day 2: four sessions only, and one with the same number on another
	// kiosk: distinct sessions are (kiosk, session) pairs.
	appendSessions(t, s, "k1", seq(1, 4), func(id uint32) []Event {
		return []Event{{At: day2, Session: id, Kind: SessionStart}}
	})
	appendSessions(t, s, "k2", seq(1, 1), func(id uint32) []Event {
		return []Event{{At: day2, Session: id, Kind: SessionStart}}
	})
	// Faults belong to no session (0): each one counts. Six scanner jams
	// show; two empty paper trays are too few.
	var faults []Event
	for range 6 {
		faults = append(faults, Event{At: day1, Kind: Fault, Screen: "scanner", Error: "jammed"})
	}
	for range 2 {
		faults = append(faults, Event{At: day1, Kind: Fault, Screen: "printer", Error: "media-empty"})
	}
	if err := s.Append(context.Background(), "k1", time.UTC, faults...); err != nil {
		t.Fatal(err)
	}
	// Day 3: four sessions, outside the range asked for.
	appendSessions(t, s, "k1", seq(1, 4), func(id uint32) []Event {
		return []Event{{At: day2.AddDate(0, 0, 1), Session: id, Kind: SessionStart}}
	})

	r, err := s.Report(context.Background(), "2024-05-01", "2024-05-03")
	if err != nil {
		t.Fatal(err)
	}
	shown := func(day, dim, val string, n int) Row { return Row{Day: day, Dimension: dim, Value: val, Sessions: n} }
	hidden := func(day, dim, val string) Row { return Row{Day: day, Dimension: dim, Value: val, Suppressed: true} }
	want := []Row{
		shown("2024-05-02", DimService, AllValues, 5),
		hidden("2024-05-02", DimService, "ameli"),
		shown("2024-05-02", DimService, "caf", 5),
		shown("2024-05-02", DimHelp, AllValues, 5),
		hidden("2024-05-02", DimHelp, "home"),
		hidden("2024-05-02", DimHelp, "upload"),
		shown("2024-05-02", DimEnd, "done", 5),
		shown("2024-05-02", DimLang, "fr", 5),
		shown("2024-05-02", DimHour, "09", 5),
		hidden("2024-05-02", DimFault, "printer:media-empty"),
		shown("2024-05-02", DimFault, "scanner:jammed", 6),
		shown("2024-05-03", DimService, AllValues, 5),
		shown("2024-05-03", DimHour, "09", 5),
	}
	if !slices.Equal(r.Rows, want) {
		t.Fatalf("rows:\n%v\nwant:\n%v", r.Rows, want)
	}

	t.Run("text", func(t *testing.T) {
		var b bytes.Buffer
		if err := r.WriteText(&b); err != nil {
			t.Fatal(err)
		}
		t.Log("\n" + b.String())
		lines := strings.Split(b.String(), "\n")
		if got := strings.Fields(lines[0]); !slices.Equal(got, []string{"day", "dimension", "value", "sessions"}) {
			t.Errorf("header %q", lines[0])
		}
		for i, row := range want {
			wantCount := strconv.Itoa(row.Sessions)
			if row.Suppressed {
				wantCount = "<5"
			}
			if got := strings.Fields(lines[i+1]); !slices.Equal(got, []string{row.Day, row.Dimension, row.Value, wantCount}) {
				t.Errorf("line %d = %q, want %v … %s", i+1, lines[i+1], row.Value, wantCount)
			}
		}
		// Aligned: every count starts in the same column.
		col := strings.Index(lines[0], "sessions")
		for _, l := range lines[1 : len(want)+1] {
			if len(l) < col || l[col-1] != ' ' || l[col] == ' ' {
				t.Errorf("count not aligned at column %d: %q", col, l)
			}
		}
		if strings.Contains(b.String(), " 4\n") {
			t.Error("a count of 4 leaked into the text")
		}
	})

	t.Run("csv", func(t *testing.T) {
		var b bytes.Buffer
		if err := r.WriteCSV(&b); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(recs[0], []string{"day", "dimension", "value", "sessions", "suppressed"}) {
			t.Errorf("header %v", recs[0])
		}
		if len(recs) != len(want)+1 {
			t.Fatalf("%d records, want %d", len(recs), len(want)+1)
		}
		for i, row := range want {
			wantRec := []string{row.Day, row.Dimension, row.Value, strconv.Itoa(row.Sessions), "false"}
			if row.Suppressed {
				wantRec = []string{row.Day, row.Dimension, row.Value, "", "true"}
			}
			if !slices.Equal(recs[i+1], wantRec) {
				t.Errorf("record %d = %v, want %v", i+1, recs[i+1], wantRec)
			}
		}
	})
}

func TestReportThreshold(t *testing.T) {
	day := time.Date(2024, 6, 1, 9, 0, 0, 0, time.UTC)
	for _, n := range []uint32{1, 4, 5, 6} {
		s, _ := openTemp(t)
		appendSessions(t, s, "k1", seq(1, n), func(id uint32) []Event {
			return []Event{{At: day, Session: id, Kind: TileOpened, Service: "impots"}}
		})
		r, err := s.Report(context.Background(), "", "")
		if err != nil {
			t.Fatal(err)
		}
		want := Row{Day: "2024-06-01", Dimension: DimService, Value: "impots", Sessions: int(n)}
		if n < MinCell {
			want.Sessions, want.Suppressed = 0, true
		}
		if !slices.Equal(r.Rows, []Row{want}) {
			t.Errorf("%d sessions: rows %v, want %v", n, r.Rows, want)
		}
	}
}

func TestReportRejectsBadRange(t *testing.T) {
	s, _ := openTemp(t)
	for _, tt := range []struct{ from, to string }{
		{"2024-13-01", ""},
		{"", "01/05/2024"},
		{"2024-05-1", ""},
		{"2024-05-02", "2024-05-01"},
	} {
		if _, err := s.Report(context.Background(), tt.from, tt.to); err == nil {
			t.Errorf("Report(%q, %q) accepted", tt.from, tt.to)
		}
	}
	r, err := s.Report(context.Background(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil || !strings.Contains(b.String(), "no usage recorded") {
		t.Errorf("empty report: %q, %v", b.String(), err)
	}
}
