package kioskctl

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"borne/kiosk/config"
	"borne/kiosk/metrics"
	"borne/kiosk/usage"
	"borne/provisioning/bundle"
	"borne/provisioning/system"
)

func init() {
	commands = append(commands, command{"doctor", "", "[--config PATH] [--metrics HOST:PORT]",
		"check the kiosk's set-up and say how to fix each problem; exit 1 on a failure", doctor})
}

// Check levels.
const (
	levelOK   = "ok"
	levelWarn = "warn"
	levelFail = "FAIL"
)

// finding is the result of one check.
type finding struct {
	level, what, fix string
}

// now is the clock doctor checks, replaced in tests.
var now = time.Now

func doctor(e *env, name string, args []string) int {
	fs := e.flags(name)
	var cfgPath string
	configFlag(fs, &cfgPath)
	addr := fs.String("metrics", "", "the kiosk's metrics `address` (default: the configuration's metrics.listen)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	var found []finding
	add := func(level, fix, format string, a ...any) {
		found = append(found, finding{level, fmt.Sprintf(format, a...), fix})
	}

	cfg, err := loadKioskConfig(cfgPath)
	if err != nil {
		add(levelFail, "fix the file, or apply a bundle (kioskctl provision apply)", "configuration: %v", err)
	} else {
		add(levelOK, "", "configuration: kiosk %s, %d services", cfg.Kiosk.ID, len(cfg.Services))
	}
	if fileExists(filepath.Join(provisionRoot, bundle.IdentityFile)) {
		add(levelOK, "", "identity: %s", filepath.Join(provisionRoot, bundle.IdentityFile))
	} else {
		add(levelWarn, "kioskctl enrol --id ID --site NAME", "identity: this machine is not enrolled")
	}
	if keys, err := bundle.LoadTrust(filepath.Join(provisionRoot, bundle.TrustFile)); err != nil {
		add(levelWarn, "kioskctl enrol --trust FILE.pub (from provision keygen)", "trusted keys: %v", err)
	} else {
		add(levelOK, "", "trusted keys: %d", len(keys))
	}
	if m, id, err := bundle.Current(provisionRoot); err != nil {
		add(levelFail, "kioskctl provision rollback, or apply a bundle again", "bundle in force: %v", err)
	} else if m != nil {
		add(levelOK, "", "bundle in force: %s (%s)", id, m.Created.Local().Format(time.DateOnly))
	}

	if y := now().Year(); y < 2025 {
		add(levelFail, "set the clock (timedatectl set-ntp true), change the RTC battery", "clock: the year is %d", y)
	}
	if cfg != nil {
		dir := cfg.StateDirPath()
		if f, err := os.CreateTemp(dir, ".doctor-*"); err != nil {
			add(levelFail, "create it, writable by the kiosk's user ("+system.DefaultParams.User+")", "state dir %s: %v", dir, err)
		} else {
			f.Close()
			os.Remove(f.Name())
			var st syscall.Statfs_t
			if syscall.Statfs(dir, &st) == nil {
				if free := st.Bavail * uint64(st.Bsize); free < 100<<20 {
					add(levelWarn, "free some disk space", "state dir %s: only %d MB free", dir, free>>20)
				} else {
					add(levelOK, "", "state dir %s: %d MB free", dir, free>>20)
				}
			}
		}
		if db := cfg.UsageDBPath(); fileExists(db) {
			if s, err := usage.Open(db); err != nil {
				add(levelFail, "move the damaged file aside; the kiosk starts a new one", "usage store: %v", err)
			} else {
				s.Close()
				add(levelOK, "", "usage store: %s", db)
			}
		}
		if *addr == "" {
			*addr = cfg.Metrics.Listen
		}
		running := doctorProcess(cfg.StateDirPath(), add)
		if running && *addr != config.MetricsOff {
			if _, err := scrape(e.ctx, *addr); err != nil {
				add(levelWarn, "check [metrics] listen in the configuration", "metrics: %v", err)
			} else {
				add(levelOK, "", "metrics: http://%s%s", *addr, metrics.Path)
			}
		}
	}
	if u := kioskUnit(e.ctx); u.known {
		level, fix := levelOK, ""
		if u.active != "active" {
			level, fix = levelFail, "journalctl -u "+system.UnitName+" -b"
		}
		add(level, fix, "unit %s: %s (%s), %s, %d restarts", system.UnitName, u.active, u.sub, u.enabled, u.restarts)
		for _, bin := range []string{system.DefaultParams.Cage, system.DefaultParams.Kiosk} {
			if _, err := exec.LookPath(bin); err != nil {
				add(levelFail, "apt-get install borne (it depends on cage)", "program %s: %v", bin, err)
			}
		}
	}
	doctorUser(add)
	doctorListeners(add)
	doctorDevices(e, add)

	failed := false
	for _, f := range found {
		fmt.Fprintf(e.stdout, "%-4s  %s\n", f.level, f.what)
		if f.fix != "" && f.level != levelOK {
			fmt.Fprintf(e.stdout, "      fix: %s\n", f.fix)
		}
		failed = failed || f.level == levelFail
	}
	if failed {
		return exitFail
	}
	return exitOK
}

func doctorProcess(stateDir string, add func(level, fix, format string, a ...any)) bool {
	pid, running, err := kioskProcess(stateDir)
	switch {
	case err != nil:
		add(levelWarn, "", "kiosk process: %v", err)
	case running:
		add(levelOK, "", "kiosk process: pid %d", pid)
	default:
		add(levelWarn, "systemctl start "+system.UnitName, "kiosk process: not running")
	}
	return running
}

// doctorUser checks the kiosk's user and the device groups it needs.
func doctorUser(add func(level, fix, format string, a ...any)) {
	name := system.DefaultParams.User
	u, err := user.Lookup(name)
	if err != nil {
		add(levelWarn, "install the borne package (systemd-sysusers creates the user)", "user %s: %v", name, err)
		return
	}
	gids, err := u.GroupIds()
	if err != nil {
		add(levelWarn, "", "user %s: groups: %v", name, err)
		return
	}
	for _, g := range []string{"scanner", "lp", "dialout", "video"} {
		grp, err := user.LookupGroup(g)
		if err == nil && !slices.Contains(gids, grp.Gid) {
			add(levelWarn, "systemd-sysusers borne.conf, then restart the kiosk", "user %s is not in group %s: no access to its devices", name, g)
		}
	}
}

// doctorListeners reports what listens beyond loopback: a kiosk serves
// nobody on the lobby's network (its metrics stay on loopback).
func doctorListeners(add func(level, fix, format string, a ...any)) {
	ls, err := system.Listeners("/proc/net")
	if err != nil {
		add(levelWarn, "", "listeners: %v", err)
		return
	}
	open := 0
	for _, l := range ls {
		if !l.Loopback() {
			open++
			add(levelWarn, "ss -lntup shows the program; stop and disable its service", "listener on the network: %s", l)
		}
	}
	if open == 0 {
		add(levelOK, "", "listeners: %d, all on loopback", len(ls))
	}
}

func doctorDevices(e *env, add func(level, fix, format string, a ...any)) {
	devs, notes := detectDevices(e.ctx)
	count := map[string]int{}
	for _, d := range devs {
		count[d.Kind]++
	}
	if count[KindScanner] == 0 {
		add(levelWarn, "plug the scanner in, then: kioskctl devices", "no scanner found")
	}
	if count[KindIPP]+count[KindUSBPrinter] == 0 {
		add(levelWarn, "switch the A4 printer on; network printers need avahi-daemon", "no A4 printer found")
	}
	if count[KindSerial]+count[KindUSBPrinter] == 0 {
		add(levelWarn, "plug the receipt printer in", "no serial port or USB printer for the receipt printer")
	}
	for _, kind := range slices.Sorted(maps.Keys(count)) {
		add(levelOK, "", "devices: %d %s", count[kind], kind)
	}
	for _, n := range notes {
		add(levelWarn, "", "devices: %s", n)
	}
}
