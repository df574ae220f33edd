package shell

import (
	"context"
	"testing"
	"time"

	gpiolevel "periph.io/x/conn/v3/gpio"

	"borne/drivers/gpio"
	"borne/drivers/gpio/gpiotest"
	"borne/kiosk/config"
	"borne/kiosk/session"
)

// The presence sensor (a fake GPIO board) dims the welcome screen when
// nobody is near and lights it when someone comes; a touch on the dimmed
// screen starts a session, and after it the screen dims again.
func TestPresenceSensorWakesWelcomeScreen(t *testing.T) {
	board := gpiotest.NewBoard()
	k := startKiosk(t, timings{time.Hour, time.Minute, 200 * time.Millisecond}, func(_ *config.Config, o *kitOptions) {
		o.SleepAfter = 300 * time.Millisecond
	})
	dev, err := gpio.New(board.Lines(), gpio.Options{InputsActiveLow: true}, gpio.Handlers{Presence: k.sh.Presence})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go dev.Serve(ctx)
	asleep := func(want bool) {
		t.Helper()
		for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			var got bool
			onUI(func() { got = findNamed(&k.sh.Window().Widget, "asleep") })
			if got == want {
				return
			}
			if time.Now().After(end) {
				t.Fatalf("welcome screen asleep = %v, want %v", got, want)
			}
		}
	}
	asleep(true) // nobody there at start
	k.screenshot("asleep")
	board.Presence.Set(gpiolevel.High)
	asleep(false)
	board.Presence.Set(gpiolevel.Low)
	asleep(true)
	k.tap("start")
	k.waitShown("a session", func(s session.Snapshot) bool { return s.State == session.Active })
	k.mgr.End(session.EndDone)
	k.waitScreen(session.ScreenAttract)
	asleep(true)
}
