package usage

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"
)

// MinCell is the smallest number of sessions a report shows: a smaller count
// could point at one person (design.md, "Privacy rules").
const MinCell = 5

// Dimensions of a report row.
const (
	DimService = "service" // Value: a catalogue id, or "*" for all sessions started
	DimHelp    = "help"    // Value: the screen where help was pressed, or "*" for any
	DimEnd     = "end"     // Value: the end reason
	DimLang    = "lang"    // Value: the language chosen
	DimHour    = "hour"    // Value: the hour of day sessions started, "00" to "23"
	DimFault   = "fault"   // Value: DEVICE:CODE; counts faults, not sessions
)

// AllValues is the Value of a dimension's total row.
const AllValues = "*"

// Row is one cell of a report: how many distinct sessions of Day fall under
// Dimension=Value (for DimFault, how many faults). When Suppressed, Sessions is 0 and the true count (1 to
// MinCell-1) is not given out at all.
type Row struct {
	Day        string // the period, kiosk-local: YYYY-MM-DD, YYYY-Www (ISO week) or YYYY-MM
	Dimension  string
	Value      string
	Sessions   int
	Suppressed bool
}

// Report is the anonymous usage summary over [From, To] ("" = open end).
type Report struct {
	From, To string
	Period   string // day, week or month: what Row.Day holds
	Rows     []Row
}

// periodExpr is each period's label for an hour: 2026-11-30, 2026-W49 (ISO
// week) or 2026-11. A small kiosk's daily cells are all under MinCell; its
// weeks or months say something.
var periodExpr = map[string]string{
	"day":   "substr(hour, 1, 10)",
	"week":  "strftime('%G-W%V', substr(hour, 1, 10))",
	"month": "substr(hour, 1, 7)",
}

const dayLayout = "2006-01-02"

// reportSQL counts distinct sessions per day and cell. Sessions are told apart
// by (kiosk, session) so that databases merged from several kiosks stay right;
// faults happen outside sessions too, so each fault event is its own cell member.
// ord fixes the order of the dimensions in the output.
const reportSQL = `
WITH ev AS (
	SELECT id, %s AS day, substr(hour, 12, 2) AS hod, kind, kiosk, session, service, screen, outcome, lang, error
	FROM events WHERE hour >= ? AND hour <= ?
),
cells AS (
	SELECT DISTINCT 1 AS ord, day, 'service' AS dim, '*' AS value, kiosk, session FROM ev WHERE kind = 'session_start'
	UNION ALL SELECT DISTINCT 1, day, 'service', service, kiosk, session FROM ev WHERE kind = 'tile_opened'
	UNION ALL SELECT DISTINCT 2, day, 'help', '*', kiosk, session FROM ev WHERE kind = 'help_pressed'
	UNION ALL SELECT DISTINCT 2, day, 'help', screen, kiosk, session FROM ev WHERE kind = 'help_pressed'
	UNION ALL SELECT DISTINCT 3, day, 'end', outcome, kiosk, session FROM ev WHERE kind = 'session_end'
	UNION ALL SELECT DISTINCT 4, day, 'lang', lang, kiosk, session FROM ev WHERE kind = 'language'
	UNION ALL SELECT DISTINCT 5, day, 'hour', hod, kiosk, session FROM ev WHERE kind = 'session_start'
	UNION ALL SELECT 6, day, 'fault', screen || ':' || error, kiosk, id FROM ev WHERE kind = 'fault'
)
SELECT day, dim, value, count(*) FROM cells GROUP BY day, ord, dim, value ORDER BY day, ord, value`

// Report summarises the days from..to, both inclusive and written YYYY-MM-DD;
// an empty bound is open. Cells under MinCell sessions are suppressed.
func (s *Store) Report(ctx context.Context, from, to string) (*Report, error) {
	return s.ReportBy(ctx, from, to, "day")
}

// ReportBy is Report with cells per period: day, week or month. Sessions are
// counted once per period.
func (s *Store) ReportBy(ctx context.Context, from, to, period string) (*Report, error) {
	expr, ok := periodExpr[period]
	if !ok {
		return nil, fmt.Errorf("usage: report: period %q: want day, week or month", period)
	}
	lo, hi := "", "9999-12-31T23"
	if from != "" {
		if _, err := time.Parse(dayLayout, from); err != nil {
			return nil, fmt.Errorf("usage: report: from %q: want YYYY-MM-DD", from)
		}
		lo = from + "T00"
	}
	if to != "" {
		if _, err := time.Parse(dayLayout, to); err != nil {
			return nil, fmt.Errorf("usage: report: to %q: want YYYY-MM-DD", to)
		}
		hi = to + "T23"
	}
	if from != "" && to != "" && from > to {
		return nil, fmt.Errorf("usage: report: from %s is after to %s", from, to)
	}
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(reportSQL, expr), lo, hi)
	if err != nil {
		return nil, fmt.Errorf("usage: report: %w", err)
	}
	defer rows.Close()
	r := &Report{From: from, To: to, Period: period}
	for rows.Next() {
		var row Row
		if err := rows.Scan(&row.Day, &row.Dimension, &row.Value, &row.Sessions); err != nil {
			return nil, fmt.Errorf("usage: report: read row: %w", err)
		}
		if row.Sessions < MinCell {
			row.Sessions, row.Suppressed = 0, true
		}
		r.Rows = append(r.Rows, row)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("usage: report: %w", err)
	}
	return r, nil
}

// count is a row's count as shown in text; suppressed cells say only "<5".
func (row Row) count() string {
	if row.Suppressed {
		return "<" + strconv.Itoa(MinCell)
	}
	return strconv.Itoa(row.Sessions)
}

// WriteText writes the report as an aligned table for a terminal.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s\tdimension\tvalue\tsessions\n", r.period())
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", row.Day, row.Dimension, row.Value, row.count())
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("usage: write report: %w", err)
	}
	note := fmt.Sprintf("sessions: distinct sessions per %s; counts under %d are shown as <%d.\n", r.period(), MinCell, MinCell)
	if len(r.Rows) == 0 {
		note = "no usage recorded in this period.\n"
	}
	if _, err := io.WriteString(w, note); err != nil {
		return fmt.Errorf("usage: write report: %w", err)
	}
	return nil
}

// WriteCSV writes the report as CSV with a header row. A suppressed cell has
// an empty sessions field and suppressed=true.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{r.period(), "dimension", "value", "sessions", "suppressed"})
	for _, row := range r.Rows {
		n := strconv.Itoa(row.Sessions)
		if row.Suppressed {
			n = ""
		}
		cw.Write([]string{row.Day, row.Dimension, row.Value, n, strconv.FormatBool(row.Suppressed)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("usage: write report csv: %w", err)
	}
	return nil
}

// period is the name of the report's period, "day" for a Report built by hand.
func (r *Report) period() string {
	if r.Period == "" {
		return "day"
	}
	return r.Period
}
