package collector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"borne/internal/pgtest"
	"borne/internal/tlstest"
	"borne/kiosk/usage"
	"borne/kiosk/usage/push"
	"borne/provisioning/collector"
)

// BenchmarkFleet simulates BORNE_BENCH_KIOSKS kiosks (default 1000) in 10
// territories pushing 13 months of hourly counts (open 09:00-19:00, Monday
// to Saturday, 0 to 3 visits an hour) over HTTPS to the real collector
// binary, and reports the ingest rate, the database size, the time to build
// one territory's yearly report, and the collector's peak RSS. It takes
// minutes: run it alone, once:
//
//	BORNE_BENCH_KIOSKS=1000 go test -run '^$' -bench BenchmarkFleet -benchtime 1x -timeout 2h ./provisioning/collector
func BenchmarkFleet(b *testing.B) {
	kiosks := 1000
	if v := os.Getenv("BORNE_BENCH_KIOSKS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 {
			b.Fatalf("BORNE_BENCH_KIOSKS=%q: want a number of kiosks, 10 or more", v)
		}
		kiosks = n
	}
	dsn := pgtest.DSN(b)
	dir := b.TempDir()
	bin := filepath.Join(dir, "collector")
	if out, err := exec.Command("go", "build", "-o", bin, "borne/provisioning/cmd/collector").CombinedOutput(); err != nil {
		b.Fatalf("go build collector: %v\n%s", err, out)
	}
	ctx := context.Background()
	c, err := collector.Open(ctx, dsn, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	keys := make([]string, kiosks)
	for i := range kiosks {
		keys[i], _ = push.NewKey()
		if err := c.AddKiosk(ctx, fmt.Sprintf("k%04d", i), fmt.Sprintf("dep-%02d", i%10), fmt.Sprintf("site-%03d", i/3), push.KeyHash(keys[i])); err != nil {
			b.Fatal(err)
		}
	}

	cert, key := tlstest.SelfSigned(b, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := exec.Command(bin, "serve", "--listen", addr, "--tls-cert", cert, "--tls-key", key, "--db", dsn, "--retention-months", "25")
	var srvLog bytes.Buffer
	srv.Stderr = &srvLog
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	defer srv.Process.Kill()
	client, err := push.Client(cert, "")
	if err != nil {
		b.Fatal(err)
	}
	url := "https://" + addr
	waitUp(b, client, url, &srvLog)

	from := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 13, 0)
	var rows, pushes atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	next := atomic.Int64{}
	errs := make(chan error, 8)
	for range 8 { // kiosks push side by side, as a fleet does
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= kiosks {
					return
				}
				id := fmt.Sprintf("k%04d", i)
				r := rand.New(rand.NewPCG(uint64(i), 14))
				p := usage.Push{Kiosk: id}
				flush := func() error {
					body, _ := json.Marshal(p)
					req, _ := http.NewRequest(http.MethodPost, url+push.Path, bytes.NewReader(body))
					req.SetBasicAuth(id, keys[i])
					resp, err := client.Do(req)
					if err != nil {
						return err
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						return fmt.Errorf("push of %s: %s", id, resp.Status)
					}
					pushes.Add(1)
					p.Hours = p.Hours[:0]
					return nil
				}
				for h := from; h.Before(to); h = h.Add(time.Hour) {
					if h.Weekday() == time.Sunday || h.Hour() < 9 || h.Hour() >= 19 {
						continue
					}
					hc := hourCounts(r, h)
					if len(hc.Cells) == 0 {
						continue
					}
					rows.Add(int64(len(hc.Cells)))
					p.Hours = append(p.Hours, hc)
					if len(p.Hours) == usage.MaxPushHours {
						if err := flush(); err != nil {
							errs <- err
							return
						}
					}
				}
				if len(p.Hours) > 0 {
					if err := flush(); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	rss, hwm := procRSS(b, srv.Process.Pid)

	// One territory's yearly report, by site, the way an observatory asks.
	p, _ := collector.ParsePeriod("year", "2026")
	var reportTimes []time.Duration
	for range 5 {
		t0 := time.Now()
		if _, err := c.Report(ctx, collector.ReportQuery{Period: p, Territory: "dep-03", By: "site"}); err != nil {
			b.Fatal(err)
		}
		reportTimes = append(reportTimes, time.Since(t0))
	}
	size := pgtest.Size(b, dsn)
	b.ReportMetric(float64(rows.Load())/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(rows.Load()), "rows")
	b.ReportMetric(float64(size)/(1<<20), "dbMiB")
	b.ReportMetric(float64(median(reportTimes).Milliseconds()), "report-ms")
	b.ReportMetric(float64(hwm)/(1<<10), "peakRSS-MiB")
	b.ReportMetric(float64(rss)/(1<<10), "RSS-MiB")
	b.Logf("%d kiosks, %d pushes, %d rows in %s; database %d MiB; territory yearly report (median of 5) %s; collector RSS %d MiB, peak %d MiB",
		kiosks, pushes.Load(), rows.Load(), elapsed.Round(time.Millisecond), size>>20, median(reportTimes), rss>>10, hwm>>10)
}

// hourCounts is one open hour of a kiosk: 0 to 3 visits and what they did.
func hourCounts(r *rand.Rand, h time.Time) usage.HourCounts {
	hc := usage.HourCounts{Hour: h.Format("2006-01-02T15")}
	n := r.IntN(4)
	if n == 0 {
		return hc
	}
	cells := map[[2]string]int64{{usage.PushSessions, ""}: int64(n)}
	for range n {
		cells[[2]string{usage.PushService, services[r.IntN(len(services))]}]++
		cells[[2]string{usage.PushEnd, ends[r.IntN(len(ends))]}]++
		cells[[2]string{usage.PushLang, langs[r.IntN(len(langs))]}]++
		cells[[2]string{usage.PushDuration, usage.DurationBucket(time.Duration(r.IntN(1800)) * time.Second)}]++
		if r.IntN(5) == 0 {
			cells[[2]string{usage.PushHelp, "web"}]++
		}
		if r.IntN(3) == 0 {
			cells[[2]string{usage.PushPage, "caf"}]++
		}
	}
	for k, v := range cells {
		hc.Cells = append(hc.Cells, usage.Cell{Dim: k[0], Value: k[1], N: v})
	}
	return hc
}

func waitUp(b *testing.B, client *http.Client, url string, log *bytes.Buffer) {
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := client.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("collector never came up: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// procRSS reads a process's resident and peak resident set, in KiB.
func procRSS(b *testing.B, pid int) (rss, hwm int64) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && (f[0] == "VmRSS:" || f[0] == "VmHWM:") {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			if f[0] == "VmRSS:" {
				rss = n
			} else {
				hwm = n
			}
		}
	}
	return rss, hwm
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
