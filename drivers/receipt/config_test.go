package receipt

import (
	"log/slog"
	"testing"

	"borne/internal/receiptspec"
)

func TestConfigOptions(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	c := receiptspec.Config{Device: "/dev/ttyUSB0", Profile: "generic-80mm", Baud: 115200, Flow: "rts-cts"}
	opt, ok := ConfigOptions(c, quiet)
	if !ok || opt.Link.Device != c.Device || opt.Link.Baud != 115200 || opt.Link.Flow != FlowRTSCTS || opt.Profile.Name != "generic-80mm" {
		t.Errorf("%+v %v", opt, ok)
	}
	if _, ok := ConfigOptions(receiptspec.Config{Profile: "generic-80mm"}, quiet); ok {
		t.Error("no device, no TCP: still a printer")
	}
}
