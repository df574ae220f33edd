package usage

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"time"
)

// What a kiosk sends to the fleet's collector: per hour, counts per dimension
// and value of the closed vocabulary. Never a session number: the hour's
// counts are all that leaves the kiosk.

// Dimensions of a pushed hour. Counts are of events: sessions started, tiles
// opened, sessions ended per reason and per duration bucket, languages
// chosen, help calls per screen, faults per device:code, documents attached
// and pages printed per service.
const (
	PushSessions = "sessions" // Value: empty
	PushService  = "service"
	PushEnd      = "end"
	PushDuration = "duration"
	PushLang     = "lang"
	PushHelp     = "help"
	PushFault    = "fault" // Value: DEVICE:CODE
	PushDocument = "document"
	PushPage     = "page"
)

// PushDims is the closed set of pushed dimensions, in report order.
var PushDims = []string{PushSessions, PushService, PushEnd, PushDuration, PushLang, PushHelp, PushFault, PushDocument, PushPage}

// Bounds of one push, so that the collector reads a bounded body.
const (
	MaxPushHours = 24 * 7 // a kiosk two weeks behind catches up in three pushes
	MaxHourCells = 512
	MaxCellCount = 100_000 // far above any hour of one kiosk
)

// Cell is one count of an hour.
type Cell struct {
	Dim   string `json:"dim"`
	Value string `json:"value"`
	N     int64  `json:"n"`
}

// HourCounts is every count of one kiosk-local hour, written YYYY-MM-DDTHH.
// The collector replaces what it had for that hour with it, which is what
// makes pushing the same hour twice harmless.
type HourCounts struct {
	Hour  string `json:"hour"`
	Cells []Cell `json:"cells"`
}

// Push is the body of one push.
type Push struct {
	Kiosk string       `json:"kiosk"`
	Hours []HourCounts `json:"hours"`
}

// cellValueRE is a value's shape: an identifier, or DEVICE:CODE for faults.
var cellValueRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,39}(:[a-z0-9][a-z0-9_.-]{0,39})?$`)

// Validate checks p against the vocabulary and the bounds; the error names
// the hour and field, never a rejected value.
func (p *Push) Validate() error {
	if !identRE.MatchString(p.Kiosk) {
		return fmt.Errorf("kiosk: %s", notIdent)
	}
	if len(p.Hours) > MaxPushHours {
		return fmt.Errorf("%d hours in one push, want at most %d", len(p.Hours), MaxPushHours)
	}
	seen := make(map[string]bool, len(p.Hours))
	for i, h := range p.Hours {
		if _, err := time.Parse(hourLayout, h.Hour); err != nil {
			return fmt.Errorf("hours[%d].hour: want YYYY-MM-DDTHH", i)
		}
		if seen[h.Hour] {
			return fmt.Errorf("hours[%d]: hour %s given twice", i, h.Hour)
		}
		seen[h.Hour] = true
		if len(h.Cells) > MaxHourCells {
			return fmt.Errorf("hours[%d] (%s): %d cells, want at most %d", i, h.Hour, len(h.Cells), MaxHourCells)
		}
		cells := make(map[[2]string]bool, len(h.Cells))
		for j, c := range h.Cells {
			switch {
			case !slices.Contains(PushDims, c.Dim):
				return fmt.Errorf("hours[%d] (%s).cells[%d].dim: not one of %v", i, h.Hour, j, PushDims)
			case c.Value != "" && !cellValueRE.MatchString(c.Value):
				return fmt.Errorf("hours[%d] (%s).cells[%d].value: not an identifier", i, h.Hour, j)
			case c.N < 1 || c.N > MaxCellCount:
				return fmt.Errorf("hours[%d] (%s).cells[%d].n: %d, want 1 to %d", i, h.Hour, j, c.N, MaxCellCount)
			case cells[[2]string{c.Dim, c.Value}]:
				return fmt.Errorf("hours[%d] (%s).cells[%d]: %s cell given twice", i, h.Hour, j, c.Dim)
			}
			cells[[2]string{c.Dim, c.Value}] = true
		}
	}
	return nil
}

// Due is an hour waiting in the outbox, with its counts as they stand.
type Due struct {
	HourCounts
	gen int64 // the outbox generation these counts are of
}

// dueSQL reads the oldest due hours and their counts in one statement, hence
// one snapshot: counts and generation always match.
const dueSQL = `
WITH due AS (SELECT hour, gen FROM push_outbox WHERE kiosk = ?1 ORDER BY hour LIMIT ?2),
ev AS (SELECT * FROM events WHERE kiosk = ?1 AND hour IN (SELECT hour FROM due)),
cells AS (
	SELECT hour,
		CASE kind WHEN 'session_start' THEN 'sessions' WHEN 'tile_opened' THEN 'service' WHEN 'session_end' THEN 'end'
			WHEN 'language' THEN 'lang' WHEN 'help_pressed' THEN 'help' WHEN 'fault' THEN 'fault'
			WHEN 'document_attached' THEN 'document' WHEN 'page_printed' THEN 'page' END AS dim,
		CASE kind WHEN 'session_start' THEN '' WHEN 'tile_opened' THEN service WHEN 'session_end' THEN outcome
			WHEN 'language' THEN lang WHEN 'help_pressed' THEN screen WHEN 'fault' THEN screen || ':' || error
			WHEN 'document_attached' THEN service WHEN 'page_printed' THEN service END AS value
	FROM ev
	UNION ALL SELECT hour, 'duration', duration FROM ev WHERE kind = 'session_end' AND duration != ''
),
counts AS (SELECT hour, dim, value, count(*) AS n FROM cells GROUP BY hour, dim, value)
SELECT due.hour, due.gen, counts.dim, counts.value, counts.n
FROM due LEFT JOIN counts ON counts.hour = due.hour
ORDER BY due.hour, counts.dim, counts.value`

// Due returns up to limit of kioskID's hours that the collector has not
// acknowledged in their present state, oldest first, with their counts.
func (s *Store) Due(ctx context.Context, kioskID string, limit int) ([]Due, error) {
	rows, err := s.db.QueryContext(ctx, dueSQL, kioskID, limit)
	if err != nil {
		return nil, fmt.Errorf("usage: read outbox: %w", err)
	}
	defer rows.Close()
	var due []Due
	for rows.Next() {
		var hour string
		var gen int64
		var dim, value sql.NullString
		var n sql.NullInt64
		if err := rows.Scan(&hour, &gen, &dim, &value, &n); err != nil {
			return nil, fmt.Errorf("usage: read outbox: %w", err)
		}
		if len(due) == 0 || due[len(due)-1].Hour != hour {
			due = append(due, Due{HourCounts: HourCounts{Hour: hour, Cells: []Cell{}}, gen: gen})
		}
		if dim.Valid {
			d := &due[len(due)-1]
			d.Cells = append(d.Cells, Cell{Dim: dim.String, Value: value.String, N: n.Int64})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("usage: read outbox: %w", err)
	}
	return due, nil
}

// Ack takes the hours the collector has stored off the outbox, unless an
// event came in for one since Due read it: that hour stays due. It returns
// how many hours left the outbox.
func (s *Store) Ack(ctx context.Context, kioskID string, due []Due) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("usage: ack: begin: %w", err)
	}
	defer tx.Rollback()
	n := 0
	for _, d := range due {
		res, err := tx.ExecContext(ctx, "DELETE FROM push_outbox WHERE kiosk = ? AND hour = ? AND gen = ?", kioskID, d.Hour, d.gen)
		if err != nil {
			return 0, fmt.Errorf("usage: ack %s: %w", d.Hour, err)
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("usage: ack: commit: %w", err)
	}
	return n, nil
}

// Backlog is how many of kioskID's hours wait in the outbox.
func (s *Store) Backlog(ctx context.Context, kioskID string) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM push_outbox WHERE kiosk = ?", kioskID).Scan(&n); err != nil {
		return 0, fmt.Errorf("usage: outbox backlog: %w", err)
	}
	return n, nil
}
