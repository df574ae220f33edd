package kioskctl

import (
	"debug/elf"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"borne/kiosk/config"
	"borne/provisioning/system"
)

func init() {
	commands = append(commands,
		command{"system", "files", "--root DIR",
			"write the systemd unit, PAM session, udev rules and sysusers entry under DIR", systemFiles},
		command{"system", "screen", "[--config PATH] [--root DIR]",
			"apply screen.rotation: cage's flags and the touch screen's calibration (the unit runs it at each start)", systemScreen},
		command{"system", "deb", "--kiosk BIN --kioskctl BIN --version VERSION --out FILE [--arch ARCH]",
			"build the kiosk's .deb: binaries, system files, example configuration", systemDeb},
	)
}

func systemFiles(e *env, name string, args []string) int {
	fs := e.flags(name)
	root := fs.String("root", "", "`directory` to write into, as if it were /")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *root == "" {
		return e.usageErr(name, "give --root DIR (\"/\" installs on this machine)")
	}
	files, err := system.Files(system.DefaultParams)
	if err != nil {
		return e.fail(name, err)
	}
	for _, f := range files {
		dst := filepath.Join(*root, f.Path)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return e.fail(name, err)
		}
		if err := os.WriteFile(dst, f.Data, f.Mode); err != nil {
			return e.fail(name, err)
		}
		fmt.Fprintln(e.stdout, dst)
	}
	return exitOK
}

// systemScreen writes what screen.rotation asks of cage and of libinput. It
// never fails the unit's start over the configuration: an invalid file
// falls back to the last valid one, as the kiosk does, and else to no
// rotation (the kiosk then shows why it does not start).
func systemScreen(e *env, name string, args []string) int {
	fs := e.flags(name)
	cfgPath := fs.String("config", system.DefaultParams.Config, "the kiosk's configuration `file`")
	root := fs.String("root", "/", "`directory` to write into, as if it were /")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	rotation := 0
	if cfg, _, err := config.LoadOrLastGood(*cfgPath, config.Default().StateDirPath(), log); err == nil {
		rotation = cfg.Screen.Rotation
	} else {
		log.Error("screen: no valid configuration; no rotation", "err", err)
	}
	env, rule, err := system.ScreenFiles(rotation)
	if err != nil {
		return e.fail(name, err)
	}
	envPath, rulePath := filepath.Join(*root, system.ScreenEnvPath), filepath.Join(*root, system.TouchRulePath)
	for _, dir := range []string{filepath.Dir(envPath), filepath.Dir(rulePath)} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return e.fail(name, err)
		}
	}
	if err := os.WriteFile(envPath, env, 0o644); err != nil {
		return e.fail(name, err)
	}
	if rule == nil {
		err = os.Remove(rulePath)
		if errors.Is(err, os.ErrNotExist) {
			err = nil
		}
	} else {
		err = os.WriteFile(rulePath, rule, 0o644)
	}
	if err != nil {
		return e.fail(name, err)
	}
	// A running udev applies the calibration to the touch screens already
	// there; libinput reads it when cage opens them, right after.
	if _, err := os.Stat(filepath.Join(*root, "run/udev/control")); err == nil && *root == "/" {
		for _, cmd := range [][]string{{"control", "--reload"}, {"trigger", "--subsystem-match=input", "--action=change"}, {"settle", "--timeout=5"}} {
			if out, err := exec.CommandContext(e.ctx, "udevadm", cmd...).CombinedOutput(); err != nil {
				log.Warn("screen: udevadm "+cmd[0]+" failed: touch may not follow the rotation", "err", err, "output", string(out))
			}
		}
	}
	fmt.Fprintf(e.stdout, "screen.rotation %d: wrote %s\n", rotation, envPath)
	return exitOK
}

// checkStripped refuses a binary with its symbol table: Debian ships
// stripped programs (lintian's unstripped-binary-or-object).
func checkStripped(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s: not a program: %w", path, err)
	}
	defer f.Close()
	if f.Section(".symtab") != nil {
		return fmt.Errorf("%s is not stripped: build it with go build -ldflags='-s -w' (make deb does)", path)
	}
	return nil
}

// ExampleConfig is where the package puts the built-in configuration, a
// commented starting point.
const ExampleConfig = "/usr/share/borne/borne.example.toml"

func systemDeb(e *env, name string, args []string) int {
	fs := e.flags(name)
	kiosk := fs.String("kiosk", "", "the kiosk `binary` (make build: bin/kiosk)")
	ctl := fs.String("kioskctl", "", "the kioskctl `binary`")
	version := fs.String("version", "", "package `version`, e.g. 0.3.0")
	arch := fs.String("arch", runtime.GOARCH, "Debian `architecture` of the binaries")
	out := fs.String("out", "", "the .deb `file` to write")
	example := fs.String("example-config", "kiosk/config/default.toml", "the commented example configuration `file` to ship as "+ExampleConfig)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *kiosk == "" || *ctl == "" || *version == "" || *out == "" {
		return e.usageErr(name, "give --kiosk, --kioskctl, --version and --out")
	}
	files, err := system.Files(system.DefaultParams)
	if err != nil {
		return e.fail(name, err)
	}
	for _, f := range []struct {
		dst, src string
		mode     os.FileMode
	}{{system.DefaultParams.Kiosk, *kiosk, 0o755}, {"/usr/bin/kioskctl", *ctl, 0o755}, {ExampleConfig, *example, 0o644}} {
		data, err := os.ReadFile(f.src)
		if err != nil {
			return e.fail(name, err)
		}
		if f.dst == ExampleConfig { // staff copy it: it must be valid
			if _, err := config.Parse(data, f.src); err != nil {
				return e.fail(name, err)
			}
		} else if err := checkStripped(f.src); err != nil {
			return e.fail(name, err)
		}
		files = append(files, system.File{Path: f.dst, Mode: f.mode, Data: data})
	}
	f, err := os.Create(*out)
	if err != nil {
		return e.fail(name, err)
	}
	err = system.BuildDeb(f, system.Package{
		Name: "borne", Version: *version, Architecture: *arch, Maintainer: "Borne maintainers <borne@example.org>",
		Depends: system.DefaultDepends, Files: files, ModTime: time.Now().UTC().Truncate(time.Second),
		Description: "public-service self-service kiosk\nBorne runs a locked-down, touch-first kiosk for public-service\nwebsites in lobbies: sessions that leave nothing behind, anonymous\nusage figures, scanner and printers, signed configuration bundles.",
	})
	if err = errors.Join(err, f.Close()); err != nil {
		os.Remove(*out)
		return e.fail(name, err)
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", *out)
	return exitOK
}
