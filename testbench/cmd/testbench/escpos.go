package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"borne/internal/escpos"
)

func init() {
	commands["escpos-render"] = command{
		usage: "[--width DOTS] [--max-paper METRES] IN.bin OUT.png",
		help:  "draw a captured ESC/POS stream as the printer would print it (tickets one under the other, cuts dashed)",
		run:   runESCPOSRender,
	}
	commands["receipt-printer"] = command{
		usage: "[--pty LINK | --tcp HOST:PORT] [--out DIR] [--width DOTS]",
		help:  "run a virtual ESC/POS printer; type paper-out, paper-low, cover-open, silent or ok on standard input to change its state",
		run:   runReceiptPrinter,
	}
}

func runESCPOSRender(args []string) int {
	fs := flag.NewFlagSet("escpos-render", flag.ContinueOnError)
	width := fs.Int("width", 576, "printable width in dots (576: 80 mm, 384: 58 mm)")
	metres := fs.Int("max-paper", 10, "draw at most this many `metres` of paper (about 6 MB of memory a metre, twice over)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *metres < 1 {
		fmt.Fprintln(os.Stderr, "testbench escpos-render: --max-paper is 1 metre or more")
		return 2
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "testbench escpos-render: want IN.bin OUT.png")
		return 2
	}
	if err := renderStream(fs.Arg(0), fs.Arg(1), *width, *metres); err != nil {
		fmt.Fprintf(os.Stderr, "testbench escpos-render: %v\n", err)
		return 1
	}
	return 0
}

func renderStream(in, out string, width, metres int) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	font, err := escpos.LoadCellFont(escpos.DefaultCellFont)
	if err != nil {
		return err
	}
	r := escpos.NewRenderer(width, font)
	r.Refill(metres * 8000) // 8 dots a millimetre
	dec := escpos.NewDecoder(bytes.NewReader(data))
	var tooLong error
	for tooLong == nil {
		op, err := dec.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil { // a capture cut short: draw what came
			fmt.Fprintf(os.Stderr, "testbench escpos-render: %s: %v (drawn up to there)\n", in, err)
			break
		}
		if err := r.Apply(op); err != nil {
			tooLong = fmt.Errorf("%s: %w: escpos-render draws %d m at most (--max-paper; drawn up to there)", in, err, metres)
		}
	}
	r.Tear()
	tickets := r.Take()
	if len(tickets) == 0 {
		return fmt.Errorf("%s: nothing printed", in)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := png.Encode(f, stack(tickets)); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return tooLong
}

// stack puts tickets one under the other, a dashed line where each was cut.
func stack(tickets []escpos.Ticket) *image.Gray {
	const gap = 24
	w, h := 0, 0
	for _, t := range tickets {
		w = max(w, t.Image.Bounds().Dx())
		h += t.Image.Bounds().Dy() + gap
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	y := 0
	for _, t := range tickets {
		b := t.Image.Bounds()
		draw.Draw(img, image.Rect(0, y, b.Dx(), y+b.Dy()), t.Image, b.Min, draw.Src)
		y += b.Dy()
		if t.Cut != "" {
			for x := 0; x < w; x += 12 {
				draw.Draw(img, image.Rect(x, y+gap/2, min(x+6, w), y+gap/2+2), image.Black, image.Point{}, draw.Src)
			}
		}
		y += gap
	}
	return img
}

func runReceiptPrinter(args []string) int {
	fs := flag.NewFlagSet("receipt-printer", flag.ContinueOnError)
	link := fs.String("pty", "", "serve on a pseudo-terminal, with a symbolic link to it at this `path`")
	addr := fs.String("tcp", "", "serve on this TCP `address` instead, e.g. 127.0.0.1:9100")
	out := fs.String("out", ".", "save tickets as PNG in this `directory`")
	width := fs.Int("width", 576, "printable width in dots")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (*link == "") == (*addr == "") {
		fmt.Fprintln(os.Stderr, "testbench receipt-printer: give --pty or --tcp")
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	font, err := escpos.LoadCellFont(escpos.DefaultCellFont)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbench receipt-printer: %v\n", err)
		return 1
	}
	p := escpos.NewPrinter(escpos.Options{Width: *width, OutDir: *out, Font: font, Log: log})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go readFaults(p, os.Stdin, log)

	if *addr != "" {
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			fmt.Fprintf(os.Stderr, "testbench receipt-printer: %v\n", err)
			return 1
		}
		log.Info("receipt printer listening", "addr", ln.Addr().String(), "out", *out)
		err = p.ServeTCP(ctx, ln)
		return exitAfter(err)
	}
	pt, err := escpos.OpenPTY(*link)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbench receipt-printer: %v\n", err)
		return 1
	}
	defer pt.Close()
	log.Info("receipt printer on a pseudo-terminal", "device", pt.Path, "out", *out)
	return exitAfter(p.Serve(ctx, pt.Master))
}

func exitAfter(err error) int {
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(os.Stderr, "testbench receipt-printer: %v\n", err)
		return 1
	}
	return 0
}

// readFaults changes the printer's state from lines such as "paper-out".
func readFaults(p *escpos.Printer, in io.Reader, log *slog.Logger) {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		var f escpos.Fault
		switch word := strings.TrimSpace(sc.Text()); word {
		case "ok":
		case "paper-out":
			f.PaperOut = true
		case "paper-low":
			f.PaperLow = true
		case "cover-open":
			f.CoverOpen = true
		case "silent":
			f.Silent = true
		default:
			log.Warn("receipt printer: unknown state (want ok, paper-out, paper-low, cover-open or silent)", "got", word)
			continue
		}
		p.SetFault(f)
		log.Info("receipt printer: state changed", "state", sc.Text())
	}
}
