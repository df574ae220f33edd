package kioskctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"borne/drivers/printer"
	"borne/drivers/receipt"
	"borne/kiosk/config"
	"borne/kiosk/i18n"
	"borne/kiosk/ticket"
)

func init() {
	commands = append(commands,
		command{"print", "", "[--config PATH] [--printer URI] [--copies N] [--timeout D] [--status] FILE.pdf",
			"print a PDF on the A4 printer, showing each step; --status only says how the printer is", printFile},
		command{"ticket", "", "[--config PATH] [--device PATH | --tcp HOST:PORT | --out FILE] [--lang CODE] [--counters] [--status]",
			"print a sample session ticket (or the list of counters) on the ticket printer, or write its ESC/POS to a file", printTicket},
	)
}

func printFile(e *env, name string, args []string) int {
	fs := e.flags(name)
	configPath := fs.String("config", "", "kiosk configuration `file` whose printer.uri is used (default: the built-in configuration)")
	uri := fs.String("printer", "", "the printer's `address`, ipp://… (default: the configuration's printer.uri)")
	copies := fs.Int("copies", 1, "number of `copies`")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up, and cancel the job, after this `long`")
	statusOnly := fs.Bool("status", false, "only say how the printer is; exit 1 when it cannot print")
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case err != nil:
		return exitUsage // the flag package has said why
	case *statusOnly && fs.NArg() > 0:
		return e.usageErr(name, "--status takes no file")
	case !*statusOnly && fs.NArg() != 1:
		return e.usageErr(name, "want one PDF file, after the flags")
	}
	if *copies < 1 || *copies > config.MaxPageQuota {
		return e.usageErr(name, "--copies %d: want 1 to %d", *copies, config.MaxPageQuota)
	}
	if *uri == "" {
		cfg, err := config.Load(*configPath)
		if err != nil {
			return e.fail(name, fmt.Errorf("load configuration: %w", err))
		}
		if *uri = cfg.Printer.URI; *uri == "" {
			return e.usageErr(name, "no printer: give --printer ipp://… or set printer.uri in the configuration")
		}
	}
	c, err := printer.Open(*uri, printer.Options{PollEvery: 250 * time.Millisecond, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return e.usageErr(name, "%v", err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, *timeout)
	defer cancel()

	st, err := c.Status(ctx)
	if err != nil {
		return e.fail(name, err)
	}
	fmt.Fprintf(e.stdout, "printer %s: %s\n  %s\n", *uri, st.Code, st.Staff)
	if *statusOnly {
		if !st.Ready() {
			return exitFail
		}
		return exitOK
	}

	start := time.Now()
	job, err := c.Print(ctx, fs.Arg(0), printer.PrintOptions{Copies: *copies, Name: "kioskctl print"})
	if err != nil {
		return e.fail(name, err)
	}
	fmt.Fprintf(e.stdout, "job %d accepted (%s)\n", job.ID, job.Format)
	final, err := c.Wait(ctx, job, func(s printer.JobStatus) {
		fmt.Fprintf(e.stdout, "job %d: %s, %d pages done", job.ID, s.State, s.PagesDone)
		if s.Printer != nil && !s.Printer.Ready() {
			fmt.Fprintf(e.stdout, "; printer %s: %s", s.Printer.Code, s.Printer.Staff)
		}
		fmt.Fprintln(e.stdout)
	})
	if err != nil {
		if !final.State.Done() {
			// Nothing may print after staff gave up on it.
			cctx, ccancel := context.WithTimeout(context.WithoutCancel(e.ctx), 10*time.Second)
			defer ccancel()
			if cerr := c.Cancel(cctx, job); cerr == nil {
				fmt.Fprintf(e.stdout, "job %d canceled\n", job.ID)
			}
		}
		return e.fail(name, err)
	}
	fmt.Fprintf(e.stdout, "job %d completed in %s (%d pages)\n", job.ID, time.Since(start).Round(time.Millisecond), final.PagesDone)
	return exitOK
}

func printTicket(e *env, name string, args []string) int {
	fs := e.flags(name)
	configPath := fs.String("config", "", "kiosk configuration `file` (default: the built-in configuration)")
	device := fs.String("device", "", "the printer's serial or USB `device` (default: the configuration's receipt.device)")
	tcp := fs.String("tcp", "", "the printer's `host:port` instead")
	out := fs.String("out", "", "write the ESC/POS stream to this `file` instead of printing it")
	lang := fs.String("lang", "", "the ticket's `language` (default: the configuration's default_language)")
	counters := fs.Bool("counters", false, "print the list of counters rather than a session ticket")
	statusOnly := fs.Bool("status", false, "only say how the printer is; exit 1 when it cannot print")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *device != "" && *tcp != "" || *out != "" && (*device != "" || *tcp != "") {
		return e.usageErr(name, "give one of --device, --tcp or --out")
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		return e.fail(name, fmt.Errorf("load configuration: %w", err))
	}
	if *lang == "" {
		*lang = cfg.Kiosk.DefaultLanguage
	}
	if _, ok := i18n.Lookup(*lang); !ok {
		return e.usageErr(name, "--lang %q: not a language of the kiosk", *lang)
	}
	if *device != "" || *tcp != "" {
		cfg.Receipt.Device, cfg.Receipt.TCP = *device, *tcp
	}
	opt, ok := receipt.ConfigOptions(cfg.Receipt, slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if *out == "" && !ok {
		return e.usageErr(name, "no ticket printer: give --device, --tcp or --out, or set receipt.device in the configuration")
	}

	now := time.Now()
	t := ticket.Counters(cfg, *lang, "", now)
	if !*counters {
		var ids []string
		for _, s := range cfg.Services[:min(2, len(cfg.Services))] {
			ids = append(ids, s.ID)
		}
		t = ticket.Build(cfg, *lang, ticket.Facts{Services: ids, Attached: 1, Printed: 2, Now: now})
	}
	if *out != "" {
		data, err := receipt.Render(t.Doc(), opt.Profile, opt.Fonts)
		if err != nil {
			return e.fail(name, err)
		}
		if err := os.WriteFile(*out, data, 0o644); err != nil {
			return e.fail(name, err)
		}
		fmt.Fprintf(e.stdout, "wrote %d bytes of ESC/POS to %s\n", len(data), *out)
		return exitOK
	}

	p := receipt.New(opt)
	st, err := p.Status(e.ctx)
	code := st.Code()
	if err != nil {
		code = receipt.CodeOf(err) // unreachable, or no reply
	}
	fmt.Fprintf(e.stdout, "ticket printer: %s\n", code)
	if *statusOnly {
		if err != nil || !st.Ready() {
			return exitFail
		}
		return exitOK
	}
	start := time.Now()
	if err := p.Print(e.ctx, t.Doc()); err != nil {
		return e.fail(name, err)
	}
	fmt.Fprintf(e.stdout, "ticket printed in %s\n", time.Since(start).Round(time.Millisecond))
	return exitOK
}
