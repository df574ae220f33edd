package deps
import (
	_ "github.com/OpenPrinting/goipp"
	_ "github.com/tarm/serial"
	_ "github.com/creack/pty"
	_ "golang.org/x/image/draw"
	_ "golang.org/x/image/ccitt"
	_ "rsc.io/qr"
	_ "golang.org/x/text/encoding/charmap"
)
