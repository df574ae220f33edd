package staff

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"borne/kiosk/atomicfile"
	"borne/kiosk/usage"
)

// ExportUsage writes the usage report of the days from..to (YYYY-MM-DD, ""
// for an open end) as CSV into dir, typically a USB key, with the cells
// under usage.MinCell sessions suppressed, and returns the file's path. The
// file is complete or absent: a key pulled out mid-way leaves no half report.
func ExportUsage(ctx context.Context, store *usage.Store, dir, kioskID, from, to string, now time.Time) (string, error) {
	r, err := store.Report(ctx, from, to)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := r.WriteCSV(&buf); err != nil {
		return "", err
	}
	first, last := from, to
	if first == "" {
		first = "start"
	}
	if last == "" {
		last = now.Format(time.DateOnly)
	}
	path := filepath.Join(dir, fmt.Sprintf("borne-usage-%s-%s-%s.csv", kioskID, first, last))
	if err := atomicfile.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("staff: export usage to %s: %w", dir, err)
	}
	return path, nil
}

// USBMountRoots are where removable media get mounted: udisks under
// /media/USER or /run/media/USER, and the kiosk's own /media/borne-usb.
var USBMountRoots = []string{"/media/", "/run/media/"}

// USBKeys lists the writable mount points under USBMountRoots, from the
// mount table (/proc/self/mounts), for "export to a USB key".
func USBKeys() ([]string, error) {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return nil, fmt.Errorf("staff: mount table: %w", err)
	}
	defer f.Close()
	return usbKeys(f)
}

func usbKeys(mounts io.Reader) ([]string, error) {
	var keys []string
	sc := bufio.NewScanner(mounts)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue
		}
		// The mount table escapes spaces and tabs as octal (\040).
		dir := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`).Replace(f[1])
		rw := false
		for _, o := range strings.Split(f[3], ",") {
			rw = rw || o == "rw"
		}
		for _, root := range USBMountRoots {
			if rw && strings.HasPrefix(dir, root) {
				keys = append(keys, dir)
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("staff: mount table: %w", err)
	}
	return keys, nil
}
