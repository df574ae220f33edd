package kioskctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"borne/drivers/scanner"
	"borne/kiosk/shrink"
	"borne/kiosk/tray"
)

func init() {
	commands = append(commands,
		command{"scan", "", "--device NAME -o OUT.pdf|.jpg|.png [--kind letter|id|photo] [--resolution DPI] [--mode color|gray|lineart] [--source flatbed|adf] [--option NAME=VALUE]... [--max-bytes N] [--format pdf|jpeg|png] [--timeout D]",
			"scan pages as the kiosk does (cropped, straightened, shrunk for the kind of document), or raw to PNG (.png without --format); \"kioskctl devices\" lists the scanners", scanCmd},
		command{"shrink", "", "-o OUT [--kind letter|id|photo] [--max-bytes N] [--format pdf|jpeg|png] [--dpi N] IN...",
			"turn images (JPEG, PNG, PNM) or scanned PDFs into the smallest legible PDF, JPEG or PNG under a size, kept as the kind of document needs, saying what it chose per page", shrinkCmd},
	)
}

// targetFlags are the flags saying what the output must be.
type targetFlags struct {
	maxBytes int64
	format   string
	kind     string
}

func (tf *targetFlags) register(fs *flag.FlagSet) {
	fs.Int64Var(&tf.maxBytes, "max-bytes", 0, "size limit of the output in `bytes` (0: none)")
	fs.StringVar(&tf.format, "format", "", "output format, `pdf, jpeg or png` (default: from the output's extension)")
	fs.StringVar(&tf.kind, "kind", shrink.DocLetter, "what the document is, `letter, id or photo`: a letter or form keeps its text sharp and small; an identity card or a photo is cut out of the glass and kept in colour (recto and verso as one picture)")
}

// target checks the flags against the output path.
func (tf *targetFlags) target(out string) (shrink.Target, error) {
	if tf.maxBytes < 0 {
		return shrink.Target{}, fmt.Errorf("--max-bytes %d: want 0 (no limit) or more", tf.maxBytes)
	}
	if !slices.Contains(shrink.DocKinds, tf.kind) {
		return shrink.Target{}, fmt.Errorf("--kind %q: want %s", tf.kind, strings.Join(shrink.DocKinds, ", "))
	}
	format := tf.format
	if format == "" {
		switch strings.ToLower(filepath.Ext(out)) {
		case ".jpg", ".jpeg":
			format = shrink.JPEG
		case ".png":
			format = shrink.PNG
		default:
			format = shrink.PDF
		}
	}
	if format != shrink.PDF && format != shrink.JPEG && format != shrink.PNG {
		return shrink.Target{}, fmt.Errorf("--format %q: want pdf, jpeg or png", format)
	}
	return shrink.Target{MaxBytes: tf.maxBytes, Formats: []string{format}, Kind: tf.kind}, nil
}

// report prints what Shrink did.
func report(e *env, res shrink.Result, limit int64) {
	lim := ""
	if limit > 0 {
		lim = fmt.Sprintf(" (limit %.1f KB)", float64(limit)/1000)
	}
	fmt.Fprintf(e.stdout, "%s: %s, %.1f KB%s, %d page(s)\n", res.Path, strings.ToUpper(res.Format), float64(res.Bytes)/1000, lim, len(res.PerPage))
	for _, c := range res.PerPage {
		fmt.Fprintf(e.stdout, "  %s\n", c)
	}
}

func scanCmd(e *env, name string, args []string) int {
	fs := e.flags(name)
	device := fs.String("device", "", "the scanner, as SANE names it (see \"kioskctl devices\")")
	out := fs.String("o", "", "output `file`: .pdf or .jpg as the kiosk sends it, .png for the raw scan")
	resolution := fs.Int("resolution", 300, "resolution in `dpi`")
	mode := fs.String("mode", string(scanner.Color), "`color, gray or lineart`")
	source := fs.String("source", string(scanner.Flatbed), "`flatbed or adf` (every page in the feeder)")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this `duration`")
	extra := map[string]string{}
	fs.Func("option", "a backend option, `NAME=VALUE` (repeatable), e.g. filename=page.pnm for SANE's pnm backend", func(v string) error {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return errors.New("want NAME=VALUE")
		}
		extra[k] = val
		return nil
	})
	var tf targetFlags
	tf.register(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	switch {
	case *device == "":
		return e.usageErr(name, "--device is required")
	case *out == "":
		return e.usageErr(name, "-o is required")
	case *mode != string(scanner.Color) && *mode != string(scanner.Gray) && *mode != string(scanner.Lineart):
		return e.usageErr(name, "--mode %q: want color, gray or lineart", *mode)
	case *source != string(scanner.Flatbed) && *source != string(scanner.ADF):
		return e.usageErr(name, "--source %q: want flatbed or adf", *source)
	}
	raw := strings.EqualFold(filepath.Ext(*out), ".png") && tf.format == ""
	target, err := tf.target(*out)
	if err != nil && !raw {
		return e.usageErr(name, "%v", err)
	}

	ctx, cancel := context.WithTimeout(e.ctx, *timeout)
	defer cancel()
	dev, err := scanner.Open(ctx, *device)
	if err != nil {
		return scanFailed(e, name, err)
	}
	defer dev.Close()
	start := time.Now()
	pages, err := dev.Scan(ctx, scanner.Options{Resolution: *resolution, Mode: scanner.Mode(*mode), Source: scanner.Source(*source), Extra: extra}, nil)
	if err != nil && len(pages) == 0 {
		return scanFailed(e, name, err)
	}
	fmt.Fprintf(e.stdout, "scanned %d page(s) from %s in %.1f s\n", len(pages), *device, time.Since(start).Seconds())
	if err != nil { // the feeder failed after some pages: keep those, and say why
		fmt.Fprintf(e.stderr, "kioskctl %s: after %d page(s): %v\n  %s\n", name, len(pages), err, scanner.Describe(err).Staff)
	}

	if raw {
		if err := writeRaw(*out, pages); err != nil {
			return e.fail(name, err)
		}
		return exitOK
	}
	// The kiosk's own path: a tray in a private directory, then the shrink.
	dir, err := os.MkdirTemp("", "borne-scan-")
	if err != nil {
		return e.fail(name, err)
	}
	defer os.RemoveAll(dir)
	tr, err := tray.New(dir)
	if err != nil {
		return e.fail(name, err)
	}
	doc, err := tr.NewDocument()
	if err != nil {
		return e.fail(name, err)
	}
	for _, p := range pages {
		page, err := tr.AddPage(doc.ID, p.Image, p.DPI)
		if err != nil {
			return e.fail(name, err)
		}
		if page.Warning != "" {
			fmt.Fprintf(e.stderr, "kioskctl %s: page %s looks %s\n", name, page.ID, page.Warning)
		}
	}
	res, err := tr.Shrink(ctx, doc.ID, target)
	if err != nil {
		return e.fail(name, err)
	}
	data, err := os.ReadFile(res.Path)
	if err != nil {
		return e.fail(name, err)
	}
	if err := os.WriteFile(*out, data, 0o600); err != nil {
		return e.fail(name, err)
	}
	res.Path = *out
	report(e, res, target.MaxBytes)
	return exitOK
}

// scanFailed reports a scanner error with what staff should do about it.
func scanFailed(e *env, name string, err error) int {
	fmt.Fprintf(e.stderr, "kioskctl %s: %v\n  %s\n", name, err, scanner.Describe(err).Staff)
	return exitFail
}

// writeRaw writes the pages as PNG: out, then out-2.png, out-3.png…
func writeRaw(out string, pages []scanner.Page) error {
	for i, p := range pages {
		path := out
		if i > 0 {
			path = fmt.Sprintf("%s-%d.png", strings.TrimSuffix(out, filepath.Ext(out)), i+1)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		err = png.Encode(f, p.Image)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

func shrinkCmd(e *env, name string, args []string) int {
	fs := e.flags(name)
	out := fs.String("o", "", "output `file`")
	dpi := fs.Float64("dpi", 0, "resolution of images that do not state theirs (default: guessed from an A4 or Letter page)")
	var tf targetFlags
	tf.register(fs)
	// Flags and inputs in any order.
	var ins []string
	for rest := args; ; {
		if err := fs.Parse(rest); errors.Is(err, flag.ErrHelp) {
			return exitOK
		} else if err != nil {
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		ins, rest = append(ins, fs.Arg(0)), fs.Args()[1:]
	}
	switch {
	case *out == "":
		return e.usageErr(name, "-o is required")
	case len(ins) == 0:
		return e.usageErr(name, "give at least one image or PDF")
	case *dpi < 0:
		return e.usageErr(name, "--dpi %v: want a resolution", *dpi)
	}
	target, err := tf.target(*out)
	if err != nil {
		return e.usageErr(name, "%v", err)
	}

	var tmp string // rasterized PDF pages, removed at the end
	defer func() {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}()
	var pages []shrink.Page
	for _, in := range ins {
		if !strings.EqualFold(filepath.Ext(in), ".pdf") {
			pages = append(pages, shrink.Page{Path: in, DPI: *dpi})
			continue
		}
		if tmp == "" {
			if tmp, err = os.MkdirTemp("", "borne-shrink-"); err != nil {
				return e.fail(name, err)
			}
		}
		sub := filepath.Join(tmp, fmt.Sprint(len(pages)))
		if err := os.Mkdir(sub, 0o700); err != nil {
			return e.fail(name, err)
		}
		pp, err := shrink.RasterizePDF(e.ctx, in, sub)
		if err != nil {
			return e.fail(name, err)
		}
		pages = append(pages, pp...)
	}
	res, err := shrink.Shrink(e.ctx, pages, target, *out)
	if err != nil {
		return e.fail(name, err)
	}
	report(e, res, target.MaxBytes)
	return exitOK
}
