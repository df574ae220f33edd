package receipt

import (
	"testing"
)

func TestParseStatus(t *testing.T) {
	const none = -1
	tests := []struct {
		name                    string
		printer, off, err, roll int
		want                    Code
		ready                   bool
	}{
		{"no answer", none, none, none, none, NoReply, false},
		{"all fine", 0x12, 0x12, 0x12, 0x12, OK, true},
		{"only the first answer", 0x12, none, none, none, OK, true},
		{"paper near end", 0x12, 0x12, 0x12, 0x1e, PaperLow, true},
		{"paper out", 0x1a, 0x32, 0x12, 0x72, PaperOut, false},
		{"paper out, roll sensor only", 0x12, 0x12, 0x12, 0x72, PaperOut, false},
		{"cover open", 0x1a, 0x16, 0x12, 0x12, CoverOpen, false},
		{"cutter error", 0x1a, 0x52, 0x1a, 0x12, Failure, false},
		{"offline, no cause given", 0x1a, none, none, none, Offline, false},
		{"paper out beats cover open", 0x1a, 0x36, 0x12, 0x72, PaperOut, false},
		{"not a status byte: noise", 0x00, 0x12, 0x12, 0x12, NoReply, false},
		{"not a status byte: 0xff", 0x12, 0xff, 0x12, 0x12, NoReply, false},
		{"python-escpos's paper masks", 0x12, 0x12, 0x12, 30, PaperLow, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ParseStatus(tt.printer, tt.off, tt.err, tt.roll)
			if s.Code() != tt.want || s.Ready() != tt.ready {
				t.Errorf("%+v: code %s ready %v; want %s %v", s, s.Code(), s.Ready(), tt.want, tt.ready)
			}
		})
	}
}

// Whatever bytes come back, an unknown status never reads as ready and
// nothing but a status byte makes it known.
func FuzzParseStatus(f *testing.F) {
	f.Add(byte(0x12), byte(0x12), byte(0x12), byte(0x12), byte(0xf))
	f.Add(byte(0x1a), byte(0x36), byte(0x12), byte(0x72), byte(0xf))
	f.Add(byte(0x00), byte(0xff), byte(0x10), byte(0x02), byte(0x3))
	f.Add(byte(0x12), byte(0x12), byte(0x12), byte(0x12), byte(0x0))
	f.Fuzz(func(t *testing.T, a, b, c, d, present byte) {
		answers := [4]int{}
		for i, v := range []byte{a, b, c, d} {
			answers[i] = -1
			if present&(1<<i) != 0 {
				answers[i] = int(v)
			}
		}
		s := ParseStatus(answers[0], answers[1], answers[2], answers[3])
		if !s.Known && (s != Status{} || s.Ready() || s.Code() != NoReply) {
			t.Fatalf("unknown status with flags or ready: %+v", s)
		}
		if s.Known && (answers[0] < 0 || !validStatusByte(byte(answers[0]))) {
			t.Fatalf("known without a valid first answer: %v → %+v", answers, s)
		}
		if s.Ready() && (s.PaperOut || s.CoverOpen || s.Offline || s.Error) {
			t.Fatalf("ready while stopped: %+v", s)
		}
	})
}
