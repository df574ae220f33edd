package receipt

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// Status is what the printer said about itself. Known is false when it did
// not answer: then nothing else is known — never "paper OK".
type Status struct {
	Known     bool
	Offline   bool // the printer stopped taking data
	CoverOpen bool
	PaperOut  bool
	PaperLow  bool
	Error     bool // a mechanical, cutter or other error
}

// Code sums the status up, the condition that matters most first.
func (s Status) Code() Code {
	switch {
	case !s.Known:
		return NoReply
	case s.PaperOut:
		return PaperOut
	case s.CoverOpen:
		return CoverOpen
	case s.Error:
		return Failure
	case s.Offline:
		return Offline
	case s.PaperLow:
		return PaperLow
	}
	return OK
}

// Ready tells whether a ticket would print now.
func (s Status) Ready() bool { c := s.Code(); return c == OK || c == PaperLow }

// Real-time status requests, DLE EOT n.
const (
	statusPrinter = 1
	statusOffline = 2
	statusError   = 3
	statusPaper   = 4
)

// A status byte reads 0xx1xx10 in binary.
func validStatusByte(b byte) bool { return b&0x93 == 0x12 }

// ParseStatus reads the answers to DLE EOT 1, 2, 3 and 4, in that order;
// missing answers are passed as -1. Any answer that is not a status byte
// makes the whole status unknown: it came from something else.
func ParseStatus(printer, offline, errs, paper int) Status {
	var s Status
	for _, b := range []int{printer, offline, errs, paper} {
		if b > 0xff || b >= 0 && !validStatusByte(byte(b)) {
			return Status{}
		}
	}
	if printer < 0 {
		return s
	}
	s.Known = true
	s.Offline = printer&0x08 != 0
	if offline >= 0 {
		s.CoverOpen = offline&0x04 != 0
		s.PaperOut = offline&0x20 != 0
		s.Error = offline&0x40 != 0
	}
	if errs >= 0 {
		s.Error = s.Error || errs&0x6c != 0 // mechanical, cutter, fatal, auto-recoverable
	}
	if paper >= 0 {
		s.PaperLow = paper&0x0c != 0
		s.PaperOut = s.PaperOut || paper&0x60 != 0
	}
	return s
}

// queryStatus asks port for its status, waiting at most wait per answer.
// The printer's first silence ends the questions.
func queryStatus(port Port, wait time.Duration) (Status, error) {
	drain(port)
	answers := [4]int{-1, -1, -1, -1}
	buf := make([]byte, 1)
	for i, n := range []byte{statusPrinter, statusOffline, statusError, statusPaper} {
		var e Encoder
		e.StatusRequest(n)
		if err := port.SetDeadline(time.Now().Add(wait)); err != nil {
			return Status{}, fmt.Errorf("receipt: status: %w", err)
		}
		if _, err := port.Write(e.Bytes()); err != nil {
			return Status{}, fmt.Errorf("receipt: status request: %w", err)
		}
		if _, err := port.Read(buf); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break // silence: what was heard so far is all that is known
			}
			return Status{}, fmt.Errorf("receipt: status answer: %w", err)
		}
		answers[i] = int(buf[0])
	}
	return ParseStatus(answers[0], answers[1], answers[2], answers[3]), nil
}

// drain throws away bytes waiting on port (a late answer to an earlier
// question), so that each answer is read after its question.
func drain(port Port) {
	buf := make([]byte, 64)
	for {
		if port.SetDeadline(time.Now().Add(5*time.Millisecond)) != nil {
			return
		}
		if n, err := port.Read(buf); n == 0 || err != nil {
			return
		}
	}
}
