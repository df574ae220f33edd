// Package i18n holds Borne's gettext catalogues (po/*.po, one per language)
// and the languages a session can pick. The core needs them too (tickets),
// so they live here rather than in ui/.
package i18n

import (
	"embed"
	"fmt"
	"sync"

	"github.com/leonelquinteros/gotext"
)

// Language is one language the kiosk can speak.
type Language struct {
	Code string // ISO 639-1, also the .po file name
	Name string // the language's own name, in its own script
	RTL  bool   // written right to left: the whole layout mirrors
	// Comma: the language writes 41,9 rather than 41.9.
	Comma bool
}

// The order here is the default order of the language screen.
var languages = []Language{
	{Code: "fr", Name: "Français", Comma: true},
	{Code: "en", Name: "English"},
	{Code: "ar", Name: "العربية", RTL: true},
	{Code: "es", Name: "Español", Comma: true},
	{Code: "pt", Name: "Português", Comma: true},
	{Code: "tr", Name: "Türkçe", Comma: true},
	{Code: "ro", Name: "Română", Comma: true},
	{Code: "zh", Name: "中文"},
}

// Source is the language the program's strings are written in and the one
// every missing translation falls back to.
const Source = "fr"

// Supported lists the languages that have a catalogue.
func Supported() []Language { return append([]Language(nil), languages...) }

// Lookup finds a supported language by code.
func Lookup(code string) (Language, bool) {
	for _, l := range languages {
		if l.Code == code {
			return l, true
		}
	}
	return Language{}, false
}

//go:embed po/*.po
var poFiles embed.FS

var (
	loadOnce sync.Once
	catalogs map[string]*gotext.Po
	loadErr  error
)

func load() {
	catalogs = make(map[string]*gotext.Po, len(languages))
	for _, l := range languages {
		data, err := poFiles.ReadFile("po/" + l.Code + ".po")
		if err != nil {
			loadErr = fmt.Errorf("i18n: catalogue for %q: %w", l.Code, err)
			return
		}
		po := gotext.NewPo()
		po.Parse(data)
		catalogs[l.Code] = po
	}
}

// Catalog is the translations of one language.
type Catalog struct {
	lang Language
	po   *gotext.Po
}

// For returns the catalogue of a supported language; an unknown code gets the
// source language, so a screen is never left without words.
func For(code string) *Catalog {
	loadOnce.Do(load)
	if loadErr != nil {
		panic(loadErr) // embedded files: only a broken build gets here
	}
	l, ok := Lookup(code)
	if !ok {
		l, _ = Lookup(Source)
	}
	return &Catalog{lang: l, po: catalogs[l.Code]}
}

// Language tells which language the catalogue speaks.
func (c *Catalog) Language() Language { return c.lang }

// T translates a source (French) string, with fmt-style arguments.
func (c *Catalog) T(msgid string, args ...any) string {
	return c.po.Get(msgid, args...)
}

// TC translates a string in a context that tells translators where it stands.
func (c *Catalog) TC(ctx, msgid string, args ...any) string {
	return c.po.GetC(msgid, ctx, args...)
}

// N translates a string with a count: the catalogue picks the plural form
// the language needs (Arabic has six).
func (c *Catalog) N(msgid, plural string, n int, args ...any) string {
	return c.po.GetN(msgid, plural, n, args...)
}
