package system

import (
	"net"
	"os"
	"strings"
	"testing"
)

const procNetTCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:2382 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5678 1 0000000000000000 100 0 0 10 0
   2: 0100007F:2382 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 9999 1 0000000000000000 20 4 30 10 -1
`

func TestParseProcNet(t *testing.T) {
	ls, err := ParseProcNet("tcp", strings.NewReader(procNetTCP))
	if err != nil || len(ls) != 2 {
		t.Fatalf("%v %v", ls, err)
	}
	if ls[0].String() != "tcp 127.0.0.1:9090" || !ls[0].Loopback() || ls[0].Inode != 1234 {
		t.Errorf("first: %v", ls[0])
	}
	if ls[1].String() != "tcp 0.0.0.0:22" || ls[1].Loopback() {
		t.Errorf("second: %v", ls[1])
	}
	if _, err := ParseProcNet("tcp", strings.NewReader("h\n 0: zz:1 0:0 0A a b c d e 1\n")); err == nil {
		t.Error("bad address accepted")
	}
}

// TestParseProcNetLive finds a listener this test opens in the kernel's table.
func TestParseProcNetLive(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	ls, err := ParseProcNet("tcp", f)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.String() == "tcp "+ln.Addr().String() {
			return
		}
	}
	t.Errorf("%s not among %v", ln.Addr(), ls)
}

func FuzzParseProcNet(f *testing.F) {
	f.Add(procNetTCP)
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range []string{"tcp", "udp6"} {
			ls, _ := ParseProcNet(p, strings.NewReader(s))
			for _, l := range ls {
				if l.Addr == nil || l.Port < 0 || l.Port > 65535 {
					t.Fatalf("bad listener %+v", l)
				}
			}
		}
	})
}
