package receiptspec

import (
	"errors"
	"fmt"
)

// Code names a ticket printer's condition or a failure in a few stable
// words: the ui turns them into sentences for residents, logs keep them as
// they are. They live here so that the screens read them without importing
// the driver.
type Code string

const (
	OK          Code = "ok"
	PaperLow    Code = "paper-low"   // near the end of the roll: prints, tell staff
	PaperOut    Code = "paper-out"   // no paper: nothing prints
	CoverOpen   Code = "cover-open"  // the cover is open: nothing prints
	Offline     Code = "offline"     // the printer says it cannot print, for another reason
	Failure     Code = "error"       // the printer reports a mechanical or cutter error
	NoReply     Code = "no-reply"    // the printer did not answer: off, unplugged, or another model
	Unreachable Code = "unreachable" // the device or the address cannot be opened
	Interrupted Code = "interrupted" // the ticket could not be sent in full
	Unsupported Code = "unsupported" // the document cannot be printed here (fonts missing…)
)

// Error is a ticket printer's failure with a Code the ui can explain.
type Error struct {
	Code Code
	Err  error // the cause, for the logs; may be nil
}

func (e *Error) Error() string {
	if e.Err == nil {
		return "receipt: " + string(e.Code)
	}
	return fmt.Sprintf("receipt: %s: %v", e.Code, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// CodeOf is the Code of an *Error in err's chain, Failure for others.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Failure
}
