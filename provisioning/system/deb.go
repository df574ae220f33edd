package system

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Package describes the .deb to build.
type Package struct {
	Name         string
	Version      string // a Debian version: starts with a digit
	Architecture string // amd64, arm64…
	Maintainer   string
	Depends      []string
	Description  string // first line: the synopsis
	Files        []File // binaries, system files, the example configuration…
	ModTime      time.Time
}

// DefaultDepends are the Debian 12 packages the kiosk needs at run time:
// the libraries it links (GTK, WebKitGTK, SANE, libjpeg), the compositor and
// the Xwayland it refuses to start without, the scanner backends (eSCL/WSD
// scanners through sane-airscan), the tools it runs (espeak-ng and aplay
// for speech, poppler and Ghostscript for PDFs), a logind session, udev for
// the device rules, the fonts of every language it speaks (Latin, Arabic,
// Chinese) and SVG pictograms. The package test installs it with apt-get
// and starts the kiosk from it.
var DefaultDepends = []string{
	"libc6", "cage", "xwayland", "libgtk-3-0", "libwebkit2gtk-4.1-0", "libsane1", "sane-airscan", "libjpeg62-turbo",
	"espeak-ng", "alsa-utils", "poppler-utils", "ghostscript", "libpam-systemd", "systemd", "udev",
	"librsvg2-common", "fonts-noto-core", "fonts-noto-cjk", "fonts-dejavu-core",
}

// Maintainer scripts. They run in the target system (chrooted by dpkg
// --root) and guard every tool they call, so that a bare image or a
// bootstrap root installs cleanly too.
const (
	postinst = `#!/bin/sh
# ` + header + `
set -e
if [ "$1" = configure ]; then
	# The borne user and its groups (systemd-sysusers also runs at boot).
	if command -v systemd-sysusers >/dev/null 2>&1; then
		systemd-sysusers borne.conf
	fi
	# Lock-down: Ctrl+Alt+Del does not reboot (see system.conf.d/borne.conf).
	if command -v systemctl >/dev/null 2>&1; then
		systemctl mask --quiet ` + CtrlAltDelUnit + ` || true
	fi
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload || true
		# SysRq off now; logind's settings take effect at the next boot.
		systemd-sysctl 90-borne.conf || true
	fi
	if [ -S /run/udev/control ]; then
		udevadm control --reload-rules || true
		udevadm trigger --subsystem-match=tty --subsystem-match=usbmisc --subsystem-match=gpio --subsystem-match=usb --subsystem-match=block || true
	fi
	if [ ! -e /etc/borne/borne.toml ]; then
		echo "borne: installed. The kiosk starts once this machine is enrolled:"
		echo "borne:   kioskctl enrol --id ID --site NAME --trust FILE --bundle FILE --enable"
		echo "borne: then reboot (the console logins and Ctrl+Alt+Del are off from then on)."
	fi
fi
`
	prerm = `#!/bin/sh
# ` + header + `
set -e
if [ "$1" = remove ] && command -v systemctl >/dev/null 2>&1; then
	if [ -d /run/systemd/system ]; then
		systemctl stop borne.service || true
	fi
	systemctl disable --quiet borne.service || true
fi
`
	postrm = `#!/bin/sh
# ` + header + `
set -e
if [ "$1" = remove ] || [ "$1" = purge ]; then
	if command -v systemctl >/dev/null 2>&1; then
		systemctl unmask --quiet ` + CtrlAltDelUnit + ` || true
	fi
	rm -f ` + ScreenEnvPath + ` ` + TouchRulePath + `
fi
if [ "$1" = purge ]; then
	# What kioskctl and the kiosk made: configuration, bundles, keys,
	# identity; usage figures and state. The borne user stays, as Debian
	# packages leave their users (its files may be elsewhere).
	rm -rf /etc/borne /var/lib/borne
fi
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
`
)

var (
	nameRe    = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	versionRe = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~-]*$`)
)

// BuildDeb writes the .deb of pkg to w: an ar archive of debian-binary,
// control.tar.gz and data.tar.gz, every file owned by root, as dpkg-deb
// --root-owner-group would make it.
func BuildDeb(w io.Writer, pkg Package) error {
	switch {
	case !nameRe.MatchString(pkg.Name):
		return fmt.Errorf("system: deb: package name %q is not a Debian package name", pkg.Name)
	case !versionRe.MatchString(pkg.Version):
		return fmt.Errorf("system: deb: version %q: want a Debian version starting with a digit, e.g. 0.3.1", pkg.Version)
	case pkg.Architecture == "" || pkg.Maintainer == "" || pkg.Description == "":
		return fmt.Errorf("system: deb: architecture, maintainer and description are required")
	}
	docs, err := docFiles(pkg)
	if err != nil {
		return err
	}
	files := append(slices.Clone(pkg.Files), docs...)
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	for i, f := range files {
		if !path.IsAbs(f.Path) || path.Clean(f.Path) != f.Path {
			return fmt.Errorf("system: deb: %q: want a clean absolute path", f.Path)
		}
		if i > 0 && files[i-1].Path == f.Path {
			return fmt.Errorf("system: deb: %s given twice", f.Path)
		}
	}

	data, size, err := dataTar(files, pkg.ModTime)
	if err != nil {
		return err
	}
	control, err := controlTar(pkg, files, size)
	if err != nil {
		return err
	}
	aw := arWriter{w: w, mtime: pkg.ModTime}
	aw.header()
	aw.member("debian-binary", []byte("2.0\n"))
	aw.member("control.tar.gz", control)
	aw.member("data.tar.gz", data)
	if aw.err != nil {
		return fmt.Errorf("system: deb: %w", aw.err)
	}
	return nil
}

// docFiles are the copyright notice and changelog every Debian package
// carries in /usr/share/doc/NAME.
func docFiles(pkg Package) ([]File, error) {
	var log bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&log, gzip.BestCompression) // no name, no time: reproducible
	fmt.Fprintf(zw, "%s (%s) unstable; urgency=medium\n\n  * Built by kioskctl system deb.\n\n -- %s  %s\n",
		pkg.Name, pkg.Version, pkg.Maintainer, pkg.ModTime.UTC().Format(time.RFC1123Z))
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("system: deb: changelog: %w", err)
	}
	doc := "/usr/share/doc/" + pkg.Name + "/"
	copyright := fmt.Sprintf("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: %s\n\nFiles: *\nCopyright: %s\nLicense: proprietary\n Distributed to the sites that run it; see the project's README.\n", pkg.Name, pkg.Maintainer)
	return []File{
		{Path: doc + "changelog.gz", Mode: 0o644, Data: log.Bytes()},
		{Path: doc + "copyright", Mode: 0o644, Data: []byte(copyright)},
	}, nil
}

// dataTar packs files with every parent directory, and returns the
// installed size in KiB.
func dataTar(files []File, mtime time.Time) ([]byte, int64, error) {
	t := newTarGz(mtime)
	dirs := map[string]bool{}
	var kib int64
	for _, f := range files {
		var parents []string
		for d := path.Dir(f.Path); d != "/" && !dirs[d]; d = path.Dir(d) {
			parents = append(parents, d)
		}
		slices.Reverse(parents)
		for _, d := range parents {
			dirs[d] = true
			t.dir("." + d + "/")
		}
		t.file("."+f.Path, f.Mode, f.Data)
		kib += (int64(len(f.Data)) + 1023) / 1024
	}
	data, err := t.close()
	return data, kib + int64(len(dirs)), err
}

func controlTar(pkg Package, files []File, kib int64) ([]byte, error) {
	var c strings.Builder
	fmt.Fprintf(&c, "Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: %s\nInstalled-Size: %d\n",
		pkg.Name, pkg.Version, pkg.Architecture, pkg.Maintainer, kib)
	if len(pkg.Depends) > 0 {
		fmt.Fprintf(&c, "Depends: %s\n", strings.Join(pkg.Depends, ", "))
	}
	fmt.Fprintf(&c, "Section: misc\nPriority: optional\nDescription: %s\n", formatDescription(pkg.Description))

	var sums, conffiles strings.Builder
	for _, f := range files {
		fmt.Fprintf(&sums, "%x  %s\n", md5.Sum(f.Data), strings.TrimPrefix(f.Path, "/"))
		if f.Conffile {
			conffiles.WriteString(f.Path + "\n")
		}
	}
	t := newTarGz(pkg.ModTime)
	t.dir("./")
	t.file("./control", 0o644, []byte(c.String()))
	t.file("./md5sums", 0o644, []byte(sums.String()))
	if conffiles.Len() > 0 {
		t.file("./conffiles", 0o644, []byte(conffiles.String()))
	}
	t.file("./postinst", 0o755, []byte(postinst))
	t.file("./prerm", 0o755, []byte(prerm))
	t.file("./postrm", 0o755, []byte(postrm))
	return t.close()
}

// formatDescription indents the long description as control files want:
// one space, and " ." for an empty line.
func formatDescription(d string) string {
	lines := strings.Split(strings.TrimSpace(d), "\n")
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "" {
			lines[i] = " ."
		} else {
			lines[i] = " " + strings.TrimSpace(lines[i])
		}
	}
	return strings.Join(lines, "\n")
}

// tarGz writes a gzipped tar of root-owned entries.
type tarGz struct {
	buf   bytes.Buffer
	zw    *gzip.Writer
	tw    *tar.Writer
	mtime time.Time
	err   error
}

func newTarGz(mtime time.Time) *tarGz {
	t := &tarGz{mtime: mtime}
	t.zw = gzip.NewWriter(&t.buf)
	t.tw = tar.NewWriter(t.zw)
	return t
}

func (t *tarGz) write(hdr *tar.Header, data []byte) {
	if t.err != nil {
		return
	}
	hdr.Uname, hdr.Gname, hdr.ModTime, hdr.Format = "root", "root", t.mtime, tar.FormatGNU
	if t.err = t.tw.WriteHeader(hdr); t.err == nil && len(data) > 0 {
		_, t.err = t.tw.Write(data)
	}
}

func (t *tarGz) dir(name string) {
	t.write(&tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755}, nil)
}

func (t *tarGz) file(name string, mode fs.FileMode, data []byte) {
	t.write(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: int64(mode.Perm()), Size: int64(len(data))}, data)
}

func (t *tarGz) close() ([]byte, error) {
	if t.err != nil {
		return nil, fmt.Errorf("system: deb: %w", t.err)
	}
	if err := t.tw.Close(); err != nil {
		return nil, fmt.Errorf("system: deb: %w", err)
	}
	if err := t.zw.Close(); err != nil {
		return nil, fmt.Errorf("system: deb: %w", err)
	}
	return t.buf.Bytes(), nil
}

// arWriter writes the common ar format dpkg reads.
type arWriter struct {
	w     io.Writer
	mtime time.Time
	err   error
}

func (a *arWriter) header() { a.put([]byte("!<arch>\n")) }

func (a *arWriter) member(name string, data []byte) {
	hdr := fmt.Sprintf("%-16s%-12d%-6d%-6d%-8o%-10d`\n", name, a.mtime.Unix(), 0, 0, 0o100644, len(data))
	a.put([]byte(hdr))
	a.put(data)
	if len(data)%2 == 1 {
		a.put([]byte("\n"))
	}
}

func (a *arWriter) put(b []byte) {
	if a.err == nil {
		_, a.err = a.w.Write(b)
	}
}
