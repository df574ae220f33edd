package shell

import (
	"context"
	"testing"
	"time"

	"borne/kiosk/config"
	"borne/kiosk/i18n"
	"borne/kiosk/session"
	"borne/kiosk/speech"
)

// Each resident screen's instruction, in each language, becomes real speech:
// a WAV with sound in it, not silence.
func TestEveryInstructionSpeaks(t *testing.T) {
	screens := []session.Snapshot{
		{Screen: session.ScreenAttract}, {Screen: session.ScreenLanguage}, {Screen: session.ScreenHome},
		{Screen: session.ScreenService, State: session.Active}, {State: session.Warning, Screen: session.ScreenHome},
		{Screen: session.ScreenThanks, State: session.Thanks},
	}
	for _, lang := range i18n.Supported() {
		cat := i18n.For(lang.Code)
		for _, snap := range screens {
			text := instruction(cat, snap)
			if text == "" {
				t.Fatalf("%s/%s: no instruction", lang.Code, snap.Screen)
			}
			wav, err := speech.Synthesize(context.Background(), lang.Code, text, 100)
			if err != nil {
				t.Fatalf("%s/%s: %v", lang.Code, snap.Screen, err)
			}
			if len(wav) < 44+16000 { // under half a second of 16-bit 22 kHz audio
				t.Errorf("%s/%s: %d bytes of audio for %q", lang.Code, snap.Screen, len(wav), text)
			}
		}
	}
}

// Without a sound card there is no "listen" button; with one, it is on
// every screen of the session.
func TestListenButtonOnlyWithSound(t *testing.T) {
	silent := startKiosk(t, timings{idle: time.Minute, warn: 10 * time.Second, thanks: time.Second})
	silent.startSession("fr")
	if silent.buttonShown("listen") {
		t.Fatal("a listen button without a sound card")
	}
	silent.stop()

	k := startKiosk(t, timings{idle: time.Minute, warn: 10 * time.Second, thanks: time.Second},
		func(_ *config.Config, o *kitOptions) { o.Speaker = &speech.Speaker{Volume: 100} })
	k.startSession("fr")
	if !k.buttonShown("listen") {
		t.Fatal("no listen button although the kiosk can speak")
	}
}
