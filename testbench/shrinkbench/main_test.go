package main

import (
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	results := []*result{
		{Tool: "original", Page: "scan-00", Kind: "letter", Bytes: 2_000_000, Recall: 0.97},
		{Tool: "borne", Page: "scan-00", Kind: "letter", Bytes: 25_000, Millis: 250, CPUms: 200, RSSMB: 60, Recall: 0.99},
		{Tool: "ocrmypdf-O3", Page: "scan-00", Kind: "letter", Bytes: 300_000, Millis: 15_000, CPUms: 14_000, RSSMB: 140, Recall: 0.99},
		{Tool: "original", Page: "scan-01", Kind: "letter", Bytes: 2_000_000, Recall: 1},
		{Tool: "borne", Page: "scan-01", Kind: "letter", Bytes: 35_000, Millis: 600, CPUms: 500, RSSMB: 60, Recall: 0.97},
		{Tool: "ocrmypdf-O3", Page: "scan-01", Kind: "letter", Bytes: 280_000, Millis: 12_000, CPUms: 11_000, RSSMB: 140, Recall: 1},
		{Tool: "original", Page: "faded", Kind: "hard", Bytes: 400_000, Recall: 1},
		{Tool: "borne", Page: "faded", Kind: "hard", Bytes: 110_000, Millis: 300, RSSMB: 70, Recall: 0.99},
		{Tool: "ocrmypdf-O3", Page: "faded", Kind: "hard", Bytes: 200_000, Millis: 3_000, RSSMB: 140, Recall: 1},
		{Tool: "borne", Page: "idcard-front", Kind: "id", Bytes: 70_000, Millis: 200, RSSMB: 50, Recall: 1},
		{Tool: "gs-ebook", Page: "idcard-front", Kind: "id", Err: "gs: exit status 1"},
		{Tool: "borne", Page: "photo-print", Kind: "photo", Bytes: 190_000, Millis: 200, CPUms: 150, RSSMB: 50, Recall: -1},
	}
	var b strings.Builder
	writeTable(&b, results)
	writeSummary(&b, results)
	out := b.String()
	for _, want := range []string{
		"| scan-00 | letter | borne | 25.0 | 250 | 200 | 60.0 | 0.990 |",
		"| photo-print | photo | borne | 190.0 | 200 | 150 | 50.0 | – |",
		"| idcard-front | id | gs-ebook | failed: gs: exit status 1 |",
		"letter  borne        2      30.0     425      350",
		"letter: Borne is 9.6× smaller (worst page 8.0×) and 40× faster (worst 20×) than OCRmyPDF -O3 (medians; targets 4× and 20×); it takes 46× less CPU",
		"id      gs-ebook     1      failed",
		"hard: Borne is 1.8× smaller",
		"scan-01: recall 0.970 < original 1.000 − 0.02",
		"scan-01: 35.0 KB > 30 KB (letter)",
		"scan-01: 600 ms > 500 ms",
		"faded: 110.0 KB > 100 KB (hard)",
		"hard: only 1.8× smaller than OCRmyPDF",
		"hard: only 10× faster than OCRmyPDF",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "idcard-front: ") || strings.Contains(out, "photo-print: ") {
		t.Errorf("a page within its targets is listed as a miss:\n%s", out)
	}
}

func TestKindOf(t *testing.T) {
	for name, want := range map[string]string{"scan-01": "letter", "linn": "other", "idcard-back": "id", "photo-print": "photo"} {
		if got := kindOf(name, false); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	if got := kindOf("faded", true); got != "hard" {
		t.Errorf("faded: %s", got)
	}
}
