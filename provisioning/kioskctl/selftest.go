package kioskctl

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"text/tabwriter"
	"time"

	"borne/drivers/printer"
	"borne/drivers/receipt"
	"borne/drivers/scanner"
	"borne/drivers/selftest"
	"borne/kiosk/config"
)

func init() {
	commands = append(commands, command{"test", "", "[--config PATH] [--scanner NAME] [--printer URI] [--receipt DEVICE] [--timeout D] [--status-wait D] [--json] [scanner|printer|receipt]...",
		"run the devices' self-tests (the staff screen's): a test scan, the A4 test page, the test ticket; exit 1 when one fails", selfTest})
}

func selfTest(e *env, name string, args []string) int {
	fs := e.flags(name)
	configPath := fs.String("config", "", "kiosk configuration `file` naming the devices (default: the built-in configuration)")
	scan := fs.String("scanner", "", "the scanner's SANE `name` instead of the configuration's")
	uri := fs.String("printer", "", "the A4 printer's `address` (ipp://…) instead of the configuration's")
	device := fs.String("receipt", "", "the ticket printer's serial or USB `device` instead of the configuration's")
	timeout := fs.Duration("timeout", 3*time.Minute, "give up on a device's test after this `long`")
	statusWait := fs.Duration("status-wait", 0, "how `long` the ticket printer may take to answer a status request (default 500ms; more for a slow USB-serial adapter)")
	asJSON := fs.Bool("json", false, "print the results as JSON, one object a line")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return exitOK
	} else if err != nil {
		return exitUsage // the flag package has said why
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		return e.fail(name, fmt.Errorf("load configuration: %w", err))
	}
	if *scan != "" {
		cfg.Scanner.Device = *scan
	}
	if *uri != "" {
		cfg.Printer.URI = *uri
	}
	if *device != "" {
		cfg.Receipt.Device, cfg.Receipt.TCP = *device, ""
	}
	want := fs.Args()
	for _, d := range want {
		if !slices.Contains([]string{selftest.Scanner, selftest.Printer, selftest.Receipt}, d) {
			return e.usageErr(name, "%q: want scanner, printer or receipt", d)
		}
	}
	tests := deviceTests(cfg, *statusWait, slog.New(slog.DiscardHandler))
	var run []string
	for _, d := range []string{selftest.Scanner, selftest.Printer, selftest.Receipt} {
		if len(want) > 0 && !slices.Contains(want, d) {
			continue
		}
		if tests[d] == nil {
			if len(want) > 0 {
				return e.usageErr(name, "no %s in the configuration: give --%s", d, d)
			}
			continue
		}
		run = append(run, d)
	}
	if len(run) == 0 {
		return e.usageErr(name, "no device to test: the configuration names none (give --scanner, --printer or --receipt)")
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	failed := false
	for _, d := range run {
		ctx, cancel := context.WithTimeout(e.ctx, *timeout)
		r := tests[d](ctx)
		cancel()
		failed = failed || r.Outcome != selftest.Pass
		if *asJSON {
			b, _ := json.Marshal(r)
			fmt.Fprintf(e.stdout, "%s\n", b)
			continue
		}
		code := r.Code
		if code == "" {
			code = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Device, r.Step, r.Outcome, code, selftest.Seconds(r.Duration), r.Staff)
		fmt.Fprintf(tw, "\t\t\t\t\t%s\n", r.Detail)
	}
	tw.Flush()
	if failed {
		return exitFail
	}
	return exitOK
}

// deviceTests are the self-tests of the devices cfg names, by device.
func deviceTests(cfg *config.Config, statusWait time.Duration, log *slog.Logger) map[string]func(ctx context.Context) selftest.Result {
	tests := map[string]func(ctx context.Context) selftest.Result{}
	if dev := cfg.Scanner.Device; dev != "" {
		opt := scanner.Options{Resolution: cfg.Scanner.Resolution, Mode: scanner.Mode(cfg.Scanner.Mode)}
		tests[selftest.Scanner] = func(ctx context.Context) selftest.Result {
			return selftest.Scan(ctx, func(ctx context.Context) (scanner.Device, error) { return scanner.Open(ctx, dev) }, opt)
		}
	}
	if uri := cfg.Printer.URI; uri != "" {
		tests[selftest.Printer] = func(ctx context.Context) selftest.Result {
			c, err := printer.Open(uri, printer.Options{PollEvery: 250 * time.Millisecond, Log: log})
			if err != nil {
				return selftest.Result{Device: selftest.Printer, Step: "test-page", Outcome: selftest.Fail, Code: string(printer.CodeOf(err)),
					Staff: "Adresse de l'imprimante A4 invalide : vérifier printer.uri.", Detail: err.Error()}
			}
			return selftest.PrintPage(ctx, c, fmt.Sprintf("Borne %s — page de test du %s (kioskctl)", cfg.Kiosk.ID, time.Now().Format("02/01/2006 15:04")))
		}
	}
	if opt, ok := receipt.ConfigOptions(cfg.Receipt, log); ok {
		opt.StatusWait = statusWait
		p := receipt.New(opt)
		tests[selftest.Receipt] = func(ctx context.Context) selftest.Result {
			return selftest.PrintTicket(ctx, p, selftest.TicketDoc(cfg.Kiosk.ID))
		}
	}
	return tests
}
