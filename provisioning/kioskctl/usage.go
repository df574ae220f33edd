package kioskctl

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"time"

	"borne/kiosk/config"
	"borne/kiosk/usage"
)

// storeFlags are the flags saying where the usage database is.
type storeFlags struct {
	config, db string
}

func (sf *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&sf.config, "config", "", "kiosk configuration `file` (default: the built-in configuration)")
	fs.StringVar(&sf.db, "db", "", "usage database `file`, instead of the one the configuration names")
}

// check reports contradicting flags.
func (sf *storeFlags) check() error {
	if sf.config != "" && sf.db != "" {
		return errors.New("give --config or --db, not both")
	}
	return nil
}

// loadConfig loads --config, or the built-in configuration.
func (sf *storeFlags) loadConfig() (*config.Config, error) {
	cfg, err := config.Load(sf.config)
	if err != nil {
		return nil, fmt.Errorf("load configuration: %w", err)
	}
	return cfg, nil
}

// open opens the usage database, which must exist: staff commands read or
// trim it, they never start an empty one in the wrong place.
func open(path string) (*usage.Store, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no usage database at %s", path)
	} else if err != nil {
		return nil, fmt.Errorf("usage database: %w", err)
	}
	return usage.Open(path)
}

// checkDay reports a --from/--to value that is not a date.
func checkDay(flag, v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return fmt.Errorf("--%s %q: want a date as YYYY-MM-DD", flag, v)
	}
	return nil
}

func usageReport(e *env, name string, args []string) int {
	fs := e.flags(name)
	var sf storeFlags
	sf.register(fs)
	from := fs.String("from", "", "first day to report, `YYYY-MM-DD` (default: the oldest)")
	to := fs.String("to", "", "last day to report, `YYYY-MM-DD` (default: the newest)")
	asCSV := fs.Bool("csv", false, "write CSV instead of a table")
	period := fs.String("period", "day", "cells per `day`, week or month (a small kiosk's days are all under 5)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *period != "day" && *period != "week" && *period != "month" {
		return e.usageErr(name, "--period %q: want day, week or month", *period)
	}
	if err := errors.Join(sf.check(), checkDay("from", *from), checkDay("to", *to)); err != nil {
		return e.usageErr(name, "%v", err)
	}
	if *from != "" && *to != "" && *from > *to {
		return e.usageErr(name, "--from %s is after --to %s", *from, *to)
	}

	path := sf.db
	if path == "" {
		cfg, err := sf.loadConfig()
		if err != nil {
			return e.fail(name, err)
		}
		path = cfg.UsageDBPath()
	}
	s, err := open(path)
	if err != nil {
		return e.fail(name, err)
	}
	defer s.Close()
	r, err := s.ReportBy(e.ctx, *from, *to, *period)
	if err != nil {
		return e.fail(name, err)
	}
	if *asCSV {
		err = r.WriteCSV(e.stdout)
	} else {
		err = r.WriteText(e.stdout)
	}
	if err != nil {
		return e.fail(name, err)
	}
	return exitOK
}

func usagePurge(e *env, name string, args []string) int {
	fs := e.flags(name)
	var sf storeFlags
	sf.register(fs)
	months := fs.Int("older-than-months", 0, "delete events older than `N` months (default: the configuration's retention_months)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if err := sf.check(); err != nil {
		return e.usageErr(name, "%v", err)
	}
	monthsSet := false
	fs.Visit(func(f *flag.Flag) { monthsSet = monthsSet || f.Name == "older-than-months" })
	if monthsSet && *months < 1 {
		return e.usageErr(name, "--older-than-months %d: want at least 1", *months)
	}

	// The configuration gives the time zone of the stored hours and the
	// retention; with --db it is the built-in one.
	cfg, err := sf.loadConfig()
	if err != nil {
		return e.fail(name, err)
	}
	path := sf.db
	if path == "" {
		path = cfg.UsageDBPath()
	}
	if !monthsSet {
		*months = cfg.Usage.RetentionMonths // validated: 1 to 25
	}
	s, err := open(path)
	if err != nil {
		return e.fail(name, err)
	}
	defer s.Close()
	n, err := s.PurgeOlderThan(e.ctx, *months, time.Now(), cfg.Location())
	if err != nil {
		return e.fail(name, err)
	}
	fmt.Fprintf(e.stdout, "purged %d events older than %d months from %s\n", n, *months, path)
	return exitOK
}
