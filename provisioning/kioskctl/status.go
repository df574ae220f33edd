package kioskctl

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"borne/kiosk/config"
	"borne/kiosk/metrics"
	"borne/provisioning/bundle"
)

func init() {
	commands = append(commands,
		command{"status", "", "[--config PATH] [--metrics HOST:PORT]",
			"is the kiosk running, its devices, paper and usage queue; exit 1 when something needs staff", status},
		command{"restart", "", "[--config PATH] [--now]",
			"restart the kiosk as soon as nobody uses it (--now: at once, through systemd)", restart},
	)
}

// scrape reads the kiosk's metrics page.
func scrape(ctx context.Context, addr string) (map[string]*dto.MetricFamily, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+metrics.Path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return fams, nil
}

// sample is one series of a metric family.
type sample struct {
	labels map[string]string
	value  float64
}

func samples(fams map[string]*dto.MetricFamily, name string) []sample {
	var out []sample
	for _, m := range fams[name].GetMetric() {
		s := sample{labels: map[string]string{}}
		for _, l := range m.GetLabel() {
			s.labels[l.GetName()] = l.GetValue()
		}
		switch {
		case m.Counter != nil:
			s.value = m.GetCounter().GetValue()
		case m.Gauge != nil:
			s.value = m.GetGauge().GetValue()
		case m.Untyped != nil:
			s.value = m.GetUntyped().GetValue()
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b sample) int { return strings.Compare(fmt.Sprint(a.labels), fmt.Sprint(b.labels)) })
	return out
}

func total(fams map[string]*dto.MetricFamily, name string) float64 {
	var t float64
	for _, s := range samples(fams, name) {
		t += s.value
	}
	return t
}

func status(e *env, name string, args []string) int {
	fs := e.flags(name)
	var cfgPath string
	configFlag(fs, &cfgPath)
	addr := fs.String("metrics", "", "the kiosk's metrics `address` (default: the configuration's metrics.listen)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, err := loadKioskConfig(cfgPath)
	if err != nil {
		return e.fail(name, err)
	}
	if *addr == "" {
		*addr = cfg.Metrics.Listen
	}
	w := e.stdout
	var problems []string
	fmt.Fprintf(w, "kiosk      %s (%s)\n", cfg.Kiosk.ID, cfg.Kiosk.Site)
	if u := kioskUnit(e.ctx); u.known {
		fmt.Fprintf(w, "unit       %s: %s (%s), %s, %d restarts\n", "borne.service", u.active, u.sub, u.enabled, u.restarts)
		if u.active != "active" {
			problems = append(problems, "the kiosk unit is "+u.active)
		}
	}
	pid, running, err := kioskProcess(cfg.StateDirPath())
	switch {
	case err != nil:
		fmt.Fprintf(w, "process    %v\n", err)
	case running:
		fmt.Fprintf(w, "process    running, pid %d\n", pid)
	default:
		fmt.Fprintln(w, "process    not running")
		problems = append(problems, "the kiosk is not running")
	}
	if m, id, err := bundle.Current(provisionRoot); err == nil && m != nil {
		fmt.Fprintf(w, "bundle     %s %q\n", id, m.Comment)
	}

	fams, err := scrape(e.ctx, *addr)
	switch {
	case *addr == config.MetricsOff:
		fmt.Fprintln(w, "metrics    off (metrics.listen)")
	case err != nil:
		fmt.Fprintf(w, "metrics    unavailable: %v\n", err)
		if running {
			problems = append(problems, "the kiosk does not answer on "+*addr)
		}
	default:
		problems = append(problems, summarise(w, fams)...)
	}
	if len(problems) == 0 {
		fmt.Fprintln(w, "health     ok")
		return exitOK
	}
	fmt.Fprintf(w, "health     NEEDS STAFF: %s\n", strings.Join(problems, "; "))
	return exitFail
}

// summarise prints the metrics staff care about and returns the problems.
func summarise(w io.Writer, fams map[string]*dto.MetricFamily) []string {
	var problems []string
	for _, s := range samples(fams, metrics.NameBuildInfo) {
		fmt.Fprintf(w, "build      %s (%s)\n", s.labels["version"], s.labels["goversion"])
	}
	var ends []string
	for _, s := range samples(fams, metrics.NameSessions) {
		ends = append(ends, fmt.Sprintf("%s %.0f", s.labels["reason"], s.value))
	}
	fmt.Fprintf(w, "sessions   %.0f ended since start (%s); %.0f help calls\n",
		total(fams, metrics.NameSessions), strings.Join(ends, ", "), total(fams, metrics.NameHelpCalls))
	for _, s := range samples(fams, metrics.NameDeviceUp) {
		state := "ok"
		if s.value == 0 {
			state = "DOWN"
			problems = append(problems, s.labels["device"]+" is down")
		}
		fmt.Fprintf(w, "device     %-10s %s\n", s.labels["device"], state)
	}
	for _, s := range samples(fams, metrics.NamePaper) {
		if s.value != 1 {
			continue
		}
		fmt.Fprintf(w, "paper      %-10s %s\n", s.labels["device"], s.labels["state"])
		if p := metrics.Paper(s.labels["state"]); p == metrics.PaperOut || p == metrics.PaperLow {
			problems = append(problems, s.labels["device"]+" paper "+string(p))
		}
	}
	for _, s := range samples(fams, metrics.NameFaults) {
		fmt.Fprintf(w, "faults     %-10s %s: %.0f\n", s.labels["device"], s.labels["fault"], s.value)
	}
	if _, ok := fams[metrics.NameUsageQueue]; ok {
		fmt.Fprintf(w, "usage      %.0f events queued, %.0f dropped, %.0f failed\n",
			total(fams, metrics.NameUsageQueue), total(fams, metrics.NameUsageDropped), total(fams, metrics.NameUsageFailed))
		if total(fams, metrics.NameUsageDropped)+total(fams, metrics.NameUsageFailed) > 0 {
			problems = append(problems, "usage events lost")
		}
	}
	if total(fams, metrics.NameMaintenance) > 0 {
		fmt.Fprintln(w, "staff      maintenance open")
	}
	if total(fams, metrics.NameOutOfService) > 0 {
		fmt.Fprintln(w, "staff      OUT OF SERVICE")
		problems = append(problems, "out of service")
	}
	if total(fams, metrics.NameConfigStale) > 0 {
		problems = append(problems, "the configuration file is invalid: the kiosk runs its last valid one (journalctl -u borne)")
	}
	return problems
}
