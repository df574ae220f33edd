package kioskctl

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"borne/internal/escpos"
	"borne/kiosk/usage"
)

// run runs Main and returns its exit status and outputs.
func run(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// expect runs kioskctl with args and wants exit code, stderr with
// inStderr, and stdout with each of inStdout.
func expect(t *testing.T, args []string, code int, inStdout []string, inStderr string) {
	t.Helper()
	got, stdout, stderr := run(args...)
	if got != code || !strings.Contains(stderr, inStderr) {
		t.Fatalf("exit %d, stderr %q; want %d and %q\nstdout: %s", got, stderr, code, inStderr, stdout)
	}
	for _, want := range inStdout {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

// virtualTicketPrinter serves the virtual ESC/POS printer on a new
// pseudo-terminal until the test ends; onTicket (may be nil) gets each
// ticket. It keeps no picture of them.
func virtualTicketPrinter(t *testing.T, onTicket func(string, escpos.Ticket)) (*escpos.Printer, string) {
	t.Helper()
	font, err := escpos.LoadCellFont(escpos.DefaultCellFont)
	if err != nil {
		t.Skip(err)
	}
	pt, err := escpos.OpenPTY("")
	if err != nil {
		t.Fatal(err)
	}
	vp := escpos.NewPrinter(escpos.Options{Font: font, TearAfter: time.Hour, Log: slog.New(slog.DiscardHandler), OnTicket: onTicket})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- vp.Serve(ctx, pt.Master) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Error(err)
		}
		pt.Close()
	})
	return vp, pt.Path
}

// newDB creates a usage database at a fresh path with sessions sessions
// started now, and two older events: 20 and 6 months old.
func newDB(t *testing.T, sessions int) string {
	t.Helper()
	return newDBAt(t, filepath.Join(t.TempDir(), "usage.db"), sessions)
}

func newDBAt(t *testing.T, path string, sessions int) string {
	t.Helper()
	s, err := usage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	evs := []usage.Event{
		{At: now.AddDate(0, -20, 0), Session: 998, Kind: usage.SessionStart},
		{At: now.AddDate(0, -6, 0), Session: 999, Kind: usage.SessionStart},
	}
	for i := range sessions {
		evs = append(evs,
			usage.Event{At: now, Session: uint32(i), Kind: usage.SessionStart},
			usage.Event{At: now, Session: uint32(i), Kind: usage.TileOpened, Service: "caf"})
		if i < usage.MinCell-1 {
			evs = append(evs, usage.Event{At: now, Session: uint32(i), Kind: usage.TileOpened, Service: "ameli"})
		}
	}
	if err := s.Append(context.Background(), "k1", loc, evs...); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDispatch(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"help"}, 0, "usage report", ""},
		{[]string{"--help"}, 0, "usage purge", ""},
		{nil, 2, "", "usage: kioskctl <command>"},
		{[]string{"enrol-me"}, 2, "", `unknown command "enrol-me"`},
		{[]string{"usage"}, 2, "", "want one of: report, purge"},
		{[]string{"usage", "graph"}, 2, "", "want one of: report, purge, export"},
		{[]string{"usage", "report", "-h"}, 0, "", "-from"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := run(tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}

func TestUsageReport(t *testing.T) {
	db := newDB(t, usage.MinCell)
	now := time.Now().In(mustParis(t))
	today, hour := now.Format(time.DateOnly), now.Format("15")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // each must appear
		stderr string
	}{
		{"table", []string{"--db", db}, 0, []string{"sessions", today, "caf", "ameli", "<5"}, ""},
		{"range", []string{"--db", db, "--from", today, "--to", today}, 0, []string{"caf", "<5"}, ""},
		{"empty range", []string{"--db", db, "--to", "2000-01-01"}, 0, []string{"no usage recorded"}, ""},
		{"bad from", []string{"--db", db, "--from", "2024-02-30"}, 2, nil, `--from "2024-02-30": want a date as YYYY-MM-DD`},
		{"bad to", []string{"--db", db, "--to", "yesterday"}, 2, nil, `--to "yesterday"`},
		{"reversed", []string{"--db", db, "--from", "2024-05-02", "--to", "2024-05-01"}, 2, nil, "is after"},
		{"both sources", []string{"--db", db, "--config", "x.toml"}, 2, nil, "not both"},
		{"unknown flag", []string{"--db", db, "--json"}, 2, nil, "flag provided but not defined: -json"},
		{"stray argument", []string{"--db", db, "today"}, 2, nil, `unexpected argument "today"`},
		{"missing db", []string{"--db", filepath.Join(t.TempDir(), "none.db")}, 1, nil, "no usage database at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(append([]string{"usage", "report"}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr, tt.code, tt.stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
		})
	}

	t.Run("csv", func(t *testing.T) {
		code, stdout, stderr := run("usage", "report", "--db", db, "--csv", "--from", today)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{
			{"day", "dimension", "value", "sessions", "suppressed"},
			{today, "service", "*", "5", "false"},
			{today, "service", "ameli", "", "true"},
			{today, "service", "caf", "5", "false"},
			{today, "hour", hour, "5", "false"},
		}
		if !slices.EqualFunc(recs, want, slices.Equal) {
			t.Errorf("csv = %q, want %q", recs, want)
		}
	})
}

func TestUsagePurge(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"explicit", []string{"--older-than-months", "3"}, 0, "purged 2 events older than 3 months", ""},
		{"default retention", nil, 0, "purged 1 events older than 13 months", ""},
		{"too short", []string{"--older-than-months", "0"}, 2, "", "want at least 1"},
		{"not a number", []string{"--older-than-months", "six"}, 2, "", "invalid value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := newDB(t, usage.MinCell)
			code, stdout, stderr := run(append([]string{"usage", "purge", "--db", db}, tt.args...)...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			}
		})
	}
	t.Run("missing db", func(t *testing.T) {
		code, _, stderr := run("usage", "purge", "--db", filepath.Join(t.TempDir(), "none.db"), "--older-than-months", "13")
		if code != 1 || !strings.Contains(stderr, "no usage database at") {
			t.Errorf("exit %d, stderr %q; want 1 and a missing-database message", code, stderr)
		}
	})
}

// writeConfig writes a kiosk configuration keeping its state in dir, with a
// retention of 2 months.
func writeConfig(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "borne.toml")
	toml := `[kiosk]
id = "test-01"
site = "Mairie de test"
languages = ["fr"]
state_dir = "` + dir + `"

[usage]
retention_months = 2

[[service]]
id = "caf"
pictogram = "family"
start_url = "https://www.caf.fr/"
allowed_domains = ["caf.fr", "*.caf.fr"]
[service.name]
fr = "CAF"
[service.summary]
fr = "Allocations familiales."
`
	if err := os.WriteFile(path, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestUsageWithConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	newDBAt(t, filepath.Join(dir, "usage.db"), usage.MinCell)

	code, stdout, stderr := run("usage", "report", "--config", cfg, "--csv")
	if code != 0 || !strings.Contains(stdout, "caf,5,false") {
		t.Errorf("report: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// The configuration's retention (2 months) takes both old events.
	code, stdout, stderr = run("usage", "purge", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "purged 2 events older than 2 months") {
		t.Errorf("purge: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("[kiosk]\nid = 12\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"usage", "report", "--config", bad},
		{"usage", "purge", "--config", filepath.Join(dir, "none.toml")},
	} {
		if code, _, stderr := run(args...); code != 1 || !strings.Contains(stderr, "load configuration") {
			t.Errorf("%v: exit %d, stderr %q; want 1 and the configuration error", args, code, stderr)
		}
	}
}

func mustParis(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
