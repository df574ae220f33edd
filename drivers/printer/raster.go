package printer

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// Rasterizer writes the pages of a PDF as PWG raster (image/pwg-raster) at
// dpi, in a pwg-raster-document-type such as sgray_8.
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
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ghostscript: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
