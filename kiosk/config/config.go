// Package config is Borne's typed configuration: one TOML file that site staff
// can edit, a built-in default for the simulated lobby, and validation that
// names the field and line of every error.
package config

import "time"

// Config is the whole kiosk configuration.
type Config struct {
	Kiosk    Kiosk     `toml:"kiosk"`
	Screen   Screen    `toml:"screen"`
	Session  Session   `toml:"session"`
	Usage    Usage     `toml:"usage"`
	Services []Service `toml:"service"`
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
	DB              string `toml:"db"`               // empty: STATE_DIR/usage.db
	RetentionMonths int    `toml:"retention_months"` // rows older than this are purged
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
