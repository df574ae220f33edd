package bilevel

// The MQ arithmetic encoder of ITU-T T.88 Annex E (also T.800's).

// mqState is a row of Table E.1: a probability estimate and where to go
// after coding the more (nmps) or less (nlps) probable symbol; switchMPS
// swaps which symbol is the more probable after a less probable one.
type mqState struct {
	qe         uint32
	nmps, nlps uint8
	switchMPS  bool
}

var mqStates = [47]mqState{
	{0x5601, 1, 1, true}, {0x3401, 2, 6, false}, {0x1801, 3, 9, false}, {0x0AC1, 4, 12, false},
	{0x0521, 5, 29, false}, {0x0221, 38, 33, false}, {0x5601, 7, 6, true}, {0x5401, 8, 14, false},
	{0x4801, 9, 14, false}, {0x3801, 10, 14, false}, {0x3001, 11, 17, false}, {0x2401, 12, 18, false},
	{0x1C01, 13, 20, false}, {0x1601, 29, 21, false}, {0x5601, 15, 14, true}, {0x5401, 16, 14, false},
	{0x5101, 17, 15, false}, {0x4801, 18, 16, false}, {0x3801, 19, 17, false}, {0x3401, 20, 18, false},
	{0x3001, 21, 19, false}, {0x2801, 22, 19, false}, {0x2401, 23, 20, false}, {0x2201, 24, 21, false},
	{0x1C01, 25, 22, false}, {0x1801, 26, 23, false}, {0x1601, 27, 24, false}, {0x1401, 28, 25, false},
	{0x1201, 29, 26, false}, {0x1101, 30, 27, false}, {0x0AC1, 31, 28, false}, {0x09C1, 32, 29, false},
	{0x08A1, 33, 30, false}, {0x0521, 34, 31, false}, {0x0441, 35, 32, false}, {0x02A1, 36, 33, false},
	{0x0221, 37, 34, false}, {0x0141, 38, 35, false}, {0x0111, 39, 36, false}, {0x0085, 40, 37, false},
	{0x0049, 41, 38, false}, {0x0025, 42, 39, false}, {0x0015, 43, 40, false}, {0x0009, 44, 41, false},
	{0x0005, 45, 42, false}, {0x0001, 45, 43, false}, {0x5601, 46, 46, false},
}

// mqContext is a context's adaptive state: its row of the table and its
// more probable symbol. The zero value is where T.88 starts every context.
type mqContext struct {
	state uint8
	mps   bool
}

type mqEncoder struct {
	a, c uint32
	ct   uint
	b    byte // the byte being built; a carry may still reach it
	// started: b is a real byte (before the first BYTEOUT it is the
	// imaginary byte before the output).
	started bool
	out     []byte
}

func newMQ() *mqEncoder { return &mqEncoder{a: 0x8000, ct: 12} } // INITENC

// encode codes decision d in context cx (ENCODE, CODEMPS, CODELPS).
func (e *mqEncoder) encode(cx *mqContext, d bool) {
	s := &mqStates[cx.state]
	e.a -= s.qe
	if d == cx.mps {
		if e.a&0x8000 != 0 {
			e.c += s.qe
			return
		}
		if e.a < s.qe {
			e.a = s.qe
		} else {
			e.c += s.qe
		}
		cx.state = s.nmps
	} else {
		if e.a < s.qe {
			e.c += s.qe
		} else {
			e.a = s.qe
		}
		if s.switchMPS {
			cx.mps = !cx.mps
		}
		cx.state = s.nlps
	}
	for e.a&0x8000 == 0 { // RENORME
		e.a <<= 1
		e.c <<= 1
		e.ct--
		if e.ct == 0 {
			e.byteOut()
		}
	}
}

// byteOut moves a byte out of C, with bit stuffing after 0xFF (BYTEOUT).
func (e *mqEncoder) byteOut() {
	if e.b == 0xFF {
		e.next(byte(e.c>>20), 0xFFFFF, 7)
		return
	}
	if e.c < 0x8000000 {
		e.next(byte(e.c>>19), 0x7FFFF, 8)
		return
	}
	e.b++ // the carry
	if e.b == 0xFF {
		e.c &= 0x7FFFFFF
		e.next(byte(e.c>>20), 0xFFFFF, 7)
		return
	}
	e.next(byte(e.c>>19), 0x7FFFF, 8)
}

// next makes b final and starts the next byte with v.
func (e *mqEncoder) next(v byte, mask uint32, ct uint) {
	if e.started {
		e.out = append(e.out, e.b)
	}
	e.started = true
	e.b = v
	e.c &= mask
	e.ct = ct
}

// flush ends the code (SETBITS, FLUSH) with the 0xFF 0xAC marker that T.88
// decoders expect.
func (e *mqEncoder) flush() []byte {
	temp := e.c + e.a
	e.c |= 0xFFFF
	if e.c >= temp {
		e.c -= 0x8000
	}
	e.c <<= e.ct
	e.byteOut()
	e.c <<= e.ct
	e.byteOut()
	e.out = append(e.out, e.b)
	if e.b != 0xFF {
		e.out = append(e.out, 0xFF)
	}
	return append(e.out, 0xAC)
}
