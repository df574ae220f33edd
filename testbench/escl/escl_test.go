package escl

import (
	"bytes"
	"image/jpeg"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// settings is a ScanSettings document as sane-airscan 0.99 writes it.
func settings(source, format string, dpi int) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<scan:ScanSettings xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm">
<pwg:Version>2.0</pwg:Version><pwg:ScanRegions><pwg:ScanRegion><pwg:ContentRegionUnits>escl:ThreeHundredthsOfInches</pwg:ContentRegionUnits>
<pwg:XOffset>0</pwg:XOffset><pwg:YOffset>0</pwg:YOffset><pwg:Width>2550</pwg:Width><pwg:Height>3300</pwg:Height></pwg:ScanRegion></pwg:ScanRegions>
<pwg:InputSource>` + source + `</pwg:InputSource><scan:ColorMode>RGB24</scan:ColorMode><pwg:DocumentFormat>` + format + `</pwg:DocumentFormat>
<scan:DocumentFormatExt>` + format + `</scan:DocumentFormatExt><scan:XResolution>` + strconv.Itoa(dpi) + `</scan:XResolution><scan:YResolution>` + strconv.Itoa(dpi) + `</scan:YResolution></scan:ScanSettings>`
}

type exchange struct {
	method, path, body string
	code               int
	contains           string // in the answer's body
}

// TestProtocol walks the requests sane-airscan makes, by their answers.
func TestProtocol(t *testing.T) {
	s, err := New([]string{"../../testdata/pages/letter.jpg"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	do := func(t *testing.T, e exchange) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(e.method, srv.URL+e.path, strings.NewReader(e.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != e.code || !bytes.Contains(body, []byte(e.contains)) {
			t.Fatalf("%s %s: %d %.200q, want %d with %q", e.method, e.path, resp.StatusCode, body, e.code, e.contains)
		}
		return resp, body
	}
	for _, e := range []exchange{
		{"GET", "/eSCL/ScannerCapabilities", "", 200, "<scan:AdfSimplexInputCaps><scan:MinWidth>16</scan:MinWidth><scan:MaxWidth>2550</scan:MaxWidth>"},
		{"GET", "/eSCL/ScannerStatus", "", 200, "<pwg:State>Idle</pwg:State><scan:AdfState>ScannerAdfEmpty</scan:AdfState>"},
		{"POST", "/eSCL/ScanJobs", settings("Feeder", "image/jpeg", 75), 409, "feeder empty"},
		{"POST", "/eSCL/ScanJobs", settings("Platen", "image/jpeg", 600), 400, "resolution 600"},
		{"POST", "/eSCL/ScanJobs", settings("Platen", "image/tiff", 75), 400, "DocumentFormat"},
		{"POST", "/eSCL/ScanJobs", strings.Repeat("<a>", 20000), 400, "longer than"},
		{"GET", "/eSCL/ScanJobs/99/NextDocument", "", 404, ""},
	} {
		do(t, e)
	}

	t.Run("platen, JPEG", func(t *testing.T) {
		resp, _ := do(t, exchange{"POST", "/eSCL/ScanJobs", settings("Platen", "image/jpeg", 75), 201, ""})
		job := resp.Header.Get("Location")
		_, page := do(t, exchange{"GET", job + "/NextDocument", "", 200, ""})
		img, err := jpeg.Decode(bytes.NewReader(page))
		if err != nil || img.Bounds().Dx() != 637 || img.Bounds().Dy() != 825 {
			t.Fatalf("page: %v, %v; want a 637×825 JPEG (8.5×11 in at 75 dpi)", img.Bounds(), err)
		}
		do(t, exchange{"GET", job + "/NextDocument", "", 404, ""})
	})
	t.Run("feeder, PDF, jam", func(t *testing.T) {
		s.SetFeeder(3)
		s.SetJam(2)
		defer s.SetJam(-1)
		do(t, exchange{"GET", "/eSCL/ScannerStatus", "", 200, "ScannerAdfLoaded"})
		resp, _ := do(t, exchange{"POST", "/eSCL/ScanJobs", settings("Feeder", "application/pdf", 100), 201, ""})
		job := resp.Header.Get("Location")
		_, pdf := do(t, exchange{"GET", job + "/NextDocument", "", 200, "%PDF-1.4"})
		do(t, exchange{"POST", "/eSCL/ScanJobs", settings("Platen", "image/jpeg", 75), 503, "busy"})
		do(t, exchange{"GET", job + "/NextDocument", "", 200, "%PDF-1.4"})
		do(t, exchange{"GET", job + "/NextDocument", "", 409, "paper jam"})
		do(t, exchange{"GET", "/eSCL/ScannerStatus", "", 200, "ScannerAdfJam"})
		do(t, exchange{"DELETE", job, "", 200, ""})
		do(t, exchange{"GET", "/eSCL/ScannerStatus", "", 200, "ScannerAdfLoaded"}) // the third sheet
		if _, err := exec.LookPath("pdfinfo"); err != nil {
			t.Skip("poppler-utils is needed to read the PDF")
		}
		path := filepath.Join(t.TempDir(), "page.pdf")
		os.WriteFile(path, pdf, 0o600)
		out, err := exec.Command("pdfinfo", path).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "612 x 792 pts") {
			t.Errorf("pdfinfo: %v\n%s", err, out)
		}
	})
	t.Run("asleep, busy", func(t *testing.T) {
		s.SetAsleep(1)
		s.SetBusy(1)
		resp, _ := do(t, exchange{"POST", "/eSCL/ScanJobs", settings("Platen", "image/jpeg", 75), 503, "waking up"})
		if resp.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After with the 503")
		}
		do(t, exchange{"POST", "/eSCL/ScanJobs", settings("Platen", "image/jpeg", 75), 409, "busy"})
		do(t, exchange{"GET", "/eSCL/ScannerStatus", "", 200, "<pwg:State>Processing</pwg:State>"})
		do(t, exchange{"GET", "/eSCL/ScannerStatus", "", 200, "<pwg:State>Idle</pwg:State>"})
	})
}

// FuzzParseSettings: any body gives settings within the capabilities or an
// error, never a panic.
func FuzzParseSettings(f *testing.F) {
	f.Add(settings("Platen", "image/jpeg", 75))
	f.Add(settings("Feeder", "application/pdf", 300))
	f.Add("<scan:ScanSettings><pwg:ScanRegions><pwg:ScanRegion><pwg:Width>-1</pwg:Width></pwg:ScanRegion></pwg:ScanRegions></scan:ScanSettings>")
	f.Fuzz(func(t *testing.T, body string) {
		st, err := ParseSettings(strings.NewReader(body))
		if err != nil {
			return
		}
		if st.X < 0 || st.Y < 0 || st.X+st.Width > maxWidth || st.Y+st.Height > maxHeight || st.XResolution > 300 {
			t.Errorf("settings %+v outside the capabilities", st)
		}
	})
}

// BenchmarkRender is the simulator's own share of a page scanned through
// airscan: scaling the lobby page and encoding it as JPEG.
func BenchmarkRender(b *testing.B) {
	s, err := New([]string{"../../testdata/pages/letter.jpg"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, dpi := range []int{300, 150, 75} {
		b.Run(strconv.Itoa(dpi)+"dpi", func(b *testing.B) {
			st := Settings{Source: "Platen", ColorMode: "RGB24", Format: "image/jpeg", XResolution: dpi, YResolution: dpi, Width: maxWidth, Height: maxHeight}
			for b.Loop() {
				if _, err := Render(s.pages[0], st); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
