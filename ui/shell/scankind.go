package shell

import (
	"strings"

	"github.com/gotk3/gotk3/gtk"

	"borne/kiosk/i18n"
	"borne/kiosk/shrink"
	"borne/kiosk/tray"
	"borne/kiosk/visit"
)

// kindChoice is a document kind as the resident sees it.
type kindChoice struct {
	kind, picto, text string
}

func (s *Shell) kindChoices() []kindChoice {
	return []kindChoice{
		{shrink.DocLetter, "letter", s.cat.T("Une lettre ou un formulaire")},
		{shrink.DocID, "idcard", s.cat.T("Une pièce d'identité")},
		{shrink.DocPhoto, "photo", s.cat.T("Une photo")},
	}
}

// docKind is what the document being scanned is, as the resident said.
func docKind(tr *tray.Tray, scan visit.ScanState) string {
	if d, err := tr.Document(scan.Doc); err == nil && d.Kind != "" {
		return d.Kind
	}
	if scan.Kind != "" {
		return scan.Kind
	}
	return shrink.DocLetter
}

// kindPicker asks what the document is, in plain words; the choice is
// shown pressed and kept with the document.
func (s *Shell) kindPicker(tr *tray.Tray, scan visit.ScanState) gtk.IWidget {
	row := hbox(16)
	row.SetHAlign(gtk.ALIGN_CENTER)
	row.PackStart(label(s.cat.T("Qu'est-ce que c'est ?"), "lead"), false, false, 0)
	current := docKind(tr, scan)
	for _, k := range s.kindChoices() {
		kind := k.kind
		b := s.actionButton("kind-"+kind, k.picto, k.text, func() {
			s.cur().SetKind(kind, func(err error) {
				if err != nil {
					s.opt.Log.Error("shell: tray", "err", err)
				}
				s.rebuild()
			})
		})
		if kind == current {
			addClass(&b.Widget, "done")
			setAccessible(&b.Widget, k.text, s.cat.T("choisi"))
		}
		row.PackStart(b, false, false, 0)
	}
	return row
}

// scanButtonText is the scan button's words: an identity card's second
// side is its back.
func (s *Shell) scanButtonText(tr *tray.Tray, scan visit.ScanState, pages int) string {
	switch {
	case pages == 0:
		return s.cat.T("Scanner la page")
	case pages == 1 && docKind(tr, scan) == shrink.DocID:
		return s.cat.T("Retourner la carte et scanner le verso")
	}
	return s.cat.T("Ajouter une page")
}

// pageAccounts says, page by page, what was done, in plain words.
func pageAccounts(cat *i18n.Catalog, res shrink.Result) string {
	lines := make([]string, 0, len(res.PerPage))
	for _, c := range res.PerPage {
		var line string
		switch {
		case c.Kind == shrink.KindCard:
			line = cat.T("page %d : pièce d'identité découpée, gardée en couleur", c.Page)
		case c.Kind == shrink.KindBlank:
			line = cat.T("page %d : page vide", c.Page)
		case c.Step == shrink.StepGrey:
			line = cat.T("page %d : texte pâle gardé en gris pour rester lisible", c.Page)
		case c.Step == shrink.StepContrast:
			line = cat.T("page %d : texte pâle foncé pour rester lisible", c.Page)
		case c.Kind == shrink.KindPhoto:
			line = cat.T("page %d : photo gardée en couleur", c.Page)
		case c.Kind == shrink.KindMixed:
			line = cat.T("page %d : texte net, photo gardée en couleur", c.Page)
		case c.Kind == shrink.KindColour:
			line = cat.T("page %d : texte net, tampons et logos en couleur", c.Page)
		default:
			line = cat.T("page %d : texte net, en noir et blanc", c.Page)
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}
