// Package metrics exposes the kiosk's health in the Prometheus text format
// on the loopback interface only: sessions, device faults, paper, the usage
// queue, maintenance and build information. A fleet Prometheus reaches it
// through an agent on the kiosk (Prometheus in agent mode, Grafana Alloy…)
// or a tunnel, never directly: the kiosk opens no port to the lobby's
// network. "kioskctl status" reads the same page.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultListen is where the metrics are served when the configuration
// names no address.
const DefaultListen = "127.0.0.1:9750"

// Path is the metrics page.
const Path = "/metrics"

// Paper is what a printer reports about its paper.
type Paper string

const (
	PaperOK      Paper = "ok"
	PaperLow     Paper = "low"
	PaperOut     Paper = "out"
	PaperUnknown Paper = "unknown" // no answer: a receipt printer without status, or off
)

var paperStates = []Paper{PaperOK, PaperLow, PaperOut, PaperUnknown}

// Metric names, for the readers (kioskctl status, tests, dashboards).
const (
	NameSessions     = "borne_sessions_total"
	NameHelpCalls    = "borne_help_calls_total"
	NameFaults       = "borne_device_faults_total"
	NameDeviceUp     = "borne_device_up"
	NamePaper        = "borne_paper_state"
	NameUsageQueue   = "borne_usage_queue_length"
	NameUsageDropped = "borne_usage_events_dropped_total"
	NameUsageFailed  = "borne_usage_events_failed_total"
	NameMaintenance  = "borne_maintenance_open"
	NameOutOfService = "borne_out_of_service"
	NameConfigStale  = "borne_config_fallback"
	NameBuildInfo    = "borne_build_info"
	NameSupply       = "borne_supply_level_percent"
)

// Options describe the kiosk and where the usage recorder's counters come from.
type Options struct {
	KioskID string
	Version string // "" : the module version the binary was built with
	// Read at each scrape; nil leaves the metric out.
	UsageQueue   func() int    // events waiting to be stored
	UsageDropped func() uint64 // events dropped: the queue was full
	UsageFailed  func() uint64 // events the store refused or lost
}

// Metrics is the kiosk's registry. Its methods are safe from any goroutine.
type Metrics struct {
	reg          *prometheus.Registry
	sessions     *prometheus.CounterVec
	help         prometheus.Counter
	faults       *prometheus.CounterVec
	deviceUp     *prometheus.GaugeVec
	paper        *prometheus.GaugeVec
	maintenance  prometheus.Gauge
	outOfService prometheus.Gauge
	configStale  prometheus.Gauge
	supply       *prometheus.GaugeVec
}

// New makes the registry, with the Go runtime and process metrics (memory,
// file descriptors, start time) that tell a leaking kiosk from a healthy one.
func New(opt Options) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		sessions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameSessions,
			Help: "Resident sessions ended since start, by end reason."}, []string{"reason"}),
		help: prometheus.NewCounter(prometheus.CounterOpts{Name: NameHelpCalls,
			Help: "Presses of \"Call a mediator\" since start."}),
		faults: prometheus.NewCounterVec(prometheus.CounterOpts{Name: NameFaults,
			Help: "Device faults since start, by device and fault (jammed, no_paper, cover_open, gone…)."}, []string{"device", "fault"}),
		deviceUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: NameDeviceUp,
			Help: "1 when the device answers and reports no fault."}, []string{"device"}),
		paper: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: NamePaper,
			Help: "Paper of each printer: 1 for its current state (ok, low, out, unknown), 0 for the others."}, []string{"device", "state"}),
		maintenance: prometheus.NewGauge(prometheus.GaugeOpts{Name: NameMaintenance,
			Help: "1 while the maintenance screens are open."}),
		outOfService: prometheus.NewGauge(prometheus.GaugeOpts{Name: NameOutOfService,
			Help: "1 while staff have put the kiosk out of service."}),
		configStale: prometheus.NewGauge(prometheus.GaugeOpts{Name: NameConfigStale,
			Help: "1 when the configuration file is invalid and the kiosk runs its last valid one."}),
		supply: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: NameSupply,
			Help: "Fill of each printer supply (toner, ink) in percent, as the printer reports it; below 0 when it does not say."}, []string{"device", "supply"}),
	}
	version := opt.Version
	if version == "" {
		version = "(devel)"
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
			version = bi.Main.Version
		}
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{Name: NameBuildInfo,
		Help:        "Always 1; the labels say what runs.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version(), "kiosk": opt.KioskID}})
	build.Set(1)
	m.reg.MustRegister(m.sessions, m.help, m.faults, m.deviceUp, m.paper, m.maintenance, m.outOfService, m.configStale, m.supply, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if opt.UsageQueue != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: NameUsageQueue,
			Help: "Usage events waiting to be written."}, func() float64 { return float64(opt.UsageQueue()) }))
	}
	if opt.UsageDropped != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: NameUsageDropped,
			Help: "Usage events dropped because the queue was full."}, func() float64 { return float64(opt.UsageDropped()) }))
	}
	if opt.UsageFailed != nil {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: NameUsageFailed,
			Help: "Usage events the store refused or lost."}, func() float64 { return float64(opt.UsageFailed()) }))
	}
	return m
}

// SessionEnded counts a session that ended for reason (session.EndReason).
func (m *Metrics) SessionEnded(reason string) { m.sessions.WithLabelValues(reason).Inc() }

// HelpCalled counts a press of "Call a mediator".
func (m *Metrics) HelpCalled() { m.help.Inc() }

// Fault counts a fault of device ("scanner", "printer", "receipt": the configuration's
// section names), such as "jammed".
func (m *Metrics) Fault(device, fault string) { m.faults.WithLabelValues(device, fault).Inc() }

// SetDeviceUp records whether device answers without fault.
func (m *Metrics) SetDeviceUp(device string, up bool) {
	m.deviceUp.WithLabelValues(device).Set(b2f(up))
}

// SetPaper records the paper state of a printer.
func (m *Metrics) SetPaper(device string, p Paper) {
	for _, s := range paperStates {
		m.paper.WithLabelValues(device, string(s)).Set(b2f(s == p))
	}
}

// SetSupply records the fill of one of a printer's supplies, in percent.
func (m *Metrics) SetSupply(device, supply string, percent int) {
	m.supply.WithLabelValues(device, supply).Set(float64(percent))
}

// SetMaintenance records whether maintenance is open and the kiosk out of service.
func (m *Metrics) SetMaintenance(open, outOfService bool) {
	m.maintenance.Set(b2f(open))
	m.outOfService.Set(b2f(outOfService))
}

// SetConfigFallback records whether the kiosk runs its last valid configuration.
func (m *Metrics) SetConfigFallback(on bool) { m.configStale.Set(b2f(on)) }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Handler serves the metrics page, to loopback Host names only: a web page
// in the kiosk's browser whose name resolves to 127.0.0.1 (DNS rebinding)
// gets nothing.
func (m *Metrics) Handler() http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) {
			http.Error(w, "metrics are served to localhost only", http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckListen refuses an address that is not on the loopback interface.
func CheckListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not HOST:PORT (write e.g. %q)", addr, DefaultListen)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address: metrics stay on the kiosk (write e.g. %q)", addr, DefaultListen)
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("%q: bad port", addr)
	}
	return nil
}

// Serve serves the metrics on addr (a loopback address, see CheckListen)
// until ctx ends, and returns ctx.Err() then, or why it could not serve.
func (m *Metrics) Serve(ctx context.Context, addr string, log *slog.Logger) error {
	if err := CheckListen(addr); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(Path, m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	if log != nil {
		log.Info("metrics: serving", "addr", ln.Addr().String()+Path)
	}
	select {
	case err := <-done:
		return fmt.Errorf("metrics: %w", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("metrics: %w", err)
	}
	return ctx.Err()
}
