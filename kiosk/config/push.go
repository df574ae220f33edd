package config

import (
	"net/url"
	"path/filepath"
	"time"
)

// UsagePush configures the pushes of the anonymous hourly counts to the
// fleet's collector. Off while URL is empty.
type UsagePush struct {
	URL     string   `toml:"url"`      // the collector's base URL, https only
	KeyFile string   `toml:"key_file"` // empty: STATE_DIR/push.key
	Every   Duration `toml:"every"`    // between pushes; empty: 1h
	CAFile  string   `toml:"ca_file"`  // the collector's private CA, if any
	Proxy   string   `toml:"proxy"`    // the site's HTTP proxy; empty: HTTPS_PROXY
}

// Bounds of usage.push.every.
const (
	MinPushEvery = time.Minute
	MaxPushEvery = 24 * time.Hour
)

// PushKeyPath is where the kiosk's push key is.
func (c *Config) PushKeyPath() string {
	if c.Usage.Push.KeyFile != "" {
		return c.Usage.Push.KeyFile
	}
	return filepath.Join(c.StateDirPath(), "push.key")
}

func (v *checker) push(p *UsagePush) {
	if p.URL != "" {
		if u, err := url.Parse(p.URL); err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.User != nil {
			v.add("usage.push.url", "%q is not an https:// address of the collector (no user, no query)", p.URL)
		}
	}
	if p.Every.Duration != 0 {
		v.duration("usage.push.every", p.Every.Duration, MinPushEvery, MaxPushEvery)
	}
	v.absPath("usage.push.key_file", p.KeyFile)
	v.absPath("usage.push.ca_file", p.CAFile)
	if p.Proxy != "" {
		if u, err := url.Parse(p.Proxy); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add("usage.push.proxy", "%q is not a proxy address (write http://host:port)", p.Proxy)
		}
	}
}
