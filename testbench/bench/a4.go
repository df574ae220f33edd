package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"borne/drivers/printer"
	"borne/drivers/selftest"
)

func init() {
	Register(Suite{Name: "a4", Help: "A4 printer: attributes, state before and after, a test page printed to its end", Run: runA4})
}

const printTimeout = 3 * time.Minute // a cold laser printer warms up in under a minute

func runA4(ctx context.Context, env *Env) []Step {
	r := &recorder{env: env, suite: "a4"}
	uri := env.Config.Printer.URI
	if uri == "" {
		r.skip("a4", "attributes", "ask the printer about itself", "no A4 printer in the config ([printer] uri)")
		return r.steps
	}
	c, err := printer.Open(uri, printer.Options{PollEvery: 100 * time.Millisecond, Log: env.Logger()})
	if err != nil {
		r.do(uri, "attributes", "asked the printer about itself", func(st *Step) { st.Fail(string(printer.CodeOf(err)), "%v", err) })
		return r.steps
	}
	if r.do(uri, "attributes", "asked the printer about itself (Get-Printer-Attributes)", func(st *Step) {
		a, err := c.Attributes(ctx)
		if err != nil {
			st.Fail(string(printer.CodeOf(err)), "%v", err)
			return
		}
		st.Note("%s; formats %s; media ready %s", a.MakeAndModel, strings.Join(a.Formats, ", "), strings.Join(a.MediaReady, ", "))
		for _, m := range a.Markers {
			if m.Level >= 0 {
				st.Measure(m.Name+" level", float64(m.Level), "%")
			}
		}
		if !a.Supports("application/pdf") && !a.Supports("image/pwg-raster") {
			st.Fail(string(printer.Unprintable), "takes neither PDF nor PWG raster (formats: %s)", strings.Join(a.Formats, ", "))
		}
	}) != Pass {
		return r.steps
	}
	ready := r.do(uri, "state-before", "read the printer's state and reasons before printing", func(st *Step) { printerState(ctx, c, st) }) == Pass

	var pdf string
	r.do(uri, "test-page", "drew the test page: alignment marks, grey ramp, text sizes", func(st *Step) {
		dir := env.OutDir
		if dir == "" { // no report: the page is printed, then goes
			tmp, err := os.MkdirTemp("", "borne-bench-a4-")
			if err != nil {
				st.Fail("test-page", "%v", err)
				return
			}
			defer os.RemoveAll(tmp)
			dir = tmp
		} else if err := os.MkdirAll(dir, 0o755); err != nil {
			st.Fail("test-page", "%v", err)
			return
		}
		pdf = filepath.Join(dir, "a4-testpage.pdf")
		if err := selftest.WriteTestPage(pdf, "Borne — page de test / test page "+env.Config.Kiosk.ID); err != nil {
			st.Fail("test-page", "%v", err)
			return
		}
		if fi, err := os.Stat(pdf); err == nil {
			st.Measure("size", float64(fi.Size()), "B")
		}
		if env.OutDir != "" {
			st.Evidence = append(st.Evidence, "a4-testpage.pdf")
		}
	})
	if !ready || pdf == "" {
		why := "the printer is not ready (see state-before)"
		if pdf == "" {
			why = "no test page (see test-page)"
		}
		r.skip(uri, "print", "printed the test page and waited for the job to end", why)
	} else {
		r.do(uri, "print", "printed the test page and waited for the job to end", func(st *Step) {
			hide := env.Guide.Show("The A4 printer prints a test page: check the marks, the greys and the text.")
			defer hide()
			pctx, cancel := context.WithTimeout(ctx, printTimeout)
			defer cancel()
			st.take(selftest.PrintFile(pctx, c, pdf))
		})
	}
	r.do(uri, "state-after", "read the printer's state and reasons after printing", func(st *Step) { printerState(ctx, c, st) })
	return r.steps
}

// printerState records the printer's state in st, failing when a job would
// not print.
func printerState(ctx context.Context, c *printer.Client, st *Step) {
	s, err := c.Status(ctx)
	if err != nil {
		st.Fail(string(printer.CodeOf(err)), "%v", err)
		return
	}
	var kws []string
	for _, r := range s.Reasons {
		kws = append(kws, r.Keyword)
	}
	if len(kws) == 0 {
		kws = []string{"none"}
	}
	if !s.Ready() {
		st.Fail(string(s.Code), "state %s, reasons %s: %s", s.Code, strings.Join(kws, ", "), s.Staff)
		return
	}
	st.Note("state %s, reasons %s", s.Code, strings.Join(kws, ", "))
	for _, w := range s.Warnings {
		st.Note("warning: %s", w)
	}
}
