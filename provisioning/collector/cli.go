package collector

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"borne/kiosk/atomicfile"
)

// DSNEnv names the environment variable holding the database's connection
// string when --db is not given (it keeps the password off the command line).
const DSNEnv = "BORNE_COLLECTOR_DB"

type cli struct {
	ctx            context.Context
	stdout, stderr io.Writer
	log            *slog.Logger
}

var subcommands = []struct {
	name, args, help string
	run              func(c *cli, fs *flag.FlagSet, args []string) error
}{
	{"serve", "--listen ADDR --tls-cert FILE --tls-key FILE [--retention-months N]", "receive the kiosks' pushes over HTTPS", (*cli).serve},
	{"kiosk add", "--id ID --territory T --site S --key-sha256 HASH", "register a kiosk (the line kioskctl push key printed)", (*cli).kioskAdd},
	{"kiosk revoke", "--id ID", "refuse a kiosk's pushes from now on", (*cli).kioskRevoke},
	{"kiosk list", "", "the registered kiosks and their last push", (*cli).kioskList},
	{"purge", "--retention-months N", "delete counts older than the retention", (*cli).purge},
	{"report", "--period month|quarter|year --at 2026-11|2026-Q4|2026 [--territory T] [--by territory|site|kiosk] [--format csv|html] [--out FILE]",
		"the observatory's report, small counts suppressed", (*cli).report},
}

// Main runs the collector command line; it returns the exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := &cli{ctx: ctx, stdout: stdout, stderr: stderr, log: slog.New(slog.NewTextHandler(stderr, nil))}
	for _, sc := range subcommands {
		words := len(strings.Fields(sc.name))
		if len(args) < words || strings.Join(args[:words], " ") != sc.name {
			continue
		}
		fs := flag.NewFlagSet("collector "+sc.name, flag.ContinueOnError)
		fs.SetOutput(stderr)
		if err := sc.run(c, fs, args[words:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			if errors.Is(err, context.Canceled) && ctx.Err() != nil {
				return 0
			}
			fmt.Fprintf(stderr, "collector %s: %v\n", sc.name, err)
			return 1
		}
		return 0
	}
	fmt.Fprintln(stderr, "usage: collector <command> [flags]")
	for _, sc := range subcommands {
		fmt.Fprintf(stderr, "  %-13s %s\n      %s\n", sc.name, sc.args, sc.help)
	}
	fmt.Fprintf(stderr, "The database: --db, else $%s (a PostgreSQL URL or key=value string).\n", DSNEnv)
	return 2
}

// open parses the flags (with --db) and connects.
func (c *cli) open(fs *flag.FlagSet, args []string) (*Collector, error) {
	dsn := fs.String("db", "", "PostgreSQL connection `string` (default: $"+DSNEnv+")")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *dsn == "" {
		*dsn = os.Getenv(DSNEnv)
	}
	if *dsn == "" {
		return nil, fmt.Errorf("no database: give --db or set %s", DSNEnv)
	}
	return Open(c.ctx, *dsn, c.log)
}

func (c *cli) serve(fs *flag.FlagSet, args []string) error {
	listen := fs.String("listen", ":8443", "`address` to listen on")
	cert := fs.String("tls-cert", "", "TLS certificate `file` (PEM, chain included)")
	key := fs.String("tls-key", "", "TLS key `file` (PEM)")
	months := fs.Int("retention-months", 13, "keep counts this many `months` (1 to 25)")
	db, err := c.open(fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	if *cert == "" || *key == "" {
		return errors.New("give --tls-cert and --tls-key: kiosks push over HTTPS only")
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	c.log.Info("collector: listening", "addr", ln.Addr().String(), "retention_months", *months)
	return (&Server{Collector: db, Listener: ln, CertFile: *cert, KeyFile: *key, RetentionMonths: *months, Log: c.log}).Serve(c.ctx)
}

func (c *cli) kioskAdd(fs *flag.FlagSet, args []string) error {
	id := fs.String("id", "", "the kiosk's `id` (kiosk.id of its configuration)")
	territory := fs.String("territory", "", "its `territory` id, e.g. dep-93")
	site := fs.String("site", "", "its `site` id, e.g. caf-bobigny")
	hash := fs.String("key-sha256", "", "the `hash` kioskctl push key printed")
	db, err := c.open(fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.AddKiosk(c.ctx, *id, *territory, *site, *hash); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "kiosk %s registered (%s / %s)\n", *id, *territory, *site)
	return nil
}

func (c *cli) kioskRevoke(fs *flag.FlagSet, args []string) error {
	id := fs.String("id", "", "the kiosk's `id`")
	db, err := c.open(fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.RevokeKiosk(c.ctx, *id); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "kiosk %s revoked: its pushes are refused from now on\n", *id)
	return nil
}

func (c *cli) kioskList(fs *flag.FlagSet, args []string) error {
	db, err := c.open(fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	ks, err := db.Kiosks(c.ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tterritory\tsite\tstate\tlast push")
	for _, k := range ks {
		state, last := "active", "never"
		if k.RevokedAt != nil {
			state = "revoked " + k.RevokedAt.Format(time.DateOnly)
		}
		if k.LastPushAt != nil {
			last = k.LastPushAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Territory, k.Site, state, last)
	}
	return tw.Flush()
}

func (c *cli) purge(fs *flag.FlagSet, args []string) error {
	months := fs.Int("retention-months", 13, "keep counts this many `months` (1 to 25)")
	db, err := c.open(fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.Purge(c.ctx, *months, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "purged %d rows of counts older than %d months\n", n, *months)
	return nil
}

func (c *cli) report(fs *flag.FlagSet, args []string) error {
	kind := fs.String("period", "month", "`month`, quarter or year")
	at := fs.String("at", "", "which one: `2026-11`, 2026-Q4 or 2026")
	territory := fs.String("territory", "", "only this `territory` (default: all)")
	by := fs.String("by", "site", "rows by `territory`, site or kiosk")
	format := fs.String("format", "csv", "`csv` or html")
	out := fs.String("out", "", "write to this `file` (default: standard output)")
	db, err := c.open(fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := ParsePeriod(*kind, *at)
	if err != nil {
		return err
	}
	if *format != "csv" && *format != "html" {
		return fmt.Errorf("--format %q: want csv or html", *format)
	}
	r, err := db.Report(c.ctx, ReportQuery{Period: p, Territory: *territory, By: *by})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if *format == "html" {
		err = r.WriteHTML(&buf, time.Now())
	} else {
		err = r.WriteCSV(&buf)
	}
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = c.stdout.Write(buf.Bytes())
		return err
	}
	return atomicfile.WriteFile(*out, buf.Bytes(), 0o644)
}
