package usage

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaTooNew is returned by Open for a database written by a newer Borne:
// its tables may mean something this code does not know, so it is left alone.
var ErrSchemaTooNew = errors.New("usage database schema is newer than this program")

// hourLayout is how the hour column is written: kiosk-local, to the hour.
const hourLayout = "2006-01-02T15"

// busyTimeout bounds how long a statement waits for another writer (the kiosk
// and kioskctl may use the file at the same time).
const busyTimeout = 5 * time.Second

// Store is the usage database. It is safe for concurrent use.
type Store struct {
	db *sql.DB
}

// Open opens the usage database at path, creating it (and its directory)
// readable by the owner only, and brings its schema up to date.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("usage: create directory of %s: %w", path, err)
	}
	// Create the file ourselves so that SQLite inherits 0600 for it and for
	// its -wal and -shm companions.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("usage: create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("usage: create %s: %w", path, err)
	}

	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("usage: open %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("usage: open %s: %w", path, err)
	}
	s := &Store{db: db}
	if err := s.init(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("usage: open %s: %w", path, err)
	}
	return s, nil
}

// dsn builds a file: URI for the absolute path abs, so that any character in
// it is escaped, with the pragmas every pooled connection needs.
func dsn(abs string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)") // WAL + NORMAL: a commit survives a process crash
	q.Add("_pragma", "foreign_keys(1)")
	// Writers take the lock at BEGIN, where the busy timeout applies, instead
	// of failing on a lock upgrade later.
	q.Set("_txlock", "immediate")
	return (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
}

func (s *Store) init(ctx context.Context) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal mode: %w", err)
	}
	// Without WAL a crash mid-write could cost more than the last transaction
	// and readers would block the recorder.
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, want wal (is the file system local?)", mode)
	}
	return s.migrate(ctx)
}

type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded files in order; their numbers must run 1, 2, 3…
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	slices.Sort(names)
	var ms []migration
	for i, name := range names {
		base := filepath.Base(name)
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want number %04d", base, i+1)
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", base, err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(body)})
	}
	return ms, nil
}

// migrate applies the migrations the database has not seen, each in its own
// transaction with its record, so a crash leaves either all of one or none.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := s.apply(ctx, m, len(ms)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) apply(ctx context.Context, m migration, latest int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: begin: %w", m.name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	// Read the version inside the write transaction: another process may be
	// opening the same file right now.
	var current int
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > latest {
		return fmt.Errorf("%w: database is at version %d, this program knows up to %d; upgrade Borne", ErrSchemaTooNew, current, latest)
	}
	if current >= m.version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.version, m.name, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("migration %s: record: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("usage: close: %w", err)
	}
	return nil
}

// Append stores events in one transaction: all of them or, on any error, none.
// Each event's time is truncated to the hour in loc. An event that breaks the
// privacy rules (unknown kind, a text field that is not a short identifier, a
// duration that is not a bucket) fails the whole call with a *FieldError.
func (s *Store) Append(ctx context.Context, kioskID string, loc *time.Location, events ...Event) error {
	if !identRE.MatchString(kioskID) {
		return &FieldError{Index: -1, Field: "kiosk", Reason: notIdent}
	}
	for i, e := range events {
		if err := e.validate(); err != nil {
			err.Index = i
			return err
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("usage: append: begin: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO events
		(hour, kiosk, session, kind, service, screen, outcome, duration, lang, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("usage: append: prepare: %w", err)
	}
	defer stmt.Close()
	for _, e := range events {
		if _, err := stmt.ExecContext(ctx, e.At.In(loc).Format(hourLayout), kioskID, int64(e.Session), string(e.Kind),
			e.Service, e.Screen, e.Outcome, e.Duration, e.Lang, e.Error); err != nil {
			return fmt.Errorf("usage: append %s event: %w", e.Kind, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("usage: append: commit: %w", err)
	}
	return nil
}

// Purge deletes the events of every hour that ended at or before before, read
// as a wall-clock time in before's own location (pass the kiosk's), and
// returns how many it deleted.
func (s *Store) Purge(ctx context.Context, before time.Time) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("usage: purge: begin: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "DELETE FROM events WHERE hour < ?", before.Format(hourLayout))
	if err != nil {
		return 0, fmt.Errorf("usage: purge before %s: %w", before.Format(hourLayout), err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("usage: purge: count rows: %w", err)
	}
	// An hour gone from the store must not be pushed as empty: the collector
	// would replace its counts with nothing.
	if _, err := tx.ExecContext(ctx, "DELETE FROM push_outbox WHERE hour < ?", before.Format(hourLayout)); err != nil {
		return 0, fmt.Errorf("usage: purge outbox before %s: %w", before.Format(hourLayout), err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("usage: purge: commit: %w", err)
	}
	return n, nil
}

// PurgeOlderThan deletes the events older than months calendar months before
// now in the kiosk's time zone loc.
func (s *Store) PurgeOlderThan(ctx context.Context, months int, now time.Time, loc *time.Location) (int64, error) {
	if months < 1 {
		return 0, fmt.Errorf("usage: purge: retention of %d months, want at least 1", months)
	}
	return s.Purge(ctx, monthsBefore(now.In(loc), months))
}

// monthsBefore steps back whole calendar months, clamping the day so that
// 31 March minus one month is 28/29 February rather than 3 March.
func monthsBefore(t time.Time, months int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m-time.Month(months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}
