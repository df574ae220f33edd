// Package speech reads the kiosk's instructions aloud with espeak-ng, in the
// session's language, through the normal sound stack (ALSA's aplay). It only
// ever speaks texts from the catalogues, never what a resident typed or scanned.
package speech

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
)

// voices maps the kiosk's language codes to espeak-ng voices.
var voices = map[string]string{
	"fr": "fr", "en": "en", "ar": "ar", "es": "es", "pt": "pt",
	"tr": "tr", "ro": "ro", "zh": "cmn",
}

// ErrNoVoice says espeak-ng has no voice for a language.
var ErrNoVoice = errors.New("speech: no voice for this language")

// Synthesize renders text as a WAV file. volume is 0–100.
func Synthesize(ctx context.Context, lang, text string, volume int) ([]byte, error) {
	voice, ok := voices[lang]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoVoice, lang)
	}
	amplitude := strconv.Itoa(min(max(volume, 0), 100) * 2) // espeak-ng: 0–200, 100 is normal
	cmd := exec.CommandContext(ctx, "espeak-ng", "-v", voice, "-a", amplitude, "-s", "150", "--stdout", "--", text)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("speech: espeak-ng %s: %w: %s", voice, err, strings.TrimSpace(stderr.String()))
	}
	return out.Bytes(), nil
}

// Available tells whether the kiosk can speak: espeak-ng and aplay are
// installed and ALSA lists a sound card. Without one the "listen" button hides.
func Available() bool {
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		return false
	}
	out, err := exec.Command("aplay", "-l").Output()
	return err == nil && bytes.Contains(out, []byte("card "))
}

// Speaker says one thing at a time: a new request stops the one before.
type Speaker struct {
	Volume int // 0–100

	mu     sync.Mutex
	cancel context.CancelFunc
}

// Say speaks text in lang in the background; errors go to done (may be nil).
func (s *Speaker) Say(lang, text string, done func(error)) {
	s.mu.Lock()
	if s.cancel != nil {
		s.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.mu.Unlock()
	go func() {
		err := s.play(ctx, lang, text)
		if done != nil && ctx.Err() == nil {
			done(err)
		}
	}()
}

// Stop silences the kiosk (the session ended, the resident moved on).
func (s *Speaker) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
}

func (s *Speaker) play(ctx context.Context, lang, text string) error {
	wav, err := Synthesize(ctx, lang, text, s.Volume)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "aplay", "-q", "-")
	cmd.Stdin = bytes.NewReader(wav)
	if out, err := cmd.CombinedOutput(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("speech: aplay: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
