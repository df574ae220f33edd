package updates

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Repo is the fleet's apt repository, built with reprepro on a staff
// machine and signed there with a GnuPG key that never goes to a kiosk;
// kiosks get only the public key (ExportKey). Serve its directory over
// HTTPS with any web server.
type Repo struct {
	Dir       string // the repository: conf/, dists/, pool/
	Codename  string // bookworm
	Origin    string // matched by the kiosks' unattended-upgrades; default Borne
	SignWith  string // the signing key's fingerprint
	GnupgHome string // where that key is; empty: gpg's default
	Arch      string // amd64, arm64…
}

var fprRE = regexp.MustCompile(`^[0-9A-F]{40}$`)

func (r *Repo) origin() string {
	if r.Origin == "" {
		return "Borne"
	}
	return r.Origin
}

// Init writes the repository's configuration (conf/distributions).
func (r *Repo) Init() error {
	if !fprRE.MatchString(r.SignWith) {
		return fmt.Errorf("updates: signing key %q: want its 40-hex-digit fingerprint (gpg --list-keys --with-colons)", r.SignWith)
	}
	if r.Codename == "" || r.Arch == "" {
		return fmt.Errorf("updates: repository needs a codename and an architecture")
	}
	conf := filepath.Join(r.Dir, "conf")
	if err := os.MkdirAll(conf, 0o755); err != nil {
		return fmt.Errorf("updates: %w", err)
	}
	dist := fmt.Sprintf("Origin: %s\nLabel: %s\nCodename: %s\nComponents: main\nArchitectures: %s\nDescription: Borne kiosk software\nSignWith: %s\n",
		r.origin(), r.origin(), r.Codename, r.Arch, r.SignWith)
	if err := os.WriteFile(filepath.Join(conf, "distributions"), []byte(dist), 0o644); err != nil {
		return fmt.Errorf("updates: %w", err)
	}
	return nil
}

// Publish adds a .deb to the repository (replacing an older version of the
// same package) and re-signs its index.
func (r *Repo) Publish(deb string) error {
	_, err := r.run("reprepro", "-b", r.Dir, "--ignore=wrongdistribution", "includedeb", r.Codename, deb)
	return err
}

// ExportKey is the public key kiosks trust (binary keyring, for apt's
// signed-by).
func (r *Repo) ExportKey() ([]byte, error) {
	key, err := r.run("gpg", "--batch", "--export", r.SignWith)
	if err == nil && len(key) == 0 {
		err = fmt.Errorf("updates: gpg knows no key %s", r.SignWith)
	}
	return key, err
}

func (r *Repo) run(name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = os.Environ()
	if r.GnupgHome != "" {
		cmd.Env = append(cmd.Env, "GNUPGHOME="+r.GnupgHome)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("updates: %s %s: %w\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}
