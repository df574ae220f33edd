// Command shrinkbench compares Borne's shrink engine with its peers on the
// shared corpus and the repository's hard pages (testdata/hard), page by
// page and per kind of document: output bytes, wall-clock milliseconds, peak
// RSS and OCR word recall (see package legibility), all in the same run.
//
// Kinds: "letter" (the corpus's A4 letters), "hard" (faded, low-contrast,
// coloured paper, uneven light, payslip, handwritten form, leaflet with a
// photo), "id" (an identity card alone on the glass), "photo" (a photo print
// on the glass), "other" (the corpus's book and typewriter pages). Borne is
// run with the --kind a kiosk resident would pick (id, photo or letter).
//
// Peers: OCRmyPDF -O3 without OCR, Ghostscript's /ebook preset, and a page
// at 150 dpi as JPEG q75 in a PDF (GNOME Document Scanner's default). Each
// tool runs as its own process on an image-only PDF of the page (Borne reads
// the page file as a kiosk's scan would be), so that time and memory are the
// whole job's.
//
//	go run ./testbench/shrinkbench [-corpus ../shared/corpus] [-hard testdata/hard] [-kioskctl bin/kioskctl] [-out artefacts/bench] [-runs 3]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/image/draw"

	"borne/internal/legibility"
)

// peerJPEGFlag runs this program as the JPEG-150 peer instead.
const peerJPEGFlag = "-peer-jpeg150"

// tool is one contender: the command that turns in (an image or PDF) into
// out (a PDF).
type tool struct {
	name    string
	pdfOnly bool // takes the page as a PDF
	args    func(p page, in, out string) []string
}

// page is one input page.
type page struct {
	path, name string
	kind       string // the bench's kind: letter, hard, id, photo, other
	truth      string // its .txt, or "" when it has none
}

// borneKind is the --kind a resident would pick for a page of a kind.
func (p page) borneKind() string {
	switch p.kind {
	case "id", "photo":
		return p.kind
	}
	return "letter"
}

// result is one tool on one page.
type result struct {
	Tool   string  `json:"tool"`
	Page   string  `json:"page"`
	Kind   string  `json:"kind"`
	Bytes  int64   `json:"bytes"`
	Millis float64 `json:"ms"`     // median over runs
	CPUms  float64 `json:"cpu_ms"` // user + system, the process and its children; median over runs
	RSSMB  float64 `json:"rss_mb"`
	Recall float64 `json:"recall"` // -1: the page has no ground truth
	Err    string  `json:"error,omitempty"`
	out    string
	truth  string
}

func main() {
	if len(os.Args) == 4 && os.Args[1] == peerJPEGFlag {
		if err := jpeg150(os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "jpeg150:", err)
			os.Exit(1)
		}
		return
	}
	corpus := flag.String("corpus", "../shared/corpus", "the corpus `dir`")
	hard := flag.String("hard", "testdata/hard", "the hard pages' `dir`")
	kioskctl := flag.String("kioskctl", "bin/kioskctl", "Borne's kioskctl `binary`")
	outDir := flag.String("out", "artefacts/bench", "where outputs and results go")
	runs := flag.Int("runs", 3, "timed runs of the fast tools (Borne, JPEG-150); the median counts")
	skipSlow := flag.Bool("skip-ocrmypdf", false, "leave OCRmyPDF out (about 15 s a page)")
	flag.Parse()
	if err := run([]string{*corpus, *hard}, *kioskctl, *outDir, *runs, *skipSlow); err != nil {
		fmt.Fprintln(os.Stderr, "shrinkbench:", err)
		os.Exit(1)
	}
}

func run(dirs []string, kioskctl, outDir string, runs int, skipSlow bool) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	tools := []tool{
		{name: "borne", args: func(p page, in, out string) []string {
			return []string{kioskctl, "shrink", "--kind", p.borneKind(), "--format", "pdf", "-o", out, in}
		}},
		{name: "ocrmypdf-O3", pdfOnly: true, args: func(_ page, in, out string) []string {
			return []string{"ocrmypdf", "-q", "-O3", "--tesseract-timeout", "0", "--output-type", "pdf", in, out}
		}},
		{name: "gs-ebook", pdfOnly: true, args: func(_ page, in, out string) []string {
			return []string{"gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", "-dPDFSETTINGS=/ebook", "-sOutputFile=" + out, in}
		}},
		{name: "jpeg150-q75", args: func(_ page, in, out string) []string { return []string{self, peerJPEGFlag, in, out} }},
	}
	if skipSlow {
		tools = slices.DeleteFunc(tools, func(t tool) bool { return t.name == "ocrmypdf-O3" })
	}
	var pages []page
	for _, dir := range dirs {
		pp, err := corpusPages(dir)
		if err != nil {
			return err
		}
		pages = append(pages, pp...)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	ctx := context.Background()

	// Time every tool first, one process at a time; OCR comes after, in
	// parallel, so that it never competes with a timed run.
	var results []*result
	for _, pg := range pages {
		name := pg.name
		asPDF := pg.path
		if !strings.EqualFold(filepath.Ext(pg.path), ".pdf") {
			asPDF = filepath.Join(outDir, name+".original.pdf")
			if out, err := exec.Command("img2pdf", pg.path, "-o", asPDF).CombinedOutput(); err != nil {
				return fmt.Errorf("img2pdf %s: %v: %s", pg.path, err, out)
			}
		}
		results = append(results, &result{Tool: "original", Page: name, Kind: pg.kind, Bytes: size(asPDF), out: asPDF, truth: pg.truth})
		for _, t := range tools {
			in := pg.path
			if t.pdfOnly {
				in = asPDF
			}
			r := &result{Tool: t.name, Page: name, Kind: pg.kind, out: filepath.Join(outDir, name+"."+t.name+".pdf"), truth: pg.truth}
			n := 1
			if t.name == "borne" || t.name == "jpeg150-q75" {
				n = runs
			}
			var times, cpus []float64
			for range n {
				ms, cpu, rss, err := measure(ctx, t.args(pg, in, r.out))
				if err != nil {
					r.Err = err.Error()
					break
				}
				times = append(times, ms)
				cpus = append(cpus, cpu)
				r.RSSMB = math.Max(r.RSSMB, rss)
			}
			if r.Err == "" {
				slices.Sort(times)
				r.Millis, r.CPUms, r.Bytes = medianOf(times), medianOf(cpus), size(r.out)
			}
			fmt.Fprintf(os.Stderr, "%-16s %-14s %8d B %8.0f ms %8.0f cpu ms %6.1f MB %s\n", name, t.name, r.Bytes, r.Millis, r.CPUms, r.RSSMB, r.Err)
			results = append(results, r)
		}
	}
	ocr(ctx, results)

	js, _ := json.MarshalIndent(results, "", "  ")
	if err := os.WriteFile(filepath.Join(outDir, "results.json"), js, 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(outDir, "results.md"))
	if err != nil {
		return err
	}
	defer f.Close()
	w := io.MultiWriter(os.Stdout, f)
	writeTable(w, results)
	writeSummary(w, results)
	return nil
}

// corpusPages lists a directory's pages (images and PDFs), each with its
// kind and ground truth.
func corpusPages(dir string) ([]page, error) {
	var paths []string
	for _, pat := range []string{"*.jpg", "*.png", "*.pdf"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat)) // only fails on a bad pattern
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no pages in %s (is ../shared beside the repository?)", dir)
	}
	slices.Sort(paths)
	var pages []page
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		pg := page{path: p, name: name, kind: kindOf(name, filepath.Base(dir) == "hard")}
		if truth := strings.TrimSuffix(p, filepath.Ext(p)) + ".txt"; size(truth) > 0 {
			pg.truth = truth
		}
		pages = append(pages, pg)
	}
	return pages, nil
}

// kindOf sorts a page into the bench's kinds by its name and directory.
func kindOf(name string, hard bool) string {
	switch {
	case strings.HasPrefix(name, "idcard"):
		return "id"
	case strings.HasPrefix(name, "photo-print"):
		return "photo"
	case hard:
		return "hard"
	case strings.HasPrefix(name, "scan-"):
		return "letter"
	}
	return "other"
}

// measure runs a command and returns its wall time, its CPU time (user and
// system, with its children's: steady on a busy machine) and peak RSS (of
// the largest process of its tree, as wait4 reports it).
func measure(ctx context.Context, args []string) (ms, cpuMs, rssMB float64, err error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	ms = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%s: %v: %s", filepath.Base(args[0]), err, strings.TrimSpace(stderr.String()))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rssMB = float64(ru.Maxrss) / 1024
		cpuMs = float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
	}
	return ms, cpuMs, rssMB, nil
}

func size(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// ocr measures the recall of every output whose page has a ground truth.
func ocr(ctx context.Context, results []*result) {
	jobs := make(chan *result)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for r := range jobs {
				if r.truth == "" {
					r.Recall = -1
					continue
				}
				truth, err := os.ReadFile(r.truth)
				if err != nil {
					r.Err = err.Error()
					continue
				}
				if r.Err != "" {
					continue
				}
				if r.Recall, err = legibility.PDFRecall(ctx, r.out, string(truth)); err != nil {
					r.Err = err.Error()
				}
			}
		})
	}
	for _, r := range results {
		jobs <- r
	}
	close(jobs)
	wg.Wait()
}

func writeTable(w io.Writer, results []*result) {
	fmt.Fprintln(w, "| page | kind | tool | KB | ms | cpu ms | peak RSS MB | OCR recall |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---:|")
	for _, r := range results {
		if r.Err != "" {
			fmt.Fprintf(w, "| %s | %s | %s | failed: %s | | | | |\n", r.Page, r.Kind, r.Tool, r.Err)
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.1f | %.0f | %.0f | %.1f | %s |\n", r.Page, r.Kind, r.Tool, float64(r.Bytes)/1000, r.Millis, r.CPUms, r.RSSMB, recall(r.Recall))
	}
	fmt.Fprintln(w)
}

// figure formats a median; "failed" when every run failed.
func figure(format string, v float64) string {
	if math.IsNaN(v) {
		return "failed"
	}
	return fmt.Sprintf(format, v)
}

func recall(v float64) string {
	if v < 0 || math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.3f", v)
}

// Borne's targets per page, by kind (bytes; 0: none).
var maxBytes = map[string]int64{"letter": 30_000, "hard": 100_000, "id": 150_000}

const (
	maxMillis   = 500
	maxRSSMB    = 200
	recallSlack = 0.02 // Borne's recall may trail the scan's by this much
	minSmaller  = 4    // × smaller than OCRmyPDF -O3, per kind (median)
	minFaster   = 20   // × faster
)

// writeSummary gives, per kind, each tool's medians side by side, Borne's
// ratios to OCRmyPDF, and the pages where Borne misses a target.
func writeSummary(w io.Writer, results []*result) {
	var kinds, tools []string
	for _, r := range results {
		if !slices.Contains(kinds, r.Kind) {
			kinds = append(kinds, r.Kind)
		}
		if !slices.Contains(tools, r.Tool) {
			tools = append(tools, r.Tool)
		}
	}
	slices.SortStableFunc(kinds, func(a, b string) int { return kindRank(a) - kindRank(b) })
	find := func(tool, pg string) *result {
		for _, r := range results {
			if r.Tool == tool && r.Page == pg {
				return r
			}
		}
		return nil
	}
	median := func(rs []*result, f func(*result) float64) float64 {
		var v []float64
		for _, r := range rs {
			if r.Err == "" && f(r) >= 0 {
				v = append(v, f(r))
			}
		}
		return medianOf(v)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "kind\ttool\tpages\tKB/page\tms/page\tcpu ms/page\tpeak MB\tOCR recall\t(medians)")
	for _, k := range kinds {
		for _, t := range tools {
			var rs []*result
			for _, r := range results {
				if r.Kind == k && r.Tool == t {
					rs = append(rs, r)
				}
			}
			if len(rs) == 0 {
				continue
			}
			ms, cpu, rss := "", "", ""
			if t != "original" {
				ms = figure("%.0f", median(rs, func(r *result) float64 { return r.Millis }))
				cpu = figure("%.0f", median(rs, func(r *result) float64 { return r.CPUms }))
				rss = figure("%.1f", median(rs, func(r *result) float64 { return r.RSSMB }))
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t\n", k, t, len(rs),
				figure("%.1f", median(rs, func(r *result) float64 { return float64(r.Bytes) / 1000 })), ms, cpu, rss,
				recall(median(rs, func(r *result) float64 { return r.Recall })))
		}
	}
	tw.Flush()
	fmt.Fprintln(w)

	var misses []string
	for _, k := range kinds {
		var byteRatios, speedups, cpuRatios []float64
		for _, b := range results {
			if b.Tool != "borne" || b.Kind != k {
				continue
			}
			if b.Err != "" {
				misses = append(misses, fmt.Sprintf("%s: failed", b.Page))
				continue
			}
			if o := find("ocrmypdf-O3", b.Page); o != nil && o.Err == "" {
				byteRatios = append(byteRatios, float64(b.Bytes)/float64(o.Bytes))
				speedups = append(speedups, o.Millis/b.Millis)
				if b.CPUms > 0 {
					cpuRatios = append(cpuRatios, o.CPUms/b.CPUms)
				}
			}
			if orig := find("original", b.Page); b.Recall >= 0 && orig != nil && orig.Recall >= 0 && b.Recall < orig.Recall-recallSlack {
				misses = append(misses, fmt.Sprintf("%s: recall %.3f < original %.3f − %.2f", b.Page, b.Recall, orig.Recall, recallSlack))
			}
			if limit := maxBytes[k]; limit > 0 && b.Bytes > limit {
				misses = append(misses, fmt.Sprintf("%s: %.1f KB > %d KB (%s)", b.Page, float64(b.Bytes)/1000, limit/1000, k))
			}
			if b.Millis > maxMillis {
				misses = append(misses, fmt.Sprintf("%s: %.0f ms > %d ms", b.Page, b.Millis, maxMillis))
			}
			if b.RSSMB > maxRSSMB {
				misses = append(misses, fmt.Sprintf("%s: %.0f MB > %d MB", b.Page, b.RSSMB, maxRSSMB))
			}
		}
		if len(byteRatios) == 0 {
			continue
		}
		smaller, faster := 1/medianOf(byteRatios), medianOf(speedups)
		fmt.Fprintf(w, "%s: Borne is %.1f× smaller (worst page %.1f×) and %.0f× faster (worst %.0f×) than OCRmyPDF -O3 (medians; targets %d× and %d×); it takes %.0f× less CPU\n",
			k, smaller, 1/slices.Max(byteRatios), faster, slices.Min(speedups), minSmaller, minFaster, medianOf(cpuRatios))
		if smaller < minSmaller {
			misses = append(misses, fmt.Sprintf("%s: only %.1f× smaller than OCRmyPDF", k, smaller))
		}
		if faster < minFaster {
			misses = append(misses, fmt.Sprintf("%s: only %.0f× faster than OCRmyPDF", k, faster))
		}
	}
	if len(misses) == 0 {
		fmt.Fprintln(w, "Borne meets every target (letters ≤ 30 KB, hard pages ≤ 100 KB, ID cards ≤ 150 KB, recall ≥ original − 0.02, ≤ 0.5 s and ≤ 200 MB a page, ≥ 4× smaller and ≥ 20× faster than OCRmyPDF per kind).")
	} else {
		fmt.Fprintln(w, "Borne misses:")
		for _, m := range misses {
			fmt.Fprintln(w, "  -", m)
		}
	}
}

// kindRank orders the kinds in the summary.
func kindRank(k string) int {
	if i := slices.Index([]string{"letter", "hard", "id", "photo", "other"}, k); i >= 0 {
		return i
	}
	return 99
}

// medianOf is the median of v (the mean of the middle two for an even
// count); NaN for none.
func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 0 {
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	return v[len(v)/2]
}

// jpeg150 is GNOME Document Scanner's default: the page at 150 dpi, JPEG
// quality 75, one image a page in a PDF (here through img2pdf).
func jpeg150(in, out string) error {
	tmp, err := os.MkdirTemp("", "borne-jpeg150-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	jpg := filepath.Join(tmp, "page.jpg")
	if strings.EqualFold(filepath.Ext(in), ".pdf") {
		if out, err := exec.Command("pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-singlefile", "-jpeg", "-jpegopt", "quality=75", in, strings.TrimSuffix(jpg, ".jpg")).CombinedOutput(); err != nil {
			return fmt.Errorf("pdftoppm: %v: %s", err, out)
		}
	} else {
		f, err := os.Open(in)
		if err != nil {
			return err
		}
		src, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			return err
		}
		// The corpus's images are 300 dpi.
		b := src.Bounds()
		dst := image.NewRGBA(image.Rect(0, 0, b.Dx()/2, b.Dy()/2))
		draw.BiLinear.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
		g, err := os.Create(jpg)
		if err != nil {
			return err
		}
		err = jpeg.Encode(g, dst, &jpeg.Options{Quality: 75})
		if cerr := g.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	cmd := exec.Command("img2pdf", "--imgsize", "150dpix150dpi", jpg, "-o", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return errors.New(strings.TrimSpace(string(msg)))
	}
	return nil
}
