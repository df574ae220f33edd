package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"borne/drivers/printer"
	"borne/drivers/receipt"
	"borne/drivers/scanner"
	"borne/kiosk/config"
)

func init() {
	commands["list"] = command{
		usage: "[--config FILE] [--uri IPP-URI]... [--serial-all]",
		help:  "list the devices found: SANE scanners, serial ports and whether an ESC/POS printer answers there, IPP printers (DNS-SD, the config's, --uri), GPIO chips, touch devices",
		run:   runList,
	}
}

type uris []string

func (u *uris) String() string     { return strings.Join(*u, ",") }
func (u *uris) Set(s string) error { *u = append(*u, s); return nil }

func runList(args []string) int {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	configPath := fs.String("config", "", "kiosk config whose devices are probed too (default: built-in)")
	var extra uris
	fs.Var(&extra, "uri", "probe this IPP printer too (repeatable)")
	serialAll := fs.Bool("serial-all", false, "probe the built-in serial ports (ttyS*) too: slow, most have nothing wired")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "testbench list: takes no arguments")
		return 2
	}
	cfg, err := config.Load(*configPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbench list: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := os.Stdout
	listScanners(ctx, w)
	listSerial(ctx, w, cfg, *serialAll)
	listIPP(ctx, w, append([]string{cfg.Printer.URI}, extra...))
	listGPIO(w)
	listTouch(w, "/proc/bus/input/devices", "/dev/input/by-path")
	return 0
}

func listScanners(ctx context.Context, w io.Writer) {
	fmt.Fprintln(w, "Scanners (SANE):")
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	infos, err := scanner.ListAll(lctx)
	switch {
	case err != nil:
		fmt.Fprintf(w, "  none: %v\n", err)
	case len(infos) == 0:
		fmt.Fprintln(w, "  none")
	}
	for _, i := range infos {
		fmt.Fprintf(w, "  %s  %s %s (%s)\n", i.Name, i.Vendor, i.Model, i.Type)
	}
}

// listSerial lists serial and USB printer ports and asks each for its
// ESC/POS status: an answer says a ticket printer is there.
func listSerial(ctx context.Context, w io.Writer, cfg *config.Config, all bool) {
	fmt.Fprintln(w, "Serial and USB printer ports (ESC/POS status asked):")
	var ports []string
	for _, pat := range []string{"/dev/ttyUSB*", "/dev/ttyACM*", "/dev/usb/lp*"} {
		m, _ := filepath.Glob(pat)
		ports = append(ports, m...)
	}
	builtin, _ := filepath.Glob("/dev/ttyS*")
	if all {
		ports = append(ports, builtin...)
	}
	if d := cfg.Receipt.Device; d != "" && !slices.Contains(ports, d) {
		ports = append(ports, d)
	}
	if len(ports) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, p := range ports {
		fmt.Fprintf(w, "  %s  %s\n", p, probeESCPOS(ctx, p, cfg.Receipt.Baud))
	}
	if !all && len(builtin) > 0 {
		fmt.Fprintf(w, "  (%d built-in ports ttyS* not probed: --serial-all)\n", len(builtin))
	}
}

func probeESCPOS(ctx context.Context, dev string, baud int) string {
	prof, _ := receipt.LookupProfile(receipt.DefaultProfile)
	p := receipt.New(receipt.Options{Link: receipt.Link{Device: dev, Baud: baud}, Profile: prof, StatusWait: 300 * time.Millisecond,
		Log: slog.New(slog.DiscardHandler)})
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	st, err := p.Status(pctx)
	if err != nil {
		return "no ESC/POS answer (" + string(receipt.CodeOf(err)) + ")"
	}
	return "ESC/POS printer: " + string(st.Code())
}

// listIPP lists the IPP printers avahi finds on the network, then asks
// each known address about itself.
func listIPP(ctx context.Context, w io.Writer, known []string) {
	fmt.Fprintln(w, "IPP printers:")
	if bin, err := exec.LookPath("avahi-browse"); err != nil {
		fmt.Fprintln(w, "  DNS-SD skipped: avahi-browse not installed (avahi-utils)")
	} else {
		bctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		out, err := exec.CommandContext(bctx, bin, "-rtp", "_ipp._tcp").Output()
		cancel()
		if err != nil && len(out) == 0 {
			fmt.Fprintf(w, "  DNS-SD: %v\n", err)
		}
		for _, u := range dnssdURIs(string(out)) {
			if !slices.Contains(known, u) {
				known = append(known, u)
			}
		}
	}
	for _, u := range known {
		if u == "" {
			continue
		}
		c, err := printer.Open(u, printer.Options{Timeout: 3 * time.Second, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			fmt.Fprintf(w, "  %s  %v\n", u, err)
			continue
		}
		st, err := c.Status(ctx)
		if err != nil {
			fmt.Fprintf(w, "  %s  no answer (%s)\n", u, printer.CodeOf(err))
			continue
		}
		fmt.Fprintf(w, "  %s  %s: %s\n", u, st.Attributes.MakeAndModel, st.Code)
	}
}

// dnssdURIs reads avahi-browse -rtp's resolved lines
// ("=;eth0;IPv4;NAME;_ipp._tcp;local;HOST;ADDR;PORT;"txt"…") into ipp://
// addresses, with the resource path of the rp TXT record.
func dnssdURIs(out string) []string {
	var uris []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ";")
		if len(f) < 9 || f[0] != "=" || f[2] != "IPv4" {
			continue
		}
		rp := "ipp/print"
		if len(f) > 9 {
			for _, txt := range strings.Fields(f[9]) {
				if v, ok := strings.CutPrefix(strings.Trim(txt, `"`), "rp="); ok {
					rp = v
				}
			}
		}
		u := fmt.Sprintf("ipp://%s:%s/%s", f[7], f[8], rp)
		if !slices.Contains(uris, u) {
			uris = append(uris, u)
		}
	}
	return uris
}

func listGPIO(w io.Writer) {
	fmt.Fprintln(w, "GPIO chips:")
	chips, _ := filepath.Glob("/dev/gpiochip*")
	if len(chips) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, c := range chips {
		base := filepath.Base(c)
		label := readTrim(filepath.Join("/sys/bus/gpio/devices", base, "of_node/name"))
		if label == "" {
			label = readTrim(filepath.Join("/sys/class/gpio", base, "label"))
		}
		fmt.Fprintf(w, "  %s  %s\n", c, label)
	}
}

// listTouch lists the input devices that report multi-touch positions
// (ABS_MT_POSITION_X), from the kernel's list.
func listTouch(w io.Writer, devices, byPath string) {
	fmt.Fprintln(w, "Touch devices:")
	f, err := os.Open(devices)
	if err != nil {
		fmt.Fprintf(w, "  none (%v)\n", err)
		return
	}
	defer f.Close()
	found := touchDevices(f)
	links, _ := filepath.Glob(filepath.Join(byPath, "*"))
	for _, t := range found {
		path := "/dev/input/" + t.event
		for _, l := range links {
			if dst, err := os.Readlink(l); err == nil && filepath.Base(dst) == t.event {
				path = l
			}
		}
		fmt.Fprintf(w, "  %s  %s\n", path, t.name)
	}
	if len(found) == 0 {
		fmt.Fprintln(w, "  none")
	}
}

type touchDevice struct{ name, event string }

// touchDevices parses /proc/bus/input/devices.
func touchDevices(r io.Reader) []touchDevice {
	const absMTPositionX = 0x35
	var out []touchDevice
	var cur touchDevice
	touch := false
	flush := func() {
		if touch && cur.event != "" {
			out = append(out, cur)
		}
		cur, touch = touchDevice{}, false
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "N: Name="):
			cur.name = strings.Trim(strings.TrimPrefix(line, "N: Name="), `"`)
		case strings.HasPrefix(line, "H: Handlers="):
			for _, h := range strings.Fields(strings.TrimPrefix(line, "H: Handlers=")) {
				if strings.HasPrefix(h, "event") {
					cur.event = h
				}
			}
		case strings.HasPrefix(line, "B: ABS="):
			touch = bitSet(strings.TrimPrefix(line, "B: ABS="), absMTPositionX)
		}
	}
	flush()
	return out
}

// bitSet reads a kernel bitmap (hex words, most significant first, each
// of the machine's long width) and tells whether bit is set.
func bitSet(bitmap string, bit int) bool {
	words := strings.Fields(bitmap)
	const width = 64
	i := len(words) - 1 - bit/width
	if i < 0 {
		return false
	}
	var v uint64
	if _, err := fmt.Sscanf(words[i], "%x", &v); err != nil {
		return false
	}
	return v&(1<<(bit%width)) != 0
}

func readTrim(name string) string {
	b, _ := os.ReadFile(name)
	return strings.TrimSpace(string(b))
}
