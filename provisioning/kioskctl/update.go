package kioskctl

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"time"

	"borne/kiosk/atomicfile"
	"borne/provisioning/updates"
)

func init() {
	commands = append(commands,
		command{"update", "window", "[--config PATH]",
			"the daily maintenance window for software updates, outside every agency's opening hours", updateWindow},
		command{"update", "gate", "[--config PATH]",
			"succeed only inside the window with no visit under way (apt-daily-upgrade's ExecCondition)", updateGate},
		command{"update", "restart-kiosk", "[--config PATH]",
			"restart the kiosk on its new version if no visit is under way (after an upgrade)", updateRestart},
		command{"update", "setup", "--repo URL --keyring FILE [--codename NAME] [--config PATH] [--root DIR]",
			"make this kiosk take its updates from the fleet's signed apt repository, in the window", updateSetup},
		command{"update", "repo-init", "--dir DIR --key FINGERPRINT [--codename NAME] [--arch ARCH]",
			"start the fleet's apt repository (on a staff machine holding the signing key, never on a kiosk)", updateRepoInit},
		command{"update", "repo-publish", "--dir DIR DEB...",
			"add .deb files to the fleet's repository and sign it again", updateRepoPublish},
		command{"update", "repo-key", "--dir DIR --out FILE",
			"write the repository's public key, for kioskctl update setup --keyring", updateRepoKey},
	)
}

// gateNow loads the configuration and says whether an upgrade may run now
// (updates.Gate); code and ok are those of a bad command line or config.
func gateNow(e *env, name string, args []string) (w updates.Window, gate error, code int, ok bool) {
	fs := e.flags(name)
	var sf storeFlags
	fs.StringVar(&sf.config, "config", "", "kiosk configuration `file` (default: the built-in configuration)")
	if code, ok := parse(fs, args); !ok {
		return w, nil, code, false
	}
	cfg, err := sf.loadConfig()
	if err == nil {
		w, err = updates.FromAgencies(cfg.Agencies)
	}
	if err != nil {
		return w, nil, e.fail(name, err), false
	}
	return w, updates.Gate(time.Now().In(cfg.Location()), w, updates.SessionRoots(cfg)), exitOK, true
}

func updateWindow(e *env, name string, args []string) int {
	w, _, code, ok := gateNow(e, name, args)
	if !ok {
		return code
	}
	fmt.Fprintf(e.stdout, "%s (kiosk time, every day)\n", w)
	return exitOK
}

func updateGate(e *env, name string, args []string) int {
	w, gate, code, ok := gateNow(e, name, args)
	if !ok {
		return code
	}
	if gate != nil {
		fmt.Fprintf(e.stderr, "%s: no upgrade now: %v\n", name, gate)
		return 1
	}
	fmt.Fprintf(e.stdout, "upgrade allowed: inside %s, no visit\n", w)
	return exitOK
}

func updateRestart(e *env, name string, args []string) int {
	_, gate, code, ok := gateNow(e, name, args)
	if !ok {
		return code
	}
	if gate != nil {
		// The new version starts at the next restart; never cut a visit.
		fmt.Fprintf(e.stdout, "kiosk not restarted: %v\n", gate)
		return exitOK
	}
	if out, err := exec.Command("systemctl", "try-restart", "borne.service").CombinedOutput(); err != nil {
		return e.fail(name, fmt.Errorf("systemctl try-restart borne.service: %w: %s", err, out))
	}
	fmt.Fprintln(e.stdout, "kiosk restarted on its new version")
	return exitOK
}

func updateSetup(e *env, name string, args []string) int {
	fs := e.flags(name)
	var sf storeFlags
	fs.StringVar(&sf.config, "config", "", "kiosk configuration `file` (default: the built-in configuration)")
	repo := fs.String("repo", "", "the repository's https:// `address`")
	keyring := fs.String("keyring", "", "the repository's public key `file` (kioskctl update repo-key)")
	codename := fs.String("codename", "bookworm", "the repository's `codename`")
	root := fs.String("root", "/", "install into this root `dir`")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *repo == "" || *keyring == "" {
		return e.usageErr(name, "give --repo and --keyring")
	}
	cfg, err := sf.loadConfig()
	if err != nil {
		return e.fail(name, err)
	}
	w, err := updates.FromAgencies(cfg.Agencies)
	if err != nil {
		return e.fail(name, err)
	}
	key, err := os.ReadFile(*keyring)
	if err != nil {
		return e.fail(name, err)
	}
	self := "/usr/bin/kioskctl"
	files, err := updates.KioskFiles(*repo, *codename, key, w, self)
	if err != nil {
		return e.fail(name, err)
	}
	for _, f := range files {
		p := filepath.Join(*root, f.Path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return e.fail(name, err)
		}
		if err := atomicfile.WriteFile(p, f.Data, os.FileMode(f.Mode)); err != nil {
			return e.fail(name, err)
		}
		fmt.Fprintf(e.stdout, "wrote %s\n", p)
	}
	fmt.Fprintf(e.stdout, "updates from %s in the window %s; install unattended-upgrades if it is not there\n", *repo, w)
	return exitOK
}

var (
	signWithRE = regexp.MustCompile(`(?m)^SignWith: *([0-9A-F]{40})$`)
	codenameRE = regexp.MustCompile(`(?m)^Codename: *(\S+)$`)
)

// repoOf reads and the repository's signing key from its conf.
func repoOf(dir string) (*updates.Repo, error) {
	conf, err := os.ReadFile(filepath.Join(dir, "conf", "distributions"))
	if err != nil {
		return nil, fmt.Errorf("not a repository made by kioskctl update repo-init: %w", err)
	}
	m, c := signWithRE.FindSubmatch(conf), codenameRE.FindSubmatch(conf)
	if m == nil || c == nil {
		return nil, errors.New("the repository names no signing key (SignWith) or no codename")
	}
	return &updates.Repo{Dir: dir, SignWith: string(m[1]), Codename: string(c[1])}, nil
}

func updateRepoInit(e *env, name string, args []string) int {
	fs := e.flags(name)
	dir := fs.String("dir", "", "the repository `dir`")
	key := fs.String("key", "", "the signing key's `fingerprint` (40 hex digits)")
	codename := fs.String("codename", "bookworm", "Debian `codename` of the kiosks")
	arch := fs.String("arch", runtime.GOARCH, "Debian `architecture` of the kiosks")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *dir == "" || *key == "" {
		return e.usageErr(name, "give --dir and --key")
	}
	r := &updates.Repo{Dir: *dir, Codename: *codename, SignWith: *key, Arch: *arch}
	if err := r.Init(); err != nil {
		return e.fail(name, err)
	}
	fmt.Fprintf(e.stdout, "repository %s ready, signed with %s\n", *dir, *key)
	return exitOK
}

func updateRepoPublish(e *env, name string, args []string) int {
	fs := e.flags(name)
	dir := fs.String("dir", "", "the repository `dir`")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *dir == "" || fs.NArg() == 0 {
		return e.usageErr(name, "give --dir and at least one .deb")
	}
	r, err := repoOf(*dir)
	if err != nil {
		return e.fail(name, err)
	}
	for _, deb := range fs.Args() {
		if err := r.Publish(deb); err != nil {
			return e.fail(name, err)
		}
		fmt.Fprintf(e.stdout, "published %s\n", deb)
	}
	return exitOK
}

func updateRepoKey(e *env, name string, args []string) int {
	fs := e.flags(name)
	dir := fs.String("dir", "", "the repository `dir`")
	out := fs.String("out", "", "the public key `file` to write")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *dir == "" || *out == "" {
		return e.usageErr(name, "give --dir and --out")
	}
	r, err := repoOf(*dir)
	if err != nil {
		return e.fail(name, err)
	}
	key, err := r.ExportKey()
	if err != nil {
		return e.fail(name, err)
	}
	if err := atomicfile.WriteFile(*out, key, 0o644); err != nil {
		return e.fail(name, err)
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", *out)
	return exitOK
}
