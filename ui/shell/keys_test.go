package shell

import "testing"

func TestBlockedKey(t *testing.T) {
	tests := []struct {
		name   string
		keyval uint
		state  uint
		want   bool
	}{
		{"Alt+F4", 0xffc1, modAlt, true},
		{"F11", 0xffc8, 0, true},
		{"Escape", keyEscape, 0, true},
		{"Alt+Tab", keyTab, modAlt, true},
		{"Alt+Shift+Tab", keyISOLeftTab, modAlt | 1, true},
		{"Ctrl+Q", 'q', modControl, true},
		{"Ctrl+Shift+W", 'W', modControl | 1, true},
		{"Ctrl+P print", 'p', modControl, true},
		{"Super_L", keySuperL, 0, true},
		{"Super+L", 'l', modSuper, true},
		{"Ctrl+Alt+Delete", 0xffff, modControl | modAlt, true},
		{"context-menu key", keyMenu, 0, true},
		{"plain letter", 'a', 0, false},
		{"accented letter", 0xe9, 0, false},
		{"Tab moves focus", keyTab, 0, false},
		{"Ctrl+C copies", 'c', modControl, false},
		{"Ctrl+V pastes", 'v', modControl, false},
		{"AltGr-typed @ (Alt bit off)", '@', 0, false},
		{"Enter", 0xff0d, 0, false},
		{"Backspace", 0xff08, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := blockedKey(tc.keyval, tc.state); got != tc.want {
				t.Fatalf("blockedKey(%#x, %#x) = %v, want %v", tc.keyval, tc.state, got, tc.want)
			}
		})
	}
}
