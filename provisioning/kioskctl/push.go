package kioskctl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"borne/kiosk/atomicfile"
	"borne/kiosk/usage/push"
)

func init() {
	commands = append(commands,
		command{"push", "key", "[--config PATH] [--force]",
			"make this kiosk's key for the fleet's collector (at enrolment) and print the line that registers it there", pushKey},
	)
}

// pushKey writes a new push key where the configuration says (readable by
// the owner only) and prints the collector command that registers its hash.
// The key itself never leaves the kiosk.
func pushKey(e *env, name string, args []string) int {
	fset := e.flags(name)
	var sf storeFlags
	fset.StringVar(&sf.config, "config", "", "kiosk configuration `file` (default: the built-in configuration)")
	force := fset.Bool("force", false, "replace an existing key (the collector must then register the new one)")
	if code, ok := parse(fset, args); !ok {
		return code
	}
	cfg, err := sf.loadConfig()
	if err != nil {
		return e.fail(name, err)
	}
	path := cfg.PushKeyPath()
	if _, err := os.Stat(path); err == nil && !*force {
		return e.fail(name, fmt.Errorf("%s exists: this kiosk has a key already (--force makes a new one)", path))
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return e.fail(name, err)
	}
	key, err := push.NewKey()
	if err != nil {
		return e.fail(name, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return e.fail(name, err)
	}
	if err := atomicfile.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return e.fail(name, err)
	}
	// The kiosk reads it: it goes to whoever owns the state directory.
	if st, err := os.Stat(filepath.Dir(path)); err == nil {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			if err := os.Chown(path, int(sys.Uid), int(sys.Gid)); err != nil {
				return e.fail(name, err)
			}
		}
	}
	fmt.Fprintf(e.stderr, "push key written to %s; register it on the collector with:\n", path)
	fmt.Fprintf(e.stdout, "collector kiosk add --id %s --territory TERRITORY --site SITE --key-sha256 %s\n", cfg.Kiosk.ID, push.KeyHash(key))
	return exitOK
}
