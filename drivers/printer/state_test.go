package printer

import (
	"bytes"
	"testing"

	"github.com/OpenPrinting/goipp"
)

func TestParseReason(t *testing.T) {
	tests := []struct {
		kw       string
		code     Code
		blocking bool
	}{
		{"media-empty-error", MediaEmpty, true},
		{"media-empty", MediaEmpty, true}, // no suffix: an error, as IPP says
		{"media-empty-report", MediaEmpty, false},
		{"media-jam-error", MediaJam, true},
		{"media-needed-warning", MediaEmpty, false},
		{"cover-open", CoverOpen, true},
		{"door-open-error", CoverOpen, true},
		{"input-tray-missing-error", CoverOpen, true},
		{"marker-supply-empty-error", MarkerEmpty, true},
		{"toner-empty", MarkerEmpty, true},
		{"offline-report", Offline, false},
		{"offline", Offline, true},
		{"shutdown", Offline, true},
		{"paused", Paused, true},
		{"media-low-warning", MediaLow, false},
		{"media-low", MediaLow, false},
		{"toner-low-report", MarkerLow, false},
		{"spool-area-full", Busy, false},
		{"cups-missing-filter-warning", "", false},
		{"vendor-specific-error", Stopped, true},
		{"something-new", "", false},
	}
	for _, tt := range tests {
		if r := ParseReason(tt.kw); r.Code != tt.code || r.Blocking != tt.blocking || r.Keyword != tt.kw {
			t.Errorf("%s: %+v; want code %q blocking %v", tt.kw, r, tt.code, tt.blocking)
		}
	}
}

func TestStateOf(t *testing.T) {
	toner := []Marker{{Name: "Black Toner", Type: "toner", Level: 75}, {Name: "Waste", Level: -1}}
	tests := []struct {
		name     string
		a        Attributes
		code     Code
		ready    bool
		warnings []Code
		staff    string
	}{
		{"idle", Attributes{State: StateIdle, Reasons: []string{"none"}, Accepting: true, Markers: toner}, Ready, true, nil,
			"Imprimante prête. Consommables : Black Toner 75 %."},
		{"printing", Attributes{State: StateProcessing, Accepting: true}, Busy, true, nil,
			"Imprimante en cours d'impression."},
		{"out of paper", Attributes{State: StateStopped, Reasons: []string{"media-empty-error", "media-needed-warning"}, Accepting: true, Message: "Load paper in tray 1"}, MediaEmpty, false, nil,
			"Imprimante arrêtée : plus de papier (media-empty-error), papier à charger (media-needed-warning). Message : « Load paper in tray 1 »."},
		{"jam beats empty", Attributes{State: StateStopped, Reasons: []string{"media-empty-error", "media-jam-error"}, Accepting: true}, MediaJam, false, nil,
			"Imprimante arrêtée : plus de papier (media-empty-error), bourrage papier (media-jam-error)."},
		{"low paper and toner still print", Attributes{State: StateIdle, Reasons: []string{"media-low-report", "toner-low-warning"}, Accepting: true}, Ready, true, []Code{MediaLow, MarkerLow},
			"Imprimante prête : papier bientôt épuisé (media-low-report), toner bientôt épuisé (toner-low-warning)."},
		{"CUPS queue offline", Attributes{State: StateStopped, Reasons: []string{"offline-report", "paused"}, Accepting: true}, Paused, false, nil,
			"Imprimante arrêtée : hors ligne (offline-report), en pause (paused)."},
		{"stopped, no reason", Attributes{State: StateStopped, Accepting: true}, Stopped, false, nil,
			"Imprimante arrêtée."},
		{"not accepting", Attributes{State: StateIdle, Accepting: false}, NotAccepting, false, nil,
			"Imprimante prête. La file n'accepte pas de travaux."},
		{"unknown error keyword", Attributes{State: StateIdle, Reasons: []string{"fuser-over-temp-error"}, Accepting: true}, Stopped, false, nil,
			"Imprimante prête : fuser-over-temp-error."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := stateOf(&tt.a)
			if s.Code != tt.code || s.Ready() != tt.ready || s.Staff != tt.staff || len(s.Warnings) != len(tt.warnings) {
				t.Errorf("got %s ready=%v warnings=%v\n  %q\nwant %s ready=%v warnings=%v\n  %q", s.Code, s.Ready(), s.Warnings, s.Staff, tt.code, tt.ready, tt.warnings, tt.staff)
			}
		})
	}
}

// ippeveprinter's answer, as captured with ipptool: supplies come as
// printer-supply strings, not marker-levels.
func ippeveAttributes() goipp.Attributes {
	var a goipp.Attributes
	add := func(name string, tag goipp.Tag, vs ...goipp.Value) {
		a.Add(goipp.MakeAttr(name, tag, vs[0], vs[1:]...))
	}
	add("printer-make-and-model", goipp.TagText, goipp.String("Example Printer"))
	add("printer-state", goipp.TagEnum, goipp.Integer(3))
	add("printer-state-reasons", goipp.TagKeyword, goipp.String("none"))
	add("printer-state-message", goipp.TagText, goipp.String("Idle."))
	add("printer-is-accepting-jobs", goipp.TagBoolean, goipp.Boolean(true))
	add("document-format-supported", goipp.TagMimeType, goipp.String("application/octet-stream"), goipp.String("application/pdf"), goipp.String("image/jpeg"), goipp.String("image/pwg-raster"))
	add("media-supported", goipp.TagKeyword, goipp.String("na_letter_8.5x11in"), goipp.String("iso_a4_210x297mm"))
	add("media-ready", goipp.TagKeyword, goipp.String("na_letter_8.5x11in"))
	add("media-default", goipp.TagKeyword, goipp.String("na_letter_8.5x11in"))
	add("printer-supply", goipp.TagString,
		goipp.Binary("index=1;class=receptacleThatIsFilled;type=wasteToner;unit=percent;maxcapacity=100;level=25;colorantname=unknown;"),
		goipp.Binary("index=2;class=supplyThatIsConsumed;type=toner;unit=percent;maxcapacity=100;level=75;colorantname=black;"))
	add("printer-supply-description", goipp.TagText, goipp.String("Toner Waste Tank"), goipp.String("Black Toner"))
	add("pwg-raster-document-resolution-supported", goipp.TagResolution, goipp.Resolution{Xres: 300, Yres: 300, Units: goipp.UnitsDpi}, goipp.Resolution{Xres: 600, Yres: 600, Units: goipp.UnitsDpi})
	add("pwg-raster-document-type-supported", goipp.TagKeyword, goipp.String("black_1"), goipp.String("sgray_8"))
	return a
}

func TestParseAttributes(t *testing.T) {
	a := ParseAttributes(ippeveAttributes())
	if a.MakeAndModel != "Example Printer" || a.State != StateIdle || !a.Accepting || a.Message != "Idle." ||
		!a.Supports("application/pdf") || a.Supports("application/postscript") || a.MediaDefault != "na_letter_8.5x11in" ||
		len(a.Media) != 2 || len(a.MediaReady) != 1 {
		t.Errorf("%+v", a)
	}
	if len(a.Markers) != 2 || a.Markers[1] != (Marker{Name: "Black Toner", Type: "toner", Level: 75}) || a.Markers[0].Level != 25 {
		t.Errorf("markers %+v", a.Markers)
	}
	if dpi, typ := rasterMode(a); dpi != 300 || typ != "sgray_8" {
		t.Errorf("raster %d %s", dpi, typ)
	}
	// CUPS's marker attributes, out-of-range levels unknown.
	var cups goipp.Attributes
	cups.Add(goipp.MakeAttr("marker-names", goipp.TagName, goipp.String("Black"), goipp.String("Cyan")))
	cups.Add(goipp.MakeAttr("marker-levels", goipp.TagInteger, goipp.Integer(12), goipp.Integer(-1)))
	cups.Add(goipp.MakeAttr("printer-is-accepting-jobs", goipp.TagBoolean, goipp.Boolean(false)))
	c := ParseAttributes(cups)
	if len(c.Markers) != 2 || c.Markers[0].Level != 12 || c.Markers[1].Level != -1 || c.Accepting {
		t.Errorf("CUPS markers %+v accepting %v", c.Markers, c.Accepting)
	}
	// Wrong types are left out, not fatal.
	var odd goipp.Attributes
	odd.Add(goipp.MakeAttr("printer-state", goipp.TagText, goipp.String("idle")))
	odd.Add(goipp.MakeAttr("printer-is-accepting-jobs", goipp.TagInteger, goipp.Integer(1)))
	if o := ParseAttributes(odd); o.State != 0 || !o.Accepting {
		t.Errorf("odd %+v", o)
	}
}

// Whatever a printer sends back, reading it ends without a panic, and the
// state is never Ready with a blocking reason.
func FuzzDecodeAnswer(f *testing.F) {
	m := goipp.NewResponse(goipp.DefaultVersion, goipp.StatusOk, 1)
	m.Printer = ippeveAttributes()
	seed, _ := m.EncodeBytes()
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte("<html>not ipp</html>"))
	j := goipp.NewResponse(goipp.DefaultVersion, goipp.StatusErrorNotFound, 2)
	j.Job.Add(goipp.MakeAttr("job-state", goipp.TagEnum, goipp.Integer(6)))
	jb, _ := j.EncodeBytes()
	f.Add(jb)
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := decodeAnswer(bytes.NewReader(data))
		if err != nil {
			return
		}
		s := stateOf(ParseAttributes(msg.Printer))
		for _, r := range s.Reasons {
			if r.Blocking && s.Ready() {
				t.Fatalf("ready with blocking %+v", r)
			}
		}
		_ = attrText(msg.Job, "job-state-message")
		_ = attrInt(msg.Job, "job-state")
	})
}
