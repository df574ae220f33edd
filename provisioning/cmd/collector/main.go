// Command collector is the fleet's statistics collector: kiosks push their
// anonymous hourly counts to it over HTTPS; observatories read its reports.
// Run "collector" alone for its commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"borne/provisioning/collector"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := collector.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
