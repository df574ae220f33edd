// Command kioskctl is the staff and provisioning tool of a Borne kiosk.
// Run "kioskctl help" for its commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"borne/provisioning/kioskctl"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := kioskctl.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
