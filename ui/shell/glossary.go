package shell

import "github.com/gotk3/gotk3/gtk"

// glossary explains, in one plain sentence each, the administrative words
// residents meet on the public-service websites. The words and sentences go
// through the catalogues like every other text.
func (s *Shell) glossary() [][2]string {
	return [][2]string{
		{s.cat.T("allocataire"), s.cat.T("Une personne qui reçoit une aide de la CAF.")},
		{s.cat.T("justificatif"), s.cat.T("Un papier qui prouve ce que vous dites, par exemple une fiche de paie.")},
		{s.cat.T("attestation"), s.cat.T("Un document officiel qui confirme votre situation.")},
		{s.cat.T("déclaration trimestrielle"), s.cat.T("Tous les trois mois, vous dites à la CAF combien vous avez gagné.")},
		{s.cat.T("identifiant"), s.cat.T("Le nom ou le numéro qui vous sert à entrer sur le site.")},
		{s.cat.T("numéro de sécurité sociale"), s.cat.T("Le numéro à 13 chiffres écrit sur votre carte Vitale.")},
	}
}

// showGlossary lists the difficult words with their explanations.
func (s *Shell) showGlossary() {
	grid, _ := gtk.GridNew()
	grid.SetRowSpacing(12)
	grid.SetColumnSpacing(24)
	for i, entry := range s.glossary() {
		word := label(entry[0], "tile-name")
		word.SetXAlign(0)
		meaning := label(entry[1], "note")
		meaning.SetXAlign(0)
		meaning.SetJustify(gtk.JUSTIFY_LEFT)
		grid.Attach(word, 0, i, 1, 1)
		grid.Attach(meaning, 1, i, 1, 1)
	}
	s.showDialog("words", s.cat.T("Mots difficiles"), "", grid, s.actionButton("dialog-close", "back", s.cat.T("Fermer"), s.closeDialog))
}
