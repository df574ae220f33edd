package escpos

import (
	"borne/testbench/golden"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

var (
	update = flag.Bool("update", false, "rewrite the golden files in testdata")
	quiet  = slog.New(slog.DiscardHandler)
)

func testFont(t testing.TB) *CellFont {
	t.Helper()
	f, err := LoadCellFont(DefaultCellFont)
	if err != nil {
		t.Skipf("fonts-dejavu-core is needed: %v", err)
	}
	return f
}

func decodeAll(t testing.TB, data []byte) []Op {
	t.Helper()
	var ops []Op
	d := NewDecoder(bytes.NewReader(data))
	for {
		op, err := d.Next()
		if errors.Is(err, io.EOF) {
			return ops
		}
		if err != nil {
			t.Fatalf("after %d ops: %v", len(ops), err)
		}
		ops = append(ops, op)
	}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []Op
	}{
		{"text and line feed", []byte("Ab\x82\n"), []Op{{Cmd: CmdText, Data: []byte("Ab\x82")}, {Cmd: CmdLineFeed}}},
		{"init, code page, bold", []byte("\x1b@\x1bt\x13\x1bE\x01"), []Op{{Cmd: CmdInit}, {Cmd: CmdCodePage, N: 19}, {Cmd: CmdBold, N: 1}}},
		{"size and justify", []byte("\x1d!\x11\x1ba\x01"), []Op{{Cmd: CmdSize, N: 0x11}, {Cmd: CmdJustify, N: 1}}},
		{"default line spacing", []byte("\x1b2\x1b3\x18"), []Op{{Cmd: CmdLineSpacing, N: -1}, {Cmd: CmdLineSpacing, N: 24}}},
		{"raster", []byte("\x1dv0\x00\x01\x00\x02\x00\xf0\x0f"), []Op{{Cmd: CmdRaster, W: 8, H: 2, Data: []byte{0xf0, 0x0f}}}},
		{"column image", []byte("\x1b*\x21\x02\x00\xff\x00\x01\x80\x00\x00"), []Op{{Cmd: CmdBitImage, N: 33, W: 2, Data: []byte{0xff, 0, 1, 0x80, 0, 0}}}},
		{"QR functions", []byte("\x1d(k\x04\x001A2\x00\x1d(k\x03\x001C\x06\x1d(k\x03\x001E1\x1d(k\x05\x001P0ab\x1d(k\x03\x001Q0"),
			[]Op{{Cmd: CmdIgnored}, {Cmd: CmdQRSize, N: 6}, {Cmd: CmdQRLevel, N: 49}, {Cmd: CmdQRStore, Data: []byte("ab")}, {Cmd: CmdQRPrint}}},
		{"graphics store and print", []byte("\x1d(L\x0b\x000p0\x01\x011\x08\x00\x01\x00\xaa\x1d(L\x02\x0002"),
			[]Op{{Cmd: CmdGraphicsStore, N: 0x11, W: 8, H: 1, Data: []byte{0xaa}}, {Cmd: CmdGraphicsPrint}}},
		{"cuts", []byte("\x1dV\x00\x1dV1\x1dVB\x05\x1bi"), []Op{{Cmd: CmdCut, N: 0}, {Cmd: CmdCut, N: 1}, {Cmd: CmdCut, N: 1, W: 5}, {Cmd: CmdCut, N: 1}}},
		{"status requests", []byte("\x10\x04\x01\x10\x04\x04\x1dr\x01"), []Op{{Cmd: CmdStatus, N: 1}, {Cmd: CmdStatus, N: 4}, {Cmd: CmdPaperStatus, N: 1}}},
		{"barcodes", []byte("\x1dk\x04AB\x00\x1dkI\x02{B"), []Op{{Cmd: CmdBarcode, N: 4, Data: []byte("AB")}, {Cmd: CmdBarcode, N: 73, Data: []byte("{B")}}},
		{"tab stops", []byte("\x1bD\x04\x0a\x00\t"), []Op{{Cmd: CmdTabStops, Data: []byte{4, 10}}, {Cmd: CmdTab}}},
		{"drawer kick and buzzer are skipped whole", []byte("\x1bp\x00\x19\xfa\x07x"), []Op{{Cmd: CmdIgnored}, {Cmd: CmdIgnored}, {Cmd: CmdText, Data: []byte("x")}}},
		{"unknown command", []byte("\x1b\xfex"), []Op{{Cmd: CmdUnknown, Data: []byte{0x1b, 0xfe}}, {Cmd: CmdText, Data: []byte("x")}}},
		{"image too large is skipped", append([]byte("\x1dv0\x00\x00\x10\x00\x08"), make([]byte, 0x1000*0x800)...), []Op{{Cmd: CmdUnknown, N: 0x1000 * 0x800}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decodeAll(t, tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
	if _, err := NewDecoder(bytes.NewReader([]byte("\x1dv0\x00\x01"))).Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated command: %v", err)
	}
}

// foreignStream is what other encoders send, byte for byte as their code
// writes it: python-escpos (ESC ! sizes, ESC t code pages, GS v 0, ESC *
// with ESC 3 16, GS ( L graphics, native GS ( k QR codes, GS V cuts) and
// the "emphasis, underline, reverse, font B, tabs" commands receiptline and
// esc-pos-encoder use.
func foreignStream() []byte {
	var b bytes.Buffer
	w := func(s string) { b.WriteString(s) }
	w("\x1b@")                          // init
	w("\x1bt\x13")                      // code page 19: CP858
	w("\x1ba\x01\x1b!\x30")             // centred, double width and height (python-escpos size "2x")
	w("Caf\x82 \xd5\n")                 // Café €
	w("\x1b!\x00\x1ba\x00")             // normal, left
	w("\x1bE\x01Gras\x1bE\x00 ")        // bold
	w("\x1b-\x01soulign\x82\x1b-\x00 ") // underlined
	w("\x1dB\x01invers\x82\x1dB\x00\n") // reverse
	w("\x1bM\x01Police B : \x85 \x87 \x80 \x1bM\x00\n")
	w("Col1\tCol2\tCol3\n")
	w("\x1bt\x10\x80 en CP1252\n") // € in Windows-1252, then back
	w("\x1bt\x13")
	w("\x1ba\x02droite\n\x1ba\x00")
	w("\x1d!\x01Haut\x1d!\x00\n") // double height only (GS !)
	// GS v 0: a 32×16 raster frame, python-escpos's default image command.
	w("\x1dv0\x00\x04\x00\x10\x00")
	for y := 0; y < 16; y++ {
		if y == 0 || y == 15 {
			w("\xff\xff\xff\xff")
		} else {
			w("\x80\x00\x00\x01")
		}
	}
	// ESC * 33: python-escpos's "bitImageColumn", 24-dot columns.
	w("\x1b3\x10\x1b*\x21\x18\x00")
	for c := 0; c < 24; c++ {
		w(string([]byte{0xff >> (c % 8), 0xaa, 0x0f}))
	}
	w("\n\x1b2")
	// GS ( L: a 16×2 graphic at double size, stored then printed.
	w("\x1d(L\x0e\x000p0\x02\x021\x10\x00\x02\x00\xf0\xf0\x0f\x0f")
	w("\x1d(L\x02\x0002")
	// Native QR code, as python-escpos's qr(native=True) sends it.
	w("\x1d(k\x04\x001A2\x00\x1d(k\x03\x001C\x04\x1d(k\x03\x001E0")
	w("\x1d(k\x16\x001P0https://www.caf.fr/\x1d(k\x03\x001Q0")
	w("\x1bd\x02\x1dVB\x00") // feed two lines, feed-and-cut
	w("\x1b{\x01\x1ba\x01Ticket 2\n\x1b{\x00")
	w("\x1dV\x00") // full cut
	return b.Bytes()
}

func render(t testing.TB, data []byte) []Ticket {
	t.Helper()
	r := NewRenderer(576, testFont(t))
	for _, op := range decodeAll(t, data) {
		r.Apply(op)
	}
	r.Tear()
	return r.Take()
}

func TestRenderForeignEncoders(t *testing.T) {
	tickets := render(t, foreignStream())
	if len(tickets) != 2 || tickets[0].Cut != "partial" || tickets[1].Cut != "full" {
		t.Fatalf("%d tickets: %+v", len(tickets), tickets)
	}
	for i, tk := range tickets {
		golden.PNG(t, filepath.Join("testdata", "foreign-"+string(rune('1'+i))+".png"), tk.Image, *update)
	}
}

func TestRenderDetails(t *testing.T) {
	// Text wider than the paper wraps, as printers do.
	long := render(t, []byte("\x1b@"+string(bytes.Repeat([]byte("x"), 60))+"\n\x1dV\x00"))
	if h := long[0].Image.Bounds().Dy(); h < 2*defaultSpacing {
		t.Errorf("60 characters on a 48-column printer: %d dots high, want two lines", h)
	}
	// A line of double-height text is twice as tall as a normal one.
	one := render(t, []byte("\x1b3\x00A\n\x1dV\x00"))[0].Image.Bounds().Dy()
	two := render(t, []byte("\x1b3\x00\x1d!\x01A\n\x1dV\x00"))[0].Image.Bounds().Dy()
	if two != 2*one {
		t.Errorf("double height %d, normal %d", two, one)
	}
	// A cut with nothing printed makes no ticket; a runaway feed is cut.
	if n := len(render(t, []byte("\x1dV\x00\x1dV\x00"))); n != 0 {
		t.Errorf("%d empty tickets", n)
	}
	if tk := render(t, []byte("A\n\x1bd\xff\x1bd\xff\x1bd\xff\x1bd\xff\x1bd\xff")); len(tk) != 1 || tk[0].Cut != "" {
		t.Errorf("runaway feed: %+v", tk)
	}
}

// The virtual printer answers each status request the way a printer in
// that state does, holds what it receives while it cannot print, and
// prints it once paper is back.
func TestPrinterStatusAndHold(t *testing.T) {
	tickets := make(chan Ticket, 4)
	p := NewPrinter(Options{Font: testFont(t), TearAfter: time.Hour, Log: quiet, OnTicket: func(_ string, tk Ticket) { tickets <- tk }})
	drv, dev := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx, dev) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Serve: %v", err)
		}
	}()
	ask := func(req string) int {
		drv.SetDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := drv.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		b := make([]byte, 1)
		if _, err := drv.Read(b); err != nil {
			return -1
		}
		return int(b[0])
	}
	tests := []struct {
		fault            Fault
		eot1, eot2, eot4 int
		gsr              int
	}{
		{Fault{}, 0x12, 0x12, 0x12, 0x00},
		{Fault{PaperLow: true}, 0x12, 0x12, 0x1e, 0x03},
		{Fault{PaperOut: true}, 0x1a, 0x32, 0x72, 0x0c},
		{Fault{CoverOpen: true}, 0x1a, 0x16, 0x12, 0x00},
		{Fault{Silent: true}, -1, -1, -1, -1},
	}
	for _, tt := range tests {
		p.SetFault(tt.fault)
		got := []int{ask("\x10\x04\x01"), ask("\x10\x04\x02"), ask("\x10\x04\x04"), ask("\x1dr\x01")}
		if want := []int{tt.eot1, tt.eot2, tt.eot4, tt.gsr}; !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: answers % x, want % x", tt.fault, got, want)
		}
	}
	p.SetFault(Fault{PaperOut: true})
	drv.SetDeadline(time.Now().Add(time.Second))
	drv.Write([]byte("held\n\x1dV\x00"))
	select {
	case <-tickets:
		t.Fatal("printed without paper")
	case <-time.After(100 * time.Millisecond):
	}
	p.SetFault(Fault{})
	select {
	case <-tickets:
	case <-time.After(time.Second):
		t.Fatal("held ticket did not print once paper was back")
	}
}

// A printer without cutter: the ticket is taken as torn off once nothing
// more comes.
func TestPrinterTearsOff(t *testing.T) {
	tickets := make(chan Ticket, 1)
	p := NewPrinter(Options{Font: testFont(t), TearAfter: 50 * time.Millisecond, OutDir: t.TempDir(), Log: quiet,
		OnTicket: func(path string, tk Ticket) {
			if _, err := os.Stat(path); err != nil {
				t.Errorf("ticket not saved: %v", err)
			}
			tickets <- tk
		}})
	drv, dev := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Serve(ctx, dev)
	drv.Write([]byte("\x1b@no cutter\n\x1bd\x03"))
	select {
	case tk := <-tickets:
		if tk.Cut != "" {
			t.Errorf("cut %q", tk.Cut)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no ticket")
	}
}

// Whatever the stream, decoding and drawing end without a panic, and
// within bounds.
func FuzzDecodeRender(f *testing.F) {
	f.Add(foreignStream())
	f.Add([]byte("\x1dv0\x00\xff\xff\xff\xff"))
	f.Add([]byte("\x1b*\x00\x05\x00abc"))
	f.Add([]byte("\x1d(L\x0a\x000p0\x01\x011\xff\xff\xff\xff"))
	f.Add([]byte("\x1d!\x77\x1b \xff\x1dL\xff\xff\tA\tB\n"))
	f.Add([]byte("\x1d(k\x03\x001C\x00\x1d(k\x03\x001Q0\x1dk\x49\x00"))
	font, err := LoadCellFont(DefaultCellFont)
	if err != nil {
		f.Skip(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewRenderer(384, font)
		d := NewDecoder(bytes.NewReader(data))
		check := func() {
			for _, tk := range r.Take() { // as the printer hands them over: one at a time in memory
				if h := tk.Image.Bounds().Dy(); h > maxTicketDots+2*maxImageDots+maxTrailing {
					t.Fatalf("ticket %d dots long", h)
				}
			}
		}
		for {
			op, err := d.Next()
			if err != nil {
				break
			}
			r.Apply(op)
			check()
		}
		r.Tear()
		check()
	})
}
