package wiring

import (
	"testing"

	"borne/drivers/printer"
	"borne/drivers/scanner"
	"borne/kiosk/visit"
)

// The visit names the printer's codes it tells apart with the driver's words.
func TestPrintCodesAgree(t *testing.T) {
	for core, driver := range map[string]printer.Code{
		visit.MediaEmpty: printer.MediaEmpty, visit.MediaJam: printer.MediaJam, visit.CoverOpen: printer.CoverOpen,
		visit.MarkerEmpty: printer.MarkerEmpty, visit.QuotaExceeded: printer.QuotaExceeded, visit.Unprintable: printer.Unprintable,
		visit.JobAborted: printer.JobAborted, visit.Canceled: printer.Canceled, visit.JobCanceled: printer.JobCanceled,
	} {
		if core != string(driver) {
			t.Errorf("visit says %q where the printer driver says %q", core, driver)
		}
	}
}

func TestScanCodesAgree(t *testing.T) {
	for core, driver := range map[string]error{visit.ScanCancelled: scanner.ErrCancelled, visit.ScanNoDocuments: scanner.ErrNoDocuments, visit.ScanGone: scanner.ErrGone} {
		if got := scanner.Describe(driver).Code; core != got {
			t.Errorf("visit says %q where the scanner driver says %q", core, got)
		}
	}
}
