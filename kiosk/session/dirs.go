package session

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"borne/kiosk/atomicfile"
	"borne/kiosk/usage"
)

const (
	dirPrefix  = "s-"
	markerName = ".borne-session"
	tmpfsMagic = 0x01021994
	// OwnerFile, in the state dir, holds the token that marks this kiosk's
	// session directories as its own.
	OwnerFile = "session-owner"
)

// marker lets start-up account for a session that a crash or power loss cut
// short, and tells the kiosk's own directories from anyone else's.
type marker struct {
	Owner   string `json:"owner"` // the kiosk's token (LoadOwner)
	Session uint32 `json:"session"`
	Started int64  `json:"started"` // unix seconds
}

// LoadOwner returns this kiosk's token, made (random, durable) on first use
// in stateDir. Recovery deletes only directories marked with it: session.dir
// may be a directory others put s-… entries in.
func LoadOwner(stateDir string) (string, error) {
	path := filepath.Join(stateDir, OwnerFile)
	data, err := os.ReadFile(path)
	if err == nil && len(bytes.TrimSpace(data)) == len(rand.Text()) {
		return string(bytes.TrimSpace(data)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("session: owner token: %w", err)
	}
	// Missing or damaged: a new token. Directories marked with a damaged
	// one are left alone, never someone else's deleted.
	token := rand.Text()
	if err := os.MkdirAll(stateDir, 0o750); err != nil {
		return "", fmt.Errorf("session: owner token: %w", err)
	}
	if err := atomicfile.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("session: owner token: %w", err)
	}
	return token, nil
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

// createSessionDir makes a session directory marked as owner's. The marker
// is durable before the directory is handed out, so whatever a resident's
// session puts in it is found again after a power cut.
func createSessionDir(root, owner string, num uint32, now time.Time) (string, error) {
	if err := PrepareRoot(root); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(root, dirPrefix)
	if err != nil {
		return "", fmt.Errorf("session: create directory: %w", err)
	}
	data, _ := json.Marshal(marker{Owner: owner, Session: num, Started: now.Unix()})
	err = atomicfile.WriteFile(filepath.Join(dir, markerName), data, 0o600)
	if err == nil {
		err = atomicfile.SyncDir(root)
	}
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("session: write marker: %w", err)
	}
	return dir, nil
}

// ownMarker reads the marker of entry e of root when e is a directory of
// this user's (not a symlink) marked with owner; ok is false otherwise.
func ownMarker(root string, e fs.DirEntry, owner string) (mk marker, ok bool) {
	if !strings.HasPrefix(e.Name(), dirPrefix) || !e.IsDir() || owner == "" {
		return mk, false // IsDir is false for a symlink, even to a directory
	}
	dir := filepath.Join(root, e.Name())
	fi, err := os.Lstat(dir)
	if st, isUnix := sysStat(fi); err != nil || !fi.IsDir() || !isUnix || int(st.Uid) != os.Getuid() {
		return mk, false
	}
	f, err := os.OpenFile(filepath.Join(dir, markerName), os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return mk, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil || json.Unmarshal(data, &mk) != nil || subtle.ConstantTimeCompare([]byte(mk.Owner), []byte(owner)) != 1 {
		return mk, false
	}
	return mk, true
}

func sysStat(fi fs.FileInfo) (*syscall.Stat_t, bool) {
	if fi == nil {
		return nil, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return st, ok
}

// Wipe removes a session directory and everything in it. Files a resident's
// session made read-only still go: the directory is ours.
func Wipe(dir string) error {
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
// at start-up, before the first session. It returns how many it found. Only
// directories marked with this kiosk's Owner token go: anything else in the
// root, a symlink included, is someone else's and stays.
func (m *Manager) Recover() (int, error) {
	if fi, err := os.Lstat(m.opt.Root); errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	} else if err != nil || !fi.IsDir() {
		return 0, fmt.Errorf("session: root %s is not a directory (%v)", m.opt.Root, err)
	}
	entries, err := os.ReadDir(m.opt.Root)
	if err != nil {
		return 0, fmt.Errorf("session: read root %s: %w", m.opt.Root, err)
	}
	found := 0
	var errs []error
	for _, e := range entries {
		mk, ours := ownMarker(m.opt.Root, e, m.opt.Owner)
		if !ours {
			continue
		}
		dir := filepath.Join(m.opt.Root, e.Name())
		found++
		if mk.Session != 0 {
			m.record(usage.Event{Session: mk.Session, Kind: usage.SessionEnd, Outcome: string(EndRecovered),
				Duration: usage.DurationBucket(m.opt.Clock.Now().Sub(time.Unix(mk.Started, 0)))})
		}
		if err := Wipe(dir); err != nil {
			errs = append(errs, err)
		}
	}
	if found > 0 {
		m.opt.Log.Warn("session: wiped sessions left by a crash or power loss", "count", found)
	}
	return found, errors.Join(errs...)
}
