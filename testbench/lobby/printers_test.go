package lobby

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"borne/drivers/printer"
	"borne/drivers/receipt"
	"borne/testbench/demosite"
)

var quiet = slog.New(slog.DiscardHandler)

func TestStartIPPPrinter(t *testing.T) {
	ctx := context.Background()
	spool := t.TempDir()
	p, err := StartIPPPrinter(ctx, spool, IPPOptions{Addr: "127.0.0.1:0"}, quiet)
	if errors.Is(err, ErrNoIPPEveprinter) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	// Started again on the same address: the running one is used.
	again, err := StartIPPPrinter(ctx, t.TempDir(), IPPOptions{Addr: p.URI[len("ipp://") : len(p.URI)-len("/ipp/print")]}, quiet)
	if err != nil || again.URI != p.URI {
		t.Fatalf("second start: %+v, %v", again, err)
	}
	again.Stop() // not its printer: nothing happens
	c, _ := printer.Open(p.URI, printer.Options{Log: quiet})
	if st, err := c.Status(ctx); err != nil || !st.Ready() {
		t.Fatalf("after the second Stop: %+v %v", st, err)
	}
	p.Stop()
	if _, err := c.Status(ctx); printer.CodeOf(err) != printer.Unreachable {
		t.Errorf("after Stop: %v", err)
	}
	if _, err := StartIPPPrinter(ctx, spool, IPPOptions{Addr: "10.1.2.3:631"}, quiet); err == nil {
		t.Error("a non-loopback address was accepted")
	}
}

// A printed job leaves no file in the printer's spool; jobs kept to be
// looked at (make run's output tray) are deleted when the printer stops.
func TestIPPPrinterKeepsNoJob(t *testing.T) {
	ctx := context.Background()
	pdf := filepath.Join(t.TempDir(), "page.pdf")
	if err := os.WriteFile(pdf, demosite.Attestation("CAF", time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, keep := range []bool{false, true} {
		spool := t.TempDir()
		p, err := StartIPPPrinter(ctx, spool, IPPOptions{KeepJobs: keep}, quiet)
		if errors.Is(err, ErrNoIPPEveprinter) {
			t.Skip(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		c, _ := printer.Open(p.URI, printer.Options{PollEvery: 10 * time.Millisecond, Log: quiet})
		job, err := c.Print(ctx, pdf, printer.PrintOptions{Pages: 1})
		if err != nil {
			t.Fatal(err)
		}
		if st, err := c.Wait(ctx, job, nil); err != nil || st.State != printer.JobStateCompleted {
			t.Fatalf("job %+v, %v", st, err)
		}
		files, _ := filepath.Glob(filepath.Join(p.SpoolDir, "*"))
		if keep != (len(files) > 0) {
			t.Errorf("keep %v: spool holds %v after the job", keep, files)
		}
		p.Stop()
		if left, _ := os.ReadDir(p.SpoolDir); len(left) != 0 {
			t.Errorf("keep %v: spool holds %v after Stop", keep, left)
		}
	}
}

func TestStartReceiptPrinter(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "receipt")
	out := filepath.Join(dir, "tickets")
	r, err := StartReceiptPrinter(context.Background(), link, out, quiet)
	if err != nil {
		t.Skip(err) // fonts-dejavu-core missing
	}
	p, _ := receipt.LookupProfile(receipt.DefaultProfile)
	drv := receipt.New(receipt.Options{Link: receipt.Link{Device: link}, Profile: p, Log: quiet})
	var doc receipt.Doc
	doc.Text("Essai de la borne", receipt.Style{})
	if err := drv.Print(context.Background(), &doc); err != nil {
		t.Fatal(err)
	}
	var saved []string
	for range 50 {
		if saved, _ = filepath.Glob(filepath.Join(out, "ticket-*.png")); len(saved) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(saved) != 1 {
		t.Errorf("tickets saved: %v", saved)
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(link); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("link left behind: %v", err)
	}
	// A file that is not a link is never replaced.
	os.WriteFile(link, nil, 0o600)
	if _, err := StartReceiptPrinter(context.Background(), link, out, quiet); err == nil {
		t.Error("replaced a regular file")
	}
}

// A pid file left by a daemon that died made dbus-daemon refuse to start on
// a fresh CI machine; only a file naming the live daemon may stay.
func TestRemoveStalePidFile(t *testing.T) {
	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleeper.Process.Kill(); sleeper.Wait() })
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, pid, daemon string
		kept              bool
	}{
		{"live daemon", strconv.Itoa(sleeper.Process.Pid), "sleep", true},
		{"pid reused by another program", strconv.Itoa(sleeper.Process.Pid), "dbus-daemon", false},
		{"dead process", strconv.Itoa(dead.Process.Pid), "dbus-daemon", false},
		{"garbage", "not a pid\n", "dbus-daemon", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pid")
			if err := os.WriteFile(path, []byte(tc.pid+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			removeStalePidFile(path, tc.daemon, quiet)
			if _, err := os.Stat(path); (err == nil) != tc.kept {
				t.Errorf("pid file kept = %v, want %v", err == nil, tc.kept)
			}
		})
	}
}
