package config

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones must load on a kiosk image without tzdata
	"unicode/utf8"

	"borne/internal/receiptspec"
	"borne/kiosk/i18n"
	"borne/kiosk/metrics"
	"borne/kiosk/pictos"
	"borne/kiosk/pincode"
)

// Limits the validation enforces.
const (
	MaxSiteLen         = 80 // characters on the attract screen
	MinDPI, MaxDPI     = 72, 600
	MaxRetentionMonths = 25       // CNIL cap for audience-measurement data
	MaxUploadLimit     = 100 * MB // what the shrink engine and the session tmpfs are sized for
	MinIdleAfter       = 15 * time.Second
	MaxIdleAfter       = time.Hour
	MinWarnFor         = 5 * time.Second
	MaxWarnFor         = 5 * time.Minute
	MaxThanksFor       = time.Minute
	MaxPageQuota       = 200 // an A4 page per resident is the usual need; a ream is not
	MaxAgencyNameLen   = 80
	MinStaffIdle       = time.Minute
	MaxStaffIdle       = time.Hour
	MinRelayOff        = time.Second
	MaxRelayOff        = time.Minute
)

// AcceptTypes is what Borne's document picker can produce.
var AcceptTypes = []string{"application/pdf", "image/jpeg", "image/png"}

// NextStep kinds.
const (
	Monthly   = "monthly"
	Quarterly = "quarterly"
)

var (
	slugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	// A host name, optionally "*." in front, optionally ":port" behind.
	domainRe = regexp.MustCompile(`^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$`)
)

const slugRule = "1 to 32 lowercase letters, digits or dashes, not starting with a dash"

// checker collects the problems of a decoded Config.
type checker struct {
	src  *source
	errs []FieldError
}

func (v *checker) add(path, format string, args ...any) {
	if len(v.errs) < maxErrors+1 { // one more, for "and more problems"
		v.errs = append(v.errs, FieldError{Line: v.src.line(path), Field: path, Msg: fmt.Sprintf(format, args...)})
	}
}

// missing reports a required key that is absent, or written empty.
func (v *checker) missing(path, hint string) {
	if v.src.present(path) {
		v.add(path, "is empty: %s", hint)
	} else {
		v.add(path, "missing: %s", hint)
	}
}

func validate(c *Config, src *source) []FieldError {
	v := &checker{src: src}
	v.kiosk(&c.Kiosk)
	if d := c.Screen.DPI; d < MinDPI || d > MaxDPI {
		v.add("screen.dpi", "%d is out of range (expected %d to %d; most touch screens are about 96)", d, MinDPI, MaxDPI)
	}
	if r := c.Screen.Rotation; r != 0 && r != 90 && r != 180 && r != 270 {
		v.add("screen.rotation", "%d is not a rotation (expected 0, 90, 180 or 270 degrees clockwise)", r)
	}
	v.duration("session.idle_after", c.Session.IdleAfter.Duration, MinIdleAfter, MaxIdleAfter)
	v.duration("session.warn_for", c.Session.WarnFor.Duration, MinWarnFor, MaxWarnFor)
	v.duration("session.thanks_for", c.Session.ThanksFor.Duration, 0, MaxThanksFor)
	v.sessionDir(c.Session.Dir)
	v.absPath("usage.db", c.Usage.DB)
	v.push(&c.Usage.Push)
	switch r := c.Usage.RetentionMonths; {
	case r > MaxRetentionMonths:
		v.add("usage.retention_months", "%d months is too long: the CNIL caps audience-measurement data at %d months (expected 1 to %d; 13 is usual)", r, MaxRetentionMonths, MaxRetentionMonths)
	case r < 1:
		v.add("usage.retention_months", "%d is out of range (expected 1 to %d months; 13 is usual)", r, MaxRetentionMonths)
	}
	if len(c.Services) == 0 {
		v.add("service", "no service: add at least one [[service]] section")
	}
	ids := map[string]int{}
	for i := range c.Services {
		v.service(fmt.Sprintf("service[%d]", i), &c.Services[i], ids, i)
	}
	if h := c.Staff.PINHash; h != "" {
		if err := pincode.CheckHash(h); err != nil {
			v.add("staff.pin_hash", "%s (make one with \"kioskctl pin hash\")", strings.TrimPrefix(err.Error(), "pincode: "))
		}
	}
	v.duration("staff.idle_timeout", c.Staff.IdleTimeout.Duration, MinStaffIdle, MaxStaffIdle)
	v.gpio(&c.GPIO)
	if l := c.Metrics.Listen; l != MetricsOff {
		if err := metrics.CheckListen(l); err != nil {
			v.add("metrics.listen", "%v, or \"off\"", err)
		}
	}
	v.scanner(&c.Scanner)
	v.printer(&c.Printer)
	v.receipt(&c.Receipt)
	agencyIDs := map[string]int{}
	services := serviceIDs(c.Services)
	for i := range c.Agencies {
		v.agency(fmt.Sprintf("agency[%d]", i), &c.Agencies[i], agencyIDs, i, services)
	}
	return v.errs
}

func (v *checker) kiosk(k *Kiosk) {
	switch {
	case k.ID == "":
		v.missing("kiosk.id", `give this kiosk a short id such as "mairie-01" (`+slugRule+")")
	case !slugRe.MatchString(k.ID):
		v.add("kiosk.id", "%q is not a valid id (use %s, e.g. \"mairie-01\")", k.ID, slugRule)
	}
	switch n := utf8.RuneCountInString(k.Site); {
	case strings.TrimSpace(k.Site) == "":
		v.missing("kiosk.site", `write the site's name as residents know it, e.g. "France Services de Trappes"`)
	case n > MaxSiteLen:
		v.add("kiosk.site", "is %d characters long: keep it to %d so it fits the attract screen", n, MaxSiteLen)
	}
	if k.TimeZone == "" || k.TimeZone == "Local" {
		v.add("kiosk.timezone", "%q is not a time zone name (write e.g. %q)", k.TimeZone, DefaultTimeZone)
	} else if _, err := time.LoadLocation(k.TimeZone); err != nil {
		v.add("kiosk.timezone", "%q is not a known time zone (write an IANA name such as \"Europe/Paris\" or \"America/Cayenne\")", k.TimeZone)
	}
	if len(k.Languages) == 0 {
		v.missing("kiosk.languages", `list the languages residents may choose, e.g. ["fr", "en"] (supported: `+supportedList()+")")
	}
	seen := map[string]bool{}
	for i, l := range k.Languages {
		p := fmt.Sprintf("kiosk.languages[%d]", i)
		if _, ok := i18n.Lookup(l); !ok {
			v.add(p, "%q is not a supported language (supported: %s)", l, supportedList())
		} else if seen[l] {
			v.add(p, "%q is listed twice", l)
		}
		seen[l] = true
	}
	if !seen[k.DefaultLanguage] && len(k.Languages) > 0 {
		if v.src.present("kiosk.default_language") {
			v.add("kiosk.default_language", "%q is not one of kiosk.languages (%s)", k.DefaultLanguage, strings.Join(k.Languages, ", "))
		} else {
			v.add("kiosk.default_language", "missing: the default, %q, is not in kiosk.languages (%s): choose one of them", k.DefaultLanguage, strings.Join(k.Languages, ", "))
		}
	}
	v.absPath("kiosk.state_dir", k.StateDir)
}

func (v *checker) duration(path string, d, lo, hi time.Duration) {
	if d < lo || d > hi {
		v.add(path, "%s is out of range (expected between %s and %s)", short(d), short(lo), short(hi))
	}
}

// short writes a duration without zero units: "1h" rather than "1h0m0s".
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// absPath checks an optional path: empty or absolute, since the kiosk's
// working directory is nobody's business.
func (v *checker) absPath(path, p string) {
	if p != "" && !strings.HasPrefix(p, "/") {
		v.add(path, "%q is not an absolute path (write one starting with /, or leave it out)", p)
	}
}

func (v *checker) service(p string, s *Service, ids map[string]int, i int) {
	switch j, dup := ids[s.ID]; {
	case s.ID == "":
		v.missing(p+".id", `give the service a short id such as "caf" (`+slugRule+")")
	case !slugRe.MatchString(s.ID):
		v.add(p+".id", "%q is not a valid id (use %s, e.g. \"caf\")", s.ID, slugRule)
	case dup:
		v.add(p+".id", "%q is already the id of service[%d]: each service needs its own", s.ID, j)
	default:
		ids[s.ID] = i
	}
	v.texts(p+".name", s.Name, "every service needs a French name, shown when a translation is missing")
	v.texts(p+".summary", s.Summary, "")
	switch {
	case s.Pictogram == "":
		v.missing(p+".pictogram", "choose one of: "+strings.Join(pictos.Names(), ", "))
	case !pictos.Has(s.Pictogram):
		v.add(p+".pictogram", "%q is not a known pictogram (known: %s)", s.Pictogram, strings.Join(pictos.Names(), ", "))
	}
	startOK := v.startURL(p+".start_url", s.StartURL)
	domainsOK := v.domains(p+".allowed_domains", s.AllowedDomains)
	v.domainPatterns(p+".resource_domains", s.ResourceDomains)
	if startOK && domainsOK {
		u, _ := url.Parse(s.StartURL)
		if !s.Allows(u.Host) {
			h := u.Hostname()
			v.add(p+".start_url", "host %q is not in allowed_domains (add %q, or a pattern such as %q)", u.Host, u.Host, "*."+parentDomain(h))
		}
	}
	switch {
	case s.UploadLimit <= 0:
		v.add(p+".upload_limit", "must be more than 0 (write e.g. \"5 MB\", the limit the website states)")
	case s.UploadLimit > MaxUploadLimit:
		v.add(p+".upload_limit", "%s is more than the %s Borne handles", s.UploadLimit, MaxUploadLimit)
	}
	if len(s.Accept) == 0 {
		v.missing(p+".accept", "list the file types the website takes (supported: "+strings.Join(AcceptTypes, ", ")+")")
	}
	for j, a := range s.Accept {
		if !slices.Contains(AcceptTypes, a) {
			v.add(fmt.Sprintf("%s.accept[%d]", p, j), "%q is not a type Borne can produce (supported: %s)", a, strings.Join(AcceptTypes, ", "))
		}
	}
	for j := range s.NextSteps {
		v.nextStep(fmt.Sprintf("%s.next_step[%d]", p, j), &s.NextSteps[j])
	}
}

// texts checks a per-language table; frHint is set when French is required.
func (v *checker) texts(path string, m map[string]string, frHint string) {
	langs := make([]string, 0, len(m))
	for l := range m {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		p := path + "." + keyPart(l)
		if _, ok := i18n.Lookup(l); !ok {
			v.add(p, "%q is not a supported language (supported: %s)", l, supportedList())
		} else if strings.TrimSpace(m[l]) == "" {
			v.add(p, "is empty: write the text, or remove the line to show the French one")
		}
	}
	if _, ok := m[i18n.Source]; !ok && frHint != "" {
		v.missing(path+"."+i18n.Source, frHint)
	}
}

// startURL checks the address a service opens on; false if unusable.
func (v *checker) startURL(path, s string) bool {
	if s == "" {
		v.missing(path, `write the web address the service opens on, e.g. "https://www.caf.fr/"`)
		return false
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Scheme == "" || u.Host == "":
		v.add(path, "%q is not a full web address (write e.g. \"https://www.caf.fr/\")", s)
	case u.Scheme != "http" && u.Scheme != "https":
		v.add(path, "%q must start with https:// (or http://)", s)
	case u.Hostname() == "":
		v.add(path, "%q has no host name (write e.g. \"https://www.caf.fr/\")", s)
	default:
		return true
	}
	return false
}

// domains checks allowed_domains; false if any entry is unusable.
func (v *checker) domains(path string, ds []string) bool {
	if len(ds) == 0 {
		v.missing(path, `list the host names this service may open, e.g. ["caf.fr", "*.caf.fr"]`)
		return false
	}
	return v.domainPatterns(path, ds)
}

func (v *checker) domainPatterns(path string, ds []string) bool {
	ok := true
	for i, d := range ds {
		if msg := domainProblem(d); msg != "" {
			v.add(fmt.Sprintf("%s[%d]", path, i), "%q %s", d, msg)
			ok = false
		}
	}
	return ok
}

// domainProblem says what is wrong with an allowed_domains pattern, or "".
func domainProblem(d string) string {
	const examples = `(write e.g. "caf.fr", "*.caf.fr" or "127.0.0.1:8765")`
	l := strings.ToLower(d)
	switch {
	case strings.Contains(l, "/"):
		return "is not a host name: write it without https:// or a path " + examples
	case !domainRe.MatchString(l):
		return "is not a host name pattern " + examples
	}
	host, port := splitHostPort(l)
	if port != "" {
		if n, _ := strconv.Atoi(port); n < 1 || n > 65535 {
			return "has a port out of range (1 to 65535)"
		}
	}
	if rest, ok := strings.CutPrefix(host, "*."); ok && !strings.Contains(rest, ".") {
		return "is too broad: it allows every site ending in ." + rest + " " + examples
	}
	return ""
}

// parentDomain drops a host's first label ("www.caf.fr" → "caf.fr").
func parentDomain(h string) string {
	if _, rest, ok := strings.Cut(h, "."); ok && strings.Contains(rest, ".") {
		return rest
	}
	return h
}

func supportedList() string {
	var codes []string
	for _, l := range i18n.Supported() {
		codes = append(codes, l.Code)
	}
	return strings.Join(codes, ", ")
}

func (v *checker) nextStep(p string, n *NextStep) {
	if n.Kind != Monthly && n.Kind != Quarterly {
		if n.Kind == "" {
			v.missing(p+".kind", `write "monthly" or "quarterly"`)
		} else {
			v.add(p+".kind", "%q is not a known kind (write \"monthly\" or \"quarterly\")", n.Kind)
		}
	}
	fromOK := v.day(p+".from_day", n.FromDay)
	if v.day(p+".to_day", n.ToDay) && fromOK && n.ToDay < n.FromDay {
		v.add(p+".to_day", "%d is before from_day %d (the window must end on or after its first day)", n.ToDay, n.FromDay)
	}
	v.texts(p+".text", n.Text, "every next step needs a French text")
}

// day checks a day of the month; false if it is not one.
func (v *checker) day(path string, d int) bool {
	if !v.src.present(path) {
		v.add(path, "missing: write a day of the month, 1 to 31")
		return false
	}
	if d < 1 || d > 31 {
		v.add(path, "%d is not a day of the month (expected 1 to 31)", d)
		return false
	}
	return true
}

func (v *checker) scanner(sc *Scanner) {
	if r := sc.Resolution; r < 75 || r > 600 {
		v.add("scanner.resolution", "%d is out of range (expected 75 to 600 dpi; 300 is right for documents)", r)
	}
	switch sc.Mode {
	case "color", "gray", "lineart":
	default:
		v.add("scanner.mode", "%q is not a scan mode (expected color, gray or lineart)", sc.Mode)
	}
}

func (v *checker) printer(p *Printer) {
	if p.URI != "" {
		u, err := url.Parse(p.URI)
		switch {
		case err != nil || u.Host == "" || u.Hostname() == "":
			v.add("printer.uri", "%q is not a printer address (write e.g. \"ipp://localhost:631/printers/A4\" for a CUPS queue, or \"ipp://192.168.1.20/ipp/print\")", p.URI)
		case u.Scheme != "ipp" && u.Scheme != "ipps":
			v.add("printer.uri", "%q must start with ipp:// or ipps://", p.URI)
		}
	}
	if q := p.PageQuota; q < 1 || q > MaxPageQuota {
		v.add("printer.page_quota", "%d is out of range (expected 1 to %d pages per session; 20 is usual)", q, MaxPageQuota)
	}
}

func (v *checker) receipt(r *Receipt) {
	v.absPath("receipt.device", r.Device)
	if r.TCP != "" {
		if r.Device != "" {
			v.add("receipt.tcp", "give device or tcp, not both")
		} else if host, port, err := net.SplitHostPort(r.TCP); err != nil || host == "" || !validPort(port) {
			v.add("receipt.tcp", "%q is not host:port (write e.g. \"192.168.1.50:9100\")", r.TCP)
		}
	}
	if _, ok := receiptspec.LookupProfile(r.Profile); !ok {
		v.add("receipt.profile", "%q is not a known printer model (known: %s)", r.Profile, strings.Join(receiptspec.ProfileNames(), ", "))
	}
	if !receiptspec.ValidBaud(r.Baud) {
		v.add("receipt.baud", "%d is not a serial speed (write 9600, 19200, 38400, 57600 or 115200: the one set on the printer)", r.Baud)
	}
	switch receiptspec.Flow(r.Flow) {
	case receiptspec.FlowNone, receiptspec.FlowRTSCTS, receiptspec.FlowXONOFF:
	default:
		v.add("receipt.flow_control", "%q is not a flow control (write \"none\", \"rts-cts\" or \"xon-xoff\")", r.Flow)
	}
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

var phoneRe = regexp.MustCompile(`^\+?[0-9][0-9 .()-]{1,22}[0-9]$`)

// knownIDs is the set of [[service]] ids, and their list for messages.
type knownIDs struct {
	set  map[string]bool
	list string
}

func serviceIDs(services []Service) knownIDs {
	k := knownIDs{set: map[string]bool{}}
	ids := make([]string, len(services))
	for j := range services {
		ids[j] = services[j].ID
		k.set[ids[j]] = true
	}
	k.list = strings.Join(ids, ", ")
	return k
}

func (v *checker) agency(p string, a *Agency, ids map[string]int, i int, services knownIDs) {
	switch j, dup := ids[a.ID]; {
	case a.ID == "":
		v.missing(p+".id", `give the agency a short id such as "caf-trappes" (`+slugRule+")")
	case !slugRe.MatchString(a.ID):
		v.add(p+".id", "%q is not a valid id (use %s, e.g. \"caf-trappes\")", a.ID, slugRule)
	case dup:
		v.add(p+".id", "%q is already the id of agency[%d]: each agency needs its own", a.ID, j)
	default:
		ids[a.ID] = i
	}
	switch n := utf8.RuneCountInString(a.Name); {
	case strings.TrimSpace(a.Name) == "":
		v.missing(p+".name", `write the agency's name as on its door, e.g. "CAF des Yvelines – accueil de Trappes"`)
	case n > MaxAgencyNameLen:
		v.add(p+".name", "is %d characters long: keep it to %d so it fits the ticket", n, MaxAgencyNameLen)
	}
	if strings.TrimSpace(a.Address) == "" {
		v.missing(p+".address", `write the address on one line, e.g. "8 avenue des Écoles, 78190 Trappes"`)
	}
	if a.Phone != "" && !phoneRe.MatchString(a.Phone) {
		v.add(p+".phone", "%q is not a phone number (write e.g. \"01 99 00 12 34\")", a.Phone)
	}
	open := false
	for d := time.Sunday; d <= time.Saturday; d++ {
		open = open || len(a.Hours.Day(d).Spans) > 0
	}
	if !open {
		v.missing(p+".hours", `write the opening hours of each day it opens, e.g. mon = "08:30-12:00, 13:30-17:00"`)
	}
	for j, id := range a.Services {
		if !services.set[id] {
			v.add(fmt.Sprintf("%s.services[%d]", p, j), "%q is not the id of a [[service]] (ids: %s)", id, services.list)
		}
	}
}

// MetricsOff as metrics.listen serves no metrics.
const MetricsOff = "off"

// RelayDevices are the peripherals a power relay may serve: the
// configuration's sections.
var RelayDevices = []string{"scanner", "printer", "receipt"}

// pinRe is the shape of a periph.io pin name: "GPIO17", "P1_11", a line
// name such as "HELP-BTN".
var pinRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$`)

func (v *checker) gpio(g *GPIO) {
	used := map[string]string{} // pin → field that took it
	pin := func(path, name string) {
		switch {
		case name == "":
		case !pinRe.MatchString(name):
			v.add(path, "%q is not a pin name (write it as gpioinfo lists it, e.g. \"GPIO17\")", name)
		case used[name] != "":
			v.add(path, "%q is already %s: each part needs its own pin", name, used[name])
		default:
			used[name] = path
		}
	}
	pin("gpio.help_button", g.HelpButton)
	pin("gpio.maintenance_key", g.MaintenanceKey)
	pin("gpio.presence", g.Presence)
	pin("gpio.beacon", g.Beacon)
	for _, dev := range slices.Sorted(maps.Keys(g.Relays)) {
		p := "gpio.relay." + keyPart(dev)
		if !slices.Contains(RelayDevices, dev) {
			v.add(p, "%q is not a peripheral with a power relay (write one of: %s)", dev, strings.Join(RelayDevices, ", "))
			continue
		}
		pin(p, g.Relays[dev])
	}
	v.duration("gpio.relay_off", g.RelayOff.Duration, MinRelayOff, MaxRelayOff)
}
