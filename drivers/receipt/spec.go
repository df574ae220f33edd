package receipt

import "borne/internal/receiptspec"

// The driver prints the shared document and printer models (see
// internal/receiptspec, which the core writes tickets in without importing
// drivers); these names let the driver's callers say receipt.Doc.
type (
	Doc     = receiptspec.Doc
	Block   = receiptspec.Block
	Kind    = receiptspec.Kind
	Style   = receiptspec.Style
	Align   = receiptspec.Align
	Profile = receiptspec.Profile
	Flow    = receiptspec.Flow
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
)

// LookupProfile finds a printer model by name.
func LookupProfile(name string) (Profile, bool) { return receiptspec.LookupProfile(name) }
