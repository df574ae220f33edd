package collector

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"
)

// The HTML report: French, one self-contained page (styles and charts
// inline, no script, nothing fetched), laid out to print on A4.

//go:embed report.html.tmpl
var reportHTML string

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"fr":    formatFR,
	"label": ValueLabel,
}).Parse(reportHTML))

// formatFR writes a count the French way: 12 345 (narrow no-break space).
func formatFR(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(r)
	}
	return b.String()
}

// htmlCell is a cell as the template shows it.
type htmlCell struct {
	Text   string
	Hidden bool
	Total  bool
}

type htmlTable struct {
	Title   string
	Plain   bool
	Cols    []string
	Rows    []htmlRow
	Chart   template.HTML
	Empty   bool
	OneCol  bool
	DimName string
}

type htmlRow struct {
	Unit  string
	Cells []htmlCell
	Total bool
}

// WriteHTML writes the report as a printable French HTML page.
func (r *Report) WriteHTML(w io.Writer, generated time.Time) error {
	byFR := map[string]string{"territory": "territoire", "site": "site", "kiosk": "borne"}[r.Query.By]
	data := struct {
		Period, Territory, By string
		Kiosks                int
		Generated             string
		MinCell               int
		Tables                []htmlTable
	}{
		Period: r.Query.Period.Label(), Territory: r.Query.Territory, By: byFR, Kiosks: r.Kiosks,
		Generated: generated.Format("02/01/2006 15:04"), MinCell: MinCell,
	}
	for _, t := range r.Tables {
		ht := htmlTable{Title: t.Title, Plain: t.Plain, Cols: t.Cols, Empty: len(t.Rows) == 0, OneCol: len(t.Cols) == 1, DimName: t.Dim}
		rows, cols := len(t.Rows), len(t.Cols)
		for i := range rows + 1 {
			hr := htmlRow{Unit: "Total", Total: i == rows}
			if i < rows {
				hr.Unit = t.Rows[i]
			}
			for j := range cols + 1 {
				if j == cols && cols == 1 {
					break // a one-column table's row totals are its cells
				}
				c := htmlCell{Text: formatFR(t.Grid.Cells[i][j]), Hidden: t.Grid.Hidden[i][j], Total: i == rows || j == cols}
				if c.Hidden {
					c.Text = "s"
				}
				hr.Cells = append(hr.Cells, c)
			}
			ht.Rows = append(ht.Rows, hr)
		}
		ht.Chart = barChart(&t)
		data.Tables = append(data.Tables, ht)
	}
	if err := reportTmpl.Execute(w, data); err != nil {
		return fmt.Errorf("collector: write html report: %w", err)
	}
	return nil
}

// barChart draws a table's column totals as horizontal bars, in SVG. A
// hidden total is drawn as a hatched stub marked "s", never as a length.
func barChart(t *Table) template.HTML {
	if len(t.Rows) == 0 {
		return ""
	}
	rows := len(t.Rows)
	var top int64 = 1
	for j := range t.Cols {
		if !t.Grid.Hidden[rows][j] {
			top = max(top, t.Grid.Cells[rows][j])
		}
	}
	const labelW, barW, lineH = 190, 380, 22
	h := lineH*len(t.Cols) + 8
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`,
		labelW+barW+70, h, labelW+barW+70, h)
	fmt.Fprintf(&b, `<title>%s</title>`, template.HTMLEscapeString(t.Title))
	for j, v := range t.Cols {
		y := 4 + j*lineH
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`, labelW-8, y+15, template.HTMLEscapeString(ValueLabel(t.Dim, v)))
		if t.Grid.Hidden[rows][j] {
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="16" fill="none" stroke="#666" stroke-dasharray="2 2"/><text x="%d" y="%d">s</text>`,
				labelW, y+2, labelW+20, y+15)
			continue
		}
		n := t.Grid.Cells[rows][j]
		w := max(1, int(float64(barW)*float64(n)/float64(top)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="16" fill="#2b5d8a"/><text x="%d" y="%d">%s</text>`,
			labelW, y+2, w, labelW+w+6, y+15, formatFR(n))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
