package printer

import (
	"fmt"
	"slices"
	"strings"
)

// Code names a printer condition or a failure in a few stable words: the
// ui turns them into sentences for residents, logs keep them as they are.
type Code string

// Conditions a printer reports (State.Code), the most serious first.
const (
	MediaJam     Code = "media-jam"
	MediaEmpty   Code = "media-empty"
	CoverOpen    Code = "cover-open" // a cover, door or tray is open or missing
	MarkerEmpty  Code = "marker-supply-empty"
	Offline      Code = "offline"
	Paused       Code = "paused"        // staff paused the printer or the queue
	Stopped      Code = "stopped"       // stopped for another reason: see the staff text
	NotAccepting Code = "not-accepting" // the queue refuses new jobs
	Busy         Code = "busy"          // printing; a new job waits its turn (also IPP "busy" errors)
	Ready        Code = "ready"
)

// Warnings: the printer still prints; staff should act soon.
const (
	MediaLow  Code = "media-low"
	MarkerLow Code = "marker-supply-low"
)

// Failures to talk to the printer or to print.
const (
	Unreachable   Code = "unreachable"  // no connection: off, unplugged, wrong address
	Timeout       Code = "timeout"      // connected, but no answer in time
	Protocol      Code = "protocol"     // an answer that is not IPP, or cut short
	Refused       Code = "refused"      // the printer refused the request
	Unprintable   Code = "unprintable"  // the printer cannot print this document
	NotFound      Code = "not-found"    // no such queue, or the job is gone
	Canceled      Code = "canceled"     // the caller gave up (its context ended)
	QuotaExceeded Code = "quota"        // the session's page quota would be exceeded
	JobCanceled   Code = "job-canceled" // the job ended canceled, by staff or by Cancel
	JobAborted    Code = "job-aborted"  // the printer gave the job up
	Failure       Code = "error"        // anything else
)

// reasonInfo is what a printer-state-reasons keyword means.
type reasonInfo struct {
	code  Code
	staff string // in French, for the lobby agents
}

// reasons maps keywords, severity suffix removed, to codes. Keywords not
// here are reported to staff as they are.
var reasons = map[string]reasonInfo{
	"media-jam":                {MediaJam, "bourrage papier"},
	"media-empty":              {MediaEmpty, "plus de papier"},
	"media-needed":             {MediaEmpty, "papier à charger"},
	"input-tray-missing":       {CoverOpen, "bac papier absent"},
	"cover-open":               {CoverOpen, "capot ouvert"},
	"door-open":                {CoverOpen, "porte ouverte"},
	"interlock-open":           {CoverOpen, "verrou de sécurité ouvert"},
	"marker-supply-empty":      {MarkerEmpty, "encre ou toner épuisé"},
	"toner-empty":              {MarkerEmpty, "toner épuisé"},
	"marker-waste-full":        {MarkerEmpty, "réservoir de déchets plein"},
	"offline":                  {Offline, "hors ligne"},
	"shutdown":                 {Offline, "éteinte"},
	"timed-out":                {Offline, "ne répond plus à CUPS"},
	"connecting-to-device":     {Offline, "connexion à l'imprimante en cours"},
	"paused":                   {Paused, "en pause"},
	"moving-to-paused":         {Paused, "passe en pause"},
	"spool-area-full":          {Busy, "file d'attente pleine"},
	"media-low":                {MediaLow, "papier bientôt épuisé"},
	"marker-supply-low":        {MarkerLow, "encre ou toner bientôt épuisé"},
	"toner-low":                {MarkerLow, "toner bientôt épuisé"},
	"marker-waste-almost-full": {MarkerLow, "réservoir de déchets presque plein"},
}

// severity is the rank of the blocking codes: lower is more serious.
var severity = []Code{MediaJam, MediaEmpty, CoverOpen, MarkerEmpty, Offline, Paused, Stopped}

// Reason is one printer-state-reasons keyword, understood.
type Reason struct {
	Keyword  string // as the printer sent it, e.g. "media-empty-error"
	Code     Code   // "" for a keyword Borne does not know
	Blocking bool   // the printer cannot print while it lasts
}

// ParseReason reads a keyword. The suffix says how serious it is: -error
// blocks, -warning and -report do not; without one, the keyword decides,
// as IPP wants (a known condition such as media-empty blocks).
func ParseReason(kw string) Reason {
	base, suffix := splitSeverity(kw)
	info, known := reasons[base]
	r := Reason{Keyword: kw, Code: info.code}
	switch suffix {
	case "-error":
		r.Blocking = true
		if !known {
			r.Code = Stopped
		}
	case "":
		r.Blocking = known && slices.Contains(severity, info.code)
	}
	return r
}

// splitSeverity cuts "media-empty-error" into "media-empty" and "-error".
func splitSeverity(kw string) (base, suffix string) {
	for _, s := range []string{"-error", "-warning", "-report"} {
		if b, ok := strings.CutSuffix(kw, s); ok {
			return b, s
		}
	}
	return kw, ""
}

// State is how the printer is, for residents and for staff.
type State struct {
	// Code is the one condition that matters most: Ready or Busy when a
	// job would print, else why not.
	Code    Code
	Reasons []Reason
	// Warnings are the conditions staff should act on although the
	// printer prints (MediaLow, MarkerLow).
	Warnings []Code
	// Staff says everything in French, keywords included, for the lobby
	// agents' screen and the logs.
	Staff      string
	Attributes *Attributes
}

// Ready tells whether a job sent now would print (perhaps after others).
func (s State) Ready() bool { return s.Code == Ready || s.Code == Busy }

// stateOf sums up a printer's attributes.
func stateOf(a *Attributes) State {
	s := State{Code: Ready, Attributes: a}
	worst := len(severity)
	var staff []string
	for _, kw := range a.Reasons {
		if kw == "none" || kw == "" {
			continue
		}
		r := ParseReason(kw)
		s.Reasons = append(s.Reasons, r)
		if r.Blocking {
			i := slices.Index(severity, r.Code)
			if i < 0 { // an error the printer gives as such: it is stopped
				i = slices.Index(severity, Stopped)
			}
			worst = min(worst, i)
		}
		if (r.Code == MediaLow || r.Code == MarkerLow) && !slices.Contains(s.Warnings, r.Code) {
			s.Warnings = append(s.Warnings, r.Code)
		}
		words := kw
		if base, _ := splitSeverity(kw); reasons[base].staff != "" {
			words = reasons[base].staff + " (" + kw + ")"
		}
		staff = append(staff, words)
	}
	switch {
	case worst < len(severity):
		s.Code = severity[worst]
	case a.State == StateStopped:
		s.Code = Stopped
	case !a.Accepting:
		s.Code = NotAccepting
	case a.State == StateProcessing:
		s.Code = Busy
	}
	s.Staff = staffText(a, staff)
	return s
}

// staffText says the printer's state in French, precisely.
func staffText(a *Attributes, reasons []string) string {
	var b strings.Builder
	switch a.State {
	case StateIdle:
		b.WriteString("Imprimante prête")
	case StateProcessing:
		b.WriteString("Imprimante en cours d'impression")
	case StateStopped:
		b.WriteString("Imprimante arrêtée")
	default:
		b.WriteString("État de l'imprimante inconnu")
	}
	if len(reasons) > 0 {
		b.WriteString(" : " + strings.Join(reasons, ", "))
	}
	b.WriteString(".")
	if !a.Accepting {
		b.WriteString(" La file n'accepte pas de travaux.")
	}
	if a.Message != "" {
		fmt.Fprintf(&b, " Message : « %s ».", a.Message)
	}
	var supplies []string
	for _, m := range a.Markers {
		if m.Level >= 0 {
			supplies = append(supplies, fmt.Sprintf("%s %d %%", m.Name, m.Level))
		}
	}
	if len(supplies) > 0 {
		b.WriteString(" Consommables : " + strings.Join(supplies, ", ") + ".")
	}
	return b.String()
}
