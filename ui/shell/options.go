package shell

import (
	"fmt"

	"borne/ui/web"
)

// showOptions shows a page's <select> list in Borne's own panel, in large
// buttons, instead of WebKit's popup menu (a window of its own, small print).
func (s *Shell) showOptions(b *browser, m *web.OptionMenu) {
	b.answerOption(-1) // a list still open is closed unchanged
	b.pendingMenu = m
	list := vbox(12)
	for i, o := range m.Options {
		if o.Group {
			list.PackStart(label(o.Label, "lead"), false, false, 0)
			continue
		}
		btn := s.button(fmt.Sprintf("option-%d", i), func() {
			s.closeDialog()
			b.answerOption(i)
		})
		addClass(&btn.Widget, "action")
		if o.Selected {
			addClass(&btn.Widget, "primary")
		}
		btn.SetSensitive(!o.Disabled)
		setAccessible(&btn.Widget, o.Label, "")
		btn.Add(label(o.Label, "action-label"))
		list.PackStart(btn, false, false, 0)
	}
	cancel := s.actionButton("option-cancel", "back", s.cat.T("Annuler"), func() {
		s.closeDialog()
		b.answerOption(-1)
	})
	s.showDialog("touch", s.cat.T("Choisissez dans la liste"), "", list, cancel)
}

// answerOption answers the page's open list: the option at i, or no change
// when i is -1.
func (b *browser) answerOption(i int) {
	m := b.pendingMenu
	b.pendingMenu = nil
	if m == nil {
		return
	}
	if i < 0 {
		m.Cancel()
		return
	}
	m.Choose(i)
}
