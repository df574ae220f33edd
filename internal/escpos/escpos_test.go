package escpos

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"borne/internal/golden"
	"borne/internal/legibility"
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
		{"positions", []byte("\x1b$\x20\x01\x1b\\\xe8\xff\x1dW\x40\x02"), []Op{{Cmd: CmdPosition, N: 288}, {Cmd: CmdRelPosition, N: -24}, {Cmd: CmdAreaWidth, N: 576}}},
		{"Kanji styles skipped whole", []byte("\x1c(A\x02\x000\x00x"), []Op{{Cmd: CmdIgnored}, {Cmd: CmdText, Data: []byte("x")}}},
		{"barcode settings", []byte("\x1dw\x02\x1dH\x02\x1df\x01"), []Op{{Cmd: CmdBarcodeWidth, N: 2}, {Cmd: CmdHRIPosition, N: 2}, {Cmd: CmdHRIFont, N: 1}}},
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
		if err := r.Apply(op); err != nil {
			t.Fatal(err)
		}
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
	f.Add(bytes.Repeat([]byte("\x1d!\x77WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW"), 64))
	const roll = 20000
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewRenderer(384, font)
		r.Refill(roll)
		d := NewDecoder(bytes.NewReader(data))
		paper := 0
		check := func() {
			for _, tk := range r.Take() { // as the printer hands them over: one at a time in memory
				h := tk.Image.Bounds().Dy()
				if h > maxTicketDots+2*maxImageDots+maxTrailing {
					t.Fatalf("ticket %d dots long", h)
				}
				paper += h
			}
			if paper > roll+2*maxImageDots+maxTrailing {
				t.Fatalf("%d dots of paper from a roll of %d", paper, roll)
			}
		}
		for {
			op, err := d.Next()
			if err != nil {
				break
			}
			if err := r.Apply(op); err != nil {
				if !errors.Is(err, ErrRollEnd) {
					t.Fatal(err)
				}
				if n := len(r.line); r.Apply(Op{Cmd: CmdText, Data: []byte("x")}) == nil || len(r.line) != n {
					t.Fatal("drew after the roll ran out")
				}
				break
			}
			check()
		}
		r.Tear()
		check()
	})
}

// Streams written by independent encoders (receiptline, esc-pos-encoder;
// testdata/encoders/README.md says how) print legibly: Tesseract reads at
// least 90 % of the words each prints. The cp858 ones are golden files.
func TestRenderEncoderStreams(t *testing.T) {
	streams, _ := filepath.Glob(filepath.Join("testdata", "encoders", "*.bin"))
	if len(streams) < 8 {
		t.Fatalf("encoder streams: %v", streams)
	}
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract-ocr is needed")
	}
	dir := t.TempDir()
	for _, stream := range streams {
		name := strings.TrimSuffix(filepath.Base(stream), ".bin")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(stream)
			if err != nil {
				t.Fatal(err)
			}
			words, err := os.ReadFile(strings.TrimSuffix(stream, ".bin") + ".words")
			if err != nil {
				t.Fatal(err)
			}
			tickets := render(t, data)
			if len(tickets) != 1 || tickets[0].Cut == "" {
				t.Fatalf("%d tickets, want one cut", len(tickets))
			}
			if strings.HasSuffix(name, "cp858") {
				golden.PNG(t, filepath.Join("testdata", name+".png"), tickets[0].Image, *update)
			}
			png := filepath.Join(dir, name+".png")
			if err := savePNG(png, tickets[0]); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("tesseract", png, "-", "-l", "fra")
			cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
			text, err := cmd.Output()
			if err != nil {
				t.Fatalf("tesseract: %v", err)
			}
			if recall := legibility.Recall(string(words), string(text)); recall < 0.9 {
				t.Errorf("OCR found %.0f %% of the words; read:\n%s", 100*recall, text)
			}
		})
	}
}

// Code pages, positions and barcodes' text, as Epson-class printers print
// them.
func TestRenderFaithful(t *testing.T) {
	same := func(a, b []byte) bool {
		ta, tb := render(t, a), render(t, b)
		return len(ta) == 1 && len(tb) == 1 && bytes.Equal(ta[0].Image.Pix, tb[0].Image.Pix)
	}
	for _, tt := range []struct {
		name string
		a, b string
	}{
		{"page 1 box drawing is CP437's", "\x1bt\x01\x95\x95\x96\n", "\x1bt\x00\xc4\xc4\xb3\n"},
		{"CP850 é", "\x1bt\x02\x82\n", "\x1bt\x10\xe9\n"},
		{"CP858 €", "\x1bt\x13\xd5\n", "\x1bt\x10\x80\n"},
		{"absolute position", "ab\x1b$\x78\x00cd\n", "ab        cd\n"},
		{"relative position", "ab\x1b\\\x18\x00cd\n", "ab  cd\n"},
		{"backwards position overprints", "a\x1b\\\xf4\xffa\n", "a\n"},
		{"position past the area is ignored", "ab\x1b$\xff\x0fcd\n", "abcd\n"},
		{"GS W narrows the line", "\x1dW\x18\x00abc\n", "ab\nc\n"},
		{"GS ! double width is two cells", "\x1d!\x10a\x1d!\x00\x1b$\x18\x00b\n", "\x1d!\x10a\x1d!\x00b\n"},
		{"code sets are not printed", "\x1dH\x02\x1dkI\x0b{BBORNE{C\x14\x1a", "\x1dH\x02\x1dkI\x09BORNE2026"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !same([]byte(tt.a+"\x1dV\x00"), []byte(tt.b+"\x1dV\x00")) {
				t.Errorf("%q does not print as %q", tt.a, tt.b)
			}
		})
	}
	for _, tt := range []struct{ data, want string }{
		{"{BBORNE{C\x14\x1a", "BORNE2026"},
		{"{A{{x{1{C\x00\x63", "{x0099"},
		{"plain", "plain"},
	} {
		if got := code128Text([]byte(tt.data)); got != tt.want {
			t.Errorf("code128Text(%q) = %q, want %q", tt.data, got, tt.want)
		}
	}
	// Human-readable text only when GS H asks, above or below.
	bare := render(t, []byte("\x1dkI\x05{B123\x1dV\x00"))[0].Image.Bounds().Dy()
	below := render(t, []byte("\x1dH\x02\x1dkI\x05{B123\x1dV\x00"))[0].Image.Bounds().Dy()
	both := render(t, []byte("\x1dH\x03\x1dkI\x05{B123\x1dV\x00"))[0].Image.Bounds().Dy()
	if !(bare < below && below < both) {
		t.Errorf("barcode heights: bare %d, text below %d, both %d", bare, below, both)
	}
	if tk := render(t, []byte("\x1dkC\x03abc\x1dV\x00")); len(tk) != 0 {
		t.Error("an EAN-13 of letters printed")
	}
}

// A stream of 8× text, which once grew the renderer past 23 GB, ends the
// roll: Apply says so, and the paper drawn stays within the roll.
func TestRollEnd(t *testing.T) {
	r := NewRenderer(576, testFont(t))
	const roll = 8000 // 1 m
	r.Refill(roll)
	data := append([]byte("\x1d!\x77"), bytes.Repeat([]byte("W"), 2<<20)...)
	d := NewDecoder(bytes.NewReader(data))
	paper, ops := 0, 0
	var err error
	for err == nil {
		op, derr := d.Next()
		if derr != nil {
			t.Fatalf("the stream ended before the roll: %v", derr)
		}
		ops++
		err = r.Apply(op)
		for _, tk := range r.Take() {
			paper += tk.Image.Bounds().Dy()
		}
	}
	if !errors.Is(err, ErrRollEnd) || !strings.Contains(err.Error(), "after 1.0 m") {
		t.Errorf("Apply: %v", err)
	}
	r.Tear()
	for _, tk := range r.Take() {
		paper += tk.Image.Bounds().Dy()
	}
	if paper < roll-8*cells[0].h || paper > roll+maxTrailing {
		t.Errorf("%d dots of paper drawn from a roll of %d", paper, roll)
	}
	// A new roll prints again.
	r.Refill(roll)
	if err := r.Apply(Op{Cmd: CmdText, Data: []byte("x")}); err != nil {
		t.Errorf("after Refill: %v", err)
	}
}

// At the end of its roll the printer is out of paper: it says so, keeps
// what comes (up to its buffer) and prints it on a new roll.
func TestPrinterRollEnd(t *testing.T) {
	tickets := make(chan Ticket, 64)
	p := NewPrinter(Options{Font: testFont(t), TearAfter: time.Hour, Roll: 2000, Log: quiet,
		OnTicket: func(_ string, tk Ticket) { tickets <- tk }})
	drv, dev := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Serve(ctx, dev)
	drv.SetDeadline(time.Now().Add(10 * time.Second))
	// 2000 dots are 66 lines of 30 dots: the 80th line is past the roll.
	for i := range 80 {
		fmt.Fprintf(drv, "ligne %d\n", i)
	}
	drv.Write([]byte("\x1dV\x00"))
	// Status is answered as it comes, ahead of the drawing: the sensor says
	// the roll is out once the drawing reaches its end.
	b := make([]byte, 1)
	for b[0]&0x60 != 0x60 {
		drv.Write([]byte("\x10\x04\x04"))
		if _, err := drv.Read(b); err != nil {
			t.Fatalf("paper sensor after the roll: % x, %v", b, err)
		}
		if b[0]&^0x6c != 0x12 {
			t.Fatalf("paper sensor answer % x", b)
		}
	}
	p.SetFault(Fault{}) // a new roll
	drv.Write([]byte("\x10\x04\x04"))
	if _, err := drv.Read(b); err != nil || b[0] != 0x12 {
		t.Fatalf("paper sensor with a new roll: % x, %v", b, err)
	}
	deadline := time.After(5 * time.Second)
	for cut := false; !cut; {
		select {
		case tk := <-tickets:
			cut = tk.Cut == "full"
		case <-deadline:
			t.Fatal("the held cut never printed")
		}
	}
}
