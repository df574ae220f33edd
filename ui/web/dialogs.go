package web

// #cgo pkg-config: webkit2gtk-4.1
// #include "guard.h"
import "C"

import "strings"

// Option is one entry of a page's <select> list.
type Option struct {
	Label    string
	Group    bool // a heading (<optgroup>), not something to pick
	Disabled bool
	Selected bool
}

// OptionMenu is a page's <select> list, which Borne shows in its own panel
// (WebKit's is a GTK popup menu outside Borne's screens). Answer it exactly
// once with Choose or Cancel.
type OptionMenu struct {
	Options []Option
	menu    *C.WebKitOptionMenu
}

// Choose picks the option at index i.
func (m *OptionMenu) Choose(i int) { m.answer(i) }

// Cancel closes the list with the choice unchanged.
func (m *OptionMenu) Cancel() { m.answer(-1) }

func (m *OptionMenu) answer(i int) {
	if m.menu == nil {
		return
	}
	C.borne_web_option_choose(m.menu, C.int(i))
	m.menu = nil
}

//export borneWebOptionMenu
func borneWebOptionMenu(h C.uintptr_t, menu *C.WebKitOptionMenu, labels, flags *C.char) {
	m := &OptionMenu{menu: menu}
	names := strings.Split(C.GoString(labels), "\n")
	for i, f := range C.GoString(flags) {
		m.Options = append(m.Options, Option{Label: names[i], Group: f == 'g', Disabled: f == 'd', Selected: f == 's'})
	}
	view(h).handler.ChooseOption(m)
}
