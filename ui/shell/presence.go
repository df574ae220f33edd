package shell

import (
	"time"

	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"

	"borne/kiosk/session"
)

// DefaultSleepAfter is how long the welcome screen stays lit once the
// presence sensor sees nobody: a lobby's quiet hours would otherwise burn
// the same picture into the panel all day.
const DefaultSleepAfter = 2 * time.Minute

// Presence reports the presence sensor (GPIO); safe from any goroutine.
// Nobody there for SleepAfter dims the welcome screen; someone coming
// lights it again. Without a sensor the screen never sleeps.
func (s *Shell) Presence(someone bool) {
	glib.IdleAdd(func() {
		s.nobody = !someone
		if someone {
			s.presenceGen++
			s.wake()
		} else {
			s.armSleep()
		}
	})
}

// armSleep dims the welcome screen after SleepAfter, unless someone comes
// (or a session starts) first.
func (s *Shell) armSleep() {
	s.presenceGen++
	gen := s.presenceGen
	glib.TimeoutAdd(uint(s.sleepAfter().Milliseconds()), func() bool {
		if gen == s.presenceGen && s.nobody && s.shown.State == session.Attract && !s.asleep {
			s.asleep = true
			s.rebuild()
			s.saveShot("asleep")
		}
		return false
	})
}

func (s *Shell) sleepAfter() time.Duration {
	if s.opt.SleepAfter > 0 {
		return s.opt.SleepAfter
	}
	return DefaultSleepAfter
}

// wake lights the welcome screen again.
func (s *Shell) wake() {
	if s.asleep {
		s.asleep = false
		s.rebuild()
	}
}

// sleepScreen is the dimmed welcome screen: almost black, one line to
// say the kiosk works; a touch starts a session as on the lit one.
func (s *Shell) sleepScreen() gtk.IWidget {
	btn := s.button("start", func() {
		s.asleep = false
		if err := s.opt.Session.Start(); err != nil {
			s.opt.Log.Error("shell: start session", "err", err)
		}
	})
	btn.SetName("asleep")
	addClass(&btn.Widget, "asleep")
	setAccessible(&btn.Widget, s.cat.T("Touchez l'écran pour commencer"), s.cfg.Kiosk.Site)
	btn.Add(label(s.cat.T("Touchez l'écran pour commencer"), "asleep-text"))
	return btn
}
