package main

import (
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	results := []*result{
		{Tool: "original", Page: "scan-00", Bytes: 2_000_000, Recall: 0.97},
		{Tool: "borne", Page: "scan-00", Bytes: 30_000, Millis: 250, RSSMB: 60, Recall: 0.99},
		{Tool: "ocrmypdf-O3", Page: "scan-00", Bytes: 300_000, Millis: 15_000, RSSMB: 140, Recall: 0.99},
		{Tool: "original", Page: "scan-01", Bytes: 2_000_000, Recall: 1},
		{Tool: "borne", Page: "scan-01", Bytes: 70_000, Millis: 600, RSSMB: 60, Recall: 0.95},
		{Tool: "ocrmypdf-O3", Page: "scan-01", Bytes: 280_000, Millis: 12_000, RSSMB: 140, Recall: 1},
		{Tool: "borne", Page: "linn", Bytes: 70_000, Millis: 200, RSSMB: 50, Recall: -1, Err: ""},
		{Tool: "gs-ebook", Page: "linn", Err: "gs: exit status 1"},
	}
	var b strings.Builder
	writeTable(&b, results)
	writeSummary(&b, results)
	out := b.String()
	for _, want := range []string{
		"| scan-00 | borne | 30.0 | 250 | 60.0 | 0.990 |",
		"| linn | gs-ebook | failed: gs: exit status 1 |",
		"A4 letters (scan-*): Borne / OCRmyPDF -O3 bytes median 0.25, worst 0.25",
		"scan-01: recall 0.950 < original 1.000 − 0.01",
		"scan-01: 70.0 KB > 60 KB",
		"scan-01: 600 ms > 500 ms",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
