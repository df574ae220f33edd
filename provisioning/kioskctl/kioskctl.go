// Package kioskctl is the kioskctl command line, kept out of package main so
// that tests can run it: Main takes the arguments and writers and returns the
// exit status.
package kioskctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and failed
	exitUsage = 2 // the command line is wrong
)

// env is what a command runs with.
type env struct {
	ctx            context.Context
	stdout, stderr io.Writer
}

// command is one line of the dispatch table: kioskctl <name> [<sub>] [flags].
type command struct {
	name, sub string
	synopsis  string // flags, for help
	summary   string
	run       func(e *env, name string, args []string) int
}

// commands is the dispatch table; later commands add a line each.
var commands = []command{
	{"usage", "report", "[--config PATH | --db PATH] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--period day|week|month] [--csv]",
		"anonymous usage figures per day, week or month, cells under 5 sessions suppressed", usageReport},
	{"usage", "purge", "[--config PATH | --db PATH] [--older-than-months N]",
		"delete usage events older than the retention period", usagePurge},
}

// Main runs kioskctl with args (without the program name) and returns the
// exit status: 0 done, 1 failed, 2 bad command line.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		writeHelp(stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		writeHelp(stdout)
		return exitOK
	}
	var subs []string
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		if c.sub == "" {
			return c.run(e, c.name, args[1:])
		}
		if len(args) > 1 && args[1] == c.sub {
			return c.run(e, c.name+" "+c.sub, args[2:])
		}
		subs = append(subs, c.sub)
	}
	if subs == nil {
		fmt.Fprintf(stderr, "kioskctl: unknown command %q (run \"kioskctl help\")\n", args[0])
	} else {
		fmt.Fprintf(stderr, "kioskctl %s: want one of: %s (run \"kioskctl help\")\n", args[0], strings.Join(subs, ", "))
	}
	return exitUsage
}

func writeHelp(w io.Writer) {
	fmt.Fprintln(w, "usage: kioskctl <command> [<sub>] [flags]")
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", strings.TrimSpace(c.name+" "+c.sub), c.summary)
		fmt.Fprintf(tw, "  \t  %s\n", c.synopsis)
	}
	fmt.Fprintf(tw, "  help\tthis text\n")
	tw.Flush()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Exit status: 0 done, 1 failed, 2 bad command line. \"kioskctl <command> <sub> -h\" lists its flags.")
}

// flags returns a flag set for the command called name that reports to stderr.
func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("kioskctl "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parse parses args; when it returns false, the command should exit with code.
func parse(fs *flag.FlagSet, args []string) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK, false
	case err != nil:
		return exitUsage, false // the flag package has said why
	case fs.NArg() > 0:
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage, false
	}
	return exitOK, true
}

// usageErr reports a bad command line.
func (e *env) usageErr(name, format string, a ...any) int {
	fmt.Fprintf(e.stderr, "kioskctl %s: %s\n", name, fmt.Sprintf(format, a...))
	return exitUsage
}

// fail reports a failure of the command itself.
func (e *env) fail(name string, err error) int {
	fmt.Fprintf(e.stderr, "kioskctl %s: %v\n", name, err)
	return exitFail
}
