package kioskctl

import (
	"errors"
	"fmt"
	"os"
	"time"

	"borne/kiosk/staff"
)

func init() {
	commands = append(commands, command{"usage", "export", "--dir DIR [--config PATH | --db PATH] [--from YYYY-MM-DD] [--to YYYY-MM-DD]",
		"write the usage report as CSV into DIR (a USB key), cells under 5 sessions suppressed", usageExport})
}

func usageExport(e *env, name string, args []string) int {
	fs := e.flags(name)
	var sf storeFlags
	sf.register(fs)
	dir := fs.String("dir", "", "`directory` to write the CSV file into, e.g. a USB key's mount point")
	from := fs.String("from", "", "first day to report, `YYYY-MM-DD` (default: the oldest)")
	to := fs.String("to", "", "last day to report, `YYYY-MM-DD` (default: the newest)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if err := errors.Join(sf.check(), checkDay("from", *from), checkDay("to", *to)); err != nil {
		return e.usageErr(name, "%v", err)
	}
	if *dir == "" {
		return e.usageErr(name, "give --dir DIR")
	}
	if fi, err := os.Stat(*dir); err != nil || !fi.IsDir() {
		return e.fail(name, fmt.Errorf("%s is not a directory (is the USB key mounted?)", *dir))
	}
	cfg, err := sf.loadConfig()
	if err != nil {
		return e.fail(name, err)
	}
	path := sf.db
	if path == "" {
		path = cfg.UsageDBPath()
	}
	s, err := open(path)
	if err != nil {
		return e.fail(name, err)
	}
	defer s.Close()
	out, err := staff.ExportUsage(e.ctx, s, *dir, cfg.Kiosk.ID, *from, *to, time.Now().In(cfg.Location()))
	if err != nil {
		return e.fail(name, err)
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", out)
	return exitOK
}
