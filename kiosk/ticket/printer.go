package ticket

import (
	"log/slog"

	"borne/drivers/receipt"
	"borne/kiosk/config"
)

// ReceiptOptions sets up the configuration's ticket printer: its link, its
// model, and the fonts Arabic is drawn with. ok is false when no ticket
// printer is configured. Without the fonts (a warning is logged), tickets
// in Arabic fail and the others print.
func ReceiptOptions(cfg *config.Config, log *slog.Logger) (opt receipt.Options, ok bool) {
	r := cfg.Receipt
	profile, _ := receipt.LookupProfile(r.Profile) // validated
	fonts, err := receipt.DefaultFonts()
	if err != nil {
		log.Warn("ticket: no fonts for Arabic tickets (install fonts-noto-core)", "err", err)
	}
	opt = receipt.Options{
		Link:    receipt.Link{Device: r.Device, TCP: r.TCP, Baud: r.Baud, Flow: receipt.Flow(r.Flow)},
		Profile: profile,
		Fonts:   fonts,
		Log:     log,
	}
	return opt, r.Device != "" || r.TCP != ""
}
