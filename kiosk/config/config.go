// Package config is Borne's typed configuration: one TOML file that site staff
// can edit, a built-in default for the simulated lobby, and validation that
// names the field and line of every error.
package config

import (
	"time"

	"borne/internal/receiptspec"
)

// Config is the whole kiosk configuration.
type Config struct {
	Kiosk    Kiosk     `toml:"kiosk"`
	Screen   Screen    `toml:"screen"`
	Session  Session   `toml:"session"`
	Usage    Usage     `toml:"usage"`
	Staff    Staff     `toml:"staff"`
	Scanner  Scanner   `toml:"scanner"`
	Printer  Printer   `toml:"printer"`
	Receipt  Receipt   `toml:"receipt"`
	GPIO     GPIO      `toml:"gpio"`
	Metrics  Metrics   `toml:"metrics"`
	Services []Service `toml:"service"`
	Agencies []Agency  `toml:"agency"`
}

// Kiosk identifies the terminal and its site.
type Kiosk struct {
	ID              string   `toml:"id"`               // short slug, goes into usage rows
	Site            string   `toml:"site"`             // shown on the attract screen
	TimeZone        string   `toml:"timezone"`         // IANA name, e.g. Europe/Paris
	Languages       []string `toml:"languages"`        // offered on the language screen, in this order
	DefaultLanguage string   `toml:"default_language"` // attract screen and session start
	StateDir        string   `toml:"state_dir"`        // usage store, last valid config
}

// Screen describes the display and input hardware.
type Screen struct {
	DPI              int  `toml:"dpi"`               // sizes touch targets (>= 9 mm)
	HighContrast     bool `toml:"high_contrast"`     // theme at session start
	HidePointer      bool `toml:"hide_pointer"`      // touch screens: no mouse pointer
	PhysicalKeyboard bool `toml:"physical_keyboard"` // no on-screen keyboard when true
	// Rotation turns the picture clockwise, in degrees (0, 90, 180, 270),
	// for a screen mounted sideways or upside down; touch input turns with it.
	Rotation int `toml:"rotation"`
}

// Session holds the timings and the place of per-session data.
type Session struct {
	IdleAfter Duration `toml:"idle_after"` // no input for this long: "are you still there?"
	WarnFor   Duration `toml:"warn_for"`   // countdown shown before the session ends
	ThanksFor Duration `toml:"thanks_for"` // thank-you screen before the attract screen
	Dir       string   `toml:"dir"`        // per-session directories; empty: a tmpfs when available
}

// Usage configures the anonymous usage store.
type Usage struct {
	DB              string    `toml:"db"`               // empty: STATE_DIR/usage.db
	RetentionMonths int       `toml:"retention_months"` // rows older than this are purged
	Push            UsagePush `toml:"push"`             // to the fleet's collector; off by default
}

// Staff configures the lobby agents' access to the staff screen.
type Staff struct {
	// PINHash is the staff PIN's hash ("kioskctl pin hash"); empty: only
	// the maintenance key switch opens the staff screen.
	PINHash string `toml:"pin_hash"`
	// IdleTimeout closes the staff screen after this long without a touch.
	IdleTimeout Duration `toml:"idle_timeout"`
}

// Scanner is the document scanner, reached through SANE.
type Scanner struct {
	Device     string `toml:"device"`     // SANE name ("scanimage -L"); empty: no scanner
	Resolution int    `toml:"resolution"` // dots per inch
	Mode       string `toml:"mode"`       // color, gray or lineart
}

// Printer is the A4 printer, reached over IPP.
type Printer struct {
	URI       string `toml:"uri"`        // ipp://… or ipps://…; empty: no A4 printer
	PageQuota int    `toml:"page_quota"` // pages a session may print, copies included
}

// Receipt is the ticket printer (ESC/POS). Its driver takes it as it is,
// so it is defined where both see it.
type Receipt = receiptspec.Config

// GPIO is the pin map of the wired extras, by periph.io pin name ("GPIO17"
// or a line name); a pin left out is not fitted.
type GPIO struct {
	HelpButton        string            `toml:"help_button"`     // "Call a mediator"
	MaintenanceKey    string            `toml:"maintenance_key"` // the key switch that opens the staff screen
	Presence          string            `toml:"presence"`        // wakes the attract screen
	Beacon            string            `toml:"beacon"`          // lit when a mediator is called
	Relays            map[string]string `toml:"relay"`           // scanner, printer, receipt → the pin of its power relay
	InputsActiveLow   bool              `toml:"inputs_active_low"`
	PresenceActiveLow bool              `toml:"presence_active_low"`
	RelaysActiveLow   bool              `toml:"relays_active_low"`
	RelayOff          Duration          `toml:"relay_off"` // how long a power cycle cuts the power
}

// Metrics says where the Prometheus metrics are served, on the kiosk only.
type Metrics struct {
	Listen string `toml:"listen"` // a loopback HOST:PORT, or "off"
}

// Service is one tile of the catalogue: a public-service website.
type Service struct {
	ID             string            `toml:"id"`
	Name           map[string]string `toml:"name"`    // per language; French required
	Summary        map[string]string `toml:"summary"` // one plain sentence per language
	Pictogram      string            `toml:"pictogram"`
	StartURL       string            `toml:"start_url"`
	AllowedDomains []string          `toml:"allowed_domains"` // "caf.fr" or "*.caf.fr"
	UploadLimit    Size              `toml:"upload_limit"`    // e.g. "5 MB"
	Accept         []string          `toml:"accept"`          // MIME types the site takes
	NextSteps      []NextStep        `toml:"next_step"`

	// ResourceDomains are hosts the site's pages may load images, scripts,
	// styles and data from (CDNs), never open as a page. Patterns as above.
	ResourceDomains []string `toml:"resource_domains"`
}

// NextStep is a rule that tells the resident what comes next (on the ticket).
type NextStep struct {
	Kind    string            `toml:"kind"`     // "monthly" or "quarterly"
	FromDay int               `toml:"from_day"` // window start, day of month
	ToDay   int               `toml:"to_day"`   // window end, day of month
	Text    map[string]string `toml:"text"`     // per language
}

// Duration is a time.Duration written as "90s" or "2m" in the file.
type Duration struct{ time.Duration }

// Size is a byte count written as "5 MB", "800 KB" or a plain number.
type Size int64
