package legibility

import (
	"maps"
	"testing"
)

func TestWords(t *testing.T) {
	got := Words("Caisse d'allocations familiales — numéro 1145,63 € a A été À l'été")
	want := map[string]int{"caisse": 1, "allocations": 1, "familiales": 1, "numéro": 1, "1145": 1, "63": 1, "été": 2}
	if !maps.Equal(got, want) {
		t.Errorf("Words = %v, want %v", got, want)
	}
}

func TestRecall(t *testing.T) {
	tests := []struct {
		truth, text string
		want        float64
	}{
		{"revenu revenu foyer caisse", "Revenu FOYER caisse", 0.75},
		{"revenu revenu", "revenu revenu revenu", 1},
		{"numéro", "numero", 0},
		{"", "anything", 0},
	}
	for _, tt := range tests {
		if got := Recall(tt.truth, tt.text); got != tt.want {
			t.Errorf("Recall(%q, %q) = %v, want %v", tt.truth, tt.text, got, tt.want)
		}
	}
}
