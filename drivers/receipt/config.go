package receipt

import (
	"log/slog"

	"borne/internal/receiptspec"
)

// ConfigOptions sets up the configuration's ticket printer: its link, its
// model, and the fonts Arabic is drawn with. ok is false when no ticket
// printer is configured. Without the fonts (a warning is logged), tickets
// in Arabic fail and the others print.
func ConfigOptions(r receiptspec.Config, log *slog.Logger) (opt Options, ok bool) {
	profile, _ := LookupProfile(r.Profile) // validated
	fonts, err := DefaultFonts()
	if err != nil {
		log.Warn("ticket: no fonts for Arabic tickets (install fonts-noto-core)", "err", err)
	}
	opt = Options{
		Link:    Link{Device: r.Device, TCP: r.TCP, Baud: r.Baud, Flow: Flow(r.Flow)},
		Profile: profile,
		Fonts:   fonts,
		Log:     log,
	}
	return opt, r.Device != "" || r.TCP != ""
}
