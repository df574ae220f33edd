package selftest

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"time"

	"borne/drivers/printer"
	"borne/drivers/receipt"
	"borne/drivers/scanner"
)

// Scan opens the scanner, scans one page with opt and checks it looks like
// a scan (CheckImage). Only its size and time are reported: whatever lay on
// the glass may be a resident's, so it is neither kept nor shown.
func Scan(ctx context.Context, open func(ctx context.Context) (scanner.Device, error), opt scanner.Options) Result {
	r := begin(Scanner, "scan")
	d, err := open(ctx)
	if err != nil {
		return r.scanFailed(ctx, err)
	}
	defer d.Close()
	return scanWith(ctx, r, d, opt)
}

// ScanWith is Scan on a scanner already open (a soak opens it once).
func ScanWith(ctx context.Context, d scanner.Device, opt scanner.Options) Result {
	return scanWith(ctx, begin(Scanner, "scan"), d, opt)
}

func scanWith(ctx context.Context, r *result, d scanner.Device, opt scanner.Options) Result {
	pages, err := d.Scan(ctx, opt, nil)
	if err == nil && len(pages) == 0 {
		err = fmt.Errorf("scanner: %w: no page", scanner.ErrBadFrame)
	}
	if err != nil {
		return r.scanFailed(ctx, err)
	}
	p := pages[0]
	b := p.Image.Bounds()
	if c := CheckImage(p.Image, p.DPI, 0, 0); c.Code != "" {
		return r.fail(false, c.Code, imageWords[c.Code], fmt.Errorf("page 1: %s", c.Detail))
	}
	return r.pass(fmt.Sprintf("Page scannée : %d × %d pixels à %d ppp, en %s.", b.Dx(), b.Dy(), p.DPI, Seconds(r.since())),
		"%d×%d px at %d dpi, %d page(s)", b.Dx(), b.Dy(), p.DPI, len(pages))
}

// imageWords say for staff what a scan that does not look like one means.
var imageWords = map[string]string{
	"empty-image":  "Le scanner n'a envoyé aucune image : l'éteindre et le rallumer.",
	"blank-image":  "Image uniforme : lampe éteinte ou capteur en panne ? Vérifier qu'une page était sur la vitre.",
	"stuck-stripe": "Une ligne droite traverse l'image : nettoyer la vitre ; si elle reste, le capteur est abîmé.",
	"wrong-size":   "Image de taille inattendue : vérifier les réglages du scanner.",
}

func (r *result) scanFailed(ctx context.Context, err error) Result {
	p := scanner.Describe(err)
	return r.fail(stopped(ctx), p.Code, "Échec du test : "+p.StaffFR, err)
}

// A4 is what the test page needs of the A4 printer: *printer.Client.
type A4 interface {
	Status(ctx context.Context) (printer.State, error)
	Print(ctx context.Context, pdf string, opt printer.PrintOptions) (*printer.Job, error)
	Wait(ctx context.Context, job *printer.Job, progress func(printer.JobStatus)) (printer.JobStatus, error)
	Cancel(ctx context.Context, job *printer.Job) error
}

// PrintPage draws the test page titled title and prints it (PrintFile).
func PrintPage(ctx context.Context, p A4, title string) Result {
	dir, err := os.MkdirTemp("", "borne-testpage-")
	if err != nil {
		return begin(Printer, "test-page").fail(false, "test-page", "Page de test non créée : voir le journal de la borne.", err)
	}
	defer os.RemoveAll(dir)
	pdf := filepath.Join(dir, "page-de-test.pdf")
	if err := WriteTestPage(pdf, title); err != nil {
		return begin(Printer, "test-page").fail(false, "test-page", "Page de test non créée : voir le journal de la borne.", err)
	}
	return PrintFile(ctx, p, pdf)
}

// PrintFile prints the test page pdf and follows the job to its end. A
// printer that is not ready fails the test before anything is sent, and one
// that stops mid-job (out of paper, jammed) fails it at once: the job is
// then cancelled, as is a job the test gave up on, so that nothing prints
// after the test has said it failed.
func PrintFile(ctx context.Context, p A4, pdf string) Result {
	r := begin(Printer, "test-page")
	if st := PrinterStatus(ctx, p); !st.Up {
		return r.fail(stopped(ctx), st.Code, "Impression impossible : "+st.Staff, fmt.Errorf("printer not ready before the test: %s", st.Code))
	}
	job, err := p.Print(ctx, pdf, printer.PrintOptions{Pages: 1, Name: "Borne test page"})
	if err != nil {
		return r.printFailed(ctx, p, err)
	}
	wctx, giveUp := context.WithCancel(ctx)
	defer giveUp()
	var halted *printer.State // the printer's state when it stopped mid-job
	st, err := p.Wait(wctx, job, func(js printer.JobStatus) {
		if js.Printer != nil && !js.Printer.Ready() && halted == nil {
			halted = js.Printer
			giveUp()
		}
	})
	if err == nil && st.State != printer.JobStateCompleted {
		code := printer.JobAborted
		if st.State == printer.JobStateCanceled {
			code = printer.JobCanceled
		}
		err = &printer.Error{Code: code, Op: "Get-Job-Attributes", Err: fmt.Errorf("job ended %s", st.State)}
	}
	if err == nil {
		return r.pass(fmt.Sprintf("Page de test imprimée en %s : vérifiez les 4 coins et les 11 gris.", Seconds(r.since())),
			"job %d (%s) completed", job.ID, job.Format)
	}
	if !st.State.Done() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		_ = p.Cancel(cctx, job)
		cancel()
	}
	if halted != nil {
		return r.fail(false, string(halted.Code), "Échec de l'impression : "+halted.Staff,
			fmt.Errorf("job %d: the printer stopped: %s", job.ID, halted.Code))
	}
	return r.printFailed(ctx, p, fmt.Errorf("job %d: %w", job.ID, err))
}

// printFailed says why the test page did not print, in the printer's own
// words when it can still say how it is.
func (r *result) printFailed(ctx context.Context, p A4, err error) Result {
	code := printer.CodeOf(err)
	staff := fmt.Sprintf("Échec de l'impression (%s) : voir le journal de la borne.", code)
	if !stopped(ctx) {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		st := PrinterStatus(sctx, p)
		cancel()
		if !st.Up {
			code, staff = printer.Code(st.Code), "Échec de l'impression : "+st.Staff
		}
	}
	return r.fail(stopped(ctx), string(code), staff, err)
}

// Ticket is what the test ticket needs of the ticket printer: *receipt.ESCPOS.
type Ticket interface {
	Print(ctx context.Context, doc *receipt.Doc) error
}

// PrintTicket prints doc (TicketDoc) on the ticket printer.
func PrintTicket(ctx context.Context, p Ticket, doc *receipt.Doc) Result {
	r := begin(Receipt, "test-ticket")
	if err := p.Print(ctx, doc); err != nil {
		code := receipt.CodeOf(err)
		return r.fail(stopped(ctx), string(code), "Échec du ticket : "+receiptWords(code, err), err)
	}
	return r.pass("Ticket de test imprimé : vérifiez les accents, le €, le logo et le QR code, et que le papier est coupé.",
		"%d blocks", len(doc.Blocks))
}

// TicketDoc is the test ticket: a code-page chart with accents and €, the
// text sizes, a raster logo, a QR code and the cut.
func TicketDoc(kiosk string) *receipt.Doc {
	var d receipt.Doc
	d.Image(logo())
	d.Text("Borne — ticket de test", receipt.Style{Large: true, Align: receipt.Center})
	d.Text("Kiosk "+kiosk, receipt.Style{Align: receipt.Center})
	d.Rule()
	d.Text("Code page 858:", receipt.Style{Bold: true})
	d.Text("àâäçéèêëîïôöùûüÿ æœ ÀÂÇÉÈÊËÎÏÔÙÛÜ", receipt.Style{})
	d.Text("ñ á í ó ú ¿ ¡ ã õ « » ° € 12,50 €", receipt.Style{})
	d.Rule()
	d.Text("Normal", receipt.Style{})
	d.Text("Bold", receipt.Style{Bold: true})
	d.Text("Large", receipt.Style{Large: true})
	d.Text("Right", receipt.Style{Align: receipt.End})
	d.Rule()
	d.QR("https://www.service-public.fr/")
	d.Text("Fin du ticket — coupe ci-dessous", receipt.Style{Align: receipt.Center})
	return &d
}

// logo draws a raster test logo: a disc, bars of each width from one dot,
// and a checkerboard, which show a print head's missing dots.
func logo() image.Image {
	img := image.NewGray(image.Rect(0, 0, 256, 96))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := range 96 {
		for x := range 96 {
			if dx, dy := x-48, y-48; dx*dx+dy*dy < 44*44 {
				img.SetGray(x, y, color.Gray{})
			}
		}
		x := 104
		for w := 1; w <= 6; w++ {
			for i := range w {
				img.SetGray(x+i, y, color.Gray{})
			}
			x += 2 * w
		}
		for x := 160; x < 256; x++ {
			if (x/8+y/8)%2 == 0 {
				img.SetGray(x, y, color.Gray{})
			}
		}
	}
	return img
}
