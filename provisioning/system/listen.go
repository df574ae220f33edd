package system

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Listener is a socket that accepts connections or datagrams from others.
type Listener struct {
	Proto string // tcp, tcp6, udp, udp6
	Addr  net.IP
	Port  int
	Inode uint64 // the socket's inode: /proc/PID/fd/N links to socket:[INODE]
}

func (l Listener) String() string {
	return fmt.Sprintf("%s %s", l.Proto, net.JoinHostPort(l.Addr.String(), strconv.Itoa(l.Port)))
}

// Loopback tells a listener only this machine can reach.
func (l Listener) Loopback() bool { return l.Addr.IsLoopback() }

// maxProcNetLines bounds what ParseProcNet reads (a busy server has a few
// thousand sockets; a kiosk a few dozen).
const maxProcNetLines = 1 << 16

// ParseProcNet reads the kernel's socket table for proto (the format of
// /proc/net/tcp, tcp6, udp, udp6) and returns its listeners: TCP sockets in
// LISTEN, UDP sockets bound but not connected.
func ParseProcNet(proto string, r io.Reader) ([]Listener, error) {
	want := map[string]string{"tcp": "0A", "tcp6": "0A", "udp": "07", "udp6": "07"}[proto]
	if want == "" {
		return nil, fmt.Errorf("system: socket table %q: want tcp, tcp6, udp or udp6", proto)
	}
	var out []Listener
	sc := bufio.NewScanner(r)
	for n := 0; sc.Scan(); n++ {
		if n == 0 {
			continue // the header
		}
		if n > maxProcNetLines {
			return out, fmt.Errorf("system: /proc/net/%s: more than %d sockets", proto, maxProcNetLines)
		}
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[3] != want {
			continue
		}
		host, port, ok := strings.Cut(f[1], ":")
		p, perr := strconv.ParseUint(port, 16, 16)
		ip, ierr := procNetIP(host)
		inode, nerr := strconv.ParseUint(f[9], 10, 64)
		if !ok || perr != nil || ierr != nil || nerr != nil {
			return out, fmt.Errorf("system: /proc/net/%s line %d: bad local address or inode %q", proto, n+1, sc.Text())
		}
		if strings.HasPrefix(proto, "udp") && p == 0 {
			continue
		}
		out = append(out, Listener{Proto: proto, Addr: ip, Port: int(p), Inode: inode})
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("system: /proc/net/%s: %w", proto, err)
	}
	return out, nil
}

// procNetIP decodes the kernel's hex address: 32-bit words in host (little
// endian on amd64 and arm64) order.
func procNetIP(h string) (net.IP, error) {
	b, err := hex.DecodeString(h)
	if err != nil || (len(b) != 4 && len(b) != 16) {
		return nil, fmt.Errorf("bad address %q", h)
	}
	for i := 0; i < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	return net.IP(b), nil
}

// Listeners lists the machine's listeners from procNet (/proc/net); a
// protocol the kernel lacks (no IPv6) is skipped.
func Listeners(procNet string) ([]Listener, error) {
	var all []Listener
	for _, proto := range []string{"tcp", "tcp6", "udp", "udp6"} {
		f, err := os.Open(filepath.Join(procNet, proto))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("system: listeners: %w", err)
		}
		ls, err := ParseProcNet(proto, f)
		f.Close()
		if err != nil {
			return nil, err
		}
		all = append(all, ls...)
	}
	return all, nil
}
