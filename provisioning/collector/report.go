package collector

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Period is a calendar month, quarter or year of kiosk-local time.
type Period struct {
	Kind string // month, quarter, year
	From time.Time
}

// ParsePeriod reads a period: "2026-11" (month), "2026-Q4" (quarter) or
// "2026" (year), as kind says.
func ParsePeriod(kind, at string) (Period, error) {
	var t time.Time
	var err error
	switch kind {
	case "month":
		t, err = time.Parse("2006-01", at)
	case "quarter":
		y, q, ok := strings.Cut(at, "-Q")
		n, qerr := strconv.Atoi(q)
		if !ok || qerr != nil || n < 1 || n > 4 {
			return Period{}, fmt.Errorf("quarter %q: want YYYY-QN, e.g. 2026-Q4", at)
		}
		t, err = time.Parse("2006", y)
		t = t.AddDate(0, 3*(n-1), 0)
	case "year":
		t, err = time.Parse("2006", at)
	default:
		return Period{}, fmt.Errorf("period %q: want month, quarter or year", kind)
	}
	if err != nil {
		return Period{}, fmt.Errorf("%s %q: want %s", kind, at, map[string]string{"month": "YYYY-MM", "quarter": "YYYY-QN", "year": "YYYY"}[kind])
	}
	return Period{Kind: kind, From: t}, nil
}

// To is the start of the next period.
func (p Period) To() time.Time {
	switch p.Kind {
	case "month":
		return p.From.AddDate(0, 1, 0)
	case "quarter":
		return p.From.AddDate(0, 3, 0)
	default:
		return p.From.AddDate(1, 0, 0)
	}
}

var moisFR = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}

// Label names the period in French: "novembre 2026", "4e trimestre 2026".
func (p Period) Label() string {
	y := p.From.Year()
	switch p.Kind {
	case "month":
		return fmt.Sprintf("%s %d", moisFR[p.From.Month()-1], y)
	case "quarter":
		q := (int(p.From.Month())-1)/3 + 1
		ord := "e"
		if q == 1 {
			ord = "er"
		}
		return fmt.Sprintf("%d%s trimestre %d", q, ord, y)
	default:
		return fmt.Sprintf("année %d", y)
	}
}

// ReportQuery says what a report covers.
type ReportQuery struct {
	Period    Period
	Territory string // empty: every territory
	By        string // the rows: territory, site or kiosk
}

// Table is one dimension of a report: rows are places, columns values, with
// its totals, suppressed unless Plain.
type Table struct {
	Dim   string
	Title string
	Rows  []string
	Cols  []string
	Grid  *Grid
	Plain bool // device faults: no person behind them, nothing to hide
}

// Report is an observatory's report for one period.
type Report struct {
	Query  ReportQuery
	Kiosks int // kiosks with counts in the period
	Tables []Table
}

// reportDims are the dimensions reports show, in order, with their French
// titles. Durations stay out: their totals would be the end reasons' totals,
// and two tables sharing totals can give away each other's hidden cells.
var reportDims = []struct{ dim, title string }{
	{"sessions", "Visites"},
	{"service", "Démarches ouvertes, par service"},
	{"end", "Fin des visites"},
	{"lang", "Langue choisie"},
	{"help", "Appels à l'aide, par écran"},
	{"document", "Documents joints, par service"},
	{"page", "Pages imprimées, par service"},
	{"fault", "Pannes des appareils (appareil:code)"},
}

// valueFR gives some values plain French names.
var valueFR = map[string]string{
	"end=done": "terminée", "end=idle": "abandon (inactivité)", "end=recovered": "reprise après panne",
	"end=shutdown": "arrêt de la borne", "end=staff": "interrompue par l'équipe",
	"sessions=": "visites",
}

// ValueLabel is how a report shows a value of a dimension.
func ValueLabel(dim, value string) string {
	if l, ok := valueFR[dim+"="+value]; ok {
		return l
	}
	if value == "" {
		return "(non précisé)"
	}
	return value
}

var byColumn = map[string]string{
	"territory": "k.territory",
	"site":      "k.territory || '/' || k.site",
	"kiosk":     "k.id",
}

// Report builds the report q asks for, suppressed.
func (c *Collector) Report(ctx context.Context, q ReportQuery) (*Report, error) {
	col, ok := byColumn[q.By]
	if !ok {
		return nil, fmt.Errorf("collector: report by %q: want territory, site or kiosk", q.By)
	}
	rows, err := c.db.Query(ctx, `SELECT `+col+`, c.dim, c.value, sum(c.n)
		FROM counts_month c JOIN kiosks k ON k.id = c.kiosk
		WHERE c.month >= $1 AND c.month < $2 AND ($3 = '' OR k.territory = $3) AND c.dim <> 'duration'
		GROUP BY 1, 2, 3`, q.Period.From, q.Period.To(), q.Territory)
	if err != nil {
		return nil, fmt.Errorf("collector: report: %w", err)
	}
	defer rows.Close()
	type key struct{ dim, unit, value string }
	counts := map[key]int64{}
	units := map[string]map[string]bool{} // dim -> units
	values := map[string]map[string]bool{}
	for rows.Next() {
		var k key
		var n int64
		if err := rows.Scan(&k.unit, &k.dim, &k.value, &n); err != nil {
			return nil, fmt.Errorf("collector: report: %w", err)
		}
		counts[k] = n
		if units[k.dim] == nil {
			units[k.dim], values[k.dim] = map[string]bool{}, map[string]bool{}
		}
		units[k.dim][k.unit], values[k.dim][k.value] = true, true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("collector: report: %w", err)
	}
	r := &Report{Query: q}
	if err := c.db.QueryRow(ctx, `SELECT count(DISTINCT c.kiosk) FROM counts_month c JOIN kiosks k ON k.id = c.kiosk
		WHERE c.month >= $1 AND c.month < $2 AND ($3 = '' OR k.territory = $3)`,
		q.Period.From, q.Period.To(), q.Territory).Scan(&r.Kiosks); err != nil {
		return nil, fmt.Errorf("collector: report: %w", err)
	}
	for _, d := range reportDims {
		t := Table{Dim: d.dim, Title: d.title, Rows: sortedKeys(units[d.dim]), Cols: sortedKeys(values[d.dim]), Plain: d.dim == "fault"}
		cells := make([][]int64, len(t.Rows))
		for i, u := range t.Rows {
			cells[i] = make([]int64, len(t.Cols))
			for j, v := range t.Cols {
				cells[i][j] = counts[key{d.dim, u, v}]
			}
		}
		t.Grid = NewGrid(cells)
		if !t.Plain {
			t.Grid.Suppress()
		}
		r.Tables = append(r.Tables, t)
	}
	return r, nil
}

func sortedKeys(m map[string]bool) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Total is the label of a total row or column.
const Total = "*"

// cell is one published cell of a table, for the writers.
type cell struct {
	unit, value string
	n           int64
	hidden      bool
}

// cells lists a table's cells and totals, row by row, totals last.
func (t *Table) cells() []cell {
	var out []cell
	rows, cols := len(t.Rows), len(t.Cols)
	for i := range rows + 1 {
		unit := Total
		if i < rows {
			unit = t.Rows[i]
		}
		for j := range cols + 1 {
			value := Total
			if j < cols {
				value = t.Cols[j]
			}
			out = append(out, cell{unit, value, t.Grid.Cells[i][j], t.Grid.Hidden[i][j]})
		}
	}
	return out
}

// WriteCSV writes the report as one CSV table for spreadsheets: a line per
// cell and per total ("*"); a hidden cell has an empty count.
func (r *Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"period", "territory", "by", "unit", "dimension", "value", "count", "suppressed"})
	territory := r.Query.Territory
	if territory == "" {
		territory = Total
	}
	for _, t := range r.Tables {
		for _, c := range t.cells() {
			n := strconv.FormatInt(c.n, 10)
			if c.hidden {
				n = ""
			}
			cw.Write([]string{r.Query.Period.Kind + ":" + r.Query.Period.From.Format("2006-01"), territory, r.Query.By,
				c.unit, t.Dim, c.value, n, strconv.FormatBool(c.hidden)})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("collector: write report csv: %w", err)
	}
	return nil
}
