package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// base is a small valid file; cases edit it in place so that line numbers
// stay those shown here.
const base = `[kiosk]
id = "test-01"
site = "Test"
timezone = "Europe/Paris"
languages = ["fr", "en"]
default_language = "fr"

[screen]
dpi = 96

[session]
idle_after = "90s"
warn_for = "30s"
thanks_for = "6s"

[usage]
retention_months = 13

[[service]]
id = "caf"
name = { fr = "CAF", en = "CAF" }
summary.fr = "Allocations."
pictogram = "family"
start_url = "https://www.caf.fr/"
allowed_domains = ["caf.fr", "*.caf.fr"]
upload_limit = "5 MB"
accept = ["application/pdf"]

[[service.next_step]]
kind = "quarterly"
from_day = 1
to_day = 15
text.fr = "Déclaration."

[[service]]
id = "ameli"
pictogram = "health"
start_url = "http://127.0.0.1:8765/ameli/"
allowed_domains = [
  "127.0.0.1:8765",
]
[service.name]
fr = "Ameli"
`

// edit applies old→new replacements to base, failing if one does not apply.
func edit(t *testing.T, pairs ...string) string {
	t.Helper()
	doc := base
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(doc, pairs[i]) {
			t.Fatalf("edit: %q is not in the base document", pairs[i])
		}
		doc = strings.Replace(doc, pairs[i], pairs[i+1], 1)
	}
	return doc
}

func parseErrors(t *testing.T, doc string) Errors {
	t.Helper()
	cfg, err := Parse([]byte(doc), "borne.toml")
	if err == nil {
		t.Fatalf("Parse accepted the document:\n%s", doc)
	}
	if cfg != nil {
		t.Errorf("Parse returned a Config along with an error")
	}
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %T is not *Errors: %v", err, err)
	}
	return *errs
}

func TestBaseIsValid(t *testing.T) {
	if _, err := Parse([]byte(base), "borne.toml"); err != nil {
		t.Fatal(err)
	}
}

func TestValidationErrors(t *testing.T) {
	var noServices = base[:strings.Index(base, "[[service]]")]
	tests := []struct {
		name  string
		doc   string
		field string
		line  int
		msg   string // a part of the message
	}{
		// kiosk
		{"id missing", edit(t, `id = "test-01"`, ``), "kiosk.id", 1, "missing"},
		{"id empty", edit(t, `id = "test-01"`, `id = ""`), "kiosk.id", 2, "is empty"},
		{"id not a slug", edit(t, `id = "test-01"`, `id = "Test 01"`), "kiosk.id", 2, `"Test 01" is not a valid id`},
		{"id too long", edit(t, `id = "test-01"`, `id = "`+strings.Repeat("a", 33)+`"`), "kiosk.id", 2, "1 to 32"},
		{"id dash first", edit(t, `id = "test-01"`, `id = "-a"`), "kiosk.id", 2, "not a valid id"},
		{"site missing", edit(t, `site = "Test"`, ``), "kiosk.site", 1, "missing"},
		{"site too long", edit(t, `site = "Test"`, `site = "`+strings.Repeat("é", 81)+`"`), "kiosk.site", 3, "81 characters"},
		{"timezone unknown", edit(t, `"Europe/Paris"`, `"Europe/Pariss"`), "kiosk.timezone", 4, `"Europe/Pariss" is not a known time zone`},
		{"timezone empty", edit(t, `"Europe/Paris"`, `""`), "kiosk.timezone", 4, "not a time zone name"},
		{"languages empty", edit(t, `["fr", "en"]`, `[]`), "kiosk.languages", 5, "is empty"},
		{"language unsupported", edit(t, `["fr", "en"]`, `["fr", "de"]`), "kiosk.languages[1]", 5, `"de" is not a supported language (supported: fr, en, ar, es, pt, tr, ro, zh)`},
		{"language twice", edit(t, `["fr", "en"]`, `["fr", "en", "fr"]`), "kiosk.languages[2]", 5, `"fr" is listed twice`},
		{"default language not offered", edit(t, `default_language = "fr"`, `default_language = "es"`), "kiosk.default_language", 6, `"es" is not one of kiosk.languages (fr, en)`},
		{"default language left out, fr not offered", edit(t, `["fr", "en"]`, `["en"]`, `default_language = "fr"`, ``), "kiosk.default_language", 1, `the default, "fr", is not in kiosk.languages`},
		{"state dir relative", edit(t, `default_language = "fr"`, `default_language = "fr"`+"\n"+`state_dir = "var/borne"`), "kiosk.state_dir", 7, "not an absolute path"},
		// screen
		{"dpi too low", edit(t, `dpi = 96`, `dpi = 20`), "screen.dpi", 9, "20 is out of range (expected 72 to 600"},
		{"dpi too high", edit(t, `dpi = 96`, `dpi = 700`), "screen.dpi", 9, "expected 72 to 600"},
		{"rotation not a quarter turn", edit(t, `dpi = 96`, "dpi = 96\nrotation = 45"), "screen.rotation", 10, "45 is not a rotation (expected 0, 90, 180 or 270"},
		// session
		{"idle too short", edit(t, `"90s"`, `"10s"`), "session.idle_after", 12, "10s is out of range (expected between 15s and 1h)"},
		{"idle too long", edit(t, `"90s"`, `"1h1m"`), "session.idle_after", 12, "1h1m is out of range"},
		{"warn too short", edit(t, `"30s"`, `"1s"`), "session.warn_for", 13, "between 5s and 5m"},
		{"warn too long", edit(t, `"30s"`, `"6m"`), "session.warn_for", 13, "between 5s and 5m"},
		{"thanks too long", edit(t, `"6s"`, `"2m"`), "session.thanks_for", 14, "between 0s and 1m"},
		{"session dir relative", edit(t, `thanks_for = "6s"`, `dir = "tmp"`), "session.dir", 14, "not an absolute path"},
		// usage
		{"retention zero", edit(t, `retention_months = 13`, `retention_months = 0`), "usage.retention_months", 17, "expected 1 to 25 months"},
		{"retention over CNIL cap", edit(t, `retention_months = 13`, `retention_months = 26`), "usage.retention_months", 17, "the CNIL caps audience-measurement data at 25 months"},
		{"usage db relative", edit(t, `retention_months = 13`, `db = "usage.db"`), "usage.db", 17, "not an absolute path"},
		// services
		{"no service", noServices, "service", 0, "add at least one [[service]]"},
		{"service id missing", edit(t, `id = "caf"`, ``), "service[0].id", 19, "missing"},
		{"service id not a slug", edit(t, `id = "caf"`, `id = "CAF"`), "service[0].id", 20, `"CAF" is not a valid id`},
		{"service id twice", edit(t, `id = "ameli"`, `id = "caf"`), "service[1].id", 36, `"caf" is already the id of service[0]`},
		{"name fr missing (inline)", edit(t, `{ fr = "CAF", en = "CAF" }`, `{ en = "CAF" }`), "service[0].name.fr", 21, "missing: every service needs a French name"},
		{"name fr missing (table)", edit(t, `fr = "Ameli"`, `en = "Ameli"`), "service[1].name.fr", 42, "missing"},
		{"name fr missing (no name)", edit(t, `name = { fr = "CAF", en = "CAF" }`, ``), "service[0].name.fr", 19, "missing"},
		{"name language unsupported", edit(t, `en = "CAF" }`, `de = "CAF" }`), "service[0].name.de", 21, `"de" is not a supported language`},
		{"name empty translation", edit(t, `en = "CAF" }`, `en = " " }`), "service[0].name.en", 21, "is empty"},
		{"name odd language key", edit(t, `en = "CAF" }`, `"f r" = "CAF" }`), `service[0].name."f r"`, 21, "not a supported language"},
		{"summary language unsupported", edit(t, `summary.fr`, `summary.xx`), "service[0].summary.xx", 22, `"xx" is not a supported language`},
		{"pictogram unknown", edit(t, `"family"`, `"famille"`), "service[0].pictogram", 23, `"famille" is not a known pictogram (known: back, `},
		{"pictogram missing", edit(t, `pictogram = "health"`, ``), "service[1].pictogram", 35, "missing: choose one of"},
		{"start url not absolute", edit(t, `"https://www.caf.fr/"`, `"www.caf.fr"`), "service[0].start_url", 24, "not a full web address"},
		{"start url scheme", edit(t, `"https://www.caf.fr/"`, `"ftp://www.caf.fr/"`), "service[0].start_url", 24, "must start with https://"},
		{"start url no host", edit(t, `"https://www.caf.fr/"`, `"https://:443/"`), "service[0].start_url", 24, "no host name"},
		{"start url host not allowed", edit(t, `"https://www.caf.fr/"`, `"https://www.ameli.fr/"`), "service[0].start_url", 24, `host "www.ameli.fr" is not in allowed_domains (add "www.ameli.fr", or a pattern such as "*.ameli.fr")`},
		{"start url port not allowed", edit(t, `"http://127.0.0.1:8765/ameli/"`, `"http://127.0.0.1:8766/ameli/"`), "service[1].start_url", 38, "not in allowed_domains"},
		{"allowed domains empty", edit(t, `["caf.fr", "*.caf.fr"]`, `[]`), "service[0].allowed_domains", 25, "is empty"},
		{"allowed domain with scheme", edit(t, `["caf.fr", "*.caf.fr"]`, `["https://caf.fr/", "*.caf.fr"]`), "service[0].allowed_domains[0]", 25, "without https://"},
		{"allowed domain garbage", edit(t, `["caf.fr", "*.caf.fr"]`, `["caf.fr", "caf .fr"]`), "service[0].allowed_domains[1]", 25, "not a host name pattern"},
		{"allowed domain too broad", edit(t, `["caf.fr", "*.caf.fr"]`, `["caf.fr", "*.fr"]`), "service[0].allowed_domains[1]", 25, "too broad"},
		{"allowed domain port (multi-line list)", edit(t, `"127.0.0.1:8765",`, `"127.0.0.1:99999",`), "service[1].allowed_domains[0]", 40, "port out of range"},
		{"upload limit zero", edit(t, `"5 MB"`, `"0 MB"`), "service[0].upload_limit", 26, "must be more than 0"},
		{"upload limit too big", edit(t, `"5 MB"`, `"200 MB"`), "service[0].upload_limit", 26, "200 MB is more than the 100 MB"},
		{"upload limit not a size", edit(t, `"5 MB"`, `"5 XB"`), "service[0].upload_limit", 26, `"5 XB" is not a size (write e.g. "5 MB")`},
		{"upload limit negative number", edit(t, `"5 MB"`, `-5`), "service[0].upload_limit", 26, "negative"},
		{"accept empty", edit(t, `["application/pdf"]`, `[]`), "service[0].accept", 27, "is empty"},
		{"accept unsupported", edit(t, `["application/pdf"]`, `["application/pdf", "image/gif"]`), "service[0].accept[1]", 27, `"image/gif" is not a type Borne can produce (supported: application/pdf, image/jpeg, image/png)`},
		// next steps
		{"step kind unknown", edit(t, `"quarterly"`, `"weekly"`), "service[0].next_step[0].kind", 30, `"weekly" is not a known kind`},
		{"step kind missing", edit(t, `kind = "quarterly"`, ``), "service[0].next_step[0].kind", 29, "missing"},
		{"step from day zero", edit(t, `from_day = 1`, `from_day = 0`), "service[0].next_step[0].from_day", 31, "0 is not a day of the month"},
		{"step from day missing", edit(t, `from_day = 1`, ``), "service[0].next_step[0].from_day", 29, "missing"},
		{"step to day 32", edit(t, `to_day = 15`, `to_day = 32`), "service[0].next_step[0].to_day", 32, "expected 1 to 31"},
		{"step window reversed", edit(t, `from_day = 1`, `from_day = 20`), "service[0].next_step[0].to_day", 32, "15 is before from_day 20"},
		{"step text fr missing", edit(t, `text.fr`, `text.en`), "service[0].next_step[0].text.fr", 33, "missing"},
		{"second step", edit(t, "text.fr = \"Déclaration.\"\n", "text.fr = \"Déclaration.\"\n[[service.next_step]]\nkind = \"monthly\"\nfrom_day = 1\nto_day = 40\ntext.fr = \"x\"\n"), "service[0].next_step[1].to_day", 37, "40 is not a day"},
		{"inline steps", edit(t, "]\n[service.name]", "]\n"+`next_step = [{ kind = "monthly", from_day = 3, to_day = 5, text = { fr = "x" } }, { kind = "monthly", from_day = 3, to_day = 2, text = { fr = "x" } }]`+"\n[service.name]"), "service[1].next_step[1].to_day", 42, "2 is before from_day 3"},
		// wrong types, unknown keys, syntax
		{"wrong type", edit(t, `dpi = 96`, `dpi = "high"`), "screen.dpi", 9, `found the text "high", expected a whole number`},
		{"wrong type in inline table", edit(t, `en = "CAF" }`, `en = 3 }`), "service[0].name.en", 21, "found the number 3, expected a text in quotes"},
		{"dotted key into a text", edit(t, `summary.fr =`, `summary.fr.x =`), "service[0].summary.fr", 22, "found a section of keys, expected a text in quotes"},
		{"wrong type list", edit(t, `languages = ["fr", "en"]`, `languages = "fr"`), "kiosk.languages", 5, `expected a list in brackets`},
		{"duration without unit", edit(t, `"90s"`, `90`), "session.idle_after", 12, `"90" has no unit`},
		{"duration garbage", edit(t, `"90s"`, `"90 secondes"`), "session.idle_after", 12, `is not a duration`},
		{"unknown key", edit(t, "dpi = 96\n\n", "dpi = 96\ndpii = 3\n"), "screen.dpii", 10, `unknown key "dpii": did you mean "dpi"?`},
		{"key in the wrong section", edit(t, "dpi = 96\n\n", "dpi = 96\ntimezone = \"UTC\"\n"), "screen.timezone", 10, "it belongs in [kiosk]"},
		{"unknown key in array table", edit(t, `text.fr = "Déclaration."`, `text.fr = "Déclaration."`+"\nnote = 1"), "service[0].next_step[0].note", 34, `unknown key "note" (keys allowed in service[0].next_step[0]: from_day, kind, text, to_day)`},
		{"unknown section", edit(t, "[usage]", "[usages]"), "usages", 16, `unknown section "usages": did you mean "usage"?`},
		{"key in the wrong case", edit(t, "dpi = 96", "DPI = 96"), "screen.DPI", 9, `write "dpi", in lower case`},
		{"syntax error", edit(t, `site = "Test"`, `site = "Test`), "kiosk", 3, "TOML syntax"},
		{"syntax error in a service", edit(t, `pictogram = "health"`, `pictogram = health`), "service[1]", 37, "TOML syntax"},
		{"duplicate key", edit(t, `dpi = 96`+"\n\n", `dpi = 96`+"\n"+`dpi = 97`+"\n"), "screen.dpi", 10, "already defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := parseErrors(t, tt.doc)
			if len(errs) != 1 {
				t.Fatalf("want 1 error, got %d:\n%v", len(errs), &errs)
			}
			fe := errs[0]
			if fe.Field != tt.field || fe.Line != tt.line || !strings.Contains(fe.Msg, tt.msg) {
				t.Errorf("got  %s\nwant borne.toml:%d: %s: …%s…", fe.Error(), tt.line, tt.field, tt.msg)
			}
			if fe.File != "borne.toml" {
				t.Errorf("file = %q", fe.File)
			}
		})
	}
}

func TestSectionShapes(t *testing.T) {
	tests := []struct {
		doc, want string
	}{
		{"[[kiosk]]\nid = \"a\"\n", "borne.toml:1: kiosk: found a [[…]] section, expected a section of keys"},
		{strings.Replace(base, "[[service]]\nid = \"ameli\"", "[service]\nid = \"ameli\"", 1), "borne.toml:35: service: write [[service]], with two brackets"},
		{"kiosk = 1\n", "borne.toml:1: kiosk: found the number 1, expected a section of keys"},
		{"[kiosk]\nid = \"a\"\n[kiosk]\nsite = \"b\"\n", "borne.toml:3: kiosk: table kiosk already exists"},
	}
	for _, tt := range tests {
		errs := parseErrors(t, tt.doc)
		found := false
		for _, fe := range errs {
			found = found || strings.HasPrefix(fe.Error(), tt.want)
		}
		if !found {
			t.Errorf("%q: no %q in\n%v", tt.doc, tt.want, &errs)
		}
	}
}

func TestErrorsCollected(t *testing.T) {
	doc := edit(t,
		`id = "test-01"`, `id = 3`, // wrong type: reported, and not also "missing"
		`dpi = 96`, `dpi = "x"`,
		`"90s"`, `"90 s s"`,
		`"5 MB"`, `"5 XB"`,
		`to_day = 15`, `to_day = 0`,
		"dpi = \"x\"\n\n", "dpi = \"x\"\nbogus = 1\n",
		`pictogram = "health"`, `pictogram = "heart"`,
	)
	errs := parseErrors(t, doc)
	var got []string
	for _, fe := range errs {
		got = append(got, fmt.Sprintf("%d %s", fe.Line, fe.Field))
	}
	want := []string{
		"2 kiosk.id", "9 screen.dpi", "10 screen.bogus", "12 session.idle_after",
		"26 service[0].upload_limit", "32 service[0].next_step[0].to_day", "37 service[1].pictogram",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s\n(full:\n%v)", strings.Join(got, "\n"), strings.Join(want, "\n"), &errs)
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := Parse([]byte(edit(t, `"5 MB"`, `"5 XB"`)), "borne.toml")
	want := `borne.toml:26: service[0].upload_limit: "5 XB" is not a size (write e.g. "5 MB")`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Line != 26 {
		t.Errorf("errors.As *FieldError: %v", fe)
	}
	two := Errors{{File: "f", Line: 1, Field: "a", Msg: "x"}, {File: "f", Field: "b", Msg: "y"}, {Msg: "z"}}
	if got := two.Error(); got != "f:1: a: x\nf: b: y\nz" {
		t.Errorf("got %q", got)
	}
}

func TestDefaults(t *testing.T) {
	doc := `[kiosk]
id = "k"
site = "S"
[[service]]
id = "caf"
name.fr = "CAF"
pictogram = "family"
start_url = "https://caf.fr/"
allowed_domains = ["caf.fr"]
`
	c, err := Parse([]byte(doc), "t.toml")
	if err != nil {
		t.Fatal(err)
	}
	s := c.Services[0]
	checks := []struct {
		what      string
		got, want any
	}{
		{"languages", strings.Join(c.Kiosk.Languages, ","), "fr,en,ar,es,pt,tr,ro,zh"},
		{"default_language", c.Kiosk.DefaultLanguage, "fr"},
		{"timezone", c.Kiosk.TimeZone, "Europe/Paris"},
		{"state_dir", c.Kiosk.StateDir, "/var/lib/borne"},
		{"dpi", c.Screen.DPI, 96},
		{"hide_pointer", c.Screen.HidePointer, true},
		{"idle_after", c.Session.IdleAfter.Duration, 90 * time.Second},
		{"warn_for", c.Session.WarnFor.Duration, 30 * time.Second},
		{"thanks_for", c.Session.ThanksFor.Duration, 6 * time.Second},
		{"retention_months", c.Usage.RetentionMonths, 13},
		{"accept", strings.Join(s.Accept, ","), "application/pdf,image/jpeg"},
		{"upload_limit", s.UploadLimit, 5 * MB},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.what, ch.got, ch.want)
		}
	}

	// Written values win, even zero ones.
	c, err = Parse([]byte(doc+"\n[screen]\nhide_pointer = false\n[session]\nthanks_for = \"0s\"\n"), "t.toml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Screen.HidePointer || c.Session.ThanksFor.Duration != 0 {
		t.Errorf("explicit zero values were overridden: %+v %+v", c.Screen, c.Session)
	}
	c, err = Parse([]byte(strings.Replace(doc, `site = "S"`, `site = "S"`+"\nstate_dir = \"\"", 1)), "t.toml")
	if err != nil || c.Kiosk.StateDir != "" {
		t.Errorf("state_dir = \"\" must stay empty: %q %v", c.Kiosk.StateDir, err)
	}
}

func TestDefaultValidates(t *testing.T) {
	c := Default()
	if c.Kiosk.ID != "demo-01" || c.Kiosk.StateDir != "" {
		t.Errorf("kiosk = %+v", c.Kiosk)
	}
	want := map[string]Size{"caf": 5 * MB, "ameli": 2 * MB, "france-travail": 5 * MB, "impots": 10 * MB}
	if len(c.Services) != len(want) {
		t.Fatalf("%d services", len(c.Services))
	}
	for _, s := range c.Services {
		if s.UploadLimit != want[s.ID] {
			t.Errorf("%s: upload_limit %s", s.ID, s.UploadLimit)
		}
		if s.StartURL != "http://127.0.0.1:8765/"+s.ID+"/" {
			t.Errorf("%s: start_url %s", s.ID, s.StartURL)
		}
		for _, l := range c.Kiosk.Languages {
			if s.Name[l] == "" || s.Summary[l] == "" {
				t.Errorf("%s: no name or summary in %s", s.ID, l)
			}
		}
		for _, n := range s.NextSteps {
			for _, l := range c.Kiosk.Languages {
				if n.Text[l] == "" {
					t.Errorf("%s: next step without text in %s", s.ID, l)
				}
			}
		}
	}
	if cfg, err := Load(""); err != nil || cfg.Kiosk.ID != "demo-01" {
		t.Errorf("Load(\"\") = %v, %v", cfg, err)
	}
}

func TestLoad(t *testing.T) {
	_, err := Load(t.TempDir() + "/nope.toml")
	if err == nil || !strings.Contains(err.Error(), "nope.toml") {
		t.Errorf("missing file: %v", err)
	}
}

func TestSizeUnmarshal(t *testing.T) {
	tests := []struct {
		in   string
		want Size
		err  string
	}{
		{"5 MB", 5_000_000, ""},
		{"5MB", 5_000_000, ""},
		{" 800 KB ", 800_000, ""},
		{"1.5 MB", 1_500_000, ""},
		{"5000000", 5_000_000, ""},
		{"2 MiB", 2 * 1024 * 1024, ""},
		{"512 KiB", 512 * 1024, ""},
		{"5 Mo", 5_000_000, ""},
		{"5 mb", 5_000_000, ""},
		{"300 B", 300, ""},
		{"0", 0, ""},
		{"5 XB", 0, `"5 XB" is not a size (write e.g. "5 MB")`},
		{"-5 MB", 0, "negative"},
		{"", 0, "not a size"},
		{"MB", 0, "not a size"},
		{"1.2.3 MB", 0, "not a size"},
		{"1e6", 0, "not a size"},
		{"1.5", 0, "not a whole number of bytes"},
		{"99999999999999999999 MB", 0, "too large"},
		{"9999999999999999 GB", 0, "too large"},
		{"1.5e3 MB", 0, "not a size"},
	}
	for _, tt := range tests {
		var s Size
		err := s.UnmarshalText([]byte(tt.in))
		switch {
		case tt.err == "" && (err != nil || s != tt.want):
			t.Errorf("%q: got %d, %v; want %d", tt.in, s, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%q: error %v, want …%s…", tt.in, err, tt.err)
		}
	}
}

func TestSizeWords(t *testing.T) {
	tests := []struct {
		s            Size
		str, marshal string
	}{
		{5 * MB, "5 MB", "5 MB"},
		{800 * KB, "800 KB", "800 KB"},
		{1_500_000, "1.5 MB", "1500 KB"},
		{999_999, "1 MB", "999999"},
		{2 * MiB, "2.1 MB", "2 MiB"},
		{312, "312 bytes", "312"},
		{0, "0 bytes", "0"},
		{3 * GB, "3 GB", "3 GB"},
	}
	for _, tt := range tests {
		m, _ := tt.s.MarshalText()
		if tt.s.String() != tt.str || string(m) != tt.marshal {
			t.Errorf("%d: String %q MarshalText %q; want %q %q", int64(tt.s), tt.s.String(), m, tt.str, tt.marshal)
		}
		var back Size
		if err := back.UnmarshalText(m); err != nil || back != tt.s {
			t.Errorf("%d: round trip gave %d, %v", int64(tt.s), back, err)
		}
	}
}

func TestDurationUnmarshal(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"90s", 90 * time.Second, ""},
		{"2m", 2 * time.Minute, ""},
		{"1h30m", 90 * time.Minute, ""},
		{"1h 30m", 90 * time.Minute, ""},
		{"0", 0, ""},
		{"0s", 0, ""},
		{"90", 0, `"90" has no unit`},
		{"1.5", 0, "has no unit"},
		{"-5s", 0, "negative"},
		{"2 min", 0, `"2 min" is not a duration (write e.g. "90s", "2m" or "1h30m")`},
		{"", 0, "not a duration"},
	}
	for _, tt := range tests {
		var d Duration
		err := d.UnmarshalText([]byte(tt.in))
		switch {
		case tt.err == "" && (err != nil || d.Duration != tt.want):
			t.Errorf("%q: got %v, %v; want %v", tt.in, d, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("%q: error %v, want …%s…", tt.in, err, tt.err)
		}
	}
	m, _ := Duration{90 * time.Second}.MarshalText()
	if string(m) != "1m30s" {
		t.Errorf("MarshalText = %q", m)
	}
}

func TestAllows(t *testing.T) {
	s := &Service{AllowedDomains: []string{"caf.fr", "*.caf.fr", "127.0.0.1:8765", "Example.ORG"}}
	tests := []struct {
		host string
		want bool
	}{
		{"caf.fr", true},
		{"www.caf.fr", true},
		{"a.b.caf.fr", true},
		{"WWW.CAF.FR", true},
		{"www.caf.fr.", true},
		{"www.caf.fr:443", true},
		{"www.caf.fr:8443", false},
		{"evilcaf.fr", false},
		{"caf.fr.evil.com", false},
		{"127.0.0.1:8765", true},
		{"127.0.0.1", false},
		{"127.0.0.1:8766", false},
		{"example.org", true},
		{"www.example.org", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := s.Allows(tt.host); got != tt.want {
			t.Errorf("Allows(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
	only := &Service{AllowedDomains: []string{"*.caf.fr"}}
	if only.Allows("caf.fr") {
		t.Error(`"*.caf.fr" must not match caf.fr itself`)
	}
}

func TestHelpers(t *testing.T) {
	c := Default()
	s, ok := c.Service("caf")
	if !ok || s.NameIn("pt") != "CAF – Prestações familiares" {
		t.Fatalf("Service(caf) = %v, %v", s, ok)
	}
	s.Name["en"] = ""
	if s.NameIn("en") != "CAF" || s.NameIn("xx") != "CAF" || s.SummaryIn("xx") != s.Summary["fr"] {
		t.Error("no French fallback")
	}
	if n := s.NextSteps[0]; n.TextIn("de") != n.Text["fr"] {
		t.Error("TextIn: no French fallback")
	}
	if _, ok := c.Service("nope"); ok {
		t.Error("Service(nope) found")
	}
	if c.Location().String() != "Europe/Paris" {
		t.Errorf("Location = %v", c.Location())
	}
	for dpi, want := range map[int]int{96: 35, 160: 57, 72: 26} {
		c.Screen.DPI = dpi
		if got := c.MinTargetPx(); got != want {
			t.Errorf("MinTargetPx at %d dpi = %d, want %d", dpi, got, want)
		}
	}

	t.Setenv("XDG_STATE_HOME", "/xdg")
	if got := c.StateDirPath(); got != "/xdg/borne" {
		t.Errorf("StateDirPath = %q", got)
	}
	if got := c.UsageDBPath(); got != "/xdg/borne/usage.db" {
		t.Errorf("UsageDBPath = %q", got)
	}
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", "/home/agent")
	if got := c.StateDirPath(); got != "/home/agent/.local/state/borne" {
		t.Errorf("StateDirPath without XDG = %q", got)
	}
	c.Kiosk.StateDir, c.Usage.DB = "/var/lib/borne", "/data/u.db"
	if c.StateDirPath() != "/var/lib/borne" || c.UsageDBPath() != "/data/u.db" {
		t.Errorf("explicit paths: %q %q", c.StateDirPath(), c.UsageDBPath())
	}
}

// TestDocsExample keeps the production example of docs/config.md valid.
func TestDocsExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Skip("docs/config.md:", err)
	}
	_, example, _ := strings.Cut(string(doc), "## A production example\n\n```toml\n")
	example, _, ok := strings.Cut(example, "```")
	if !ok {
		t.Fatal("no production example in docs/config.md")
	}
	if _, err := Parse([]byte(example), "docs/config.md example"); err != nil {
		t.Error(err)
	}
}

func TestScannerSection(t *testing.T) {
	tests := []struct {
		body, field string
	}{
		{"[scanner]\nresolution = 2400\n", "scanner.resolution"},
		{"[scanner]\nmode = \"sepia\"\n", "scanner.mode"},
	}
	for _, tc := range tests {
		_, err := Parse([]byte(minimalConfigForScanner+tc.body), "borne.toml")
		var errs *Errors
		if !errors.As(err, &errs) || len(*errs) != 1 || (*errs)[0].Field != tc.field || (*errs)[0].Line == 0 {
			t.Errorf("%q: %v, want one error on %s with a line", tc.body, err, tc.field)
		}
	}
	c, err := Parse([]byte(minimalConfigForScanner), "borne.toml")
	if err != nil || c.Scanner.Resolution != 300 || c.Scanner.Mode != "color" || c.Scanner.Device != "" {
		t.Fatalf("defaults: %+v, %v", c.Scanner, err)
	}
}

const minimalConfigForScanner = `[kiosk]
id = "t-1"
site = "Test"

[[service]]
id = "caf"
pictogram = "family"
start_url = "https://www.caf.fr/"
allowed_domains = ["www.caf.fr"]
[service.name]
fr = "CAF"
`
