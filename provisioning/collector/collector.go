// Package collector is the fleet's statistics collector: kiosks push their
// anonymous hourly counts over HTTPS, each with its own key; the collector
// keeps them in PostgreSQL for the observatories' reports.
package collector

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"borne/kiosk/usage"
	"borne/kiosk/usage/push"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// MaxRetentionMonths is the CNIL's cap for audience-measurement data.
const MaxRetentionMonths = 25

// hourLayout is how kiosks write an hour.
const hourLayout = "2006-01-02T15"

// Errors of authentication.
var (
	ErrUnknownKiosk = errors.New("unknown kiosk or wrong key")
	ErrRevoked      = errors.New("kiosk revoked")
)

// identRE is the shape of kiosk, territory and site ids.
var identRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,39}$`)

// Collector stores pushes and answers reports. It is safe for concurrent use.
type Collector struct {
	db  *pgxpool.Pool
	log *slog.Logger
}

// Open connects to the database at dsn (a PostgreSQL URL or key=value
// string) and brings its schema up to date.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*Collector, error) {
	if log == nil {
		log = slog.Default()
	}
	db, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("collector: connect: %w", err)
	}
	c := &Collector{db: db, log: log}
	if err := c.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return c, nil
}

// Close closes the database connections.
func (c *Collector) Close() { c.db.Close() }

// migrate applies the embedded migrations the database has not seen, each
// in its own transaction, under an advisory lock so that two collectors
// starting together do not race.
func (c *Collector) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("collector: list migrations: %w", err)
	}
	slices.Sort(names)
	conn, err := c.db.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("collector: migrate: %w", err)
	}
	defer conn.Release()
	const lockID = 0x626f726e65 // "borne"
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockID); err != nil {
		return fmt.Errorf("collector: migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockID)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("collector: create schema_migrations: %w", err)
	}
	var current int
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&current); err != nil {
		return fmt.Errorf("collector: read schema version: %w", err)
	}
	if current > len(names) {
		return fmt.Errorf("collector: database schema is at version %d, this program knows up to %d: upgrade the collector", current, len(names))
	}
	for i, name := range names {
		base := path.Base(name)
		if v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0]); err != nil || v != i+1 {
			return fmt.Errorf("collector: migration %s: want number %04d", base, i+1)
		}
		if i+1 <= current {
			continue
		}
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return fmt.Errorf("collector: read migration %s: %w", base, err)
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", i+1, base)
			return err
		})
		if err != nil {
			return fmt.Errorf("collector: migration %s: %w", base, err)
		}
		c.log.Info("collector: migration applied", "migration", base)
	}
	return nil
}

// Kiosk is one kiosk as the collector knows it.
type Kiosk struct {
	ID, Territory, Site string
	EnrolledAt          time.Time
	RevokedAt           *time.Time
	LastPushAt          *time.Time
}

// AddKiosk registers a kiosk with the hash of its push key (push.KeyHash, as
// "kioskctl push key" prints it). Registering it again replaces its
// territory, site and key and lifts a revocation.
func (c *Collector) AddKiosk(ctx context.Context, id, territory, site, keyHash string) error {
	for _, f := range []struct{ name, v string }{{"kiosk id", id}, {"territory", territory}, {"site", site}} {
		if !identRE.MatchString(f.v) {
			return fmt.Errorf("collector: %s %q: want a short lowercase identifier (%s)", f.name, f.v, identRE)
		}
	}
	if len(keyHash) != 64 || strings.Trim(keyHash, "0123456789abcdef") != "" {
		return fmt.Errorf("collector: key hash: want 64 lowercase hex digits, as kioskctl push key prints it")
	}
	_, err := c.db.Exec(ctx, `INSERT INTO kiosks (id, territory, site, key_sha256) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET territory = $2, site = $3, key_sha256 = $4, revoked_at = NULL`, id, territory, site, keyHash)
	if err != nil {
		return fmt.Errorf("collector: add kiosk %s: %w", id, err)
	}
	return nil
}

// RevokeKiosk refuses the kiosk's pushes from now on; its counts stay.
func (c *Collector) RevokeKiosk(ctx context.Context, id string) error {
	tag, err := c.db.Exec(ctx, "UPDATE kiosks SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", id)
	if err != nil {
		return fmt.Errorf("collector: revoke kiosk %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("collector: revoke kiosk %s: no such kiosk, or already revoked", id)
	}
	return nil
}

// Kiosks lists the registered kiosks by territory, site and id.
func (c *Collector) Kiosks(ctx context.Context) ([]Kiosk, error) {
	rows, err := c.db.Query(ctx, `SELECT id, territory, site, enrolled_at, revoked_at, last_push_at
		FROM kiosks ORDER BY territory, site, id`)
	if err != nil {
		return nil, fmt.Errorf("collector: list kiosks: %w", err)
	}
	ks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Kiosk, error) {
		var k Kiosk
		err := r.Scan(&k.ID, &k.Territory, &k.Site, &k.EnrolledAt, &k.RevokedAt, &k.LastPushAt)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("collector: list kiosks: %w", err)
	}
	return ks, nil
}

// authenticate checks a kiosk's id and key: ErrUnknownKiosk for an unknown id
// or a wrong key (the caller cannot tell which), ErrRevoked for a revoked one.
func (c *Collector) authenticate(ctx context.Context, id, key string) error {
	var hash string
	var revoked *time.Time
	err := c.db.QueryRow(ctx, "SELECT key_sha256, revoked_at FROM kiosks WHERE id = $1", id).Scan(&hash, &revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		hash = strings.Repeat("0", 64) // compare anyway: the time taken says nothing
	} else if err != nil {
		return fmt.Errorf("collector: look up kiosk: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(hash), []byte(push.KeyHash(key))) != 1 || err != nil {
		return ErrUnknownKiosk
	}
	if revoked != nil {
		return ErrRevoked
	}
	return nil
}

// Ingest stores a validated push: each of its hours replaces what the
// collector had for that kiosk and hour, in one transaction. Pushes of one
// kiosk are serialised on its row, so a retry racing its first attempt
// waits for it and then replaces the same hours with the same counts.
func (c *Collector) Ingest(ctx context.Context, p *usage.Push) error {
	hours := make([]time.Time, len(p.Hours))
	var months []time.Time
	var rows [][]any
	for i, h := range p.Hours {
		t, err := time.Parse(hourLayout, h.Hour)
		if err != nil {
			return fmt.Errorf("collector: hour %d: %w", i, err)
		}
		hours[i] = t
		if m := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC); !slices.Contains(months, m) {
			months = append(months, m)
		}
		for _, cell := range h.Cells {
			rows = append(rows, []any{p.Kiosk, t, cell.Dim, cell.Value, cell.N})
		}
	}
	err := pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
		var id string
		if err := tx.QueryRow(ctx, "SELECT id FROM kiosks WHERE id = $1 FOR UPDATE", p.Kiosk).Scan(&id); err != nil {
			return fmt.Errorf("lock kiosk: %w", err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM counts WHERE kiosk = $1 AND hour = ANY($2)", p.Kiosk, hours); err != nil {
			return fmt.Errorf("replace hours: %w", err)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"counts"}, []string{"kiosk", "hour", "dim", "value", "n"}, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("copy counts: %w", err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM counts_month WHERE kiosk = $1 AND month = ANY($2::date[])", p.Kiosk, months); err != nil {
			return fmt.Errorf("replace months: %w", err)
		}
		first, last := slices.MinFunc(months, time.Time.Compare), slices.MaxFunc(months, time.Time.Compare)
		if _, err := tx.Exec(ctx, `INSERT INTO counts_month
			SELECT kiosk, date_trunc('month', hour)::date, dim, value, sum(n) FROM counts
			WHERE kiosk = $1 AND hour >= $2 AND hour < $3 AND date_trunc('month', hour)::date = ANY($4::date[])
			GROUP BY 1, 2, 3, 4`, p.Kiosk, first, last.AddDate(0, 1, 0), months); err != nil {
			return fmt.Errorf("sum months: %w", err)
		}
		_, err := tx.Exec(ctx, "UPDATE kiosks SET last_push_at = now() WHERE id = $1", p.Kiosk)
		return err
	})
	if err != nil {
		return fmt.Errorf("collector: ingest %d hours of %s: %w", len(p.Hours), p.Kiosk, err)
	}
	return nil
}

// Purge deletes whole months of counts so that nothing older than months
// calendar months before now is kept, and returns how many rows went.
func (c *Collector) Purge(ctx context.Context, months int, now time.Time) (int64, error) {
	if months < 1 || months > MaxRetentionMonths {
		return 0, fmt.Errorf("collector: retention of %d months: want 1 to %d", months, MaxRetentionMonths)
	}
	cut := RetentionCut(months, now)
	var n int64
	err := pgx.BeginFunc(ctx, c.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM counts WHERE hour < $1", cut)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, "DELETE FROM counts_month WHERE month < $1", cut)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("collector: purge before %s: %w", cut.Format(time.DateOnly), err)
	}
	return n, nil
}

// DecodePush reads and checks a push body: JSON, no unknown field, nothing
// after it, within the vocabulary and bounds of usage.Push.
func DecodePush(b []byte) (*usage.Push, error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var p usage.Push
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("push body: %w", err)
	}
	if dec.More() {
		return nil, errors.New("push body: data after the JSON object")
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("push body: %w", err)
	}
	return &p, nil
}

// RetentionCut is the first hour Purge keeps: the first month start that is
// no more than months months before now, so that reports never show a
// month cut in two.
func RetentionCut(months int, now time.Time) time.Time {
	y, m, _ := now.Date()
	cut := time.Date(y, m-time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	if now.Day() != 1 || now.Hour() != 0 || now.Minute() != 0 || now.Second() != 0 || now.Nanosecond() != 0 {
		cut = cut.AddDate(0, 1, 0)
	}
	return cut
}
