package receipt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Port is an open link to a printer. Deadlines bound every read and write,
// so that a printer that stops answering never hangs the kiosk.
type Port interface {
	io.ReadWriteCloser
	SetDeadline(t time.Time) error
}

// Link says how to reach a printer: a device file, or a TCP address.
type Link struct {
	Device string // a serial line (/dev/ttyS0, /dev/ttyUSB0) or a USB printer-class device (/dev/usb/lp0)
	TCP    string // host:port of a network printer, usually port 9100
	Baud   int    // serial lines only; 0 means 9600
	Flow   Flow   // serial lines only; "" means none
}

// bauds are the termios speeds of receiptspec.Bauds.
var bauds = map[int]uint32{
	1200: unix.B1200, 2400: unix.B2400, 4800: unix.B4800, 9600: unix.B9600,
	19200: unix.B19200, 38400: unix.B38400, 57600: unix.B57600, 115200: unix.B115200,
	230400: unix.B230400,
}

// Dial opens the link. A device that is a terminal (a serial line, or a
// pseudo-terminal standing in for one) is set to raw 8N1 at the baud rate
// and flow control asked; any other device file (USB printer class) is used
// as it is.
func Dial(ctx context.Context, l Link) (Port, error) {
	if l.TCP != "" {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", l.TCP)
		if err != nil {
			return nil, fmt.Errorf("receipt: %w", err)
		}
		return c.(*net.TCPConn), nil
	}
	if l.Device == "" {
		return nil, errors.New("receipt: no device and no TCP address")
	}
	// Non-blocking, so that Go's poller runs the deadlines; O_NOCTTY, or a
	// serial line could become the kiosk's controlling terminal.
	fd, err := unix.Open(l.Device, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("receipt: open %s: %w", l.Device, err)
	}
	f := os.NewFile(uintptr(fd), l.Device)
	if err := setTerminal(f, l); err != nil {
		f.Close()
		return nil, fmt.Errorf("receipt: %s: %w", l.Device, err)
	}
	return f, nil
}

// setTerminal puts a terminal in raw mode at the link's settings; other
// files are left alone.
func setTerminal(f *os.File, l Link) error {
	baud := l.Baud
	if baud == 0 {
		baud = 9600
	}
	speed, ok := bauds[baud]
	if !ok {
		return fmt.Errorf("unsupported baud rate %d", baud)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var termErr error
	err = rc.Control(func(fd uintptr) {
		t, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
		if errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EINVAL) {
			return // not a terminal: a USB printer-class device
		}
		if err != nil {
			termErr = err
			return
		}
		// Raw: no echo, no line editing, no newline translation — every
		// byte of a raster image must reach the printer as it is.
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF | unix.IXANY
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CSTOPB | unix.CRTSCTS | unix.CBAUD
		t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL | speed
		t.Ispeed, t.Ospeed = speed, speed
		switch l.Flow {
		case FlowRTSCTS:
			t.Cflag |= unix.CRTSCTS
		case FlowXONOFF:
			t.Iflag |= unix.IXON | unix.IXOFF
		case FlowNone, "":
		default:
			termErr = fmt.Errorf("unknown flow control %q", l.Flow)
			return
		}
		t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
		termErr = unix.IoctlSetTermios(int(fd), unix.TCSETS, t)
	})
	if err != nil {
		return err
	}
	return termErr
}
