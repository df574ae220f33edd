package lobby

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// ErrNoCUPS says the CUPS scheduler is not installed.
var ErrNoCUPS = errors.New("lobby: cupsd or lpadmin not found (install cups-daemon, cups-client and cups-filters)")

// QueueName is the lobby's CUPS queue.
const QueueName = "Borne-A4"

// CUPS is a CUPS scheduler of the lobby's own, with one IPP Everywhere
// queue in front of a printer.
type CUPS struct {
	QueueURI string // ipp://127.0.0.1:PORT/printers/Borne-A4
	Dir      string // its configuration, spool, logs
	SpoolDir string // where it keeps jobs while they print (RequestRoot)
	daemon   *daemon
	addr     string
	lpadmin  string
}

// SetDevice points the queue at another printer, keeping its driver:
// tests put a fault-injecting printer (printertest) behind it, to make the
// faults ippeveprinter cannot (out of paper, jam).
func (c *CUPS) SetDevice(ctx context.Context, deviceURI string) error {
	if out, err := exec.CommandContext(ctx, c.lpadmin, "-h", c.addr, "-p", QueueName, "-v", deviceURI).CombinedOutput(); err != nil {
		return fmt.Errorf("lobby: lpadmin: %v: %s", err, out)
	}
	return nil
}

// StartCUPS runs cupsd in dir with a configuration of its own (nothing in
// /etc is read or written), on a free loopback port, and adds an IPP
// Everywhere queue for the printer at deviceURI. The queue keeps no job
// file once a job is done, and its record (state, no document, job name
// "Borne") 30 s, for the kiosk to learn how the job ended: with no
// history, a finished job is at once "not found", done or cancelled. cupsd runs its filters and
// backends as the user lp: dir's parents must let lp through.
func StartCUPS(ctx context.Context, dir, deviceURI string, log *slog.Logger) (*CUPS, error) {
	cupsd, err := exec.LookPath("cupsd")
	if err != nil {
		return nil, ErrNoCUPS
	}
	lpadmin, err := exec.LookPath("lpadmin")
	if err != nil {
		return nil, ErrNoCUPS
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("lobby: CUPS: %w", err)
	}
	if err := reachable(filepath.Dir(dir)); err != nil {
		return nil, fmt.Errorf("lobby: CUPS: %w (its filters run as lp)", err)
	}
	c := &CUPS{Dir: dir, SpoolDir: filepath.Join(dir, "spool")}
	for _, d := range []string{dir, filepath.Join(dir, "spool", "tmp"), filepath.Join(dir, "cache"), filepath.Join(dir, "state"), filepath.Join(dir, "log"), filepath.Join(dir, "ppd")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("lobby: CUPS: %w", err)
		}
	}
	port, err := freePort("127.0.0.1")
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", port)
	// The policy lets anyone on loopback do anything: this scheduler
	// serves the lobby alone, and lpadmin needs no password.
	conf := fmt.Sprintf(`# Borne's simulated lobby: a CUPS scheduler of its own.
Listen %s
LogLevel warn
Browsing No
WebInterface No
PreserveJobFiles No
PreserveJobHistory 30
DefaultPolicy lobby
<Location />
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Policy lobby>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
`, addr)
	files := fmt.Sprintf(`ServerRoot %[1]s
RequestRoot %[1]s/spool
TempDir %[1]s/spool/tmp
CacheDir %[1]s/cache
StateDir %[1]s/state
ErrorLog %[1]s/log/error_log
AccessLog %[1]s/log/access_log
PageLog %[1]s/log/page_log
User lp
Group lp
SystemGroup root
`, dir)
	for name, text := range map[string]string{"cupsd.conf": conf, "cups-files.conf": files} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return nil, fmt.Errorf("lobby: CUPS: %w", err)
		}
	}
	os.Remove(filepath.Join(dir, "printers.conf")) // a queue left by an earlier run
	up := func() bool {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
		}
		return err == nil
	}
	cmd := exec.Command(cupsd, "-f", "-c", filepath.Join(dir, "cupsd.conf"), "-s", filepath.Join(dir, "cups-files.conf"))
	if c.daemon, err = startDaemon(ctx, cmd, up, log); err != nil {
		return nil, err
	}
	// A queue without a driver: the kiosk sends PDF, which every IPP
	// Everywhere printer takes as it is. With -m everywhere, CUPS sometimes
	// picked a filter chain through filters Debian splits into other
	// packages (pstops, rastertopwg) and aborted the job ("Unable to convert
	// file 0 to printable format"), one run in three here.
	if out, err := exec.CommandContext(ctx, lpadmin, "-h", addr, "-p", QueueName, "-v", deviceURI, "-E").CombinedOutput(); err != nil {
		c.Stop()
		return nil, fmt.Errorf("lobby: lpadmin: %v: %s", err, out)
	}
	c.addr, c.lpadmin = addr, lpadmin
	c.QueueURI = fmt.Sprintf("ipp://%s/printers/%s", addr, QueueName)
	log.Info("lobby: CUPS queue", "uri", c.QueueURI, "printer", deviceURI, "dir", dir)
	return c, nil
}

// Stop ends the scheduler and deletes what its spool holds.
func (c *CUPS) Stop() error {
	if c.daemon == nil {
		return nil
	}
	c.daemon.stop()
	c.daemon = nil
	return purgeDir(c.SpoolDir)
}

// reachable checks that every directory from dir up lets others through
// (o+x), as cupsd's filters, running as lp, need.
func reachable(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("%s does not let other users through (mode %v)", d, fi.Mode().Perm())
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}
