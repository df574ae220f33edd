//go:build !race

// The bench window: guided mode, and the touchscreen and display suites
// that draw in it. Left out of race builds: make test runs testbench/...
// with the race detector, which would build the GTK bindings a second time
// (about 6 minutes); benchui's own tests run in the non-race ui phase.

package main

import "borne/testbench/benchui"

func init() { openGuide = benchui.OpenGuide }
