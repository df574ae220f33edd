package system

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// throwawayRoot makes a root where dpkg --root can install: its database,
// /dev/null, and a shell with rm for the maintainer scripts, which dpkg runs
// chrooted there. It returns what the root holds before any package.
func throwawayRoot(t *testing.T) (string, map[string]bool) {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "dev"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644)
	if err := syscall.Mknod(filepath.Join(root, "dev/null"), syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("cannot make /dev/null in the throwaway root: %v", err)
	}
	for dst, src := range map[string]string{"bin/sh": "/bin/sh", "bin/rm": "/bin/rm"} {
		real, err := filepath.EvalSymlinks(src)
		if err != nil {
			t.Fatal(err)
		}
		copyFile(t, real, filepath.Join(root, dst))
		out, err := exec.Command("ldd", real).Output()
		if err != nil {
			t.Fatalf("ldd %s: %v", real, err)
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			for _, f := range strings.Fields(sc.Text()) {
				if strings.HasPrefix(f, "/") {
					copyFile(t, f, filepath.Join(root, f))
				}
			}
		}
	}
	return root, listTree(t, root)
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(dst), 0o755)
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

// listTree lists root's paths, dpkg's own database left out.
func listTree(t *testing.T, root string) map[string]bool {
	t.Helper()
	m := map[string]bool{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, p)
		if strings.HasPrefix(rel, "var/lib/dpkg") {
			return nil
		}
		m[rel] = true
		return err
	})
	return m
}

func hostDpkgStatus(t *testing.T) [32]byte {
	data, _ := os.ReadFile("/var/lib/dpkg/status")
	return sha256.Sum256(data)
}

func TestDebInstallsAndPurges(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("dpkg --root needs root (it chroots for the maintainer scripts)")
	}
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("dpkg not installed")
	}
	hostBefore := hostDpkgStatus(t)
	defer func() {
		if hostDpkgStatus(t) != hostBefore {
			t.Error("the host's dpkg database changed")
		}
	}()
	root, before := throwawayRoot(t)
	deb := filepath.Join(t.TempDir(), "borne.deb")
	var b bytes.Buffer
	pkg := testPackage(t)
	if err := BuildDeb(&b, pkg); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(deb, b.Bytes(), 0o644)
	dpkg := func(args ...string) {
		t.Helper()
		// The root has none of the kiosk's dependencies (GTK, cage…): they are
		// not what this test is about.
		out, err := exec.Command("dpkg", append([]string{"--root=" + root, "--force-depends"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "error") || strings.Contains(line, "/dev/null") {
				t.Errorf("dpkg %s: %s", strings.Join(args, " "), line)
			}
		}
	}

	dpkg("--install", deb)
	for _, f := range pkg.Files {
		fi, err := os.Stat(filepath.Join(root, f.Path))
		if err != nil || fi.Mode().Perm() != f.Mode.Perm() {
			t.Errorf("%s after install: %v, %v; want mode %v", f.Path, fi.Mode(), err, f.Mode)
		}
	}
	// What enrolment and the kiosk add: purge removes it too.
	for _, p := range []string{"etc/borne/borne.toml", "var/lib/borne/usage.db"} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(root, p), []byte("x"), 0o644)
	}
	dpkg("--install", deb) // reinstalling over itself works too

	dpkg("--purge", pkg.Name)
	after := listTree(t, root)
	for p := range after {
		if !before[p] {
			t.Errorf("%s left after purge", p)
		}
	}
}
