package shell

import "unicode"

// X keysyms and GDK modifier bits the lockdown needs (gdkkeysyms.h, gdktypes.h).
const (
	keyTab        = 0xff09
	keyISOLeftTab = 0xfe20
	keyEscape     = 0xff1b
	keyMenu       = 0xff67 // the context-menu key
	keyF1         = 0xffbe
	keyF35        = 0xffe0
	keySuperL     = 0xffeb
	keyHyperR     = 0xffee // Meta, Alt, Super and Hyper keys sit in ffe7–ffee

	modControl = 1 << 2
	modAlt     = 1 << 3 // GDK_MOD1_MASK
	modSuper   = 1 << 26
	modMeta    = 1 << 28
)

// ctrlBlocked are Ctrl+letter shortcuts that close, open, save or print
// something in GTK or WebKit. Ctrl+A/C/V/X/Z stay: residents edit fields.
var ctrlBlocked = map[rune]bool{'q': true, 'w': true, 'n': true, 't': true, 'o': true, 's': true, 'p': true, 'l': true, 'r': true, 'h': true, 'j': true, 'd': true, 'u': true, 'i': true, 'g': true, 'f': true}

// blockedKey says whether a key press must never reach the kiosk: ways out
// (Alt+F4, Ctrl+Q/W, Alt+Tab, Super), window-manager and browser shortcuts
// (F-keys, Ctrl+O/S/P…), Escape and the context-menu key.
func blockedKey(keyval, state uint) bool {
	switch {
	case keyval == keyEscape, keyval == keyMenu:
		return true
	case keyval >= keyF1 && keyval <= keyF35:
		return true
	case keyval >= 0xffe7 && keyval <= keyHyperR && keyval != 0xffe9 && keyval != 0xffea:
		return true // Meta, Super, Hyper (plain Alt is harmless alone)
	case state&(modSuper|modMeta) != 0:
		return true
	case state&modAlt != 0 && (keyval == keyTab || keyval == keyISOLeftTab || state&modControl != 0):
		return true // Alt+Tab, and Ctrl+Alt+anything
	case state&modControl != 0 && keyval < 0x80 && ctrlBlocked[unicode.ToLower(rune(keyval))]:
		return true
	}
	return false
}
