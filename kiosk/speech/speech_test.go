package speech

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// loudness is the RMS of a 16-bit mono WAV's samples, 0–1.
func loudness(t *testing.T, wav []byte) float64 {
	t.Helper()
	if len(wav) < 44 || string(wav[:4]) != "RIFF" || string(wav[8:12]) != "WAVE" {
		t.Fatalf("not a WAV file (%d bytes)", len(wav))
	}
	samples := wav[44:]
	var sum float64
	n := len(samples) / 2
	for i := 0; i < n; i++ {
		v := float64(int16(binary.LittleEndian.Uint16(samples[2*i:]))) / 32768
		sum += v * v
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(sum / float64(n))
}

func TestEveryLanguageSpeaks(t *testing.T) {
	texts := map[string]string{
		"fr": "Touchez l'écran pour commencer", "en": "Touch the screen to start",
		"ar": "المس الشاشة للبدء", "es": "Toque la pantalla para empezar", "pt": "Toque no ecrã para começar",
		"tr": "Başlamak için ekrana dokunun", "ro": "Atingeți ecranul pentru a începe", "zh": "触摸屏幕开始",
	}
	for lang, text := range texts {
		wav, err := Synthesize(context.Background(), lang, text, 100)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		if l := loudness(t, wav); l < 0.01 {
			t.Errorf("%s: audio is silent (RMS %.4f)", lang, l)
		}
	}
}

func TestVolumeZeroIsSilent(t *testing.T) {
	wav, err := Synthesize(context.Background(), "fr", "Bonjour", 0)
	if err != nil {
		t.Fatal(err)
	}
	if l := loudness(t, wav); l > 0.001 {
		t.Fatalf("volume 0 still speaks (RMS %.4f)", l)
	}
}

func TestUnknownLanguage(t *testing.T) {
	if _, err := Synthesize(context.Background(), "xx", "hello", 100); !errors.Is(err, ErrNoVoice) {
		t.Fatalf("err = %v", err)
	}
}
