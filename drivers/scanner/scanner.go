// Package scanner drives document scanners through libsane.
//
// List finds the scanners, Open opens one, and Device.Scan reads a page (or
// every page in the feeder) into images. Whatever the backend does, a scan
// ends: a deadline or a cancelled context stops it, a backend that sends
// nothing for Options.Stall is cancelled, and one that ignores the
// cancellation is abandoned on its own goroutine while Scan returns. SANE's
// statuses become errors that match sentinels with errors.Is (ErrJammed,
// ErrNoDocuments…), and Describe turns any error into a stable code for the
// screens plus a description for staff.
//
// libsane is not safe for concurrent use, so the package makes one call at a
// time: while a scan runs, List and other devices wait (bounded by their
// context).
package scanner

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"
)

// Info describes a scanner as SANE lists it.
type Info struct {
	Name   string // what Open takes, e.g. "genesys:libusb:001:004"
	Vendor string
	Model  string
	Type   string // e.g. "flatbed scanner"
}

// Mode is the kind of image asked for.
type Mode string

const (
	Color   Mode = "color"
	Gray    Mode = "gray"
	Lineart Mode = "lineart" // black and white, one bit a pixel
)

// Source is where the paper is.
type Source string

const (
	Flatbed Source = "flatbed"
	ADF     Source = "adf" // the automatic document feeder: every page in it
)

// Area is the part of the glass to scan, in millimetres from the top-left
// corner. The zero Area is the whole glass.
type Area struct {
	X, Y, W, H float64
}

// Options say how to scan. The zero value scans the flatbed in colour at
// 300 dpi.
type Options struct {
	Resolution int // dots per inch; the nearest the scanner offers is used
	Mode       Mode
	Source     Source
	Area       Area
	// Extra sets backend-specific options by their SANE names, as text:
	// e.g. the pnm backend's "filename", the test backend's
	// "read-return-value".
	Extra map[string]string
	// Stall cancels a scan when the scanner sends nothing for this long
	// (default 30 s: a slow scanner warming its lamp stays well within).
	Stall time.Duration
	// Wake is how long a scanner that answers busy when the scan starts
	// (asleep, warming up, finishing a copy: network multifunction printers
	// do) is asked again before the scan fails with ErrBusy; default 60 s.
	Wake time.Duration
	// Waiting, if not nil, is called (from another goroutine) each time the
	// scanner answers busy and is waited for, so the screen can say so.
	Waiting func(err error) `json:"-"`
}

const (
	defaultResolution = 300
	defaultStall      = 30 * time.Second
	defaultWake       = 60 * time.Second
	// cancelGrace is how long a cancelled backend gets to stop before it is
	// abandoned.
	cancelGrace = 5 * time.Second
)

// Page is one scanned page.
type Page struct {
	Image image.Image // *image.RGBA (colour), *image.Gray, or *image.Paletted (black and white)
	DPI   int
}

// Device is an open scanner.
type Device interface {
	// Scan scans one page from the flatbed, or every page in the feeder.
	// progress, if not nil, is called from another goroutine with the bytes
	// received and expected for the current page (expected is -1 when the
	// scanner does not know, e.g. a hand scanner); it must not block. When
	// the feeder fails after some pages, Scan returns them with the error.
	Scan(ctx context.Context, opt Options, progress func(done, total int64)) ([]Page, error)
	// Close releases the scanner. A scan still running is cancelled first.
	Close() error
}

// Errors, matched with errors.Is; Describe gives their codes.
var (
	ErrJammed      = errors.New("paper jammed")
	ErrNoDocuments = errors.New("no document in the feeder")
	ErrCoverOpen   = errors.New("cover open")
	ErrBusy        = errors.New("scanner busy")
	ErrIO          = errors.New("input/output error")
	ErrGone        = errors.New("scanner gone")
	ErrTimeout     = errors.New("scanner did not answer in time")
	ErrCancelled   = errors.New("scan cancelled")
	ErrLocked      = errors.New("scanner locked for transport")
	ErrNoMemory    = errors.New("out of memory")
	ErrDenied      = errors.New("access denied")
	ErrUnsupported = errors.New("not supported by this scanner")
	ErrInvalid     = errors.New("invalid request")
	ErrTooLarge    = errors.New("image too large")
	ErrBadFrame    = errors.New("scanner sent a malformed image")
	ErrClosed      = errors.New("scanner closed")
)

// Error is a failed scanner operation.
type Error struct {
	Op     string // "open", "scan"…
	Device string
	Err    error // one of the sentinels, possibly wrapped with detail
}

func (e *Error) Error() string {
	if e.Device == "" {
		return fmt.Sprintf("scanner: %s: %v", e.Op, e.Err)
	}
	return fmt.Sprintf("scanner %s: %s: %v", e.Device, e.Op, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Problem is what the screens and staff are told about an error.
type Problem struct {
	// Code is stable: the screens look up the resident's words by it.
	Code string
	// Staff and StaffFR say what happened and what to do, for staff
	// screens and logs.
	Staff, StaffFR string
}

// problems maps each sentinel to its description.
var problems = []struct {
	err error
	Problem
}{
	{ErrJammed, Problem{"jammed", "Paper jammed in the scanner: open it, remove the sheet, close it.",
		"Bourrage papier dans le scanner : l'ouvrir, retirer la feuille, le refermer."}},
	{ErrNoDocuments, Problem{"no-documents", "No paper in the document feeder: put the pages in it, face up.",
		"Pas de papier dans le chargeur : y placer les pages, face vers le haut."}},
	{ErrCoverOpen, Problem{"cover-open", "The scanner's cover is open: close it.",
		"Le capot du scanner est ouvert : le refermer."}},
	{ErrBusy, Problem{"busy", "The scanner is busy or warming up: try again in a few seconds.",
		"Le scanner est occupé ou chauffe : réessayer dans quelques secondes."}},
	{ErrIO, Problem{"io-error", "The scanner failed to communicate: check its cable and power, then try again.",
		"Le scanner ne communique plus : vérifier le câble et l'alimentation, puis réessayer."}},
	{ErrGone, Problem{"gone", "The scanner is no longer connected: plug it in and switch it on.",
		"Le scanner n'est plus connecté : le brancher et l'allumer."}},
	{ErrTimeout, Problem{"timeout", "The scanner stopped answering: switch it off and on; restart the kiosk if it persists.",
		"Le scanner ne répond plus : l'éteindre et le rallumer ; redémarrer la borne si cela persiste."}},
	{ErrCancelled, Problem{"cancelled", "The scan was cancelled.", "La numérisation a été annulée."}},
	{ErrLocked, Problem{"locked", "The scanner's transport lock is on: unlock it (see the switch under the scanner).",
		"Le verrou de transport du scanner est mis : le déverrouiller (interrupteur sous le scanner)."}},
	{ErrNoMemory, Problem{"no-memory", "Out of memory while scanning: restart the kiosk.",
		"Mémoire insuffisante pendant la numérisation : redémarrer la borne."}},
	{ErrDenied, Problem{"access-denied", "The kiosk may not use the scanner: check the device permissions (udev rules, scanner group).",
		"La borne n'a pas accès au scanner : vérifier les droits du périphérique (règles udev, groupe scanner)."}},
	{ErrUnsupported, Problem{"unsupported", "The scanner cannot do what was asked (e.g. no document feeder).",
		"Le scanner ne sait pas faire ce qui est demandé (par exemple : pas de chargeur)."}},
	{ErrInvalid, Problem{"invalid", "The scanner refused the request: check the kiosk's scanner settings.",
		"Le scanner a refusé la demande : vérifier les réglages du scanner de la borne."}},
	{ErrTooLarge, Problem{"too-large", "The requested scan is too large (resolution or area): scan at 300 dpi.",
		"La numérisation demandée est trop grande (résolution ou surface) : numériser à 300 dpi."}},
	{ErrBadFrame, Problem{"bad-frame", "The scanner sent a damaged image: try again; check the cable if it persists.",
		"Le scanner a envoyé une image abîmée : réessayer ; vérifier le câble si cela persiste."}},
	{ErrClosed, Problem{"closed", "The scanner was closed by the kiosk before use (a bug).",
		"Le scanner a été fermé par la borne avant usage (anomalie)."}},
}

// Describe says what err means for the screens and for staff. Errors from
// context cancellation count as cancelled or timeout; anything unknown is
// "unknown".
func Describe(err error) Problem {
	switch {
	case errors.Is(err, context.Canceled):
		err = ErrCancelled
	case errors.Is(err, context.DeadlineExceeded):
		err = ErrTimeout
	}
	for _, p := range problems {
		if errors.Is(err, p.err) {
			return p.Problem
		}
	}
	return Problem{"unknown", "Unexpected scanner error: see the log.", "Erreur inattendue du scanner : voir le journal."}
}
