package shrink

import (
	"math/rand/v2"
	"testing"
)

// TestAnyBelow checks the 8-pixel paper test against a byte-by-byte one, for
// every threshold, on random words and on words with one byte at each
// value around it.
func TestAnyBelow(t *testing.T) {
	naive := func(x uint64, th uint8) bool {
		for i := range 8 {
			if uint8(x>>(8*i)) < th {
				return true
			}
		}
		return false
	}
	r := rand.New(rand.NewPCG(1, 2))
	for th := range 256 {
		words := []uint64{0, ^uint64(0), lanes1 * uint64(th)}
		for i := range 8 {
			for _, v := range []int{th - 1, th, th + 1, 0, 127, 128, 255} {
				if v >= 0 && v <= 255 {
					w := ^uint64(0) &^ (0xFF << (8 * i)) // bright paper…
					words = append(words, w|uint64(v)<<(8*i), lanes1*uint64(min(th+1, 255))&^(0xFF<<(8*i))|uint64(v)<<(8*i))
				}
			}
		}
		for range 2000 {
			words = append(words, r.Uint64())
		}
		for _, w := range words {
			if got, want := anyBelow(w, uint8(th)), naive(w, uint8(th)); got != want {
				t.Fatalf("anyBelow(%#016x, %d) = %v, want %v", w, th, got, want)
			}
		}
	}
}
