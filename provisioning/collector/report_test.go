package collector

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"borne/internal/pgtest"
	"borne/kiosk/usage"
	"borne/kiosk/usage/push"
)

var (
	fleetOnce sync.Once
	fleetDB   *Collector
	fleetErr  error
)

// reportFleet is a collector with a year of counts from kiosks of two
// territories, some big, some tiny (a few visits a month); the report tests
// share it, read-only.
func reportFleet(t *testing.T) *Collector {
	t.Helper()
	fleetOnce.Do(func() { fleetDB, fleetErr = fillReportFleet(t) })
	if fleetErr != nil {
		t.Fatal(fleetErr)
	}
	return fleetDB
}

func fillReportFleet(t *testing.T) (*Collector, error) {
	ctx := context.Background()
	c, err := Open(ctx, pgtest.DSN(t), nil)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(7, 7))
	kiosks := []struct {
		id, territory, site string
		perDay              int // visits a day, about; 0: a few on the 1st of each month
	}{
		{"k1", "dep-93", "caf-bobigny", 30}, {"k2", "dep-93", "caf-bobigny", 25},
		{"k3", "dep-93", "mdh-pantin", 2}, {"k4", "dep-93", "fs-aubervilliers", 8},
		{"k5", "dep-22", "fs-lannion", 1}, {"k6", "dep-22", "fs-paimpol", 12},
		{"k7", "dep-22", "fs-rostrenen", 0}, {"k8", "dep-93", "ccas-bondy", 0},
	}
	services := []string{"caf", "ameli", "impots", "france-travail", "ants"}
	for _, k := range kiosks {
		key, _ := push.NewKey()
		if err := c.AddKiosk(ctx, k.id, k.territory, k.site, push.KeyHash(key)); err != nil {
			return nil, err
		}
		p := &usage.Push{Kiosk: k.id}
		for day := range 365 {
			at := time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC).AddDate(0, 0, day)
			n := r.IntN(2*k.perDay + 1)
			if k.perDay == 0 && at.Day() == 1 {
				n = 1 + r.IntN(4)
			}
			if n == 0 {
				continue
			}
			cells := map[[2]string]int64{{"sessions", ""}: int64(n)}
			for range n {
				cells[[2]string{"service", services[r.IntN(len(services))]}]++
				cells[[2]string{"end", []string{"done", "idle", "idle", "done", "recovered"}[r.IntN(5)]}]++
				cells[[2]string{"lang", []string{"fr", "fr", "fr", "ar", "en", "tr"}[r.IntN(6)]}]++
				if r.IntN(5) == 0 {
					cells[[2]string{"help", "web"}]++
				}
				if r.IntN(3) == 0 {
					cells[[2]string{"page", "caf"}]++
				}
			}
			h := usage.HourCounts{Hour: at.Format(hourLayout)}
			for k, n := range cells {
				h.Cells = append(h.Cells, usage.Cell{Dim: k[0], Value: k[1], N: n})
			}
			p.Hours = append(p.Hours, h)
			if len(p.Hours) == usage.MaxPushHours {
				if err := c.Ingest(ctx, p); err != nil {
					return nil, err
				}
				p.Hours = nil
			}
		}
		if len(p.Hours) > 0 {
			if err := c.Ingest(ctx, p); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// TestReportPublishesNothingRecoverable: for every period kind and row
// kind, the CSV an observatory gets hides every count under 5 and no hidden
// count can be worked out from what the CSV shows, totals included.
func TestReportPublishesNothingRecoverable(t *testing.T) {
	c := reportFleet(t)
	for _, tc := range []struct{ kind, at, territory, by string }{
		{"month", "2025-02", "dep-93", "site"},
		{"month", "2025-02", "", "kiosk"},
		{"quarter", "2025-Q3", "dep-22", "kiosk"},
		{"year", "2025", "", "territory"},
		{"year", "2025", "dep-93", "site"},
	} {
		t.Run(fmt.Sprintf("%s %s %s by %s", tc.kind, tc.at, tc.territory, tc.by), func(t *testing.T) {
			p, err := ParsePeriod(tc.kind, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			r, err := c.Report(context.Background(), ReportQuery{Period: p, Territory: tc.territory, By: tc.by})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := r.WriteCSV(&buf); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			hidden := 0
			for _, tab := range r.Tables {
				pub := fromCSV(t, recs, tab)
				for i, row := range pub {
					for j, v := range row {
						if v != nil && *v > 0 && *v < MinCell && !tab.Plain {
							t.Errorf("%s: count %d published at %d,%d", tab.Dim, *v, i, j)
						}
						if v == nil {
							hidden++
						}
					}
				}
				if !tab.Plain {
					for cell := range determined(pub) {
						t.Errorf("%s: hidden cell %v can be worked out from the CSV", tab.Dim, cell)
					}
				}
			}
			if tc.by != "territory" && hidden == 0 {
				t.Error("nothing hidden: the tiny kiosks' counts should be")
			}
		})
	}
}

// fromCSV rebuilds a table's published grid from the CSV lines alone.
func fromCSV(t *testing.T, recs [][]string, tab Table) [][]*int64 {
	t.Helper()
	rowOf := map[string]int{Total: len(tab.Rows)}
	for i, u := range tab.Rows {
		rowOf[u] = i
	}
	colOf := map[string]int{Total: len(tab.Cols)}
	for j, v := range tab.Cols {
		colOf[v] = j
	}
	g := make([][]*int64, len(tab.Rows)+1)
	for i := range g {
		g[i] = make([]*int64, len(tab.Cols)+1)
	}
	seen := 0
	for _, rec := range recs[1:] {
		if rec[4] != tab.Dim {
			continue
		}
		seen++
		if rec[7] == "true" {
			if rec[6] != "" {
				t.Fatalf("suppressed cell with a count: %v", rec)
			}
			continue
		}
		n, err := strconv.ParseInt(rec[6], 10, 64)
		if err != nil {
			t.Fatalf("line %v: %v", rec, err)
		}
		g[rowOf[rec[3]]][colOf[rec[5]]] = &n
	}
	if seen != (len(tab.Rows)+1)*(len(tab.Cols)+1) {
		t.Fatalf("%s: %d CSV lines, want %d", tab.Dim, seen, (len(tab.Rows)+1)*(len(tab.Cols)+1))
	}
	return g
}

// TestReportHTML writes the French HTML report and, when chromium is
// there, prints it to PDF and renders page 1 to PNG for a person to look at
// (artefacts/report/).
func TestReportHTML(t *testing.T) {
	c := reportFleet(t)
	p, _ := ParsePeriod("year", "2025")
	r, err := c.Report(context.Background(), ReportQuery{Period: p, Territory: "dep-93", By: "site"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf, time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{`<html lang="fr">`, "Fréquentation des bornes — année 2025", "<svg", "secret statistique",
		"Démarches ouvertes, par service", "abandon (inactivité)", "dep-93/caf-bobigny", ">s<", "@page"} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "src=", "href=", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("report has %q: it must need nothing from elsewhere", bad)
		}
	}
	out := filepath.Join("..", "..", "artefacts", "report")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	html := filepath.Join(out, "rapport-2025-dep-93.html")
	if err := os.WriteFile(html, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Logf("no chromium: the report is in %s, not rendered", html)
		return
	}
	abs, _ := filepath.Abs(html)
	pdf := strings.TrimSuffix(abs, ".html") + ".pdf"
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer", "--print-to-pdf="+pdf, "file://"+abs)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, b)
	}
	if b, err := exec.Command("pdftoppm", "-png", "-r", "60", pdf, strings.TrimSuffix(pdf, ".pdf")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, b)
	}
}
