package pincode

import (
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// cheapHash is an argon2id hash of pin with the smallest cost, so that the
// tests that check many PINs stay fast under the race detector.
func cheapHash(pin string) string {
	salt := []byte("0123456789abcdef")
	p := argonParams{memory: 64, time: 1, threads: 1}
	return encodeArgon(p, salt, argon2.IDKey([]byte(pin), salt, p.time, p.memory, p.threads, 32))
}

func TestCheck(t *testing.T) {
	tests := []struct {
		pin string
		bad string // part of the error; "" when valid
	}{
		{"482915", ""},
		{"482915730461", ""},
		{"48291", "6 to 12 digits"},
		{"4829157304612", "6 to 12 digits"},
		{"48291a", "digits only"},
		{"123456", "too easy"},
		{"654321", "too easy"},
		{"890123", "too easy"},
		{"111111", "too easy"},
	}
	for _, tt := range tests {
		err := Check(tt.pin)
		if tt.bad == "" && err != nil || tt.bad != "" && (err == nil || !strings.Contains(err.Error(), tt.bad)) {
			t.Errorf("Check(%q) = %v; want error with %q", tt.pin, err, tt.bad)
		}
	}
}

func TestHashAndVerify(t *testing.T) {
	h, err := Hash("482915")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q: want argon2id with the default cost", h)
	}
	if h2, _ := Hash("482915"); h2 == h {
		t.Error("two hashes of one PIN are equal: the salt is not random")
	}
	if _, err := Hash("123456"); err == nil {
		t.Error("HashPIN accepted a guessable PIN")
	}
	bc, err := bcrypt.GenerateFromPassword([]byte("482915"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for name, hash := range map[string]string{"argon2id": h, "bcrypt": string(bc), "cheap": cheapHash("482915")} {
		if err := CheckHash(hash); err != nil {
			t.Errorf("%s: CheckHash: %v", name, err)
		}
		for pin, want := range map[string]bool{"482915": true, "482916": false, "": false} {
			if ok, err := Verify(hash, pin); ok != want || err != nil {
				t.Errorf("%s: Verify(%q) = %v, %v; want %v", name, pin, ok, err, want)
			}
		}
	}
}

func TestBadHashes(t *testing.T) {
	good := cheapHash("482915")
	f := strings.Split(good, "$")
	tests := map[string]string{
		"empty":          "",
		"plain text":     "482915",
		"argon2i":        strings.Replace(good, "argon2id", "argon2i", 1),
		"version":        strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":    strings.Replace(good, "m=64", "m=4194304", 1),
		"zero time":      strings.Replace(good, "t=1", "t=0", 1),
		"missing p":      strings.Replace(good, ",p=1", "", 1),
		"unknown param":  strings.Replace(good, "p=1", "p=1,x=2", 1),
		"bad salt":       strings.Join([]string{"", f[1], f[2], f[3], "!!", f[5]}, "$"),
		"short hash":     strings.Join([]string{"", f[1], f[2], f[3], f[4], "AAAA"}, "$"),
		"broken bcrypt":  "$2b$10$tooshort",
		"too many parts": good + "$x",
	}
	for name, h := range tests {
		if err := CheckHash(h); err == nil {
			t.Errorf("%s: CheckHash(%q) accepted it", name, h)
		}
		if ok, err := Verify(h, "482915"); ok || err == nil {
			t.Errorf("%s: VerifyPIN = %v, %v; want false and an error", name, ok, err)
		}
	}
}
