package bundle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"borne/kiosk/atomicfile"
	"borne/kiosk/instance"
)

// Layout of the provisioning root, /etc/borne on a kiosk:
//
//	borne.toml     → current/borne.toml: the kiosk's --config never changes
//	current        → bundles/ID: the files in force
//	previous       → bundles/ID: what a rollback restores
//	bundles/ID/    manifest.json, manifest.sig, borne.toml (identity merged in), branding/…
//	identity.toml  this kiosk's own keys (IdentityFile)
//	trusted-keys   the keys whose bundles this kiosk takes (TrustFile)
//	newest.json    the newest bundle ever applied (NewestFile): no replay of an older one

// Switching the current link is one rename, so the kiosk sees either every
// file of the old bundle or every file of the new one.
const (
	DefaultRoot  = "/etc/borne"
	CurrentLink  = "current"
	PreviousLink = "previous"
	BundlesDir   = "bundles"
	NewestFile   = "newest.json"
	lockName     = ".provision.lock"
)

// Options say where and how a bundle is applied.
type Options struct {
	Root string // the provisioning root; "" means DefaultRoot
	// Restart makes the kiosk run the files in force and returns an error
	// when it does not run properly on them. Apply calls it after the
	// switch, and again after a rollback. nil: the kiosk's configuration
	// watcher picks the change up by itself.
	Restart func(ctx context.Context) error
	// AllowDowngrade applies a bundle older than the newest one ever
	// applied here: a deliberate downgrade, logged.
	AllowDowngrade bool
	Log            *slog.Logger
}

func (o *Options) root() string {
	if o.Root == "" {
		return DefaultRoot
	}
	return o.Root
}

func (o *Options) log() *slog.Logger {
	if o.Log == nil {
		return slog.Default()
	}
	return o.Log
}

// ErrOlder says the bundle is older than the newest one ever applied here,
// which may no longer be in force (a rollback): replaying an old bundle
// would undo later fixes.
var ErrOlder = errors.New("bundle: older than the newest bundle applied on this kiosk (a downgrade must be asked for: kioskctl provision apply --allow-downgrade)")

// newest is what NewestFile holds.
type newest struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
}

// Apply installs b under the root: it merges this kiosk's identity into
// the configuration and validates it, writes the files into a new
// directory, switches the current link to it and calls Restart. When
// anything fails, nothing the kiosk reads has changed: before the switch
// the new directory is simply dropped; after it, the previous files are
// switched back (and Restart called again). It returns the ID of the bundle
// in force.
func Apply(ctx context.Context, b *Bundle, opt Options) (string, error) {
	root := opt.root()
	// The kiosk's user reads the root: create it readable before the lock does (0700).
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", fmt.Errorf("bundle: apply: %w", err)
	}
	lock, err := instance.Acquire(filepath.Join(root, lockName))
	if err != nil {
		return "", fmt.Errorf("bundle: apply: %w", err)
	}
	defer lock.Release()

	identity, err := readOptional(filepath.Join(root, IdentityFile))
	if err != nil {
		return "", fmt.Errorf("bundle: apply: %w", err)
	}
	id := b.ID()
	composed, _, err := Compose(b.Files[ConfigName], identity, "bundle "+id+": "+ConfigName)
	if err != nil {
		return "", err
	}
	cur, curID, err := Current(root)
	if err != nil {
		return "", err
	}
	if curID == id {
		return id, nil // already in force
	}
	top, damaged := newestApplied(root, cur, curID)
	if damaged != nil {
		if !opt.AllowDowngrade {
			return "", damaged
		}
		opt.log().Warn("bundle: downgrade asked for: the record of the newest bundle applied is replaced", "err", damaged)
	}
	if b.Manifest.Created.Before(top.Created) {
		if !opt.AllowDowngrade {
			return "", fmt.Errorf("%w: this bundle is from %s, bundle %s from %s", ErrOlder,
				b.Manifest.Created.Format(time.DateTime), top.ID, top.Created.Format(time.DateTime))
		}
		opt.log().Warn("bundle: downgrade asked for: applying a bundle older than the newest applied", "bundle", id, "newest", top.ID)
	}
	if err := adoptLocalConfig(root); err != nil {
		return "", err
	}
	if err := writeBundleDir(root, b, composed); err != nil {
		return "", err
	}
	prev, err := readLink(filepath.Join(root, CurrentLink))
	if err != nil {
		return "", err
	}
	if err := switchTo(root, filepath.Join(BundlesDir, id), prev); err != nil {
		os.RemoveAll(filepath.Join(root, BundlesDir, id))
		return "", err
	}
	// Recorded once in force: a bundle switched to, even if the kiosk then
	// fails on it and it is rolled back, is never replayed over. A power cut
	// before this line leaves it current, which newestApplied also reads.
	if damaged != nil || !b.Manifest.Created.Before(top.Created) {
		if err := recordNewest(root, newest{ID: id, Created: b.Manifest.Created}); err != nil {
			return "", errors.Join(err, switchBack(root, prev))
		}
	}
	opt.log().Info("bundle: applied", "bundle", id, "comment", b.Manifest.Comment, "signer", b.Signer.Comment)
	if opt.Restart != nil {
		if rerr := opt.Restart(ctx); rerr != nil {
			opt.log().Error("bundle: the kiosk does not run on the new bundle: rolling back", "bundle", id, "err", rerr)
			err := fmt.Errorf("bundle: %s applied but the kiosk did not run on it, rolled back: %w", id, rerr)
			if serr := switchBack(root, prev); serr != nil {
				return "", errors.Join(err, fmt.Errorf("rollback failed: %w", serr))
			}
			os.RemoveAll(filepath.Join(root, BundlesDir, id))
			if rerr := opt.Restart(ctx); rerr != nil {
				err = errors.Join(err, fmt.Errorf("restart after the rollback: %w", rerr))
			}
			return "", err
		}
	}
	prune(root)
	return id, nil
}

// Rollback switches back to the previous bundle and calls Restart.
func Rollback(ctx context.Context, opt Options) (string, error) {
	root := opt.root()
	lock, err := instance.Acquire(filepath.Join(root, lockName))
	if err != nil {
		return "", fmt.Errorf("bundle: rollback: %w", err)
	}
	defer lock.Release()
	prev, err := readLink(filepath.Join(root, PreviousLink))
	if err != nil {
		return "", err
	}
	if prev == "" {
		return "", errors.New("bundle: rollback: no previous bundle")
	}
	cur, err := readLink(filepath.Join(root, CurrentLink))
	if err != nil {
		return "", err
	}
	if err := switchTo(root, prev, cur); err != nil {
		return "", err
	}
	opt.log().Info("bundle: rolled back", "to", prev, "from", cur)
	if opt.Restart != nil {
		if err := opt.Restart(ctx); err != nil {
			return "", fmt.Errorf("bundle: rolled back to %s, but: %w", prev, err)
		}
	}
	return filepath.Base(prev), nil
}

// Current is the manifest and ID of the bundle in force, or nil and "" when
// none is (or when the configuration in force was written by hand).
func Current(root string) (*Manifest, string, error) {
	dir := filepath.Join(root, CurrentLink)
	raw, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("bundle: bundle in force: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, "", fmt.Errorf("bundle: bundle in force: %s: %w", ManifestName, err)
	}
	target, err := os.Readlink(dir)
	if err != nil {
		return nil, "", fmt.Errorf("bundle: bundle in force: %w", err)
	}
	return &m, filepath.Base(target), nil
}

// newestApplied is the newest bundle ever applied under root: the one
// recorded, or the one in force when that is newer. A record that cannot be
// read is an error, never "nothing applied yet" (that would open replays);
// n is then the one in force.
func newestApplied(root string, cur *Manifest, curID string) (n newest, err error) {
	data, err := readOptional(filepath.Join(root, NewestFile))
	if err == nil && data != nil {
		err = json.Unmarshal(data, &n)
	}
	if err != nil {
		n, err = newest{}, fmt.Errorf("bundle: the record of the newest bundle applied, %s, cannot be read (%v): check the bundle in force, then apply with --allow-downgrade", NewestFile, err)
	}
	if cur != nil && cur.Created.After(n.Created) {
		n = newest{ID: curID, Created: cur.Created}
	}
	return n, err
}

func recordNewest(root string, n newest) error {
	data, _ := json.Marshal(n)
	if err := atomicfile.WriteFile(filepath.Join(root, NewestFile), data, 0o644); err != nil {
		return fmt.Errorf("bundle: record the newest bundle applied: %w", err)
	}
	return nil
}

func readOptional(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return data, err
}

// readLink returns a link's target, or "" when there is no link.
func readLink(path string) (string, error) {
	t, err := os.Readlink(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("bundle: %w", err)
	}
	return t, nil
}

// adoptLocalConfig turns a hand-written borne.toml (a kiosk set up before
// its first bundle) into a bundle directory of its own, so that a rollback
// of the first bundle restores it.
func adoptLocalConfig(root string) error {
	cfgPath := filepath.Join(root, ConfigName)
	fi, err := os.Lstat(cfgPath)
	if errors.Is(err, fs.ErrNotExist) || err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	rel := filepath.Join(BundlesDir, "local-"+fi.ModTime().UTC().Format("20060102T150405Z"))
	dir := filepath.Join(root, rel)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("bundle: keep the local configuration: %w", err)
	}
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		return fmt.Errorf("bundle: keep the local configuration: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, ConfigName), data, fi.Mode().Perm()); err != nil {
		return fmt.Errorf("bundle: keep the local configuration: %w", err)
	}
	if err := shareWithKiosk(root, filepath.Join(root, BundlesDir)); err != nil {
		return err
	}
	if err := setLink(filepath.Join(root, CurrentLink), rel); err != nil {
		return err
	}
	return setLink(cfgPath, filepath.Join(CurrentLink, ConfigName))
}

// writeBundleDir writes b into bundles/ID through a temporary directory:
// a directory named after a bundle is always complete.
func writeBundleDir(root string, b *Bundle, composed []byte) error {
	bundles := filepath.Join(root, BundlesDir)
	if err := os.MkdirAll(bundles, 0o750); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if err := shareWithKiosk(root, bundles); err != nil {
		return err
	}
	final := filepath.Join(bundles, b.ID())
	tmp := filepath.Join(bundles, ".new-"+b.ID())
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	files := map[string][]byte{ManifestName: b.RawManifest, SignatureName: b.Signature}
	for p, data := range b.Files {
		files[p] = data
	}
	files[ConfigName] = composed // what the kiosk runs: the manifest's hash is of the bundle's own file
	for p, data := range files {
		dst := filepath.Join(tmp, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return fmt.Errorf("bundle: write %s: %w", p, err)
		}
		if err := atomicfile.WriteFile(dst, data, 0o640); err != nil {
			return fmt.Errorf("bundle: write %s: %w", p, err)
		}
	}
	if err := shareWithKiosk(root, tmp); err != nil {
		return err
	}
	if err := os.RemoveAll(final); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	return atomicfile.SyncDir(bundles)
}

// shareWithKiosk gives everything under path the root's group: the
// kiosk's (see kioskctl enrol), so that it reads files that others cannot
// (0640: a staff PIN hash of a few digits can be brute-forced offline).
func shareWithKiosk(root, path string) error {
	fi, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	err = filepath.WalkDir(path, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, -1, int(st.Gid))
	})
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	return nil
}

// switchTo makes target the current bundle and prev the previous one.
func switchTo(root, target, prev string) error {
	if prev != "" {
		if err := setLink(filepath.Join(root, PreviousLink), prev); err != nil {
			return err
		}
	}
	if err := setLink(filepath.Join(root, CurrentLink), target); err != nil {
		return err
	}
	return setLink(filepath.Join(root, ConfigName), filepath.Join(CurrentLink, ConfigName))
}

// switchBack undoes a switchTo whose previous current link was prev ("":
// there was none, so there is no configuration again).
func switchBack(root, prev string) error {
	if prev == "" {
		return errors.Join(removeIfExists(filepath.Join(root, CurrentLink)), removeIfExists(filepath.Join(root, ConfigName)))
	}
	return setLink(filepath.Join(root, CurrentLink), prev)
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("bundle: %w", err)
	}
	return nil
}

// setLink points the symlink at path to target, atomically.
func setLink(path, target string) error {
	if t, err := os.Readlink(path); err == nil && t == target {
		return nil
	}
	tmp := path + ".new"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("bundle: link %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("bundle: link %s: %w", path, err)
	}
	return atomicfile.SyncDir(filepath.Dir(path))
}

// prune removes the bundle directories that are neither current nor
// previous, and leftovers of interrupted applies.
func prune(root string) {
	keep := map[string]bool{}
	for _, l := range []string{CurrentLink, PreviousLink} {
		if t, err := os.Readlink(filepath.Join(root, l)); err == nil {
			keep[filepath.Base(t)] = true
		}
	}
	entries, _ := os.ReadDir(filepath.Join(root, BundlesDir))
	for _, e := range entries {
		if !keep[e.Name()] {
			os.RemoveAll(filepath.Join(root, BundlesDir, e.Name()))
		}
	}
}
