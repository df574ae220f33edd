package lobby

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"borne/drivers/printer"
	"borne/internal/escpos"
)

// The simulated lobby's printers, where the built-in config names them; a
// lobby serves them elsewhere and writes where into its kiosk config.
const (
	IPPAddr       = "127.0.0.1:8631"
	ReceiptDevice = "/tmp/borne-receipt"
)

// ErrNoIPPEveprinter says CUPS's ippeveprinter is not installed.
var ErrNoIPPEveprinter = errors.New("lobby: ippeveprinter not found (install cups-ipp-utils)")

// IPPOptions configures the simulated A4 printer.
type IPPOptions struct {
	Addr    string   // host:port to serve; default 127.0.0.1:0, a free port
	Formats []string // document formats it takes; default PDF, PWG raster and JPEG
	Name    string   // default "Borne A4"
	// KeepJobs keeps each job's file in the spool directory, emptied when
	// the printer stops; otherwise ippeveprinter deletes it once printed.
	KeepJobs bool
}

// IPPPrinter is a running ippeveprinter.
type IPPPrinter struct {
	URI      string // ipp://HOST:PORT/ipp/print
	SpoolDir string // where ippeveprinter spools each job while it prints
	daemon   *daemon
}

// StartIPPPrinter runs CUPS's ippeveprinter, spooling in spoolDir/jobs.
// ippeveprinter needs a D-Bus system bus and avahi-daemon even
// with DNS-SD off: they are started when they do not run (which takes
// root). When a printer already answers at the address, it is used as it
// is. Stop it with Stop; it also dies with this process.
func StartIPPPrinter(ctx context.Context, spoolDir string, opt IPPOptions, log *slog.Logger) (*IPPPrinter, error) {
	if opt.Addr == "" {
		opt.Addr = "127.0.0.1:0"
	}
	if len(opt.Formats) == 0 {
		opt.Formats = []string{"application/pdf", "image/pwg-raster", "image/jpeg"}
	}
	if opt.Name == "" {
		opt.Name = "Borne A4"
	}
	bin, err := exec.LookPath("ippeveprinter")
	if err != nil {
		return nil, ErrNoIPPEveprinter
	}
	host, port, err := net.SplitHostPort(opt.Addr)
	if err != nil || (host != "127.0.0.1" && host != "localhost") {
		return nil, fmt.Errorf("lobby: printer address %q: want 127.0.0.1:PORT (the simulated printer serves loopback only)", opt.Addr)
	}
	if port == "0" {
		if port, err = freePort(host); err != nil {
			return nil, err
		}
	}
	p := &IPPPrinter{URI: fmt.Sprintf("ipp://%s/ipp/print", net.JoinHostPort(host, port)), SpoolDir: spoolDir}
	if answers(ctx, p.URI) {
		log.Warn("lobby: a printer already answers there: using it", "uri", p.URI)
		return p, nil
	}
	if err := os.MkdirAll(spoolDir, 0o755); err != nil {
		return nil, fmt.Errorf("lobby: printer spool: %w", err)
	}
	if err := startDNSSD(ctx, log); err != nil {
		return nil, err
	}
	// -n localhost: listen on loopback only (an address there makes it fail
	// to listen on IPv6).
	// -c: the command that prints a job, with the job's file as argument.
	// Once it returns, the job completes (without one ippeveprinter
	// pretends to print for 5 to 15 s). ippeveprinter keeps a job's file,
	// and the command's output (.prn), for a minute after it completes
	// even without -k, and at exit: the lobby's command deletes both, so
	// that nothing of a job stays; kept jobs go when the printer stops.
	p.SpoolDir = filepath.Join(spoolDir, "jobs")
	printCmd := "/bin/true"
	if !opt.KeepJobs {
		printCmd = filepath.Join(spoolDir, "print")
		script := "#!/bin/sh\n# The simulated A4 printer: a job printed is a job deleted.\nrm -f -- \"$1\" \"${1%.*}.prn\"\n"
		if err := os.WriteFile(printCmd, []byte(script), 0o700); err != nil {
			return nil, fmt.Errorf("lobby: printer command: %w", err)
		}
	}
	if err := os.MkdirAll(p.SpoolDir, 0o700); err != nil {
		return nil, fmt.Errorf("lobby: printer spool: %w", err)
	}
	args := []string{"-r", "off", "-p", port, "-n", "localhost", "-c", printCmd, "-f", strings.Join(opt.Formats, ","), "-d", p.SpoolDir}
	if opt.KeepJobs {
		args = append(args, "-k")
	}
	d, err := startDaemon(ctx, exec.Command(bin, append(args, opt.Name)...), func() bool { return answers(ctx, p.URI) }, log)
	if err != nil {
		return nil, err
	}
	p.daemon = d
	log.Info("lobby: A4 printer (ippeveprinter)", "uri", p.URI, "spool", spoolDir)
	return p, nil
}

// Stop ends the printer (not one that was already running).
func (p *IPPPrinter) Stop() error {
	if p.daemon == nil {
		return nil
	}
	p.daemon.stop()
	p.daemon = nil
	return purgeDir(p.SpoolDir) // what a job cut short or kept left
}

// daemon is a server the lobby runs: ippeveprinter, cupsd.
type daemon struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startDaemon starts cmd in its own process group (it dies with this
// process), logs what it says, and waits up to 10 s for up.
func startDaemon(ctx context.Context, cmd *exec.Cmd, up func() bool, log *slog.Logger) (*daemon, error) {
	name := filepath.Base(cmd.Path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("lobby: %s: %w", name, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("lobby: %s: %w", name, err)
	}
	d := &daemon{cmd: cmd, done: make(chan struct{})}
	lastLines := make(chan string, 1)
	go func() {
		lastLines <- logLines(stderr, log.With("from", name))
		cmd.Wait()
		close(d.done)
	}()
	deadline := time.After(10 * time.Second)
	for !up() {
		select {
		case <-d.done:
			return nil, fmt.Errorf("lobby: %s exited: %s", name, <-lastLines)
		case <-deadline:
			d.stop()
			return nil, fmt.Errorf("lobby: %s does not answer", name)
		case <-ctx.Done():
			d.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return d, nil
}

// stop ends the daemon: SIGTERM, then SIGKILL after 5 s.
func (d *daemon) stop() {
	syscall.Kill(-d.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
		<-d.done
	}
}

// purgeDir deletes what dir holds, keeping dir.
func purgeDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("lobby: purge %s: %w", dir, err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("lobby: purge: %w", err)
		}
	}
	return nil
}

// answers tells whether an IPP printer answers at uri.
func answers(ctx context.Context, uri string) bool {
	c, err := printer.Open(uri, printer.Options{Timeout: 500 * time.Millisecond, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return false
	}
	_, err = c.Attributes(ctx)
	return err == nil
}

// logLines logs what r says, line by line, and returns the last lines.
func logLines(r io.Reader, log *slog.Logger) string {
	var last []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		log.Debug(sc.Text())
		last = append(last, sc.Text())
		if len(last) > 5 {
			last = last[1:]
		}
	}
	return strings.Join(last, " / ")
}

func freePort(host string) (string, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("lobby: free port: %w", err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}

const (
	dbusSocket  = "/run/dbus/system_bus_socket"
	dbusPidFile = "/run/dbus/pid"
	avahiPidDir = "/run/avahi-daemon"
	dnssdLock   = "/run/lock/borne-lobby-dnssd.lock"
)

// startDNSSD makes sure a D-Bus system bus and avahi-daemon run. Test
// packages start lobbies in parallel processes, so the check-and-start runs
// under a file lock; a pid file left by a daemon that died (a machine image
// taken while it ran, a killed container) would make the daemon refuse to
// start, so such a file is removed first.
func startDNSSD(ctx context.Context, log *slog.Logger) error {
	unlock, err := lockFile(dnssdLock)
	if err != nil {
		return fmt.Errorf("lobby: D-Bus system bus: %w (ippeveprinter needs one: start it as root)", err)
	}
	defer unlock()
	busUp := func() bool {
		c, err := net.DialTimeout("unix", dbusSocket, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	}
	avahiUp := func() bool { return exec.CommandContext(ctx, "avahi-daemon", "--check").Run() == nil }
	if !busUp() {
		if err := os.MkdirAll("/run/dbus", 0o755); err != nil {
			return fmt.Errorf("lobby: D-Bus system bus: %w (ippeveprinter needs one: start it as root)", err)
		}
		removeStalePidFile(dbusPidFile, "dbus-daemon", log)
		os.Remove(dbusSocket) // a socket left by a bus that died
		out, err := exec.CommandContext(ctx, "dbus-daemon", "--system", "--fork").CombinedOutput()
		if !waitFor(busUp) {
			return fmt.Errorf("lobby: D-Bus system bus did not start: %v %s", err, out)
		}
		log.Info("lobby: started a D-Bus system bus")
	}
	if !avahiUp() {
		removeStalePidFile(filepath.Join(avahiPidDir, "pid"), "avahi-daemon", log)
		out, err := exec.CommandContext(ctx, "avahi-daemon", "-D", "--no-drop-root").CombinedOutput()
		if !waitFor(avahiUp) {
			return fmt.Errorf("lobby: avahi-daemon did not start: %v %s", err, out)
		}
		log.Info("lobby: started avahi-daemon")
	}
	return nil
}

// tryLock takes an exclusive lock on path, creating it, and returns its
// release; the error is EWOULDBLOCK when another process holds it.
func tryLock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644) // Go opens files close-on-exec
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// lockFile takes an exclusive lock on path, creating it, and returns its
// release.
func lockFile(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

// removeStalePidFile removes path unless the process it names is alive and
// is the daemon (by its command name): a pid can be reused by anything.
func removeStalePidFile(path, daemon string, log *slog.Logger) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
		if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil && strings.TrimSpace(string(comm)) == daemon {
			return
		}
	}
	if err := os.Remove(path); err == nil {
		log.Info("lobby: removed a stale pid file", "file", path)
	}
}

// waitFor polls up for up to five seconds.
func waitFor(up func() bool) bool {
	for range 50 {
		if up() {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// ReceiptPrinter is the virtual ticket printer on a pseudo-terminal.
type ReceiptPrinter struct {
	*escpos.Printer        // SetFault runs it out of paper, opens its cover, silences it
	Device          string // what the kiosk opens: the link to the pseudo-terminal
	pty             *escpos.PTY
	stop            context.CancelFunc
	done            chan error
}

// StartReceiptPrinter serves a virtual ESC/POS printer on a
// pseudo-terminal linked from device (ReceiptDevice in the built-in
// config), saving each ticket as a PNG in outDir.
func StartReceiptPrinter(ctx context.Context, device, outDir string, log *slog.Logger) (*ReceiptPrinter, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("lobby: receipt printer: %w", err)
	}
	font, err := escpos.LoadCellFont(escpos.DefaultCellFont)
	if err != nil {
		return nil, fmt.Errorf("lobby: receipt printer: %w", err)
	}
	pt, err := escpos.OpenPTY(device)
	if err != nil {
		return nil, fmt.Errorf("lobby: receipt printer: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &ReceiptPrinter{Printer: escpos.NewPrinter(escpos.Options{OutDir: outDir, Font: font, Log: log}),
		Device: pt.Path, pty: pt, stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- r.Serve(ctx, pt.Master) }()
	log.Info("lobby: receipt printer (virtual, ESC/POS)", "device", pt.Path, "tickets", outDir)
	return r, nil
}

// Stop ends the printer and removes its device link.
func (r *ReceiptPrinter) Stop() error {
	r.stop()
	err := <-r.done
	r.pty.Close()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
