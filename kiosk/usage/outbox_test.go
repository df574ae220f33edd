package usage

import (
	"context"
	"testing"
	"time"
)

// TestOutbox: every stored event makes its hour due; an acknowledgement
// clears the hour only if no event came in since it was read; a purge takes
// the purged hours out of the outbox too.
func TestOutbox(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	h1 := time.Date(2026, 11, 2, 9, 15, 0, 0, time.UTC)
	h2 := h1.Add(time.Hour)
	add := func(at time.Time, evs ...Event) {
		t.Helper()
		for i := range evs {
			evs[i].At = at
		}
		if err := s.Append(ctx, "k1", time.UTC, evs...); err != nil {
			t.Fatal(err)
		}
	}
	add(h1, Event{Session: 1, Kind: SessionStart}, Event{Session: 1, Kind: TileOpened, Service: "caf"},
		Event{Session: 1, Kind: SessionEnd, Outcome: "done", Duration: "1-5m"}, Event{Kind: Fault, Screen: "printer", Error: "media-empty"})
	add(h2, Event{Session: 2, Kind: SessionStart}, Event{Session: 2, Kind: PagePrinted, Service: "caf"}, Event{Session: 2, Kind: PagePrinted, Service: "caf"})
	add(h2, Event{Session: 3, Kind: SessionStart})

	due, err := s.Due(ctx, "k1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].Hour != "2026-11-02T09" || due[1].Hour != "2026-11-02T10" {
		t.Fatalf("due %+v", due)
	}
	want := []Cell{{"duration", "1-5m", 1}, {"end", "done", 1}, {"fault", "printer:media-empty", 1}, {"service", "caf", 1}, {"sessions", "", 1}}
	if len(due[0].Cells) != len(want) {
		t.Fatalf("hour 09: %+v, want %+v", due[0].Cells, want)
	}
	for i, c := range want {
		if due[0].Cells[i] != c {
			t.Errorf("hour 09 cell %d: %+v, want %+v", i, due[0].Cells[i], c)
		}
	}
	if got := due[1].Cells; len(got) != 2 || got[0] != (Cell{"page", "caf", 2}) || got[1] != (Cell{"sessions", "", 2}) {
		t.Errorf("hour 10: %+v", got)
	}
	if p := (&Push{Kiosk: "k1", Hours: []HourCounts{due[0].HourCounts, due[1].HourCounts}}); p.Validate() != nil {
		t.Errorf("the outbox's own push does not validate: %v", p.Validate())
	}
	if other, _ := s.Due(ctx, "k2", 10); len(other) != 0 {
		t.Errorf("another kiosk's outbox: %+v", other)
	}

	// An event for hour 10 arrives between the read and the acknowledgement.
	add(h2, Event{Session: 4, Kind: SessionStart})
	n, err := s.Ack(ctx, "k1", due)
	if err != nil || n != 1 {
		t.Fatalf("ack: %d hours, %v; want 1 (hour 10 changed)", n, err)
	}
	again, _ := s.Due(ctx, "k1", 10)
	if len(again) != 1 || again[0].Hour != "2026-11-02T10" || again[0].Cells[len(again[0].Cells)-1] != (Cell{"sessions", "", 3}) {
		t.Fatalf("after ack: %+v, want hour 10 with 3 sessions", again)
	}
	// Purging hour 10 takes it out of the outbox: it must not go out empty.
	if _, err := s.Purge(ctx, h2.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Backlog(ctx, "k1"); n != 0 {
		t.Errorf("backlog after purge: %d", n)
	}
}

func TestPushValidate(t *testing.T) {
	ok := Push{Kiosk: "k1", Hours: []HourCounts{{Hour: "2026-11-02T10", Cells: []Cell{{"sessions", "", 3}, {"fault", "scanner:jammed", 1}}}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(p *Push){
		"kiosk":      func(p *Push) { p.Kiosk = "Kiosk One" },
		"hour":       func(p *Push) { p.Hours[0].Hour = "2026-11-02 10:00" },
		"twice":      func(p *Push) { p.Hours = append(p.Hours, p.Hours[0]) },
		"dimension":  func(p *Push) { p.Hours[0].Cells[0].Dim = "session" },
		"value":      func(p *Push) { p.Hours[0].Cells[1].Value = "https://caf.fr/mon-compte?id=123" },
		"zero":       func(p *Push) { p.Hours[0].Cells[0].N = 0 },
		"huge":       func(p *Push) { p.Hours[0].Cells[0].N = MaxCellCount + 1 },
		"cell twice": func(p *Push) { p.Hours[0].Cells[1] = p.Hours[0].Cells[0] },
		"too long":   func(p *Push) { p.Hours = make([]HourCounts, MaxPushHours+1) },
	} {
		p := ok
		p.Hours = []HourCounts{{Hour: ok.Hours[0].Hour, Cells: append([]Cell(nil), ok.Hours[0].Cells...)}}
		mutate(&p)
		if err := p.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
