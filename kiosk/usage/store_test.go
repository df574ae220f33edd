package usage

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
	_ "time/tzdata" // the tests use named zones whatever the host has
)

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", "usage.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func countRows(t testing.TB, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM events").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOpenCreatesPrivateFileAndIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "usage.db")
	for range 3 {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var versions int
		if err := s.db.QueryRow("SELECT count(*) FROM schema_migrations").Scan(&versions); err != nil {
			t.Fatal(err)
		}
		ms, err := migrations()
		if err != nil {
			t.Fatal(err)
		}
		if versions != len(ms) {
			t.Errorf("schema_migrations has %d rows, want %d", versions, len(ms))
		}
		var mode string
		if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("journal_mode = %q, %v; want wal", mode, err)
		}
		// SQLite gives its companions the database's mode.
		for _, suffix := range []string{"-wal", "-shm"} {
			fi, err := os.Stat(path + suffix)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm()&^0o600 != 0 {
				t.Errorf("%s%s has mode %v, want at most 0600", path, suffix, fi.Mode())
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for p, want := range map[string]os.FileMode{filepath.Dir(path): 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got&^want != 0 {
			t.Errorf("%s has mode %v, want at most %v", p, got, want)
		}
	}
}

func TestOpenOddPath(t *testing.T) {
	// The path goes into a file: URI; these characters must not cut it short.
	path := filepath.Join(t.TempDir(), "a dir?x=1#%41", "usage&.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Open created path itself; the WAL shows where SQLite opened it.
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("SQLite did not open %q: %v", path, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	s, path := openTemp(t)
	if _, err := s.db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future.sql', 'x')"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(path)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer database: err = %v, want ErrSchemaTooNew", err)
	}
	t.Log(err)
}

func TestAppendRejectsWhatPrivacyForbids(t *testing.T) {
	at := time.Date(2024, 5, 2, 10, 0, 0, 0, time.UTC)
	ok := Event{At: at, Session: 7, Kind: TileOpened, Service: "caf"}
	tests := []struct {
		name  string
		kiosk string
		edit  func(*Event)
		field string
	}{
		{"url in service", "k1", func(e *Event) { e.Service = "https://caf.fr/mon-compte?id=123" }, "service"},
		{"host in screen", "k1", func(e *Event) { e.Screen = "www.caf.fr/login" }, "screen"},
		{"free text outcome", "k1", func(e *Event) { e.Outcome = "Mme Dupont a abandonné" }, "outcome"},
		{"name with capital", "k1", func(e *Event) { e.Error = "Dupont" }, "error"},
		{"too long lang", "k1", func(e *Event) { e.Lang = "a123456789012345678901234567890123456789x" }, "lang"},
		{"phone number with space", "k1", func(e *Event) { e.Screen = "06 12 34 56 78" }, "screen"},
		{"unknown kind", "k1", func(e *Event) { e.Kind = "page_view" }, "kind"},
		{"empty kind", "k1", func(e *Event) { e.Kind = "" }, "kind"},
		{"exact duration", "k1", func(e *Event) { e.Duration = "4m32s" }, "duration"},
		{"zero time", "k1", func(e *Event) { e.At = time.Time{} }, "at"},
		{"bad kiosk id", "Mairie de Lille", func(*Event) {}, "kiosk"},
	}
	s, _ := openTemp(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := ok
			tt.edit(&bad)
			err := s.Append(context.Background(), tt.kiosk, time.UTC, ok, bad)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a *FieldError", err)
			}
			if fe.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", fe.Field, tt.field, err)
			}
			if n := countRows(t, s); n != 0 {
				t.Errorf("%d rows stored, want none: the good event must not go in alone", n)
			}
		})
	}
	t.Run("accepted", func(t *testing.T) {
		good := []Event{ok,
			{At: at, Kind: SessionEnd, Outcome: "idle", Duration: DurationBucket(3 * time.Minute)},
			{At: at, Kind: HelpPressed, Screen: "upload.picker", Error: "scanner_jam-2"},
			{At: at, Kind: Language, Lang: "pt-br"},
		}
		if err := s.Append(context.Background(), "k1", time.UTC, good...); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, s); n != len(good) {
			t.Errorf("%d rows, want %d", n, len(good))
		}
	})
}

func TestAppendTruncatesToHourInKioskZone(t *testing.T) {
	paris, ny := mustLoc(t, "Europe/Paris"), mustLoc(t, "America/New_York")
	tests := []struct {
		at   time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2024, 3, 10, 14, 59, 59, 999, time.UTC), time.UTC, "2024-03-10T14"},
		{time.Date(2024, 3, 10, 14, 59, 59, 999, time.UTC), paris, "2024-03-10T15"},
		{time.Date(2024, 3, 10, 14, 0, 0, 0, time.UTC), ny, "2024-03-10T10"}, // EDT since that morning
		{time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC), paris, "2025-01-01T00"},
		// Autumn: the two 02h hours of the change fall together.
		{time.Date(2024, 10, 27, 0, 30, 0, 0, time.UTC), paris, "2024-10-27T02"},
		{time.Date(2024, 10, 27, 1, 30, 0, 0, time.UTC), paris, "2024-10-27T02"},
	}
	s, _ := openTemp(t)
	for i, tt := range tests {
		if err := s.Append(context.Background(), "k1", tt.loc, Event{At: tt.at, Session: uint32(i), Kind: SessionStart}); err != nil {
			t.Fatal(err)
		}
		var hour string
		if err := s.db.QueryRow("SELECT hour FROM events WHERE session = ?", i).Scan(&hour); err != nil {
			t.Fatal(err)
		}
		if hour != tt.want {
			t.Errorf("%v in %v: hour %q, want %q", tt.at, tt.loc, hour, tt.want)
		}
	}
}

func TestDurationBucket(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "lt1m"},
		{0, "lt1m"},
		{59 * time.Second, "lt1m"},
		{time.Minute, "1-5m"},
		{5*time.Minute - 1, "1-5m"},
		{5 * time.Minute, "5-15m"},
		{15 * time.Minute, "15-30m"},
		{45 * time.Minute, "30-60m"},
		{time.Hour, "gt60m"},
		{100 * time.Hour, "gt60m"},
	}
	for _, tt := range tests {
		if got := DurationBucket(tt.d); got != tt.want {
			t.Errorf("DurationBucket(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestPurge(t *testing.T) {
	paris := mustLoc(t, "Europe/Paris")
	s, _ := openTemp(t)
	var evs []Event
	for _, at := range []time.Time{
		time.Date(2023, 1, 15, 9, 0, 0, 0, paris),
		time.Date(2024, 3, 31, 9, 10, 0, 0, paris),
		time.Date(2024, 3, 31, 10, 10, 0, 0, paris), // the hour of the cut: kept
		time.Date(2024, 4, 1, 9, 0, 0, 0, paris),
	} {
		evs = append(evs, Event{At: at, Kind: SessionStart})
	}
	if err := s.Append(context.Background(), "k1", paris, evs...); err != nil {
		t.Fatal(err)
	}
	n, err := s.Purge(context.Background(), time.Date(2024, 3, 31, 10, 30, 0, 0, paris))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || countRows(t, s) != 2 {
		t.Errorf("purged %d, %d left; want 2 and 2", n, countRows(t, s))
	}
}

func TestPurgeOlderThan(t *testing.T) {
	paris := mustLoc(t, "Europe/Paris")
	tests := []struct {
		now    time.Time
		months int
		cut    time.Time // first kept hour
	}{
		{time.Date(2025, 4, 15, 12, 0, 0, 0, paris), 13, time.Date(2024, 3, 15, 12, 0, 0, 0, paris)},
		{time.Date(2024, 3, 31, 8, 0, 0, 0, paris), 1, time.Date(2024, 2, 29, 8, 0, 0, 0, paris)}, // clamped
		{time.Date(2025, 1, 10, 0, 0, 0, 0, paris), 25, time.Date(2022, 12, 10, 0, 0, 0, 0, paris)},
	}
	for _, tt := range tests {
		s, _ := openTemp(t)
		evs := []Event{{At: tt.cut.Add(-time.Hour), Kind: SessionStart}, {At: tt.cut, Kind: SessionStart}}
		if err := s.Append(context.Background(), "k1", paris, evs...); err != nil {
			t.Fatal(err)
		}
		n, err := s.PurgeOlderThan(context.Background(), tt.months, tt.now.UTC(), paris)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 || countRows(t, s) != 1 {
			t.Errorf("%d months before %v: purged %d, %d left; want 1 and 1", tt.months, tt.now, n, countRows(t, s))
		}
	}
	s, _ := openTemp(t)
	if _, err := s.PurgeOlderThan(context.Background(), 0, time.Now(), paris); err == nil {
		t.Error("a retention of 0 months was accepted")
	}
}

// A database written before faults were recorded keeps its events and
// takes faults once opened by this version.
func TestOpenMigratesVersion1Database(t *testing.T) {
	path := filepath.Join(t.TempDir(), "usage.db")
	db, err := sql.Open("sqlite", dsn(path))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	s := &Store{db: db}
	if err := s.apply(context.Background(), ms[0], len(ms)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO events (hour, kiosk, session, kind) VALUES ('2024-05-02T09', 'k1', 7, 'session_start')"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("INSERT INTO events (hour, kiosk, session, kind) VALUES ('2024-05-02T09', 'k1', 0, 'fault')"); err == nil {
		t.Fatal("version 1 took a fault: the test does not start from the old schema")
	}
	db.Close()

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := countRows(t, s); n != 1 {
		t.Errorf("%d events after the migration, want the 1 written before", n)
	}
	if err := s.Append(context.Background(), "k1", time.UTC, Event{At: time.Now(), Kind: Fault, Screen: "scanner", Error: "jammed"}); err != nil {
		t.Errorf("fault after the migration: %v", err)
	}
}
