package selftest

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"borne/drivers/printer"
	"borne/drivers/receipt"
	"borne/drivers/scanner"
)

// Paper states, as kiosk/metrics names them.
const (
	PaperOK      = "ok"
	PaperLow     = "low"
	PaperOut     = "out"
	PaperUnknown = "unknown"
)

// Level is a supply's fill, in percent; -1 when the device does not say.
type Level struct {
	Name    string
	Percent int
}

// Status is how a device is, read without disturbing it: the fault
// classification of the drivers' states and errors.
type Status struct {
	Up     bool    // it would work now
	Code   string  // a stable word: "ok", "ready", or the driver's code ("media-empty", "absent"…)
	Staff  string  // for the staff screen and the logs, in French
	Paper  string  // printers only: PaperOK…; "" for the scanner
	Levels []Level // toner, ink: printers that report them
}

// PrinterStatus asks the A4 printer its state, paper and supplies.
func PrinterStatus(ctx context.Context, p interface {
	Status(ctx context.Context) (printer.State, error)
}) Status {
	st, err := p.Status(ctx)
	if err != nil {
		return Status{Code: string(printer.CodeOf(err)), Staff: fmt.Sprintf("Imprimante A4 injoignable : %v", err), Paper: PaperUnknown}
	}
	out := Status{Up: st.Ready(), Code: string(st.Code), Staff: st.Staff, Paper: PaperOK}
	switch {
	case st.Code == printer.MediaEmpty:
		out.Paper = PaperOut
	case slices.Contains(st.Warnings, printer.MediaLow):
		out.Paper = PaperLow
	}
	if st.Attributes != nil {
		for _, mk := range st.Attributes.Markers {
			out.Levels = append(out.Levels, Level{Name: mk.Name, Percent: mk.Level})
		}
	}
	return out
}

// receiptStaff says each receipt printer condition for staff.
var receiptStaff = map[receipt.Code]string{
	receipt.OK:          "Imprimante de tickets prête",
	receipt.PaperLow:    "Imprimante de tickets : rouleau presque fini, à changer bientôt",
	receipt.PaperOut:    "Imprimante de tickets : plus de papier, changer le rouleau",
	receipt.CoverOpen:   "Imprimante de tickets : capot ouvert, le refermer",
	receipt.Offline:     "Imprimante de tickets hors ligne",
	receipt.Failure:     "Imprimante de tickets en erreur (massicot, mécanisme) : l'éteindre et la rallumer",
	receipt.NoReply:     "Imprimante de tickets muette : est-elle allumée et branchée ?",
	receipt.Unreachable: "Imprimante de tickets introuvable : vérifier le câble",
}

// receiptWords are the staff words for a ticket printer's code.
func receiptWords(code receipt.Code, err error) string {
	if s := receiptStaff[code]; s != "" {
		return s
	}
	return fmt.Sprintf("Imprimante de tickets : %s (%v)", code, err)
}

// ReceiptStatus asks the ticket printer its status bytes.
func ReceiptStatus(ctx context.Context, p interface {
	Status(ctx context.Context) (receipt.Status, error)
}) Status {
	st, err := p.Status(ctx)
	code := st.Code()
	if err != nil {
		code = receipt.CodeOf(err)
	}
	out := Status{Up: err == nil && st.Ready(), Code: string(code), Staff: receiptWords(code, err), Paper: PaperOK}
	switch {
	case !st.Known:
		out.Paper = PaperUnknown
	case st.PaperOut:
		out.Paper = PaperOut
	case st.PaperLow:
		out.Paper = PaperLow
	}
	return out
}

// ScannerStatus looks for the scanner device among those list finds,
// without opening it: a resident may be scanning.
func ScannerStatus(ctx context.Context, device string, list func(ctx context.Context) ([]scanner.Info, error)) Status {
	infos, err := list(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		// libsane makes one call at a time: a resident's long feeder scan
		// holds the listing up. A stuck scanner shows on the scan.
		return Status{Up: true, Code: "busy", Staff: "Scanner occupé : une numérisation est en cours"}
	}
	if err != nil {
		p := scanner.Describe(err)
		return Status{Code: p.Code, Staff: p.StaffFR}
	}
	for _, in := range infos {
		if in.Name == device {
			return Status{Up: true, Code: "ok", Staff: fmt.Sprintf("Scanner prêt : %s %s", in.Vendor, in.Model)}
		}
	}
	return Status{Code: "absent", Staff: fmt.Sprintf("Scanner %s introuvable : est-il branché et allumé ?", device)}
}
