package shell

import (
	"context"
	"encoding/csv"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/drivers/gpio"
	"borne/drivers/gpio/gpiotest"
	"borne/drivers/receipt"
	"borne/drivers/scanner"
	"borne/drivers/selftest"
	"borne/internal/escpos"
	"borne/kiosk/config"
	"borne/kiosk/health"
	"borne/kiosk/metrics"
	"borne/kiosk/pincode"
	"borne/kiosk/session"
	"borne/kiosk/staff"
	"borne/kiosk/usage"
	"borne/testbench/lobby/lobbytest"
)

const staffPIN = "482915"

var quiet = slog.New(slog.DiscardHandler)

// withStaff gives the kiosk a maintenance mode (PIN staffPIN, 3 wrong PINs
// lock the pad) and returns it once the window exists.
func withStaff(t *testing.T, st *Staff) (func(*config.Config, *kitOptions), func(k *kiosk) *staff.Maintenance) {
	t.Helper()
	return withStaffIn(t, st, t.TempDir())
}

// withStaffIn is withStaff with the maintenance state kept in stateDir.
func withStaffIn(t *testing.T, st *Staff, stateDir string) (func(*config.Config, *kitOptions), func(k *kiosk) *staff.Maintenance) {
	t.Helper()
	hash, err := pincode.Hash(staffPIN)
	if err != nil {
		t.Fatal(err)
	}
	var sh atomic.Pointer[Shell] // set by bind on the test's goroutine, read on the main loop
	m, err := staff.NewMaintenance(staff.MaintenanceOptions{
		PINHash: hash, StateDir: stateDir, Policy: staff.Policy{MaxFailures: 3, LockFor: time.Minute, MaxLock: time.Hour},
		OnChange: func(s staff.Snapshot) {
			if sh := sh.Load(); sh != nil {
				sh.PostStaff(s)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	st.Maintenance = m
	return func(_ *config.Config, o *kitOptions) { o.Staff = st }, func(k *kiosk) *staff.Maintenance { sh.Store(k.sh); return m }
}

// waitText waits until a visible label contains text.
func (k *kiosk) waitText(text string) {
	k.t.Helper()
	var texts []string
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		onUI(func() { texts = labelTexts(&k.sh.Window().Widget) })
		for _, l := range texts {
			if strings.Contains(l, text) {
				return
			}
		}
	}
	k.t.Fatalf("no label says %q; labels: %q", text, texts)
}

func (k *kiosk) waitStaff(what string, cond func(staff.Snapshot) bool) {
	k.t.Helper()
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var snap staff.Snapshot
		onUI(func() { snap = k.sh.staff.snap })
		if cond(snap) {
			return
		}
		if time.Now().After(end) {
			k.t.Fatalf("waiting for %s: staff side shows %+v", what, snap)
		}
	}
}

// gesture taps the top-left corner five times, as staff do.
func (k *kiosk) gesture() {
	for range gestureTaps {
		xdotool(k.t, "mousemove", "30", "30", "click", "1")
	}
}

func (k *kiosk) typePIN(pin string) {
	for _, d := range pin {
		k.tap("pin-" + string(d))
	}
	k.tap("pin-ok")
}

// The hidden gesture opens the PIN pad without starting a session; wrong
// PINs are counted and lock the pad, which says until when; the right PIN
// opens maintenance, and "back to residents" closes it.
func TestStaffPINPadAndLockout(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tries []string
	}{
		{"locked after 3 wrong PINs", []string{"135791", "246802", "975319"}},
		{"right PIN after a wrong one", []string{"135791", staffPIN}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mod, bind := withStaff(t, &Staff{})
			k := startKiosk(t, timings{time.Hour, time.Minute, time.Second}, mod)
			m := bind(k)
			k.gesture()
			k.waitStaff("the PIN pad", func(s staff.Snapshot) bool { return s.Mode == staff.AskingPIN })
			if st := k.shown().State; st != session.Attract {
				t.Fatalf("the gesture's taps started a session (%v)", st)
			}
			k.screenshot("staff-pin")
			for i, pin := range tc.tries {
				k.typePIN(pin)
				if pin == staffPIN {
					k.waitStaff("maintenance open", func(s staff.Snapshot) bool { return s.Mode == staff.Open && s.Via == staff.ViaPIN })
					k.waitText("Maintenance —")
					k.tap("staff-leave")
					k.waitStaff("maintenance closed", func(s staff.Snapshot) bool { return s.Mode == staff.Closed })
					k.waitScreen(session.ScreenAttract)
					return
				}
				if i < 2 {
					k.waitText("Code faux. Encore " + string(rune('2'-i)) + " essai")
				}
			}
			k.waitStaff("the pad closed by the lock", func(s staff.Snapshot) bool { return s.Mode == staff.Closed && !s.LockedUntil.IsZero() })
			k.gesture()
			k.waitStaff("the PIN pad again", func(s staff.Snapshot) bool { return s.Mode == staff.AskingPIN })
			k.waitText("Trop de codes faux : réessayez après")
			var sensitive bool
			onUI(func() {
				b, _ := k.sh.Button("pin-4")
				sensitive = b.GetSensitive()
			})
			if sensitive {
				t.Error("the keys of a locked pad can be pressed")
			}
			k.screenshot("staff-pin-locked")
			if err := m.SubmitPIN(staffPIN); !errors.As(err, new(*staff.LockedError)) {
				t.Errorf("the right PIN on a locked pad: %v, want a LockedError", err)
			}
			k.waitStaff("the locked pad closed", func(s staff.Snapshot) bool { return s.Mode == staff.Closed })
		})
	}
}

// Attempts cut by kill -9 during the check left the count past the maximum
// on disk: the pad said "Encore -2 essai(s)". After the restart it is locked
// and says until when.
func TestStaffPINPadAfterCutAttempts(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, staff.LockoutFile), []byte(`{"failures":5,"locks":0}`), 0o600); err != nil {
		t.Fatal(err)
	}
	mod, bind := withStaffIn(t, &Staff{}, dir)
	k := startKiosk(t, timings{time.Hour, time.Minute, time.Second}, mod)
	m := bind(k)
	k.gesture()
	k.waitStaff("the PIN pad", func(s staff.Snapshot) bool { return s.Mode == staff.AskingPIN })
	k.waitText("Trop de codes faux : réessayez après")
	if s := m.Snapshot(); s.AttemptsLeft < 0 || s.LockedUntil.IsZero() {
		t.Fatalf("attempts left %d, locked until %v", s.AttemptsLeft, s.LockedUntil)
	}
}

// The maintenance key (a fake GPIO board) opens the staff screens; each
// device's test runs against the simulated lobby's real devices; the
// dashboard charts the usage store and exports it to a "USB key"; out of
// service survives leaving maintenance and keeps residents out.
func TestStaffScreensOnSimulatedLobby(t *testing.T) {
	ctx := context.Background()
	ps := lobbytest.StartPrinters(t)
	ipp, rp, a4, tickets := ps.IPP, ps.Receipt, ps.A4, ps.Tickets
	board := gpiotest.NewBoard(health.Printer)
	usb := t.TempDir()
	st := &Staff{USBKeys: func() ([]string, error) { return []string{usb}, nil }}
	mod, bind := withStaff(t, st)
	k := startKiosk(t, timings{time.Hour, time.Minute, time.Second}, simulatedScanner(t), mod, func(_ *config.Config, o *kitOptions) {
		o.Printer, o.Tickets = a4, tickets
	})
	m := bind(k)
	st.Usage = k.store
	// Wired as the kiosk's main does: drivers/selftest's probes and tests,
	// their results passed to the core as plain values.
	var probes []health.Probe
	var tests []health.Test
	add := func(device string, check func(context.Context) selftest.Status, test func(context.Context) selftest.Result) {
		probes = append(probes, health.Probe{Device: device, Check: func(ctx context.Context) health.Status {
			s := check(ctx)
			return health.Status{Up: s.Up, Code: s.Code, Staff: s.Staff, Paper: metrics.Paper(s.Paper)}
		}})
		tests = append(tests, health.Test{Device: device, Run: func(ctx context.Context) health.Result { return health.Result(test(ctx)) }})
	}
	add(health.Scanner, func(ctx context.Context) selftest.Status { return selftest.ScannerStatus(ctx, "pnm:0", scanner.List) },
		func(ctx context.Context) selftest.Result {
			return selftest.Scan(ctx, func(ctx context.Context) (scanner.Device, error) { return scanner.Open(ctx, "pnm:0") }, scanner.Options{Resolution: 150})
		})
	add(health.Printer, func(ctx context.Context) selftest.Status { return selftest.PrinterStatus(ctx, a4) },
		func(ctx context.Context) selftest.Result {
			return selftest.PrintPage(ctx, a4, "Borne — page de test")
		})
	// The virtual printer draws the test ticket before it answers the status
	// request that follows: give it the time that takes under the race
	// detector on a busy machine.
	profile, _ := receipt.LookupProfile("generic-80mm")
	slowTickets := receipt.New(receipt.Options{Link: receipt.Link{Device: rp.Device}, Profile: profile, StatusWait: 10 * time.Second})
	add(health.Receipt, func(ctx context.Context) selftest.Status { return selftest.ReceiptStatus(ctx, tickets) },
		func(ctx context.Context) selftest.Result {
			return selftest.PrintTicket(ctx, slowTickets, selftest.TicketDoc("k1"))
		})
	st.Health = health.New(health.Options{Probes: probes, Tests: tests})
	dev, err := gpio.New(board.Lines(), gpio.Options{InputsActiveLow: true, RelayOff: 10 * time.Millisecond}, gpio.Handlers{Maintenance: m.KeySwitch})
	if err != nil {
		t.Fatal(err)
	}
	st.PowerCycle = map[string]func(context.Context) error{health.Printer: dev.Relays[health.Printer].PowerCycle}
	gctx, stopGPIO := context.WithCancel(ctx)
	defer stopGPIO()
	go dev.Serve(gctx)
	seedUsage(t, k)

	// A resident left the kiosk mid-session: the key ends it.
	k.tap("start")
	k.waitShown("a session", func(s session.Snapshot) bool { return s.State == session.Active })
	board.TurnKey(true)
	k.waitShown("the session ended by staff", func(s session.Snapshot) bool { return s.Ended == session.EndStaff })
	k.waitStaff("maintenance by key", func(s staff.Snapshot) bool { return s.Mode == staff.Open && s.Via == staff.ViaKey })
	k.waitText("Imprimante de tickets — ✔ En service")
	k.waitText("Scanner — ✔ En service")
	for _, test := range []struct{ device, says string }{
		{health.Scanner, "Page scannée : "},
		{health.Printer, "Page de test imprimée"},
		{health.Receipt, "Ticket de test imprimé"},
	} {
		k.tap("staff-test-" + test.device)
		k.waitText(test.says)
	}
	if jobs, _ := filepath.Glob(filepath.Join(ipp.SpoolDir, "*")); len(jobs) == 0 {
		t.Error("the A4 test page never reached the printer")
	}
	k.tap("staff-cycle-" + health.Printer)
	k.waitText("Alimentation coupée puis rétablie.")
	if got := board.Relays[health.Printer].Changes(); len(got) != 3 {
		t.Errorf("printer relay wrote %v; want off, on, off", got)
	}
	rp.SetFault(escpos.Fault{PaperOut: true})
	k.tap("staff-refresh")
	k.waitText("Imprimante de tickets — ✖ En panne — plus de papier")
	k.tap("staff-test-" + health.Receipt)
	k.waitText("✖ Échec du ticket : Imprimante de tickets : plus de papier, changer le rouleau (code paper-out, ")
	k.screenshot("staff-devices")

	k.tap("staff-tab-usage")
	k.waitText("Sessions par heure de début")
	k.waitText("scanner:jammed")
	k.screenshot("staff-usage")
	k.tap("staff-export")
	k.waitText("Exporté : ")
	files, _ := filepath.Glob(filepath.Join(usb, "borne-usage-*.csv"))
	if len(files) != 1 {
		t.Fatalf("files on the USB key: %v", files)
	}
	f, _ := os.Open(files[0])
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(recs) < 2 {
		t.Fatalf("exported CSV: %v %v", recs, err)
	}
	for _, r := range recs[1:] {
		if r[4] == "false" && r[3] < "5" && len(r[3]) == 1 {
			t.Errorf("a cell under 5 was exported: %v", r)
		}
	}

	k.tap("staff-tab-kiosk")
	k.tap("staff-out-of-service")
	k.waitStaff("out of service", func(s staff.Snapshot) bool { return s.OutOfService })
	board.TurnKey(false)
	k.waitStaff("maintenance closed by key", func(s staff.Snapshot) bool { return s.Mode == staff.Closed })
	k.waitText("Cette borne est hors service.")
	k.screenshot("out-of-service")
	xdotool(t, "mousemove", "640", "400", "click", "1")
	time.Sleep(300 * time.Millisecond)
	if st := k.shown().State; st != session.Attract {
		t.Errorf("a tap on the out-of-service screen started a session (%v)", st)
	}
	var oos bool
	onUI(func() { oos = findNamed(&k.sh.Window().Widget, "out-of-service") })
	if !oos {
		t.Error("the out-of-service screen is not shown")
	}
}

// seedUsage stores six sessions (enough to show) and faults.
func seedUsage(t *testing.T, k *kiosk) {
	now := time.Now()
	var evs []usage.Event
	for id := uint32(1); id <= 6; id++ {
		evs = append(evs,
			usage.Event{At: now, Session: id, Kind: usage.SessionStart},
			usage.Event{At: now, Session: id, Kind: usage.TileOpened, Service: "caf"},
			usage.Event{At: now, Session: id, Kind: usage.Language, Lang: "fr"},
			usage.Event{At: now, Session: id, Kind: usage.SessionEnd, Outcome: "done", Duration: "5-15m"},
			usage.Event{At: now, Kind: usage.Fault, Screen: "scanner", Error: "jammed"})
	}
	evs = append(evs, usage.Event{At: now, Session: 1, Kind: usage.HelpPressed, Screen: "home"})
	if err := k.store.Append(context.Background(), k.cfg.Kiosk.ID, k.cfg.Location(), evs...); err != nil {
		t.Fatal(err)
	}
}

// findNamed tells whether a visible widget under w has the name.
func findNamed(w *gtk.Widget, name string) bool {
	if n, _ := w.GetName(); n == name && w.IsVisible() {
		return true
	}
	found := false
	if w.IsA(glib.TypeFromName("GtkContainer")) {
		if children := (&gtk.Container{Widget: *w}).GetChildren(); children != nil {
			children.Foreach(func(item any) {
				if cw, ok := item.(*gtk.Widget); ok && !found {
					found = findNamed(cw, name)
				}
			})
			children.Free()
		}
	}
	return found
}
