package services

import (
	"strings"
	"testing"
	"time"

	"borne/kiosk/config"
)

var paris = mustLoc("Europe/Paris")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// at is a time in Paris: "2026-11-23 10:00".
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestEaster(t *testing.T) {
	for year, want := range map[int]string{
		1961: "04-02", 2000: "04-23", 2019: "04-21", 2024: "03-31", 2025: "04-20",
		2026: "04-05", 2027: "03-28", 2038: "04-25", 2285: "03-22",
	} {
		if got := Easter(year).Format("01-02"); got != want {
			t.Errorf("Easter %d = %s, want %s", year, got, want)
		}
	}
}

// day writes a config.Date shortly.
func day(y int, m time.Month, d int) config.Date { return config.Date{Year: y, Month: m, Day: d} }

func TestHoliday(t *testing.T) {
	tests := map[config.Date]string{
		day(2026, 1, 1): "Jour de l'an", day(2026, 4, 6): "Lundi de Pâques", day(2026, 5, 1): "Fête du Travail",
		day(2026, 5, 8): "Victoire 1945", day(2026, 5, 14): "Ascension", day(2026, 5, 25): "Lundi de Pentecôte",
		day(2026, 7, 14): "Fête nationale", day(2026, 8, 15): "Assomption", day(2026, 11, 1): "Toussaint",
		day(2026, 11, 11): "Armistice 1918", day(2026, 12, 25): "Noël",
		day(2027, 3, 29): "Lundi de Pâques", day(2027, 5, 6): "Ascension", day(2027, 5, 17): "Lundi de Pentecôte",
		day(2026, 4, 5): "", day(2026, 4, 7): "", day(2026, 12, 26): "", day(2026, 5, 15): "",
	}
	for d, want := range tests {
		if got := Holiday(d); got != want {
			t.Errorf("%s: %q, want %q", d, got, want)
		}
	}
}

func TestNextSteps(t *testing.T) {
	cfg := config.Default() // caf: quarterly 1–15; france-travail: monthly 28–31
	tests := []struct {
		service, now string
		from, to     string
		open         bool
	}{
		{"caf", "2026-11-22 10:00", "2027-01-01", "2027-01-15", false},
		{"caf", "2026-10-10 10:00", "2026-10-01", "2026-10-15", true},
		{"caf", "2026-10-15 23:59", "2026-10-01", "2026-10-15", true},
		{"caf", "2026-10-16 00:00", "2027-01-01", "2027-01-15", false},
		{"caf", "2026-12-31 23:00", "2027-01-01", "2027-01-15", false},
		{"france-travail", "2026-02-10 09:00", "2026-02-28", "2026-02-28", false}, // February has 28 days
		{"france-travail", "2026-02-28 23:30", "2026-02-28", "2026-02-28", true},
		{"france-travail", "2026-04-02 09:00", "2026-04-28", "2026-04-30", false},
		{"france-travail", "2028-02-01 09:00", "2028-02-28", "2028-02-29", false}, // leap year
	}
	for _, tt := range tests {
		steps := NextSteps(cfg, tt.service, at(t, tt.now))
		if len(steps) != 1 {
			t.Fatalf("%s at %s: %d steps", tt.service, tt.now, len(steps))
		}
		s := steps[0]
		if got := s.From.Format(time.DateOnly) + " " + s.To.Format(time.DateOnly); got != tt.from+" "+tt.to || s.Open != tt.open {
			t.Errorf("%s at %s: %s open=%v; want %s %s open=%v", tt.service, tt.now, got, s.Open, tt.from, tt.to, tt.open)
		}
		if s.From.Location() != cfg.Location() || s.Service.ID != tt.service || s.Rule.TextIn("fr") == "" {
			t.Errorf("%+v", s)
		}
	}
	// The kiosk's time zone decides the day: 22:30 UTC on 31 March is
	// already 1 April in Paris.
	s := NextSteps(cfg, "france-travail", time.Date(2026, 3, 31, 22, 30, 0, 0, time.UTC))
	if got := s[0].From.Format(time.DateOnly); got != "2026-04-28" {
		t.Errorf("time zone: window from %s", got)
	}
	if NextSteps(cfg, "ameli", time.Now()) != nil || NextSteps(cfg, "nope", time.Now()) != nil {
		t.Error("steps for a service without rules")
	}
}

func names(as []*config.Agency) string {
	var ids []string
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return strings.Join(ids, " ")
}

func TestOpenNow(t *testing.T) {
	d := Agencies(config.Default())
	tests := []struct{ now, want string }{
		{"2026-11-23 10:00", "france-services-trappes caf-trappes france-travail-trappes cpam-sqy impots-sqy"}, // Monday
		{"2026-11-23 12:30", "france-travail-trappes"},                                                         // closing time is closed
		{"2026-11-23 08:30", "caf-trappes france-travail-trappes cpam-sqy"},                                    // opening time is open
		{"2026-11-27 14:00", "france-services-trappes france-travail-trappes cpam-sqy"},                        // Friday
		{"2026-11-28 10:00", "france-services-trappes"},                                                        // Saturday
		{"2026-11-29 10:00", ""}, // Sunday
		{"2026-11-11 10:00", ""}, // Armistice
		{"2026-05-14 10:00", ""}, // Ascension
		{"2026-12-24 10:00", "caf-trappes france-travail-trappes cpam-sqy impots-sqy"},             // France Services closed that day
		{"2027-08-10 10:00", "france-services-trappes france-travail-trappes cpam-sqy impots-sqy"}, // CAF's summer closure
	}
	for _, tt := range tests {
		if got := names(d.OpenNow(at(t, tt.now))); got != tt.want {
			t.Errorf("%s: %q\nwant %q", tt.now, got, tt.want)
		}
	}
	// A time in another zone is read in the kiosk's: 08:00 UTC is 09:00 in Paris.
	if got := names(d.OpenNow(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))); !strings.HasPrefix(got, "france-services-trappes") {
		t.Errorf("UTC: %q", got)
	}
	if got := names(d.For("caf")); got != "france-services-trappes caf-trappes" {
		t.Errorf("For(caf) = %q", got)
	}
	if len(d.All()) != 5 {
		t.Errorf("%d agencies", len(d.All()))
	}
}

func TestDayAndNextOpening(t *testing.T) {
	cfg := config.Default()
	d := Agencies(cfg)
	caf, _ := find(cfg, "caf-trappes")
	fs, _ := find(cfg, "france-services-trappes")
	if day := d.Day(caf, at(t, "2026-11-11 10:00")); day.Holiday != "Armistice 1918" || len(day.Spans) != 0 {
		t.Errorf("holiday: %+v", day)
	}
	if day := d.Day(fs, at(t, "2026-12-24 10:00")); !day.Closed || len(day.Spans) != 0 || day.Holiday != "" {
		t.Errorf("closed date: %+v", day)
	}
	if day := d.Day(caf, at(t, "2026-11-23 18:00")); len(day.Spans) != 2 || day.Spans[1].String() != "13:30-16:00" {
		t.Errorf("monday: %+v", day)
	}
	tests := []struct {
		a         *config.Agency
		now, want string
	}{
		{caf, "2026-11-23 10:00", "2026-11-23 13:30"}, // open now: the next opening is this afternoon
		{caf, "2026-11-23 16:00", "2026-11-24 08:30"},
		{caf, "2026-11-26 16:00", "2026-11-30 08:30"}, // Thursday evening → Monday
		{caf, "2026-03-28 13:00", "2026-03-30 08:30"}, // over the clock change, still 08:30
		{caf, "2026-11-10 17:00", "2026-11-12 08:30"}, // Wednesday is 11 November
		{fs, "2026-12-23 18:00", "2026-12-26 09:00"},  // 24th closed, 25th Christmas
	}
	for _, tt := range tests {
		got, ok := d.NextOpening(tt.a, at(t, tt.now))
		if !ok || got.Format("2006-01-02 15:04") != tt.want || got.Location().String() != "Europe/Paris" {
			t.Errorf("%s after %s: %v %v, want %s", tt.a.ID, tt.now, got, ok, tt.want)
		}
	}
	// Closed for the whole summer: nothing within two weeks.
	caf.Closed = append(caf.Closed, config.DateRange{From: day(2026, 7, 1), To: day(2026, 8, 31)})
	if got, ok := d.NextOpening(caf, at(t, "2026-07-01 10:00")); ok {
		t.Errorf("closed all summer, yet opens %v", got)
	}
}

func find(cfg *config.Config, id string) (*config.Agency, bool) {
	for i := range cfg.Agencies {
		if cfg.Agencies[i].ID == id {
			return &cfg.Agencies[i], true
		}
	}
	return nil, false
}
