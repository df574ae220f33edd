// Package escl simulates a network scanner speaking eSCL (AirScan) over
// HTTP, as lobby multifunction printers do, so that the kiosk is tested
// through Debian's real sane-airscan backend.
//
// It answers what sane-airscan 0.99 asks: ScannerCapabilities (a platen and
// a simplex feeder, 75 to 300 dpi, grey and colour, JPEG and PDF),
// ScannerStatus (pwg:State and scan:AdfState), ScanJobs (201 and a
// Location), {job}/NextDocument (404 once the job has no more pages) and
// DELETE {job}. Its pages are the lobby's sample pages, scaled to the
// requested region and resolution. Staff-side states are set with
// SetFeeder, SetJam and SetAsleep; airscan reads them back from
// ScannerStatus after a 409 or 503, as it does with real scanners.
package escl

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png" // sample pages are JPEG or PNG
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/image/draw"

	"borne/internal/minipdf"
)

// Capabilities in eSCL units (three-hundredths of an inch): A4 and letter
// fit.
const (
	maxWidth  = 2550 // 8.5 in
	maxHeight = 3508 // 297 mm
	// maxSettings bounds a ScanSettings body: airscan's are under 1 KiB.
	maxSettings = 16 << 10
)

// Resolutions the scanner offers, in dpi.
var Resolutions = []int{75, 100, 150, 200, 300}

// Scanner is the simulated scanner; its zero value is not usable: see New.
type Scanner struct {
	log   *slog.Logger
	pages []image.Image // the sample pages, served in turn

	mu     sync.Mutex
	turn   int             // the next sample page
	feeder int             // sheets in the feeder
	jam    int             // the feeder jams after this many sheets of a job; <0: never
	asleep int             // ScanJobs answers 503 this many more times
	busy   int             // ScannerStatus says Processing this many more times, and ScanJobs answers 409 meanwhile
	jobs   map[string]*job // by id
	nextID int
	// rendered keeps the last pages rendered, by page and settings: a
	// scan then costs what it costs the kiosk, not the simulator's scaling.
	rendered map[renderKey][]byte
}

type renderKey struct {
	page int
	st   Settings
}

// maxRendered bounds the rendered pages kept (about 1 MB each at 300 dpi).
const maxRendered = 16

// jobLife is how long a job nobody reads or deletes holds the scanner, as
// real scanners drop abandoned jobs.
const jobLife = time.Minute

type job struct {
	created  time.Time
	settings Settings
	left     int // pages still to give; platen: 1
	fed      int // pages given
	jammed   bool
}

// New makes a scanner serving the given image files in turn. Its feeder
// starts empty.
func New(pages []string, log *slog.Logger) (*Scanner, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Scanner{log: log, jam: -1, jobs: map[string]*job{}, rendered: map[renderKey][]byte{}}
	for _, p := range pages {
		img, err := decodeFile(p)
		if err != nil {
			return nil, fmt.Errorf("escl: page %s: %w", p, err)
		}
		s.pages = append(s.pages, img)
	}
	if len(s.pages) == 0 {
		// A blank page still lets the kiosk scan.
		blank := image.NewGray(image.Rect(0, 0, 850, 1169))
		draw.Draw(blank, blank.Bounds(), image.White, image.Point{}, draw.Src)
		s.pages = append(s.pages, blank)
	}
	return s, nil
}

func decodeFile(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	return img, err
}

// SetFeeder puts n sheets in the document feeder (0: empty).
func (s *Scanner) SetFeeder(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.feeder = max(n, 0)
}

// SetJam makes the feeder jam after n sheets of the next jobs; n < 0
// clears the jam.
func (s *Scanner) SetJam(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.jam = n
}

// SetAsleep makes the next n scan requests find the scanner waking up: 503
// with Retry-After, its state Processing, as a sleeping multifunction
// printer answers.
func (s *Scanner) SetAsleep(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asleep = max(n, 0)
}

// SetBusy makes the scanner busy with another job (a copy) for its next n
// status answers: scan requests get 409 and ScannerStatus says
// Processing, which airscan reports as SANE_STATUS_DEVICE_BUSY.
func (s *Scanner) SetBusy(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.busy = max(n, 0)
}

// Serve serves eSCL on ln until ctx ends.
func (s *Scanner) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	stop := context.AfterFunc(ctx, func() { srv.Close() })
	defer stop()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("escl: %w", err)
	}
	return nil
}

// ServeHTTP answers the eSCL requests under /eSCL/.
func (s *Scanner) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/eSCL/")
	if path == r.URL.Path {
		http.NotFound(w, r)
		return
	}
	switch {
	case path == "ScannerCapabilities" && r.Method == http.MethodGet:
		writeXML(w, http.StatusOK, capabilities())
	case path == "ScannerStatus" && r.Method == http.MethodGet:
		writeXML(w, http.StatusOK, s.status())
	case path == "ScanJobs" && r.Method == http.MethodPost:
		s.createJob(w, r)
	case strings.HasPrefix(path, "ScanJobs/"):
		id, rest, _ := strings.Cut(strings.TrimPrefix(path, "ScanJobs/"), "/")
		switch {
		case rest == "NextDocument" && r.Method == http.MethodGet:
			s.nextDocument(w, id)
		case rest == "" && r.Method == http.MethodDelete:
			s.mu.Lock()
			_, ok := s.jobs[id]
			delete(s.jobs, id)
			s.mu.Unlock()
			if !ok {
				http.NotFound(w, r)
			}
		default:
			http.Error(w, "unknown request", http.StatusMethodNotAllowed)
		}
	default:
		http.NotFound(w, r)
	}
}

func writeXML(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(code)
	io.WriteString(w, xml.Header+body)
}

const namespaces = `xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm"`

// capabilities is the ScannerCapabilities document: the same input caps for
// the platen and the feeder.
func capabilities() string {
	var res strings.Builder
	for _, r := range Resolutions {
		fmt.Fprintf(&res, "<scan:DiscreteResolution><scan:XResolution>%d</scan:XResolution><scan:YResolution>%d</scan:YResolution></scan:DiscreteResolution>", r, r)
	}
	caps := fmt.Sprintf(`<scan:MinWidth>16</scan:MinWidth><scan:MaxWidth>%d</scan:MaxWidth><scan:MinHeight>16</scan:MinHeight><scan:MaxHeight>%d</scan:MaxHeight>`+
		`<scan:SettingProfiles><scan:SettingProfile><scan:ColorModes><scan:ColorMode>Grayscale8</scan:ColorMode><scan:ColorMode>RGB24</scan:ColorMode></scan:ColorModes>`+
		`<scan:DocumentFormats><pwg:DocumentFormat>image/jpeg</pwg:DocumentFormat><pwg:DocumentFormat>application/pdf</pwg:DocumentFormat>`+
		`<scan:DocumentFormatExt>image/jpeg</scan:DocumentFormatExt><scan:DocumentFormatExt>application/pdf</scan:DocumentFormatExt></scan:DocumentFormats>`+
		`<scan:SupportedResolutions><scan:DiscreteResolutions>%s</scan:DiscreteResolutions></scan:SupportedResolutions></scan:SettingProfile></scan:SettingProfiles>`,
		maxWidth, maxHeight, res.String())
	return `<scan:ScannerCapabilities ` + namespaces + `><pwg:Version>2.63</pwg:Version><pwg:MakeAndModel>Borne eSCL simulator</pwg:MakeAndModel>` +
		`<pwg:ModelName>eSCL simulator</pwg:ModelName>` +
		`<scan:Platen><scan:PlatenInputCaps>` + caps + `</scan:PlatenInputCaps></scan:Platen>` +
		`<scan:Adf><scan:AdfSimplexInputCaps>` + caps + `</scan:AdfSimplexInputCaps></scan:Adf></scan:ScannerCapabilities>`
}

// status is the ScannerStatus document.
func (s *Scanner) status() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	state := "Idle"
	if s.asleep > 0 || s.busy > 0 {
		state = "Processing"
	}
	if s.busy > 0 {
		s.busy--
	}
	adf := "ScannerAdfLoaded"
	switch {
	case s.jammed():
		adf = "ScannerAdfJam"
	case s.feeder == 0:
		adf = "ScannerAdfEmpty"
	}
	return fmt.Sprintf(`<scan:ScannerStatus %s><pwg:Version>2.63</pwg:Version><pwg:State>%s</pwg:State><scan:AdfState>%s</scan:AdfState></scan:ScannerStatus>`,
		namespaces, state, adf)
}

// jammed tells whether a job's sheet is stuck in the feeder; the caller
// holds mu.
func (s *Scanner) jammed() bool {
	for _, j := range s.jobs {
		if j.jammed {
			return true
		}
	}
	return false
}

// Settings is what a ScanSettings request asks for.
type Settings struct {
	Source      string // Platen or Feeder
	ColorMode   string // Grayscale8 or RGB24
	Format      string // image/jpeg or application/pdf
	XResolution int
	YResolution int
	// The region, in three-hundredths of an inch.
	X, Y, Width, Height int
}

// scanSettings mirrors the XML; encoding/xml matches local names, so the
// pwg: and scan: prefixes both fit.
type scanSettings struct {
	XMLName xml.Name `xml:"ScanSettings"`
	Regions []struct {
		Width   int `xml:"Width"`
		Height  int `xml:"Height"`
		XOffset int `xml:"XOffset"`
		YOffset int `xml:"YOffset"`
	} `xml:"ScanRegions>ScanRegion"`
	InputSource    string   `xml:"InputSource"`
	ColorMode      string   `xml:"ColorMode"`
	DocumentFormat []string `xml:"DocumentFormat"`
	FormatExt      string   `xml:"DocumentFormatExt"`
	XResolution    int      `xml:"XResolution"`
	YResolution    int      `xml:"YResolution"`
}

// ParseSettings reads a ScanSettings document of at most maxSettings
// bytes and checks it against the capabilities.
func ParseSettings(r io.Reader) (Settings, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxSettings+1))
	if err != nil {
		return Settings{}, fmt.Errorf("escl: scan settings: %w", err)
	}
	if len(body) > maxSettings {
		return Settings{}, fmt.Errorf("escl: scan settings longer than %d bytes", maxSettings)
	}
	var x scanSettings
	if err := xml.Unmarshal(body, &x); err != nil {
		return Settings{}, fmt.Errorf("escl: scan settings: %w", err)
	}
	st := Settings{Source: x.InputSource, ColorMode: x.ColorMode, Format: x.FormatExt,
		XResolution: x.XResolution, YResolution: x.YResolution, Width: maxWidth, Height: maxHeight}
	if st.Format == "" && len(x.DocumentFormat) > 0 {
		st.Format = x.DocumentFormat[0]
	}
	if st.Format == "" {
		st.Format = "image/jpeg"
	}
	if st.Source == "" {
		st.Source = "Platen"
	}
	if len(x.Regions) > 0 {
		reg := x.Regions[0]
		st.X, st.Y, st.Width, st.Height = reg.XOffset, reg.YOffset, reg.Width, reg.Height
	}
	switch {
	case st.Source != "Platen" && st.Source != "Feeder":
		return st, fmt.Errorf("escl: scan settings: InputSource %q: want Platen or Feeder", st.Source)
	case st.ColorMode != "Grayscale8" && st.ColorMode != "RGB24":
		return st, fmt.Errorf("escl: scan settings: ColorMode %q: want Grayscale8 or RGB24", st.ColorMode)
	case st.Format != "image/jpeg" && st.Format != "application/pdf":
		return st, fmt.Errorf("escl: scan settings: DocumentFormat %q: want image/jpeg or application/pdf", st.Format)
	case !slices.Contains(Resolutions, st.XResolution) || st.YResolution != st.XResolution:
		return st, fmt.Errorf("escl: scan settings: resolution %d×%d: want one of %v, the same both ways", st.XResolution, st.YResolution, Resolutions)
	case st.X < 0 || st.Y < 0 || st.Width < 16 || st.Height < 16 || st.X+st.Width > maxWidth || st.Y+st.Height > maxHeight:
		return st, fmt.Errorf("escl: scan settings: region %d,%d %d×%d outside the %d×%d glass", st.X, st.Y, st.Width, st.Height, maxWidth, maxHeight)
	}
	return st, nil
}

func (s *Scanner) createJob(w http.ResponseWriter, r *http.Request) {
	st, err := ParseSettings(r.Body)
	if err != nil {
		s.log.Warn("escl: scan request refused", "err", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, j := range s.jobs {
		if time.Since(j.created) > jobLife {
			delete(s.jobs, id)
		}
	}
	switch {
	case s.asleep > 0:
		s.asleep--
		w.Header().Set("Retry-After", "1")
		http.Error(w, "waking up", http.StatusServiceUnavailable)
		return
	case s.busy > 0:
		http.Error(w, "busy with another job", http.StatusConflict)
		return
	case len(s.jobs) > 0:
		// One job at a time, as a multifunction printer does.
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	case st.Source == "Feeder" && s.feeder == 0:
		http.Error(w, "feeder empty", http.StatusConflict)
		return
	}
	s.nextID++
	id := strconv.Itoa(s.nextID)
	j := &job{created: time.Now(), settings: st, left: 1}
	if st.Source == "Feeder" {
		j.left = s.feeder
	}
	s.jobs[id] = j
	w.Header().Set("Location", "/eSCL/ScanJobs/"+id)
	w.WriteHeader(http.StatusCreated)
}

func (s *Scanner) nextDocument(w http.ResponseWriter, id string) {
	s.mu.Lock()
	j, ok := s.jobs[id]
	if !ok || j.left == 0 {
		s.mu.Unlock()
		http.Error(w, "no more pages", http.StatusNotFound)
		return
	}
	if j.jammed || j.settings.Source == "Feeder" && s.jam >= 0 && j.fed >= s.jam {
		j.jammed = true
		s.mu.Unlock()
		http.Error(w, "paper jam", http.StatusConflict)
		return
	}
	j.left--
	j.fed++
	if j.settings.Source == "Feeder" {
		s.feeder--
	}
	key := renderKey{s.turn % len(s.pages), j.settings}
	s.turn++
	st := j.settings
	if j.left == 0 {
		// A finished job leaves the scanner idle, as airscan does not
		// always delete it.
		delete(s.jobs, id)
	}
	body, ok := s.rendered[key]
	s.mu.Unlock()
	if !ok {
		var err error
		if body, err = Render(s.pages[key.page], st); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		s.mu.Lock()
		if len(s.rendered) >= maxRendered {
			clear(s.rendered)
		}
		s.rendered[key] = body
		s.mu.Unlock()
	}
	w.Header().Set("Content-Type", st.Format)
	w.Write(body)
}

// Render scans page as asked: the page fills the glass, the region is cut
// out at the requested resolution and encoded as JPEG or a one-page PDF.
func Render(page image.Image, st Settings) ([]byte, error) {
	b := page.Bounds()
	// Glass coordinates (1/300 in) to page pixels.
	sx, sy := float64(b.Dx())/maxWidth, float64(b.Dy())/maxHeight
	src := image.Rect(b.Min.X+int(float64(st.X)*sx), b.Min.Y+int(float64(st.Y)*sy),
		b.Min.X+int(float64(st.X+st.Width)*sx), b.Min.Y+int(float64(st.Y+st.Height)*sy))
	w, h := st.Width*st.XResolution/300, st.Height*st.YResolution/300
	var dst draw.Image
	if st.ColorMode == "Grayscale8" {
		dst = image.NewGray(image.Rect(0, 0, w, h))
	} else {
		dst = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	draw.Draw(dst, dst.Bounds(), &image.Uniform{color.White}, image.Point{}, draw.Src)
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), page, src, draw.Over, nil)
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, dst, &jpeg.Options{Quality: 85}); err != nil {
		return nil, fmt.Errorf("escl: page: %w", err)
	}
	if st.Format == "image/jpeg" {
		return jpg.Bytes(), nil
	}
	return pdfOf(jpg.Bytes(), w, h, st.XResolution, st.ColorMode == "Grayscale8"), nil
}

// pdfOf wraps a JPEG in a one-page PDF of the scanned size.
func pdfOf(jpg []byte, w, h, dpi int, grey bool) []byte {
	space := "/DeviceRGB"
	if grey {
		space = "/DeviceGray"
	}
	pw, ph := float64(w)*72/float64(dpi), float64(h)*72/float64(dpi)
	content := fmt.Sprintf("q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q", pw, ph)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>", pw, ph),
		fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream", w, h, space, len(jpg), jpg),
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}
	return minipdf.Write(objs)
}
