package kioskctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"borne/kiosk/config"
	"borne/provisioning/bundle"
	"borne/provisioning/system"
)

// What the staff commands touch on the machine, as variables so that tests
// point them elsewhere.
var (
	// provisionRoot holds the configuration, bundles, identity and trust file.
	provisionRoot = bundle.DefaultRoot
	// systemdDir exists when systemd runs the machine.
	systemdDir = "/run/systemd/system"
	// runCmd runs a program and returns its standard output.
	runCmd = func(ctx context.Context, name string, args ...string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, name, args...).Output()
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			err = fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(string(ee.Stderr)))
		} else if err != nil {
			err = fmt.Errorf("%s: %w", name, err)
		}
		return out, err
	}
)

// configFlag registers --config with the production file as its default
// when there is one.
func configFlag(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "config", "", "kiosk configuration `file` (default: "+filepath.Join(provisionRoot, bundle.ConfigName)+" when it exists, else the built-in one)")
}

// loadKioskConfig loads path, or the production file, or the built-in one.
func loadKioskConfig(path string) (*config.Config, error) {
	if path == "" {
		if p := filepath.Join(provisionRoot, bundle.ConfigName); fileExists(p) {
			path = p
		}
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, fmt.Errorf("load configuration: %w", err)
	}
	return cfg, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func underSystemd() bool {
	fi, err := os.Stat(systemdDir)
	return err == nil && fi.IsDir()
}

// unitState is the kiosk unit's state; known is false when systemd does not
// run the machine or has no such unit.
type unitState struct {
	known       bool
	active, sub string
	restarts    int
	enabled     string
}

func kioskUnit(ctx context.Context) unitState {
	if !underSystemd() {
		return unitState{}
	}
	out, err := runCmd(ctx, "systemctl", "show", system.UnitName, "--property=LoadState,ActiveState,SubState,NRestarts,UnitFileState")
	if err != nil {
		return unitState{}
	}
	props := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			props[k] = strings.TrimSpace(v)
		}
	}
	st := unitState{known: props["LoadState"] == "loaded", active: props["ActiveState"], sub: props["SubState"], enabled: props["UnitFileState"]}
	st.restarts, _ = strconv.Atoi(props["NRestarts"])
	return st
}

// kioskProcess says whether a kiosk runs with state dir stateDir, and its
// pid: the kiosk holds an exclusive lock on STATE_DIR/kiosk.lock and
// writes its pid there (kiosk/instance).
func kioskProcess(stateDir string) (pid int, running bool, err error) {
	path := filepath.Join(stateDir, "kiosk.lock")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("kiosk lock: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err == nil {
		return 0, false, nil // nobody holds it: no kiosk
	} else if !errors.Is(err, syscall.EWOULDBLOCK) {
		return 0, false, fmt.Errorf("kiosk lock: %w", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, true, fmt.Errorf("kiosk lock: %w", err)
	}
	pid, err = strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0, true, fmt.Errorf("kiosk lock %s holds no pid", path)
	}
	return pid, true, nil
}
