package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"borne/kiosk/usage"
)

const (
	dirPrefix  = "s-"
	markerName = ".borne-session"
	tmpfsMagic = 0x01021994
)

// marker lets start-up account for a session that a crash or power loss cut short.
type marker struct {
	Session uint32 `json:"session"`
	Started int64  `json:"started"` // unix seconds
}

// DefaultRoot picks where session directories live when the config names
// none: a tmpfs (nothing reaches the disk, power loss wipes it) when one is
// writable, else the temp dir. It says whether it found a tmpfs.
func DefaultRoot() (root string, tmpfs bool) {
	var candidates []string
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" {
		candidates = append(candidates, filepath.Join(rt, "borne", "sessions"))
	}
	candidates = append(candidates, filepath.Join("/dev/shm", fmt.Sprintf("borne-%d", os.Getuid()), "sessions"))
	for _, c := range candidates {
		if isTmpfs(filepath.Dir(filepath.Dir(c))) && PrepareRoot(c) == nil {
			return c, true
		}
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("borne-%d", os.Getuid()), "sessions"), false
}

func isTmpfs(path string) bool {
	var st syscall.Statfs_t
	return syscall.Statfs(path, &st) == nil && st.Type == tmpfsMagic
}

// PrepareRoot creates the sessions root 0700 and refuses one that another
// user owns (a world-writable parent such as /dev/shm could hold a trap).
func PrepareRoot(root string) error {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return fmt.Errorf("session: create root %s: %w", root, err)
	}
	fi, err := os.Lstat(root)
	if err != nil {
		return fmt.Errorf("session: root %s: %w", root, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || int(st.Uid) != os.Getuid() {
		return fmt.Errorf("session: root %s is not a directory owned by uid %d", root, os.Getuid())
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(root, 0o700); err != nil {
			return fmt.Errorf("session: root %s: %w", root, err)
		}
	}
	return nil
}

func createSessionDir(root string, num uint32, now time.Time) (string, error) {
	if err := PrepareRoot(root); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(root, dirPrefix)
	if err != nil {
		return "", fmt.Errorf("session: create directory: %w", err)
	}
	data, _ := json.Marshal(marker{Session: num, Started: now.Unix()})
	if err := os.WriteFile(filepath.Join(dir, markerName), data, 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("session: write marker: %w", err)
	}
	return dir, nil
}

// wipe removes a session directory and everything in it. Files a resident's
// session made read-only still go: the directory is ours.
func wipe(dir string) error {
	if dir == "" {
		return nil
	}
	err := os.RemoveAll(dir)
	if err == nil {
		return nil
	}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, _ error) error {
		if d != nil && d.IsDir() {
			_ = os.Chmod(p, 0o700)
		}
		return nil
	})
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("session: wipe %s: %w", dir, err)
	}
	return nil
}

// Recover wipes what sessions left behind (a crash, a power loss on a disk
// root) and records their end, so the usage figures count them. Call it once
// at start-up, before the first session. It returns how many it found.
func (m *Manager) Recover() (int, error) {
	entries, err := os.ReadDir(m.opt.Root)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("session: read root %s: %w", m.opt.Root, err)
	}
	found := 0
	var errs []error
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), dirPrefix) {
			continue
		}
		dir := filepath.Join(m.opt.Root, e.Name())
		found++
		var mk marker
		if data, err := os.ReadFile(filepath.Join(dir, markerName)); err == nil && json.Unmarshal(data, &mk) == nil && mk.Session != 0 {
			m.record(usage.Event{Session: mk.Session, Kind: usage.SessionEnd, Outcome: string(EndRecovered),
				Duration: usage.DurationBucket(m.opt.Clock.Now().Sub(time.Unix(mk.Started, 0)))})
		}
		if err := wipe(dir); err != nil {
			errs = append(errs, err)
		}
	}
	if found > 0 {
		m.opt.Log.Warn("session: wiped sessions left by a crash or power loss", "count", found)
	}
	return found, errors.Join(errs...)
}
