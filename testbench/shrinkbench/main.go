// Command shrinkbench compares Borne's shrink engine with its peers on the
// shared corpus, page by page: output bytes, wall-clock milliseconds, peak
// RSS and OCR word recall (see package legibility), all in the same run.
//
// Peers: OCRmyPDF -O3 without OCR, Ghostscript's /ebook preset, and a page
// at 150 dpi as JPEG q75 in a PDF (GNOME Document Scanner's default). Each
// tool runs as its own process on an image-only PDF of the page (Borne reads
// the page file as a kiosk's scan would be), so that time and memory are the
// whole job's.
//
//	go run ./testbench/shrinkbench [-corpus ../shared/corpus] [-kioskctl bin/kioskctl] [-out artefacts/bench] [-runs 3]
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

	"borne/testbench/shrinkbench/legibility"
)

// peerJPEGFlag runs this program as the JPEG-150 peer instead.
const peerJPEGFlag = "-peer-jpeg150"

// tool is one contender: the command that turns in (an image or PDF) into
// out (a PDF).
type tool struct {
	name    string
	pdfOnly bool // takes the page as a PDF
	args    func(in, out string) []string
}

// result is one tool on one page.
type result struct {
	Tool   string  `json:"tool"`
	Page   string  `json:"page"`
	Bytes  int64   `json:"bytes"`
	Millis float64 `json:"ms"` // median over runs
	RSSMB  float64 `json:"rss_mb"`
	Recall float64 `json:"recall"` // -1: the page has no ground truth
	Err    string  `json:"error,omitempty"`
	out    string
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
	kioskctl := flag.String("kioskctl", "bin/kioskctl", "Borne's kioskctl `binary`")
	outDir := flag.String("out", "artefacts/bench", "where outputs and results go")
	runs := flag.Int("runs", 3, "timed runs of the fast tools (Borne, JPEG-150); the median counts")
	skipSlow := flag.Bool("skip-ocrmypdf", false, "leave OCRmyPDF out (about 15 s a page)")
	flag.Parse()
	if err := run(*corpus, *kioskctl, *outDir, *runs, *skipSlow); err != nil {
		fmt.Fprintln(os.Stderr, "shrinkbench:", err)
		os.Exit(1)
	}
}

func run(corpus, kioskctl, outDir string, runs int, skipSlow bool) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	tools := []tool{
		{name: "borne", args: func(in, out string) []string { return []string{kioskctl, "shrink", "--format", "pdf", "-o", out, in} }},
		{name: "ocrmypdf-O3", pdfOnly: true, args: func(in, out string) []string {
			return []string{"ocrmypdf", "-q", "-O3", "--tesseract-timeout", "0", "--output-type", "pdf", in, out}
		}},
		{name: "gs-ebook", pdfOnly: true, args: func(in, out string) []string {
			return []string{"gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", "-dPDFSETTINGS=/ebook", "-sOutputFile=" + out, in}
		}},
		{name: "jpeg150-q75", args: func(in, out string) []string { return []string{self, peerJPEGFlag, in, out} }},
	}
	if skipSlow {
		tools = slices.DeleteFunc(tools, func(t tool) bool { return t.name == "ocrmypdf-O3" })
	}
	pages, err := corpusPages(corpus)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	ctx := context.Background()

	// Time every tool first, one process at a time; OCR comes after, in
	// parallel, so that it never competes with a timed run.
	var results []*result
	for _, page := range pages {
		name := strings.TrimSuffix(filepath.Base(page), filepath.Ext(page))
		asPDF := page
		if !strings.EqualFold(filepath.Ext(page), ".pdf") {
			asPDF = filepath.Join(outDir, name+".original.pdf")
			if out, err := exec.Command("img2pdf", page, "-o", asPDF).CombinedOutput(); err != nil {
				return fmt.Errorf("img2pdf %s: %v: %s", page, err, out)
			}
		}
		results = append(results, &result{Tool: "original", Page: name, Bytes: size(asPDF), out: asPDF})
		for _, t := range tools {
			in := page
			if t.pdfOnly {
				in = asPDF
			}
			r := &result{Tool: t.name, Page: name, out: filepath.Join(outDir, name+"."+t.name+".pdf")}
			n := 1
			if t.name == "borne" || t.name == "jpeg150-q75" {
				n = runs
			}
			var times []float64
			for range n {
				ms, rss, err := measure(ctx, t.args(in, r.out))
				if err != nil {
					r.Err = err.Error()
					break
				}
				times = append(times, ms)
				r.RSSMB = math.Max(r.RSSMB, rss)
			}
			if r.Err == "" {
				slices.Sort(times)
				r.Millis, r.Bytes = times[len(times)/2], size(r.out)
			}
			fmt.Fprintf(os.Stderr, "%-12s %-14s %8d B %8.0f ms %6.1f MB %s\n", name, t.name, r.Bytes, r.Millis, r.RSSMB, r.Err)
			results = append(results, r)
		}
	}
	ocr(ctx, corpus, results)

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

// corpusPages lists the corpus's pages: images and PDFs.
func corpusPages(dir string) ([]string, error) {
	var pages []string
	for _, pat := range []string{"*.jpg", "*.png", "*.pdf"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat)) // only fails on a bad pattern
		pages = append(pages, m...)
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("no pages in %s (is ../shared beside the repository?)", dir)
	}
	slices.Sort(pages)
	return pages, nil
}

// measure runs a command and returns its wall time and peak RSS (of the
// largest process of its tree, as wait4 reports it).
func measure(ctx context.Context, args []string) (ms, rssMB float64, err error) {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	ms = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %v: %s", filepath.Base(args[0]), err, strings.TrimSpace(stderr.String()))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rssMB = float64(ru.Maxrss) / 1024
	}
	return ms, rssMB, nil
}

func size(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// ocr measures the recall of every output whose page has a ground truth.
func ocr(ctx context.Context, corpus string, results []*result) {
	jobs := make(chan *result)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for r := range jobs {
				truth, err := os.ReadFile(filepath.Join(corpus, r.Page+".txt"))
				if err != nil {
					r.Recall = -1
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
	fmt.Fprintln(w, "| page | tool | KB | ms | peak RSS MB | OCR recall |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|")
	for _, r := range results {
		rec := "–"
		if r.Recall >= 0 && r.Err == "" {
			rec = fmt.Sprintf("%.3f", r.Recall)
		}
		if r.Err != "" {
			fmt.Fprintf(w, "| %s | %s | failed: %s | | | |\n", r.Page, r.Tool, r.Err)
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %.1f | %.0f | %.1f | %s |\n", r.Page, r.Tool, float64(r.Bytes)/1000, r.Millis, r.RSSMB, rec)
	}
	fmt.Fprintln(w)
}

// writeSummary gives each tool's medians and Borne's ratios and targets.
func writeSummary(w io.Writer, results []*result) {
	byTool := map[string][]*result{}
	var order []string
	for _, r := range results {
		if _, ok := byTool[r.Tool]; !ok {
			order = append(order, r.Tool)
		}
		byTool[r.Tool] = append(byTool[r.Tool], r)
	}
	median := func(rs []*result, f func(*result) float64) float64 {
		var v []float64
		for _, r := range rs {
			if r.Err == "" && f(r) >= 0 {
				v = append(v, f(r))
			}
		}
		if len(v) == 0 {
			return math.NaN()
		}
		slices.Sort(v)
		if len(v)%2 == 0 {
			return (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		return v[len(v)/2]
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "median per page\tKB\tms\tpeak RSS MB\tOCR recall (pages with truth)")
	for _, t := range order {
		rs := byTool[t]
		fmt.Fprintf(tw, "%s\t%.1f\t%.0f\t%.1f\t%.3f\n", t,
			median(rs, func(r *result) float64 { return float64(r.Bytes) / 1000 }),
			median(rs, func(r *result) float64 { return r.Millis }),
			median(rs, func(r *result) float64 { return r.RSSMB }),
			median(rs, func(r *result) float64 { return r.Recall }))
	}
	tw.Flush()
	fmt.Fprintln(w)

	// Borne against OCRmyPDF page by page, and the targets.
	find := func(tool, page string) *result {
		for _, r := range byTool[tool] {
			if r.Page == page {
				return r
			}
		}
		return nil
	}
	// Letters are the corpus's A4 scans (scan-*), the case the targets name.
	var byteRatios, speedups, letterBytes, letterSpeedups []float64
	var misses []string
	for _, b := range byTool["borne"] {
		if b.Err != "" {
			misses = append(misses, fmt.Sprintf("%s: failed", b.Page))
			continue
		}
		if o := find("ocrmypdf-O3", b.Page); o != nil && o.Err == "" {
			byteRatios = append(byteRatios, float64(b.Bytes)/float64(o.Bytes))
			speedups = append(speedups, o.Millis/b.Millis)
			if strings.HasPrefix(b.Page, "scan-") {
				letterBytes = append(letterBytes, float64(b.Bytes)/float64(o.Bytes))
				letterSpeedups = append(letterSpeedups, o.Millis/b.Millis)
			}
		}
		orig := find("original", b.Page)
		if b.Recall >= 0 && orig != nil && b.Recall < orig.Recall-0.01 {
			misses = append(misses, fmt.Sprintf("%s: recall %.3f < original %.3f − 0.01", b.Page, b.Recall, orig.Recall))
		}
		if strings.HasPrefix(b.Page, "scan-") && b.Bytes > 60_000 {
			misses = append(misses, fmt.Sprintf("%s: %.1f KB > 60 KB", b.Page, float64(b.Bytes)/1000))
		}
		if b.Millis > 500 {
			misses = append(misses, fmt.Sprintf("%s: %.0f ms > 500 ms", b.Page, b.Millis))
		}
		if b.RSSMB > 200 {
			misses = append(misses, fmt.Sprintf("%s: %.0f MB > 200 MB", b.Page, b.RSSMB))
		}
	}
	ratios := func(what string, bytes, speed []float64) {
		if len(bytes) == 0 {
			return
		}
		fmt.Fprintf(w, "%s: Borne / OCRmyPDF -O3 bytes median %.2f, worst %.2f (target ≤ 0.25); OCRmyPDF time / Borne time median %.0f×, worst %.0f× (target ≥ 20×)\n",
			what, medianOf(bytes), slices.Max(bytes), medianOf(speed), slices.Min(speed))
	}
	ratios("A4 letters (scan-*)", letterBytes, letterSpeedups)
	ratios("all pages", byteRatios, speedups)
	if len(misses) == 0 {
		fmt.Fprintln(w, "Borne meets every per-page target (≤ 60 KB per A4 letter, recall ≥ original − 0.01, ≤ 0.5 s, ≤ 200 MB).")
	} else {
		fmt.Fprintln(w, "Borne misses:")
		for _, m := range misses {
			fmt.Fprintln(w, "  -", m)
		}
	}
}

func medianOf(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
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
