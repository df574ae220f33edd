package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	pin "periph.io/x/conn/v3/gpio"

	"borne/drivers/gpio"
	"borne/drivers/gpio/gpiotest"
	"borne/kiosk/session"
	"borne/kiosk/staff"
)

// TestBoardDrivesHelpAndMaintenance wires a fake board as the kiosk does:
// the help button calls a mediator and lights the beacon, the key switch
// opens maintenance. (The wiring is the kiosk's, not the GPIO driver's.)
func TestBoardDrivesHelpAndMaintenance(t *testing.T) {
	board := gpiotest.NewBoard("scanner")
	var dev *gpio.Devices
	mgr := session.NewManager(session.Options{
		Root: filepath.Join(t.TempDir(), "sessions"), IdleAfter: time.Hour, WarnFor: time.Minute, DefaultLanguage: "fr",
		Log:      slog.New(slog.DiscardHandler),
		OnChange: func(s session.Snapshot) { showBeacon(dev, s) },
	})
	maint, err := staff.NewMaintenance(staff.MaintenanceOptions{StateDir: t.TempDir(), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	dev, err = gpio.New(board.Lines(), gpio.Options{InputsActiveLow: true, Debounce: 20 * time.Millisecond, RelayOff: 10 * time.Millisecond},
		gpio.Handlers{
			Help: func(pressed bool) {
				if pressed {
					mgr.Help()
				}
			},
			Maintenance: maint.KeySwitch,
		})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- dev.Serve(ctx) }()
	defer func() { cancel(); <-served }()
	eventually := func(what string, ok func() bool) {
		t.Helper()
		for end := time.Now().Add(3 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("%s: not within 3 s", what)
			}
		}
	}

	if err := mgr.Start(); err != nil {
		t.Fatal(err)
	}
	board.Press()
	eventually("help called", func() bool { return mgr.Snapshot().HelpCalled })
	board.Release()
	eventually("beacon blinking", func() bool { return len(board.Beacon.Changes()) >= 3 })
	mgr.End(session.EndDone)
	eventually("beacon off after the session", func() bool { return board.Beacon.Level() == pin.Low })

	board.TurnKey(true)
	eventually("maintenance open", func() bool { return maint.Snapshot().Mode == staff.Open })
	if err := dev.Relays["scanner"].PowerCycle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := board.Relays["scanner"].Changes(); len(got) != 3 {
		t.Errorf("scanner relay wrote %v; want off, on, off", got)
	}
	board.TurnKey(false)
	eventually("maintenance closed", func() bool { return maint.Snapshot().Mode == staff.Closed })
	mgr.Close()
}
