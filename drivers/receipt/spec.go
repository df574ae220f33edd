package receipt

import "borne/internal/receiptspec"

// The driver prints the shared document and printer models, and fails
// with the shared codes (see internal/receiptspec, which the core and the
// screens use without importing drivers); these names let the driver's
// callers say receipt.Doc, receipt.PaperOut.
type (
	Doc     = receiptspec.Doc
	Block   = receiptspec.Block
	Kind    = receiptspec.Kind
	Style   = receiptspec.Style
	Align   = receiptspec.Align
	Profile = receiptspec.Profile
	Flow    = receiptspec.Flow
	Code    = receiptspec.Code
	Error   = receiptspec.Error
)

const (
	KindText  = receiptspec.KindText
	KindRule  = receiptspec.KindRule
	KindQR    = receiptspec.KindQR
	KindImage = receiptspec.KindImage
	KindFeed  = receiptspec.KindFeed

	Start  = receiptspec.Start
	Center = receiptspec.Center
	End    = receiptspec.End

	FlowNone   = receiptspec.FlowNone
	FlowRTSCTS = receiptspec.FlowRTSCTS
	FlowXONOFF = receiptspec.FlowXONOFF

	CutPartial     = receiptspec.CutPartial
	CutFull        = receiptspec.CutFull
	CutNone        = receiptspec.CutNone
	DefaultProfile = receiptspec.DefaultProfile

	OK          = receiptspec.OK
	PaperLow    = receiptspec.PaperLow
	PaperOut    = receiptspec.PaperOut
	CoverOpen   = receiptspec.CoverOpen
	Offline     = receiptspec.Offline
	Failure     = receiptspec.Failure
	NoReply     = receiptspec.NoReply
	Unreachable = receiptspec.Unreachable
	Interrupted = receiptspec.Interrupted
	Unsupported = receiptspec.Unsupported
)

// LookupProfile finds a printer model by name.
func LookupProfile(name string) (Profile, bool) { return receiptspec.LookupProfile(name) }

// CodeOf is the Code of an error from this package, Failure for others.
func CodeOf(err error) Code { return receiptspec.CodeOf(err) }
