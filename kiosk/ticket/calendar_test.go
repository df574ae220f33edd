package ticket

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"borne/kiosk/config"
)

// calendarCodes reads every QR code of a picture with zbar, an independent
// decoder, as raw bytes (its text guess mangles UTF-8 without an ECI; phones
// take UTF-8), and returns the calendar events among them.
func calendarCodes(t *testing.T, path string) []string {
	t.Helper()
	out, err := exec.Command("zbarimg", "--raw", "-q", "-Sbinary", path).Output()
	if err != nil {
		t.Fatalf("zbarimg (Debian zbar-tools) on %s: %v", path, err)
	}
	// In binary mode the codes come one after the other, unseparated.
	return regexp.MustCompile(`(?s)BEGIN:VEVENT.*?END:VEVENT`).FindAllString(string(out), -1)
}

// The ticket's calendar codes, printed by the real driver to the virtual
// printer and read back from its picture by zbar, are events a phone takes:
// each next-step window as whole days with its summary, the appointment the
// resident typed with its time and place, and nothing else personal.
func TestCalendarQR(t *testing.T) {
	cfg := config.Default()
	facts := sessionFacts()
	facts.Appointment = &Appointment{At: time.Date(2026, 12, 3, 14, 30, 0, 0, paris()), Place: "CAF, 8 avenue des Écoles; guichet 2"}
	for _, lang := range []string{"fr", "ar", "zh"} {
		t.Run(lang, func(t *testing.T) {
			tk := Build(cfg, lang, facts)
			printed := printOut(t, tk.Doc())
			var buf bytes.Buffer
			if err := png.Encode(&buf, printed.Image); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "ticket.png")
			if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			var events []Event
			for _, code := range calendarCodes(t, path) {
				ev, fields, err := ParseVEvent(code)
				if err != nil {
					t.Fatalf("%v in %q", err, code)
				}
				for name := range fields {
					switch name {
					case "SUMMARY", "DTSTART", "DTEND", "DTSTART;VALUE=DATE", "DTEND;VALUE=DATE":
					case "LOCATION":
						if ev.AllDay {
							t.Errorf("a next step carries a place: %q", code)
						}
					default:
						t.Errorf("unexpected calendar field %s in %q", name, code)
					}
				}
				events = append(events, ev)
			}
			day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
			want := []Event{
				{Start: time.Date(2026, 12, 3, 14, 30, 0, 0, time.UTC), End: time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC), Location: facts.Appointment.Place},
				{Start: day(2027, 1, 1), End: day(2027, 1, 15), AllDay: true},    // the quarterly declaration
				{Start: day(2026, 11, 28), End: day(2026, 11, 30), AllDay: true}, // the monthly update
			}
			if len(events) != len(want) {
				t.Fatalf("%d calendar codes read back, want %d: %+v", len(events), len(want), events)
			}
			for _, w := range want {
				found := false
				for _, e := range events {
					if e.Start.Equal(w.Start) && e.End.Equal(w.End) && e.AllDay == w.AllDay && e.Location == w.Location && e.Summary != "" {
						found = true
					}
				}
				if !found {
					t.Errorf("no event %+v among %+v", w, events)
				}
			}
			if !strings.Contains(text(tk), "CAF, 8 avenue des Écoles; guichet 2") {
				t.Errorf("the appointment's place is not printed:\n%s", text(tk))
			}
		})
	}
}

// A VEVENT survives the characters iCalendar escapes.
func TestVEventRoundTrip(t *testing.T) {
	in := Event{Summary: `a, b; c\d` + "\ne", Location: "ici; là, 2\\3", Start: time.Date(2027, 2, 1, 9, 5, 0, 0, time.UTC), End: time.Date(2027, 2, 1, 9, 35, 0, 0, time.UTC)}
	out, _, err := ParseVEvent(in.VEvent())
	if err != nil || out != in {
		t.Fatalf("%+v, %v\nwant %+v", out, err, in)
	}
}

func FuzzParseVEvent(f *testing.F) {
	f.Add(Event{Summary: "x", Start: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), AllDay: true}.VEvent())
	f.Add("BEGIN:VEVENT\r\nSUMMARY:a\\,b\r\nDTSTART:20270101T100000\r\nDTEND:20270101T103000\r\nEND:VEVENT")
	f.Fuzz(func(t *testing.T, s string) {
		ev, _, err := ParseVEvent(s)
		if err != nil {
			return
		}
		if ev.Summary == "" {
			t.Fatal("an event without a summary was accepted")
		}
	})
}
