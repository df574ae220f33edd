package kioskctl

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
)

func init() {
	commands = append(commands, command{"devices", "", "(no flags)",
		"the scanners (SANE), serial ports, USB and network (IPP, DNS-SD) printers and GPIO chips found", devices})
}

// Device kinds.
const (
	KindScanner    = "scanner"
	KindSerial     = "serial"      // a receipt printer's port
	KindUSBPrinter = "usb-printer" // usblp
	KindIPP        = "ipp-printer"
	KindGPIO       = "gpio"
)

// Device is a device found on the machine.
type Device struct {
	Kind string
	ID   string // what the configuration names: a SANE device, a port, an ipp:// address
	Note string
}

// devRoot prefixes the device paths globbed, for tests.
var devRoot = ""

// saneRe matches a line of "scanimage -L".
var saneRe = regexp.MustCompile("^device `([^']+)' is an? (.*)$")

// detectDevices lists the devices found; a tool that is missing or fails is
// reported in notes, not as an error: the other kinds are still worth seeing.
func detectDevices(ctx context.Context) (devs []Device, notes []string) {
	if out, err := runCmd(ctx, "scanimage", "--list-devices"); err != nil {
		notes = append(notes, fmt.Sprintf("scanners: %v (Debian package sane-utils)", err))
	} else {
		for _, line := range strings.Split(string(out), "\n") {
			if m := saneRe.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
				devs = append(devs, Device{KindScanner, m[1], m[2]})
			}
		}
	}
	// Stable names first: /dev/ttyUSB0 may be another adapter after a reboot.
	serial := glob("/dev/serial/by-id/*")
	if len(serial) == 0 {
		serial = append(glob("/dev/ttyUSB*"), glob("/dev/ttyACM*")...)
	}
	for _, p := range serial {
		devs = append(devs, Device{KindSerial, p, ""})
	}
	for _, p := range glob("/dev/usb/lp*") {
		devs = append(devs, Device{KindUSBPrinter, p, ""})
	}
	for _, svc := range []struct{ typ, scheme string }{{"_ipp._tcp", "ipp"}, {"_ipps._tcp", "ipps"}} {
		out, err := runCmd(ctx, "avahi-browse", "--resolve", "--parsable", "--terminate", svc.typ)
		if errors.Is(err, exec.ErrNotFound) {
			notes = append(notes, "network printers: avahi-browse is not installed (Debian package avahi-utils)")
			break
		}
		if err != nil {
			notes = append(notes, fmt.Sprintf("network printers (%s): %v (is avahi-daemon running?)", svc.typ, err))
			continue
		}
		devs = append(devs, parseAvahi(string(out), svc.scheme)...)
	}
	for _, p := range glob("/dev/gpiochip*") {
		devs = append(devs, Device{KindGPIO, p, ""})
	}
	return devs, notes
}

func glob(pattern string) []string {
	ms, _ := filepath.Glob(devRoot + pattern)
	for i := range ms {
		ms[i] = strings.TrimPrefix(ms[i], devRoot)
	}
	return ms
}

// parseAvahi reads "avahi-browse --resolve --parsable" output: resolved
// services are the lines "=;IFACE;PROTO;NAME;TYPE;DOMAIN;HOST;ADDRESS;PORT;TXT".
func parseAvahi(out, scheme string) []Device {
	var devs []Device
	seen := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.SplitN(line, ";", 10)
		if len(f) < 9 || f[0] != "=" {
			continue
		}
		rp := "ipp/print"
		if len(f) == 10 {
			for _, kv := range strings.Fields(f[9]) {
				if v, ok := strings.CutPrefix(strings.Trim(kv, `"`), "rp="); ok {
					rp = v
				}
			}
		}
		uri := fmt.Sprintf("%s://%s:%s/%s", scheme, strings.TrimSuffix(f[6], "."), f[8], rp)
		if !seen[uri] { // one per address family and interface otherwise
			seen[uri] = true
			devs = append(devs, Device{KindIPP, uri, unescapeAvahi(f[3])})
		}
	}
	return devs
}

// unescapeAvahi undoes avahi's \DDD decimal escapes ("Salle\0322" → "Salle 2").
func unescapeAvahi(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.Atoi(s[i+1 : i+4]); err == nil && n < 256 {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func devices(e *env, name string, args []string) int {
	fs := e.flags(name)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	devs, notes := detectDevices(e.ctx)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "kind\tdevice\tdescription")
	for _, d := range devs {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", d.Kind, d.ID, d.Note)
	}
	tw.Flush()
	if len(devs) == 0 {
		fmt.Fprintln(e.stdout, "no device found")
	}
	for _, n := range notes {
		fmt.Fprintf(e.stdout, "note: %s\n", n)
	}
	return exitOK
}
