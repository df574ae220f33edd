package bundle

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"borne/kiosk/config"
)

var quiet = slog.New(slog.DiscardHandler)

var created = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// fleetConfig is the built-in configuration without the keys a fleet
// bundle leaves to each kiosk's identity.
func fleetConfig(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../kiosk/config/default.toml")
	if err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`(?m)^(id = "demo-01"|site = .*|timezone = .*)$`).ReplaceAllString(string(data), "")
}

const identity = `[kiosk]
id = "trappes-01"
site = "France Services de Trappes"
timezone = "America/Cayenne"
`

type signer struct {
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
}

func newSigner(t *testing.T) signer {
	t.Helper()
	pemKey, pub, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ParsePrivateKey(pemKey)
	if err != nil {
		t.Fatal(err)
	}
	return signer{priv, pub}
}

func (s signer) trust() []TrustedKey { return []TrustedKey{{Key: s.pub, Comment: "test"}} }

// makeBundle signs files (path → content) made at when.
func (s signer) makeBundle(t *testing.T, files map[string]string, when time.Time) []byte {
	t.Helper()
	dir := t.TempDir()
	for p, c := range files {
		dst := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(dst), 0o755)
		if err := os.WriteFile(dst, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := Make(dir, s.priv, when, "test bundle")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// png is the smallest PNG header http.DetectContentType recognises.
const png = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"

const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>`

func TestMakeOpen(t *testing.T) {
	s := newSigner(t)
	data := s.makeBundle(t, map[string]string{ConfigName: fleetConfig(t), "branding/logo.svg": svg, "branding/banner.png": png}, created)
	b, err := Open(data, append([]TrustedKey{{Key: newSigner(t).pub}}, s.trust()...))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Files) != 3 || b.Manifest.Comment != "test bundle" || !b.Manifest.Created.Equal(created) || b.Signer.Comment != "test" {
		t.Errorf("opened %+v", b.Manifest)
	}
	if again := s.makeBundle(t, map[string]string{ConfigName: fleetConfig(t), "branding/logo.svg": svg, "branding/banner.png": png}, created); !bytes.Equal(again, data) {
		t.Error("Make is not reproducible")
	}
}

func TestMakeRefuses(t *testing.T) {
	s := newSigner(t)
	tests := map[string]map[string]string{
		"no config":        {"branding/logo.svg": svg},
		"unknown file":     {ConfigName: "", "run.sh": "rm -rf /"},
		"fake png":         {ConfigName: "", "branding/logo.png": "not a png"},
		"scripted svg":     {ConfigName: "", "branding/logo.svg": `<svg><script>alert(1)</script></svg>`},
		"agencies apart":   {ConfigName: "", "agencies.toml": ""},
		"nested branding":  {ConfigName: "", "branding/a/logo.svg": svg},
		"config elsewhere": {"etc/" + ConfigName: ""},
	}
	for name, files := range tests {
		dir := t.TempDir()
		for p, c := range files {
			os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
			os.WriteFile(filepath.Join(dir, p), []byte(c), 0o644)
		}
		if _, err := Make(dir, s.priv, created, ""); err == nil {
			t.Errorf("%s: Make accepted it", name)
		}
	}
}

// entry is one member of a hand-made archive.
type entry struct {
	name string
	data string
	typ  byte
}

func repack(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		hdr := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: typ}
		if typ == tar.TypeSymlink {
			hdr.Size, hdr.Linkname = 0, e.data
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			tw.Write([]byte(e.data))
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func unpack(t *testing.T, data []byte) []entry {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var es []entry
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return es
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		es = append(es, entry{name: hdr.Name, data: string(b)})
	}
}

func TestOpenRefuses(t *testing.T) {
	s := newSigner(t)
	good := unpack(t, s.makeBundle(t, map[string]string{ConfigName: fleetConfig(t), "branding/logo.svg": svg}, created))
	edit := func(f func([]entry) []entry) []byte {
		return repack(t, f(append([]entry(nil), good...)))
	}
	find := func(es []entry, name string) int {
		for i, e := range es {
			if e.name == name {
				return i
			}
		}
		t.Fatalf("no %s in the bundle", name)
		return -1
	}
	tests := []struct {
		name    string
		archive []byte
		want    string
	}{
		{"unknown key", newSigner(t).makeBundle(t, map[string]string{ConfigName: fleetConfig(t)}, created), "not signed by a trusted key"},
		{"config altered", edit(func(es []entry) []entry {
			es[find(es, ConfigName)].data += "\n# evil\n"
			return es
		}), "altered after signing"},
		{"manifest altered", edit(func(es []entry) []entry {
			es[find(es, ManifestName)].data = strings.Replace(es[find(es, ManifestName)].data, "test bundle", "evil bundle", 1)
			return es
		}), "not signed by a trusted key"},
		{"file added", edit(func(es []entry) []entry { return append(es, entry{name: "branding/extra.svg", data: svg}) }), "added after signing"},
		{"file removed", edit(func(es []entry) []entry { return es[:len(es)-1] }), "not in the bundle"},
		{"signature removed", edit(func(es []entry) []entry { return append(es[:1], es[2:]...) }), "not a Borne bundle"},
		{"signature garbage", edit(func(es []entry) []entry {
			es[find(es, SignatureName)].data = "AAAA"
			return es
		}), "not a base64 ed25519 signature"},
		{"path escape", edit(func(es []entry) []entry { return append(es, entry{name: "../../etc/passwd", data: "x"}) }), "not a clean relative path"},
		{"symlink", edit(func(es []entry) []entry {
			return append(es, entry{name: "branding/x.svg", data: "/etc/shadow", typ: tar.TypeSymlink})
		}), "only regular files"},
		{"twice", edit(func(es []entry) []entry { return append(es, es[find(es, ConfigName)]) }), "appears twice"},
		{"not gzip", []byte("PK\x03\x04 a zip"), "not a gzipped tar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(tt.archive, s.trust())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open: %v; want an error with %q", err, tt.want)
			}
		})
	}
}

func TestCompose(t *testing.T) {
	fleet := fleetConfig(t)
	composed, c, err := Compose([]byte(fleet), []byte(identity), "b.toml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Kiosk.ID != "trappes-01" || c.Kiosk.Site != "France Services de Trappes" || c.Kiosk.TimeZone != "America/Cayenne" {
		t.Errorf("identity not merged: %+v", c.Kiosk)
	}
	if !strings.Contains(string(composed), "# Short id of this terminal") {
		t.Error("comments of the bundle's file lost")
	}

	// A bundle that sets the keys itself wins, unless it names another kiosk.
	own := strings.Replace(fleet, "[kiosk]\n", "[kiosk]\nid = \"trappes-01\"\nsite = \"Trappes\"\n", 1)
	if _, c, err = Compose([]byte(own), []byte(identity), "b.toml"); err != nil || c.Kiosk.Site != "Trappes" {
		t.Errorf("per-kiosk bundle: site %q, %v", c.Kiosk.Site, err)
	}
	other := strings.Replace(fleet, "[kiosk]\n", "[kiosk]\nid = \"evry-02\"\n", 1)
	if _, _, err = Compose([]byte(other), []byte(identity), "b.toml"); err == nil || !strings.Contains(err.Error(), `for kiosk "evry-02"`) {
		t.Errorf("bundle for another kiosk: %v", err)
	}

	// Errors carry the lines of the bundle's own file.
	bad := strings.Replace(fleet, "dpi = 96", "dpi = 7", 1)
	wantLine := strings.Count(bad[:strings.Index(bad, "dpi = 7")], "\n") + 1
	_, _, err = Compose([]byte(bad), []byte(identity), "b.toml")
	var fe *config.FieldError
	if !errors.As(err, &fe) || fe.Field != "screen.dpi" || fe.Line != wantLine {
		t.Errorf("error %v; want screen.dpi at line %d", err, wantLine)
	}

	// Without a [kiosk] section, the identity gets one of its own.
	noKiosk := regexp.MustCompile(`(?s)\[kiosk\].*?\n\[screen\]`).ReplaceAllString(fleet, "[screen]")
	if _, c, err = Compose([]byte(noKiosk), []byte(identity), "b.toml"); err != nil || c.Kiosk.ID != "trappes-01" {
		t.Errorf("no [kiosk] section: %v", err)
	}
	// Without an identity, a fleet bundle lacks its id.
	if _, _, err = Compose([]byte(fleet), nil, "b.toml"); err == nil || !strings.Contains(err.Error(), "kiosk.id") {
		t.Errorf("no identity: %v", err)
	}
}

// tree lists every file and link under root with its content or target.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			m[rel] = "-> " + target
		case d.IsDir():
			m[rel] = "dir"
		default:
			data, _ := os.ReadFile(p)
			m[rel] = string(data)
		}
		return nil
	})
	return m
}

func equalTrees(t *testing.T, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s changed", k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok && k != lockName {
			t.Errorf("%s appeared", k)
		}
	}
}

// kioskRoot is a provisioning root with an identity and a hand-written configuration.
func kioskRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, IdentityFile), []byte(identity), 0o644)
	hand := strings.Replace(fleetConfig(t), "[kiosk]\n", "[kiosk]\nid = \"trappes-01\"\nsite = \"set by hand\"\n", 1)
	os.WriteFile(filepath.Join(root, ConfigName), []byte(hand), 0o644)
	return root
}

func loadKioskConfig(t *testing.T, root string) *config.Config {
	t.Helper()
	c, err := config.Load(filepath.Join(root, ConfigName))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestApply(t *testing.T) {
	ctx := context.Background()
	s := newSigner(t)
	root := kioskRoot(t)
	restarts := 0
	opt := Options{Log: quiet, Root: root, Restart: func(context.Context) error { restarts++; return nil }}

	b1, err := Open(s.makeBundle(t, map[string]string{ConfigName: fleetConfig(t), "branding/logo.svg": svg}, created), s.trust())
	if err != nil {
		t.Fatal(err)
	}
	id1, err := Apply(ctx, b1, opt)
	if err != nil {
		t.Fatal(err)
	}
	if c := loadKioskConfig(t, root); c.Kiosk.Site != "France Services de Trappes" || c.Kiosk.TimeZone != "America/Cayenne" {
		t.Errorf("config in force: %+v", c.Kiosk)
	}
	for _, p := range []string{ConfigName, "branding/logo.svg"} {
		// Not world-readable (a PIN hash), but the kiosk's group reads them.
		if fi, err := os.Stat(filepath.Join(root, CurrentLink, p)); err != nil || fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: %v, %v; want mode 0640", p, fi.Mode(), err)
		}
	}
	if m, id, err := Current(root); err != nil || id != id1 || m.Comment != "test bundle" {
		t.Errorf("Current = %v, %q, %v; want %q", m, id, err, id1)
	}
	if restarts != 1 {
		t.Errorf("%d restarts; want 1", restarts)
	}
	if id, err := Apply(ctx, b1, opt); err != nil || id != id1 || restarts != 1 {
		t.Errorf("the same bundle again: %q, %v, %d restarts; want a no-op", id, err, restarts)
	}

	// A newer bundle replaces it, and Rollback brings it back.
	fleet2 := strings.Replace(fleetConfig(t), "dpi = 96", "dpi = 120", 1)
	b2, _ := Open(s.makeBundle(t, map[string]string{ConfigName: fleet2}, created.Add(time.Hour)), s.trust())
	if _, err := Apply(ctx, b2, opt); err != nil {
		t.Fatal(err)
	}
	if c := loadKioskConfig(t, root); c.Screen.DPI != 120 {
		t.Errorf("dpi %d after the second bundle", c.Screen.DPI)
	}
	if _, err := os.Stat(filepath.Join(root, CurrentLink, "branding")); err == nil {
		t.Error("files of the first bundle leak into the second")
	}
	entries, _ := os.ReadDir(filepath.Join(root, BundlesDir))
	if len(entries) != 2 {
		t.Errorf("bundles kept: %v; want the current and the previous", entries)
	}
	if id, err := Rollback(ctx, opt); err != nil || id != id1 {
		t.Fatalf("Rollback = %q, %v; want %q", id, err, id1)
	}
	if c := loadKioskConfig(t, root); c.Screen.DPI != 96 {
		t.Errorf("dpi %d after the rollback", c.Screen.DPI)
	}

	// An older bundle is refused unless allowed.
	old, _ := Open(s.makeBundle(t, map[string]string{ConfigName: fleet2}, created.Add(-time.Hour)), s.trust())
	before := tree(t, root)
	if _, err := Apply(ctx, old, opt); !errors.Is(err, ErrOlder) {
		t.Errorf("older bundle: %v; want ErrOlder", err)
	}
	equalTrees(t, tree(t, root), before)
	allow := opt
	allow.AllowDowngrade = true
	if _, err := Apply(ctx, old, allow); err != nil {
		t.Errorf("older bundle, allowed: %v", err)
	}
}

func TestApplyRefusesInvalidConfig(t *testing.T) {
	s := newSigner(t)
	root := kioskRoot(t)
	before := tree(t, root)
	bad := strings.Replace(fleetConfig(t), "idle_after = ", "idle_after = \"soon\" #", 1)
	b, err := Open(s.makeBundle(t, map[string]string{ConfigName: bad}, created), s.trust())
	if err != nil {
		t.Fatal(err)
	}
	restarted := false
	_, err = Apply(context.Background(), b, Options{Log: quiet, Root: root, Restart: func(context.Context) error { restarted = true; return nil }})
	if err == nil || !strings.Contains(err.Error(), "session.idle_after") {
		t.Fatalf("invalid config: %v", err)
	}
	if restarted {
		t.Error("the kiosk was restarted for an invalid bundle")
	}
	equalTrees(t, tree(t, root), before)
}

func TestApplyRollsBackWhenTheKioskFails(t *testing.T) {
	ctx := context.Background()
	s := newSigner(t)
	root := kioskRoot(t)
	hand := loadKioskConfig(t, root)
	before := tree(t, root)

	var seen []string // the site each restart found in force
	failing := Options{Log: quiet, Root: root, Restart: func(context.Context) error {
		seen = append(seen, loadKioskConfig(t, root).Kiosk.Site)
		if len(seen) == 1 {
			return errors.New("kiosk exited with status 1")
		}
		return nil
	}}
	b, _ := Open(s.makeBundle(t, map[string]string{ConfigName: fleetConfig(t)}, created), s.trust())
	_, err := Apply(ctx, b, failing)
	if err == nil || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("Apply: %v; want rolled back", err)
	}
	if len(seen) != 2 || seen[0] != "France Services de Trappes" || seen[1] != hand.Kiosk.Site {
		t.Errorf("restarts saw %q; want the new site, then the hand-written one", seen)
	}
	if c := loadKioskConfig(t, root); c.Kiosk.Site != hand.Kiosk.Site {
		t.Errorf("after the rollback, site %q; want %q", c.Kiosk.Site, hand.Kiosk.Site)
	}
	if _, id, _ := Current(root); id != "" {
		t.Errorf("bundle %q in force after the rollback", id)
	}
	if _, err := os.Stat(filepath.Join(root, BundlesDir, b.ID())); err == nil {
		t.Error("the failed bundle's directory is left")
	}
	// The hand-written file now lives in a bundle directory; its content is unchanged.
	if now, _ := os.ReadFile(filepath.Join(root, ConfigName)); before[ConfigName] != string(now) {
		t.Error("hand-written configuration altered")
	}

	// On a kiosk with no configuration at all, a rollback leaves none.
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, IdentityFile), []byte(identity), 0o644)
	_, err = Apply(ctx, b, Options{Log: quiet, Root: empty, Restart: func(context.Context) error { return errors.New("no") }})
	if err == nil {
		t.Fatal("no error")
	}
	if _, err := os.Lstat(filepath.Join(empty, ConfigName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("configuration left after the rollback of the first bundle: %v", err)
	}
}

func TestFetch(t *testing.T) {
	ctx := context.Background()
	body := []byte("bundle bytes")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/b.tar.gz":
			w.Write(body)
		case "/downgrade":
			http.Redirect(w, r, "http://"+r.Host+"/b.tar.gz", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted-certificate case makes it complain
	srv.StartTLS()
	defer srv.Close()
	if got, err := Fetch(ctx, srv.URL+"/b.tar.gz", srv.Client()); err != nil || !bytes.Equal(got, body) {
		t.Errorf("https: %q, %v", got, err)
	}
	for _, tt := range []struct{ src, want string }{
		{srv.URL + "/missing", "404"},
		{srv.URL + "/downgrade", "only https"},
		{strings.Replace(srv.URL, "https", "http", 1) + "/b.tar.gz", "only https"},
		{srv.URL + "/b.tar.gz#untrusted-cert", "certificate"},
	} {
		client := srv.Client()
		if tt.want == "certificate" {
			client = nil
		}
		if _, err := Fetch(ctx, tt.src, client); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Fetch(%s): %v; want an error with %q", tt.src, err, tt.want)
		}
	}
	path := filepath.Join(t.TempDir(), "b.tar.gz")
	os.WriteFile(path, body, 0o644)
	if got, err := Fetch(ctx, path, nil); err != nil || !bytes.Equal(got, body) {
		t.Errorf("file: %q, %v", got, err)
	}
}

func TestTrust(t *testing.T) {
	s := newSigner(t)
	file := "# fleet keys\n\n" + TrustLine(s.pub, "DSI Trappes 2026") + "\n"
	keys, err := ParseTrust([]byte(file), "trusted-keys")
	if err != nil || len(keys) != 1 || !keys[0].Key.Equal(s.pub) || keys[0].Comment != "DSI Trappes 2026" {
		t.Fatalf("ParseTrust = %v, %v", keys, err)
	}
	for _, bad := range []string{"ssh-rsa AAAA", "ed25519 !!!", "ed25519 AAAA"} {
		if _, err := ParseTrust([]byte(bad), "trusted-keys"); err == nil || !strings.Contains(err.Error(), "trusted-keys:1") {
			t.Errorf("ParseTrust(%q): %v", bad, err)
		}
	}
	path := filepath.Join(t.TempDir(), TrustFile)
	os.WriteFile(path, []byte("# no key yet\n"), 0o644)
	if _, err := LoadTrust(path); err == nil {
		t.Error("an empty trust file trusts nothing, and says so")
	}
	if _, err := ParsePrivateKey([]byte("-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n")); err == nil {
		t.Error("ParsePrivateKey took a public key")
	}
}
