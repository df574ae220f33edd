package kioskctl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"borne/kiosk/atomicfile"
	"borne/kiosk/config"
	"borne/kiosk/pincode"
	"borne/provisioning/bundle"
	"borne/provisioning/system"
)

func init() {
	commands = append(commands,
		command{"enrol", "", "--id ID --site NAME [--timezone ZONE] [--scanner NAME] [--printer URI] [--receipt DEVICE] [--trust FILE] [--bundle FILE|URL] [--enable] [--root DIR]",
			"make this machine a kiosk: identity, staff PIN (typed twice on standard input), trusted key, devices, first bundle", enrol},
		command{"pin", "hash", "(the PIN on standard input, twice)",
			"hash a staff PIN typed on standard input, for [staff] pin_hash", pinHash},
	)
}

// stdin is where PINs are read from.
var stdin io.Reader = os.Stdin

// kioskGroup owns the provisioning root, so that the kiosk reads it.
var kioskGroup = system.DefaultParams.User

// readPIN reads the staff PIN, twice, one per line, and hashes it.
func readPIN(e *env, r *bufio.Reader) (string, error) {
	fmt.Fprint(e.stderr, "staff PIN (digits): ")
	pin, err := r.ReadString('\n')
	if err != nil && pin == "" {
		return "", errors.New("no staff PIN on standard input")
	}
	fmt.Fprint(e.stderr, "again: ")
	again, _ := r.ReadString('\n')
	pin, again = strings.TrimSpace(pin), strings.TrimSpace(again)
	if pin != again {
		return "", errors.New("the two PINs differ")
	}
	return pincode.Hash(pin)
}

func pinHash(e *env, name string, args []string) int {
	fs := e.flags(name)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	h, err := readPIN(e, bufio.NewReader(stdin))
	if err != nil {
		return e.fail(name, err)
	}
	fmt.Fprintln(e.stdout, h)
	return exitOK
}

// identityCheck is a configuration that leaves the identity out: merged
// with one, config.Parse checks it with the usual messages.
const identityCheck = `[[service]]
id = "check"
pictogram = "help"
start_url = "https://example.org/"
allowed_domains = ["example.org"]
name.fr = "check"
`

func enrol(e *env, name string, args []string) int {
	fs := e.flags(name)
	id := fs.String("id", "", "the kiosk's short `id`, e.g. trappes-01 (it goes into the usage figures)")
	site := fs.String("site", "", "the site's `name` as residents know it")
	tz := fs.String("timezone", config.DefaultTimeZone, "IANA time `zone`")
	trust := fs.String("trust", "", "`file` with the fleet's trust line(s) (provision keygen's FILE.pub)")
	src := fs.String("bundle", "", "first bundle to apply, a `file` or an https:// address")
	enable := fs.Bool("enable", false, "enable and start the kiosk unit")
	root := fs.String("root", provisionRoot, "provisioning `dir`")
	scanner := fs.String("scanner", "", "the scanner's SANE `name` (default: the only one found; \"none\": leave it to the bundle)")
	printer := fs.String("printer", "", "the A4 printer's ipp:// `address` (default: the only one found; \"none\": leave it to the bundle)")
	receipt := fs.String("receipt", "", "the receipt printer's `device` (default: the only port found; \"none\": leave it to the bundle)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *id == "" || *site == "" {
		return e.usageErr(name, "give --id and --site")
	}
	in := bufio.NewReader(stdin)
	hash, err := readPIN(e, in)
	if err != nil {
		return e.fail(name, err)
	}
	ident := map[string]map[string]any{"kiosk": {"id": *id, "site": *site, "timezone": *tz}, "staff": {"pin_hash": hash}}
	devs, notes := detectDevices(e.ctx)
	for _, d := range devs {
		fmt.Fprintf(e.stdout, "device     %-12s %s %s\n", d.Kind, d.ID, d.Note)
	}
	for _, n := range notes {
		fmt.Fprintf(e.stdout, "note       %s\n", n)
	}
	// The printers are this kiosk's own: when the choice is plain, they go
	// into the identity, which every bundle then keeps.
	if dev := pick(*scanner, devs, KindScanner); dev != "" {
		ident["scanner"] = map[string]any{"device": dev}
	}
	if uri := pick(*printer, devs, KindIPP); uri != "" {
		ident["printer"] = map[string]any{"uri": uri}
	}
	if dev := pick(*receipt, devs, KindSerial, KindUSBPrinter); dev != "" {
		ident["receipt"] = map[string]any{"device": dev}
	}
	data, err := toml.Marshal(ident)
	if err != nil {
		return e.fail(name, err)
	}
	if _, _, err := bundle.Compose([]byte(identityCheck), data, "identity"); err != nil {
		return e.fail(name, err)
	}
	if err := makeRoot(*root); err != nil {
		return e.fail(name, err)
	}
	if err := atomicfile.WriteFile(filepath.Join(*root, bundle.IdentityFile), data, 0o640); err != nil {
		return e.fail(name, err)
	}
	fmt.Fprintf(e.stdout, "identity   %s (%s, %s) in %s\n", *id, *site, *tz, filepath.Join(*root, bundle.IdentityFile))
	for _, t := range []string{"scanner", "printer", "receipt"} {
		for k, v := range ident[t] {
			fmt.Fprintf(e.stdout, "identity   %s.%s = %v\n", t, k, v)
		}
	}
	if *trust != "" {
		n, err := addTrust(*root, *trust)
		if err != nil {
			return e.fail(name, err)
		}
		fmt.Fprintf(e.stdout, "trust      %d new key(s) in %s\n", n, filepath.Join(*root, bundle.TrustFile))
	}
	if *src != "" {
		b, err := openBundle(e.ctx, *src, &trustFlags{root: *root})
		if err != nil {
			return e.fail(name, err)
		}
		bid, err := bundle.Apply(e.ctx, b, bundle.Options{Root: *root, Log: e.log()})
		if err != nil {
			return e.fail(name, err)
		}
		fmt.Fprintf(e.stdout, "bundle     %s in force\n", bid)
	}
	switch {
	case *enable && underSystemd():
		if _, err := runCmd(e.ctx, "systemctl", "enable", "--now", system.UnitName); err != nil {
			return e.fail(name, err)
		}
		fmt.Fprintf(e.stdout, "unit       %s enabled and started\n", system.UnitName)
	case *enable:
		return e.fail(name, errors.New("--enable: systemd does not run this machine"))
	}
	if !fileExists(filepath.Join(*root, bundle.ConfigName)) {
		fmt.Fprintln(e.stdout, "next       apply the fleet's bundle: kioskctl provision apply BUNDLE|URL")
	}
	return exitOK
}

// pick is the device given by flag, or else the only device found of kinds.
func pick(flag string, devs []Device, kinds ...string) string {
	if flag == "none" {
		return ""
	}
	if flag != "" {
		return flag
	}
	var found []string
	for _, d := range devs {
		if slices.Contains(kinds, d.Kind) {
			found = append(found, d.ID)
		}
	}
	if len(found) == 1 {
		return found[0]
	}
	return ""
}

// makeRoot creates the provisioning root owned by root and the kiosk's
// group, 0750: the kiosk reads it, nobody else does.
func makeRoot(root string) error {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return err
	}
	g, err := user.LookupGroup(kioskGroup)
	if err != nil {
		return nil // not installed from the package (a developer's machine): keep the caller's group
	}
	gid, _ := strconv.Atoi(g.Gid)
	if err := os.Chown(root, -1, gid); err != nil {
		return fmt.Errorf("give %s to group %s: %w", root, kioskGroup, err)
	}
	return os.Chmod(root, 0o750)
}

// addTrust adds the keys of file to the root's trust file, once each.
func addTrust(root, file string) (int, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	keys, err := bundle.ParseTrust(data, file)
	if err != nil {
		return 0, err
	}
	path := filepath.Join(root, bundle.TrustFile)
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, err
	}
	have, err := bundle.ParseTrust(old, path)
	if err != nil {
		return 0, err
	}
	buf := bytes.NewBuffer(old)
	if len(old) == 0 {
		buf.WriteString("# Keys whose bundles this kiosk applies (kioskctl provision keygen).\n")
	} else if !bytes.HasSuffix(old, []byte("\n")) {
		buf.WriteString("\n")
	}
	n := 0
next:
	for _, k := range keys {
		for _, h := range have {
			if h.Key.Equal(k.Key) {
				continue next
			}
		}
		buf.WriteString(bundle.TrustLine(k.Key, k.Comment) + "\n")
		n++
	}
	return n, atomicfile.WriteFile(path, buf.Bytes(), 0o644)
}
