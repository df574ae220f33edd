package printer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Rasterizer writes the pages of a PDF as PWG raster (image/pwg-raster) at
// dpi, in a pwg-raster-document-type such as sgray_8. Every file it makes
// lives in out's directory.
type Rasterizer func(ctx context.Context, pdf, out string, dpi int, typ string) error

// cupsColorSpace numbers Ghostscript's pwgraster device takes.
var cupsColorSpace = map[string]struct{ space, bits int }{
	"sgray_8": {18, 8},
	"srgb_8":  {19, 8},
	"black_1": {3, 1},
}

// Ghostscript is the default Rasterizer: gs's own pwgraster device, each
// page fitted to A4. It needs the ghostscript package.
func Ghostscript(ctx context.Context, pdf, out string, dpi int, typ string) error {
	cs, ok := cupsColorSpace[typ]
	if !ok {
		return fmt.Errorf("raster type %q: Borne makes sgray_8, srgb_8 or black_1", typ)
	}
	cmd := exec.CommandContext(ctx, "gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE",
		"-sDEVICE=pwgraster", fmt.Sprintf("-r%d", dpi), "-sPAPERSIZE=a4", "-dFIXEDMEDIA", "-dPDFFitPage",
		fmt.Sprintf("-dcupsColorSpace=%d", cs.space), fmt.Sprintf("-dcupsBitsPerColor=%d", cs.bits),
		"-sOutputFile="+out, "-f", pdf)
	// gs spills its band lists to TMPDIR on large pages: keep them beside
	// out, in the visit's directory, not in the system's.
	cmd.Env = append(os.Environ(), "TMPDIR="+filepath.Dir(out))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ghostscript: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
