package health

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"borne/drivers/printer"
	"borne/drivers/receipt"
	"borne/drivers/scanner"
	"borne/kiosk/metrics"
)

// PrinterProbe asks the A4 printer its state, paper and supplies.
func PrinterProbe(p interface {
	Status(ctx context.Context) (printer.State, error)
}) Probe {
	return Probe{Device: Printer, Check: func(ctx context.Context) Status {
		st, err := p.Status(ctx)
		if err != nil {
			return Status{Code: string(printer.CodeOf(err)), Staff: fmt.Sprintf("Imprimante A4 injoignable : %v", err), Paper: metrics.PaperUnknown}
		}
		out := Status{Up: st.Ready(), Code: string(st.Code), Staff: st.Staff, Paper: metrics.PaperOK}
		switch {
		case st.Code == printer.MediaEmpty:
			out.Paper = metrics.PaperOut
		case slices.Contains(st.Warnings, printer.MediaLow):
			out.Paper = metrics.PaperLow
		}
		if st.Attributes != nil {
			for _, mk := range st.Attributes.Markers {
				out.Levels = append(out.Levels, Level{Name: mk.Name, Percent: mk.Level})
			}
		}
		return out
	}}
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

// ReceiptProbe asks the ticket printer its status bytes.
func ReceiptProbe(p interface {
	Status(ctx context.Context) (receipt.Status, error)
}) Probe {
	return Probe{Device: Receipt, Check: func(ctx context.Context) Status {
		st, err := p.Status(ctx)
		code := st.Code()
		if err != nil {
			code = receipt.CodeOf(err)
		}
		out := Status{Up: err == nil && st.Ready(), Code: string(code), Staff: receiptStaff[code], Paper: metrics.PaperOK}
		switch {
		case !st.Known:
			out.Paper = metrics.PaperUnknown
		case st.PaperOut:
			out.Paper = metrics.PaperOut
		case st.PaperLow:
			out.Paper = metrics.PaperLow
		}
		if out.Staff == "" {
			out.Staff = fmt.Sprintf("Imprimante de tickets : %s (%v)", code, err)
		}
		return out
	}}
}

// ScannerProbe looks for the configured scanner among those SANE finds,
// without opening it: a resident may be scanning.
func ScannerProbe(device string, list func(ctx context.Context) ([]scanner.Info, error)) Probe {
	return Probe{Device: Scanner, Check: func(ctx context.Context) Status {
		infos, err := list(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			// libsane makes one call at a time: a resident's long feeder
			// scan holds the listing up. A stuck scanner shows on the scan.
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
	}}
}
