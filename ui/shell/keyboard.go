package shell

import (
	_ "embed"
	"encoding/json"
	"strings"

	"github.com/gotk3/gotk3/glib"
	"github.com/gotk3/gotk3/gtk"
)

// The page script that reports focused fields (see focus.js).
//
//go:embed focus.js
var focusScript string

// Layouts of the on-screen keyboard: AZERTY with the French accents on a row
// of their own, and a numeric pad for numbers (allocataire, social security).
var (
	letterRows = [][]string{
		{"a", "z", "e", "r", "t", "y", "u", "i", "o", "p", keyBackspace},
		{"q", "s", "d", "f", "g", "h", "j", "k", "l", "m", keyEnter},
		{keyShift, "w", "x", "c", "v", "b", "n", "'", "-", "_"},
		{"é", "è", "ê", "à", "ç", "ù", "ô", "î", "ï", "ë"},
		{keyDigits, "@", ".fr", ".", keySpace, keyHide},
	}
	digitRows = [][]string{
		{"1", "2", "3", keyBackspace},
		{"4", "5", "6", keyEnter},
		{"7", "8", "9", keySpace},
		{keyLetters, "0", ".", keyHide},
	}
)

const (
	keyBackspace = "⌫"
	keyEnter     = "⏎"
	keyShift     = "⇧"
	keySpace     = "space"
	keyDigits    = "123"
	keyLetters   = "abc"
	keyHide      = "hide"
)

// keyboard is the on-screen keyboard under the web view. Its keys never take
// the focus: the page's field keeps it and receives the text.
type keyboard struct {
	b       *browser
	box     *gtk.Box
	digits  bool
	shifted bool
	hideTag glib.SourceHandle
}

func newKeyboard(b *browser) *keyboard {
	k := &keyboard{b: b, box: vbox(6)}
	k.box.SetName("keyboard")
	addClass(&k.box.Widget, "keyboard")
	k.box.SetNoShowAll(true)
	return k
}

// message handles what focus.js reports.
func (k *keyboard) message(raw string) {
	var m struct{ Kind, Keys string }
	if json.Unmarshal([]byte(raw), &m) != nil {
		return
	}
	switch m.Kind {
	case "focus":
		if k.hideTag != 0 {
			glib.SourceRemove(k.hideTag)
			k.hideTag = 0
		}
		k.show(m.Keys == "numeric")
	case "blur":
		// Moving from one field to the next blurs then focuses: wait a moment.
		k.hideTag = glib.TimeoutAdd(200, func() bool {
			k.hideTag = 0
			k.hide()
			return false
		})
	}
}

func (k *keyboard) show(digits bool) {
	if k.b.s.cfg.Screen.PhysicalKeyboard {
		return
	}
	k.digits, k.shifted = digits, false
	k.build()
	k.box.Show()
	// The view has just shrunk: bring the field back into sight.
	glib.TimeoutAdd(100, func() bool {
		k.b.view.Eval(`document.activeElement && document.activeElement.scrollIntoView({block: "center"}); true`, func(string, error) {})
		return false
	})
}

func (k *keyboard) hide() { k.box.Hide() }

// visible tells whether the keyboard is on screen, for tests.
func (k *keyboard) visible() bool { return k.box.GetVisible() }

func (k *keyboard) build() {
	removeChildren(k.box)
	rows := letterRows
	if k.digits {
		rows = digitRows
	}
	for _, keys := range rows {
		row := hbox(6)
		row.SetHomogeneous(!k.digits)
		row.SetHAlign(gtk.ALIGN_CENTER)
		for _, key := range keys {
			row.PackStart(k.key(key), true, true, 0)
		}
		k.box.PackStart(row, false, false, 0)
		row.ShowAll() // the box itself is no-show-all: show its rows one by one
	}
}

func (k *keyboard) key(key string) *gtk.Button {
	cat := k.b.s.cat
	text := key
	if k.shifted {
		text = strings.ToUpper(key)
	}
	spoken := text // what a screen reader says for the key
	switch key {
	case keySpace:
		text = cat.T("espace")
		spoken = text
	case keyHide:
		text = cat.T("Masquer")
		spoken = cat.T("Masquer le clavier")
	case keyBackspace:
		spoken = cat.T("Effacer")
	case keyEnter:
		spoken = cat.T("Valider")
	case keyShift:
		spoken = cat.T("Majuscule")
	case keyDigits:
		spoken = cat.T("Chiffres")
	case keyLetters:
		spoken = cat.T("Lettres")
	case "@":
		spoken = cat.T("arobase")
	}
	btn := k.b.s.button("key-"+key, func() { k.press(key) })
	btn.SetCanFocus(false)
	btn.SetFocusOnClick(false)
	addClass(&btn.Widget, "key")
	btn.Add(label(text, "key-label"))
	setAccessible(&btn.Widget, spoken, "")
	return btn
}

func (k *keyboard) press(key string) {
	switch key {
	case keyShift:
		k.shifted = !k.shifted
		k.build()
	case keyDigits, keyLetters:
		k.digits = key == keyDigits
		k.build()
	case keyHide:
		k.hide()
	case keyBackspace:
		k.run(`document.execCommand("delete", false)`)
	case keyEnter:
		k.run(`(() => { const el = document.activeElement;
			if (el && (el.tagName === "TEXTAREA" || el.isContentEditable)) document.execCommand("insertText", false, "\n");
			else if (el && el.form) el.form.requestSubmit(); })()`)
	case keySpace:
		k.insert(" ")
	default:
		if k.shifted {
			key = strings.ToUpper(key)
			k.shifted = false
			k.build()
		}
		k.insert(key)
	}
}

// insert types text into the focused field as if typed: the page gets its
// input events and its own checks run.
func (k *keyboard) insert(text string) {
	quoted, _ := json.Marshal(text)
	k.run(`document.execCommand("insertText", false, ` + string(quoted) + `)`)
}

func (k *keyboard) run(script string) {
	k.b.view.Eval(script+"; true", func(_ string, err error) {
		if err != nil {
			k.b.log.Warn("keyboard: key not delivered", "err", err)
		}
	})
}
