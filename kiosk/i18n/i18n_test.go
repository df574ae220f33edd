package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// message is a string the code asks to translate.
type message struct {
	id, plural string
	where      string
}

// usedMessages finds every literal passed to Catalog.T / N in the repository's
// Go code, so a string added without a translation fails the build's tests.
func usedMessages(t *testing.T) []message {
	t.Helper()
	var msgs []message
	fset := token.NewFileSet()
	for _, dir := range []string{"../../kiosk", "../../ui", "../../drivers", "../../provisioning", "../../testbench"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "T" && sel.Sel.Name != "N") || len(call.Args) == 0 {
					return true
				}
				lit, ok := call.Args[0].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				m := message{where: fset.Position(call.Pos()).String()}
				m.id, _ = strconv.Unquote(lit.Value)
				if sel.Sel.Name == "N" && len(call.Args) > 1 {
					if pl, ok := call.Args[1].(*ast.BasicLit); ok {
						m.plural, _ = strconv.Unquote(pl.Value)
					}
				}
				msgs = append(msgs, m)
				return true
			})
			return nil
		})
		if err != nil && !strings.Contains(err.Error(), "no such file") {
			t.Fatal(err)
		}
	}
	if len(msgs) == 0 {
		t.Fatal("found no translated strings in the code: the scanner is broken")
	}
	return msgs
}

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

func verbs(s string) []string {
	v := verb.FindAllString(s, -1)
	slices.Sort(v)
	return v
}

// Every string the code uses is translated in every language, with the same
// format verbs, and every plural form is filled.
func TestEveryUsedStringIsTranslatedEverywhere(t *testing.T) {
	msgs := usedMessages(t)
	for _, lang := range Supported() {
		c := For(lang.Code)
		trs := c.po.GetDomain().GetTranslations()
		for _, m := range msgs {
			tr, ok := trs[m.id]
			if !ok {
				t.Errorf("%s: %q (%s) is missing from po/%s.po", lang.Code, m.id, m.where, lang.Code)
				continue
			}
			if m.plural != "" && tr.PluralID != m.plural {
				t.Errorf("%s: %q: plural %q in the catalogue, %q in the code", lang.Code, m.id, tr.PluralID, m.plural)
			}
			if len(tr.Trs) == 0 {
				t.Errorf("%s: %q has no translation", lang.Code, m.id)
			}
			for form, s := range tr.Trs {
				if strings.TrimSpace(s) == "" {
					t.Errorf("%s: %q form %d is empty", lang.Code, m.id, form)
				}
				if !slices.Equal(verbs(s), verbs(m.id)) {
					t.Errorf("%s: %q form %d: format verbs %v, want %v", lang.Code, m.id, form, verbs(s), verbs(m.id))
				}
			}
		}
	}
}

// A catalogue entry the code no longer uses is noise for translators.
func TestNoStaleCatalogueEntries(t *testing.T) {
	used := map[string]bool{}
	for _, m := range usedMessages(t) {
		used[m.id] = true
	}
	for _, lang := range Supported() {
		for id := range For(lang.Code).po.GetDomain().GetTranslations() {
			if id != "" && !used[id] {
				t.Errorf("po/%s.po: %q is not used by the code", lang.Code, id)
			}
		}
	}
}

func TestPluralForms(t *testing.T) {
	const one, many = "La session se termine dans %d seconde. Tout sera effacé.", "La session se termine dans %d secondes. Tout sera effacé."
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"fr", 0, "La session se termine dans 0 seconde. Tout sera effacé."}, // French: 0 is singular
		{"fr", 1, "La session se termine dans 1 seconde. Tout sera effacé."},
		{"fr", 2, "La session se termine dans 2 secondes. Tout sera effacé."},
		{"en", 1, "The session ends in 1 second. Everything will be erased."},
		{"en", 0, "The session ends in 0 seconds. Everything will be erased."},
		{"ar", 2, "تنتهي الجلسة خلال 2 ثانيتين. سيُمحى كل شيء."},
		{"ar", 5, "تنتهي الجلسة خلال 5 ثوانٍ. سيُمحى كل شيء."},
		{"ar", 30, "تنتهي الجلسة خلال 30 ثانية. سيُمحى كل شيء."},
	}
	for _, tc := range tests {
		if got := For(tc.lang).N(one, many, tc.n, tc.n); got != tc.want {
			t.Errorf("%s n=%d: %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}

func TestUnknownLanguageFallsBackToSource(t *testing.T) {
	c := For("xx")
	if c.Language().Code != Source {
		t.Fatalf("For(xx) speaks %q", c.Language().Code)
	}
	if got := For("ar").T("J'ai fini"); got == "J'ai fini" || got == "" {
		t.Fatalf("Arabic translation missing: %q", got)
	}
	if l, _ := Lookup("ar"); !l.RTL {
		t.Fatal("Arabic must be right to left")
	}
}
