package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkColdStart: process start to the attract screen drawn (--check),
// with the config and the usage store opened as in production.
func BenchmarkColdStart(b *testing.B) {
	s := newSite(b)
	disp := display(b)
	for b.Loop() {
		if out, err := s.kiosk(disp, "--check").CombinedOutput(); err != nil {
			b.Fatalf("kiosk --check: %v\n%s", err, out)
		}
	}
}

// BenchmarkIdleRSS reports the resident memory of a kiosk sitting on its
// attract screen, 5 s after start-up (the metric is MiB, not ns/op).
func BenchmarkIdleRSS(b *testing.B) {
	s := newSite(b)
	disp := display(b)
	var total float64
	for b.Loop() {
		k := start(b, s.kiosk(disp))
		k.waitLog(b, "attract screen shown")
		time.Sleep(5 * time.Second)
		total += rssMiB(b, k.cmd.Process.Pid)
		k.stop(b, syscall.SIGTERM)
	}
	b.ReportMetric(total/float64(b.N), "idle-RSS-MiB")
}

func rssMiB(b *testing.B, pid int) float64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
