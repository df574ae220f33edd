package shell

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"borne/kiosk/session"
	"borne/testbench/demosite"
	"borne/ui/web"
)

// BenchmarkSessionReset measures what a resident waits for between "I'm
// done" and a clean kiosk for the next one: the session's files (six 2 MB
// scans) wiped, the end recorded, the attract screen built and drawn. The
// thank-you screen's own display time is set to zero: it is a choice, not a cost.
func BenchmarkSessionReset(b *testing.B) {
	k := startKiosk(b, timings{idle: time.Hour, warn: time.Minute, thanks: 0})
	page := make([]byte, 2<<20)
	for b.Loop() {
		b.StopTimer()
		if err := k.mgr.Start(); err != nil {
			b.Fatal(err)
		}
		s := k.waitScreen(session.ScreenLanguage)
		for i := range 6 {
			if err := os.WriteFile(filepath.Join(s.Dir, fmt.Sprintf("scan-%d.jpg", i)), page, 0o600); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		k.mgr.End(session.EndDone)
		k.waitScreen(session.ScreenAttract)
		onUI(func() {}) // runs after the pending redraw
	}
}

// BenchmarkVisitMemory follows the memory of the kiosk through visits to
// the demo site: each opens a service, types into its login form, goes on
// to the second page and ends with "J'ai fini". It reports, for the last
// visit and for the 10th, the resident memory of the kiosk (this process:
// shell, session manager, usage store, and the demo site's few goroutines)
// plus its WebKit web and network processes, on the second page (VmRSS and
// Pss summed), and of the kiosk alone once back on the welcome screen; and
// how much each visit adds past the 10th (KiB, the least-squares slope of
// the RSS over the visits: one reading moves by a few MiB as pages come and
// go, a leak adds up). The benchmark runs with the allocator settings of the
// kiosk (see TestMain). ns/op is the time of one visit. At least 20 visits
// run; for the long run: -bench VisitMemory -benchtime 500x.
func BenchmarkVisitMemory(b *testing.B) {
	_, lobbyMod := demoLobby(b)
	k := startKiosk(b, timings{idle: time.Hour, warn: time.Minute, thanks: 0}, lobbyMod)
	visits := max(b.N, 20)
	var at10, last [3]float64
	var during, after slope
	start := time.Now()
	for i := 1; i <= visits; i++ {
		k.startSession("fr")
		k.tap("tile-caf")
		k.waitPage("/caf/")
		k.typeInto("[name=user]", demosite.DemoUser)
		k.typeInto("[name=password]", demosite.DemoPassword)
		xdotool(b, "key", "Return")
		k.waitPage("/caf/form")
		last[0], last[1] = memoryOf(b, append([]int{os.Getpid()}, web.Helpers()...))
		k.tap("done")
		k.waitScreen(session.ScreenAttract)
		last[2], _ = memoryOf(b, []int{os.Getpid()})
		if i == 10 {
			at10 = last
		}
		if i >= 10 {
			during.add(float64(i), last[0])
			after.add(float64(i), last[2])
		}
		if i%50 == 0 {
			b.Logf("visit %d: %.1f MiB RSS (%.1f Pss) in the visit, %.1f MiB after", i, last[0], last[1], last[2])
		}
	}
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(visits), "ns/op")
	b.ReportMetric(last[0], "visit-RSS-MiB")
	b.ReportMetric(last[1], "visit-PSS-MiB")
	b.ReportMetric(last[2], "after-RSS-MiB")
	b.ReportMetric(at10[0], "visit10-RSS-MiB")
	b.ReportMetric(at10[1], "visit10-PSS-MiB")
	b.ReportMetric(at10[2], "after10-RSS-MiB")
	b.ReportMetric(during.per()*1024, "visit-KiB/visit")
	b.ReportMetric(after.per()*1024, "after-KiB/visit")
}

// slope fits y = a + b·x by least squares over the points added.
type slope struct{ n, sx, sy, sxx, sxy float64 }

func (s *slope) add(x, y float64) {
	s.n++
	s.sx += x
	s.sy += y
	s.sxx += x * x
	s.sxy += x * y
}

// per is b, the growth of y for each step of x (0 under two points).
func (s *slope) per() float64 {
	d := s.n*s.sxx - s.sx*s.sx
	if d == 0 {
		return 0
	}
	return (s.n*s.sxy - s.sx*s.sy) / d
}

// memoryOf sums the resident memory (VmRSS) and the proportional share
// (Pss: shared libraries counted once across the processes) of pids, in MiB.
func memoryOf(b *testing.B, pids []int) (rss, pss float64) {
	b.Helper()
	field := func(file, name string) float64 {
		data, err := os.ReadFile(file)
		if errors.Is(err, os.ErrNotExist) {
			return 0 // the process has just ended
		}
		if err != nil {
			b.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == name {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
		b.Fatalf("no %s in %s", name, file)
		return 0
	}
	for _, pid := range pids {
		dir := filepath.Join("/proc", strconv.Itoa(pid))
		rss += field(filepath.Join(dir, "status"), "VmRSS:")
		pss += field(filepath.Join(dir, "smaps_rollup"), "Pss:")
	}
	return rss, pss
}

// typeInto taps a field of the page and types text into it with real key
// events, once the page has given it the focus; it returns once the field
// holds the text.
func (k *kiosk) typeInto(selector, text string) {
	k.t.Helper()
	k.clickInPage(selector)
	k.waitScript("the focus in "+selector, `document.activeElement === document.querySelector(`+jsString(selector)+`)`)
	xdotool(k.t, "type", "--delay", "5", text)
	k.waitScript(selector+" typed", `document.querySelector(`+jsString(selector)+`).value === `+jsString(text))
}

// waitScript waits until a script run in the page returns true.
func (k *kiosk) waitScript(what, script string) {
	k.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if j, err := k.eval(script); err == nil && j == "true" {
			return
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("waiting for %s", what)
		}
	}
}

func TestSlope(t *testing.T) {
	for _, c := range []struct {
		name string
		ys   []float64
		want float64
	}{
		{"flat", []float64{5, 5, 5}, 0},
		{"one point", []float64{7}, 0},
		{"steady", []float64{1, 3, 5, 7}, 2},
		{"noisy around a rise", []float64{10, 12, 11, 13}, 0.8},
	} {
		var s slope
		for i, y := range c.ys {
			s.add(float64(i+10), y)
		}
		if got := s.per(); got < c.want-1e-9 || got > c.want+1e-9 {
			t.Errorf("%s: slope %g, want %g", c.name, got, c.want)
		}
	}
}
