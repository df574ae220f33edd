package kioskctl

import (
	"errors"
	"fmt"
	"syscall"

	"borne/provisioning/system"
)

// RestartSignal asks a running kiosk to restart as soon as nobody uses it,
// as a configuration change does.
const RestartSignal = syscall.SIGHUP

// signalProcess is syscall.Kill, replaced in tests.
var signalProcess = syscall.Kill

func restart(e *env, name string, args []string) int {
	fs := e.flags(name)
	var cfgPath string
	configFlag(fs, &cfgPath)
	now := fs.Bool("now", false, "restart at once, ending the session in progress (through systemd)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *now {
		if !kioskUnit(e.ctx).known {
			return e.fail(name, errors.New("--now needs the kiosk to run as the systemd unit "+system.UnitName))
		}
		if _, err := runCmd(e.ctx, "systemctl", "restart", system.UnitName); err != nil {
			return e.fail(name, err)
		}
		fmt.Fprintf(e.stdout, "restarted %s\n", system.UnitName)
		return exitOK
	}
	cfg, err := loadKioskConfig(cfgPath)
	if err != nil {
		return e.fail(name, err)
	}
	pid, running, err := kioskProcess(cfg.StateDirPath())
	if err != nil {
		return e.fail(name, err)
	}
	if !running {
		return e.fail(name, fmt.Errorf("no kiosk runs with state dir %s", cfg.StateDirPath()))
	}
	if err := signalProcess(pid, RestartSignal); err != nil {
		return e.fail(name, fmt.Errorf("signal pid %d: %w", pid, err))
	}
	fmt.Fprintf(e.stdout, "kiosk (pid %d) restarts as soon as nobody uses it\n", pid)
	return exitOK
}
