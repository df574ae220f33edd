package config

import (
	"strings"
	"testing"
	"time"
)

// extras are the staff, GPIO and metrics sections, after base's.
const extras = `
[staff]
idle_timeout = "10m"

[gpio]
help_button = "GPIO17"
maintenance_key = "GPIO27"
presence = "GPIO22"
beacon = "GPIO23"
relays_active_low = true
relay_off = "8s"
[gpio.relay]
scanner = "GPIO5"
receipt = "GPIO6"

[metrics]
listen = "127.0.0.1:9100"
`

func TestExtrasSections(t *testing.T) {
	c, err := Parse([]byte(base), "borne.toml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Staff.IdleTimeout.Duration != DefaultStaffIdle || !c.GPIO.InputsActiveLow || c.GPIO.RelayOff.Duration != DefaultRelayOff ||
		c.Metrics.Listen != DefaultMetricsListen || c.GPIO.HelpButton != "" || len(c.GPIO.Relays) != 0 {
		t.Errorf("defaults: staff %+v gpio %+v metrics %+v", c.Staff, c.GPIO, c.Metrics)
	}

	c, err = Parse([]byte(base+extras), "borne.toml")
	if err != nil {
		t.Fatal(err)
	}
	g := c.GPIO
	if c.Staff.IdleTimeout.Duration != 10*time.Minute || g.HelpButton != "GPIO17" || g.MaintenanceKey != "GPIO27" || g.Presence != "GPIO22" ||
		g.Beacon != "GPIO23" || !g.InputsActiveLow || g.PresenceActiveLow || !g.RelaysActiveLow || g.RelayOff.Duration != 8*time.Second ||
		g.Relays["scanner"] != "GPIO5" || g.Relays["receipt"] != "GPIO6" || c.Metrics.Listen != "127.0.0.1:9100" {
		t.Errorf("parsed: staff %+v gpio %+v metrics %+v", c.Staff, g, c.Metrics)
	}
	if c, err = Parse([]byte(base+strings.Replace(extras, `"127.0.0.1:9100"`, `"off"`, 1)), "borne.toml"); err != nil || c.Metrics.Listen != MetricsOff {
		t.Errorf("metrics off: %v", err)
	}
}

func TestExtrasErrors(t *testing.T) {
	tests := []struct {
		name, old, new, field, msg string
	}{
		{"idle too short", `idle_timeout = "10m"`, `idle_timeout = "10s"`, "staff.idle_timeout", "10s is out of range (expected between 1m and 1h)"},
		{"pin name", `presence = "GPIO22"`, `presence = "GPIO 22"`, "gpio.presence", `"GPIO 22" is not a pin name`},
		{"pin twice", `beacon = "GPIO23"`, `beacon = "GPIO17"`, "gpio.beacon", `"GPIO17" is already gpio.help_button`},
		{"relay pin twice", `receipt = "GPIO6"`, `receipt = "GPIO27"`, "gpio.relay.receipt", `already gpio.maintenance_key`},
		{"relay device", `receipt = "GPIO6"`, `coffee = "GPIO6"`, "gpio.relay.coffee", `"coffee" is not a peripheral with a power relay (write one of: scanner, printer, receipt)`},
		{"relay off", `relay_off = "8s"`, `relay_off = "2h"`, "gpio.relay_off", "out of range"},
		{"active low type", `relays_active_low = true`, `relays_active_low = "yes"`, "gpio.relays_active_low", "expected true or false"},
		{"metrics everywhere", `"127.0.0.1:9100"`, `"0.0.0.0:9100"`, "metrics.listen", `is not a loopback address: metrics stay on the kiosk`},
		{"metrics no port", `"127.0.0.1:9100"`, `"127.0.0.1"`, "metrics.listen", `is not HOST:PORT`},
		{"unknown key", `beacon = "GPIO23"`, `becon = "GPIO23"`, "gpio.becon", `did you mean "beacon"?`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := base + strings.Replace(extras, tt.old, tt.new, 1)
			errs := parseErrors(t, doc)
			want := strings.Count(doc[:strings.Index(doc, tt.new)], "\n") + 1
			if len(errs) != 1 || errs[0].Field != tt.field || errs[0].Line != want || !strings.Contains(errs[0].Msg, tt.msg) {
				t.Errorf("got %v; want one error at line %d on %s with %q", &errs, want, tt.field, tt.msg)
			}
		})
	}
}
