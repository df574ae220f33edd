// Command testbench is the maintainers' tool: the simulated lobby that
// `make run` starts around the kiosk, and the bench commands. Each command
// lives in its own file and registers itself in commands.
package main

import (
	"fmt"
	"os"
	"sort"

	"borne/testbench/bench"
)

// command is one testbench command.
type command struct {
	usage string // flags and arguments, for help
	help  string
	run   func(args []string) int // exit status
}

var commands = map[string]command{}

func main() {
	// The simulated lobby's feeder is scanned in re-runs of this binary.
	bench.ServeScanChild()
	if len(os.Args) < 2 {
		writeUsage(os.Stderr)
		os.Exit(2)
	}
	name := os.Args[1]
	if name == "help" || name == "-h" || name == "--help" {
		writeUsage(os.Stdout)
		return
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "testbench: unknown command %q\n", name)
		writeUsage(os.Stderr)
		os.Exit(2)
	}
	os.Exit(c.run(os.Args[2:]))
}

func writeUsage(w *os.File) {
	fmt.Fprintln(w, "usage: testbench <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %s %s\n        %s\n", n, commands[n].usage, commands[n].help)
	}
}
