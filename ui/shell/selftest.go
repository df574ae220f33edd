package shell

import (
	"context"

	"borne/drivers/printer"
	"borne/drivers/scanner"
)

// SelfTestDevices are the devices the staff's self-tests drive directly
// (maintenance.go); the residents' visits reach them only through
// Options.Visits and the core's interfaces. nil: the kiosk has none.
type SelfTestDevices struct {
	Printer     printer.Printer
	Scanner     func(ctx context.Context) (scanner.Device, error)
	ScanOptions scanner.Options
}
