package kioskctl

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"borne/provisioning/bundle"
	"borne/provisioning/system"
)

func init() {
	commands = append(commands,
		command{"provision", "keygen", "--out FILE [--comment TEXT]",
			"make a bundle signing key (FILE, keep it off the kiosks) and its trust line (FILE.pub)", provisionKeygen},
		command{"provision", "make", "--key FILE --out BUNDLE [--comment TEXT] DIR",
			"sign the files of DIR (borne.toml, branding/) into a bundle", provisionMake},
		command{"provision", "verify", "[--root DIR | --trust FILE] BUNDLE|URL",
			"check a bundle's signature, files and configuration without applying it", provisionVerify},
		command{"provision", "apply", "[--root DIR] [--allow-downgrade] [--no-restart] BUNDLE|URL",
			"apply a bundle from a file (USB key) or an https:// address; rolled back if the kiosk fails on it", provisionApply},
		command{"provision", "rollback", "[--root DIR] [--no-restart]",
			"go back to the previous bundle", provisionRollback},
	)
}

// parseArg parses flags around exactly one positional argument, so that
// "apply BUNDLE --root X" works as well as "apply --root X BUNDLE".
func parseArg(fs *flag.FlagSet, args []string, what string) (arg string, code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", exitOK, false
		}
		return "", exitUsage, false
	}
	if fs.NArg() == 0 {
		fmt.Fprintf(fs.Output(), "%s: give the %s\n", fs.Name(), what)
		return "", exitUsage, false
	}
	arg = fs.Arg(0)
	if code, ok := parse(fs, fs.Args()[1:]); !ok {
		return "", code, false
	}
	return arg, exitOK, true
}

func provisionKeygen(e *env, name string, args []string) int {
	fs := e.flags(name)
	out := fs.String("out", "", "private key `file` to create (0600); the trust line goes to FILE.pub")
	comment := fs.String("comment", "", "who holds the key, written on the trust line")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *out == "" {
		return e.usageErr(name, "give --out FILE")
	}
	privPEM, pub, err := bundle.GenerateKey()
	if err != nil {
		return e.fail(name, err)
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // never overwrite a key
	if err != nil {
		return e.fail(name, err)
	}
	_, werr := f.Write(privPEM)
	if err := errors.Join(werr, f.Close()); err != nil {
		return e.fail(name, err)
	}
	line := bundle.TrustLine(pub, *comment)
	if err := os.WriteFile(*out+".pub", []byte(line+"\n"), 0o644); err != nil {
		return e.fail(name, err)
	}
	fmt.Fprintf(e.stdout, "private key: %s (keep it off the kiosks)\ntrust line (add it to %s on each kiosk, or pass it to kioskctl enrol --trust):\n%s\n",
		*out, filepath.Join(bundle.DefaultRoot, bundle.TrustFile), line)
	return exitOK
}

func provisionMake(e *env, name string, args []string) int {
	fs := e.flags(name)
	keyPath := fs.String("key", "", "private key `file` (provision keygen)")
	out := fs.String("out", "", "bundle `file` to write")
	comment := fs.String("comment", "", "what this bundle changes, shown on the kiosks")
	dir, code, ok := parseArg(fs, args, "directory to pack")
	if !ok {
		return code
	}
	if *keyPath == "" || *out == "" {
		return e.usageErr(name, "give --key FILE and --out BUNDLE")
	}
	pemKey, err := os.ReadFile(*keyPath)
	if err != nil {
		return e.fail(name, err)
	}
	key, err := bundle.ParsePrivateKey(pemKey)
	if err != nil {
		return e.fail(name, err)
	}
	data, err := bundle.Make(dir, key, now(), *comment)
	if err != nil {
		return e.fail(name, err)
	}
	// A fleet bundle is checked now, with a stand-in identity: a mistake
	// found on the bench costs less than one found on every kiosk.
	b, err := bundle.Open(data, []bundle.TrustedKey{{Key: key.Public().(ed25519.PublicKey)}})
	if err != nil {
		return e.fail(name, err)
	}
	if err := checkConfig(b, nil); err != nil {
		return e.fail(name, err)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return e.fail(name, err)
	}
	fmt.Fprintf(e.stdout, "wrote %s: bundle %s, %d files\n", *out, b.ID(), len(b.Files))
	noteOverrides(e, b)
	return exitOK
}

// perKiosk are the keys enrolment sets on each kiosk (its identity).
var perKiosk = [][2]string{{"kiosk", "id"}, {"kiosk", "site"}, {"kiosk", "timezone"}, {"staff", "pin_hash"}, {"scanner", "device"}, {"printer", "uri"}, {"receipt", "device"}}

// overrides lists the per-kiosk keys a bundle sets: on every kiosk, they
// replace what enrolment set. Worth a word when the bundle is for a fleet.
func overrides(b *bundle.Bundle) []string {
	var doc map[string]any
	if toml.Unmarshal(b.Files[bundle.ConfigName], &doc) != nil {
		return nil
	}
	var keys []string
	for _, k := range perKiosk {
		if t, ok := doc[k[0]].(map[string]any); ok && t[k[1]] != nil {
			keys = append(keys, k[0]+"."+k[1])
		}
	}
	return keys
}

func noteOverrides(e *env, b *bundle.Bundle) {
	if keys := overrides(b); len(keys) > 0 {
		fmt.Fprintf(e.stdout, "note: the bundle sets %s: on each kiosk it replaces the value set at enrolment\n", strings.Join(keys, ", "))
	}
}

// benchIdentity stands in for a kiosk's identity when a bundle is checked
// away from a kiosk.
var benchIdentity = []byte("[kiosk]\nid = \"bench\"\nsite = \"bench\"\n")

// checkConfig validates the bundle's configuration merged with identity
// (nil: benchIdentity).
func checkConfig(b *bundle.Bundle, identity []byte) error {
	if identity == nil {
		identity = benchIdentity
	}
	_, _, err := bundle.Compose(b.Files[bundle.ConfigName], identity, b.ID()+": "+bundle.ConfigName)
	return err
}

// trustFlags say where the trusted keys are.
type trustFlags struct{ root, trust string }

func (tf *trustFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&tf.root, "root", provisionRoot, "provisioning `dir` of the kiosk")
	fs.StringVar(&tf.trust, "trust", "", "trust `file` (default: ROOT/"+bundle.TrustFile+")")
}

func (tf *trustFlags) keys() ([]bundle.TrustedKey, error) {
	path := tf.trust
	if path == "" {
		path = filepath.Join(tf.root, bundle.TrustFile)
	}
	return bundle.LoadTrust(path)
}

// openBundle fetches src and checks it against the trusted keys.
func openBundle(ctx context.Context, src string, tf *trustFlags) (*bundle.Bundle, error) {
	keys, err := tf.keys()
	if err != nil {
		return nil, err
	}
	data, err := bundle.Fetch(ctx, src, nil)
	if err != nil {
		return nil, err
	}
	return bundle.Open(data, keys)
}

func describe(e *env, b *bundle.Bundle) {
	fmt.Fprintf(e.stdout, "bundle %s, made %s, signed by %q: %s\n", b.ID(), b.Manifest.Created.Local().Format(time.DateTime), b.Signer.Comment, b.Manifest.Comment)
	for _, f := range b.Manifest.Files {
		fmt.Fprintf(e.stdout, "  %-28s %8d bytes\n", f.Path, f.Size)
	}
}

func provisionVerify(e *env, name string, args []string) int {
	fs := e.flags(name)
	var tf trustFlags
	tf.register(fs)
	src, code, ok := parseArg(fs, args, "bundle file or https:// address")
	if !ok {
		return code
	}
	b, err := openBundle(e.ctx, src, &tf)
	if err != nil {
		return e.fail(name, err)
	}
	identity, err := os.ReadFile(filepath.Join(tf.root, bundle.IdentityFile))
	if err != nil {
		identity = nil // away from a kiosk: the stand-in identity
	}
	if err := checkConfig(b, identity); err != nil {
		return e.fail(name, err)
	}
	describe(e, b)
	noteOverrides(e, b)
	fmt.Fprintln(e.stdout, "ok: signed by a trusted key, files intact, configuration valid")
	return exitOK
}

// log reports the library's warnings (a rollback) on stderr; what went
// well, the command prints itself.
func (e *env) log() *slog.Logger {
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// restartAndWatch is Apply's Restart under systemd: restart the unit, then
// make sure it is still up a while later (a kiosk failing on a bad bundle
// exits within seconds and systemd restarts it in a loop).
var settleTime = 10 * time.Second

func restartAndWatch(ctx context.Context) error {
	if _, err := runCmd(ctx, "systemctl", "restart", system.UnitName); err != nil {
		return err
	}
	before := kioskUnit(ctx)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(settleTime):
	}
	after := kioskUnit(ctx)
	switch {
	case after.active != "active":
		return fmt.Errorf("%s is %s (%s)", system.UnitName, after.active, after.sub)
	case after.restarts > before.restarts:
		return fmt.Errorf("%s restarted %d times", system.UnitName, after.restarts-before.restarts)
	}
	return nil
}

// restartFunc is how apply and rollback restart the kiosk: through systemd
// when the unit runs; otherwise nothing (a kiosk started by hand picks the
// new configuration up with its watcher).
func restartFunc(e *env, noRestart bool) func(context.Context) error {
	if noRestart {
		return nil
	}
	if u := kioskUnit(e.ctx); !u.known || u.active != "active" {
		return nil
	}
	return restartAndWatch
}

func provisionApply(e *env, name string, args []string) int {
	fs := e.flags(name)
	var tf trustFlags
	tf.register(fs)
	downgrade := fs.Bool("allow-downgrade", false, "apply a bundle older than the newest one applied on this kiosk (a deliberate downgrade, logged)")
	noRestart := fs.Bool("no-restart", false, "do not restart the kiosk (it reloads a valid configuration by itself)")
	src, code, ok := parseArg(fs, args, "bundle file or https:// address")
	if !ok {
		return code
	}
	b, err := openBundle(e.ctx, src, &tf)
	if err != nil {
		return e.fail(name, err)
	}
	describe(e, b)
	id, err := bundle.Apply(e.ctx, b, bundle.Options{Root: tf.root, AllowDowngrade: *downgrade, Restart: restartFunc(e, *noRestart), Log: e.log()})
	if err != nil {
		return e.fail(name, err)
	}
	fmt.Fprintf(e.stdout, "bundle %s in force\n", id)
	return exitOK
}

func provisionRollback(e *env, name string, args []string) int {
	fs := e.flags(name)
	root := fs.String("root", provisionRoot, "provisioning `dir` of the kiosk")
	noRestart := fs.Bool("no-restart", false, "do not restart the kiosk")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	id, err := bundle.Rollback(e.ctx, bundle.Options{Root: *root, Restart: restartFunc(e, *noRestart), Log: e.log()})
	if err != nil {
		return e.fail(name, err)
	}
	fmt.Fprintf(e.stdout, "back to %s\n", id)
	return exitOK
}
