package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"borne/testbench/bench"
)

func init() {
	commands["report"] = command{
		usage: "[--html FILE] [--junit FILE] [--json FILE] RESULT.json",
		help:  "render a saved run again: HTML for a technician, JUnit XML for CI, JSON for fleets; without a flag, the verdict per device; exit 1 when a step failed",
		run:   runReport,
	}
}

func runReport(args []string) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	html := fs.String("html", "", "write the HTML report to this `file` (evidence files are linked beside it)")
	junit := fs.String("junit", "", "write JUnit XML to this `file`")
	js := fs.String("json", "", "write the JSON report to this `file` (checked and normalised)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "testbench report: want one RESULT.json")
		return 2
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbench report: %v\n", err)
		return 2
	}
	rep, err := bench.ParseReport(data)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbench report: %s: %v\n", fs.Arg(0), err)
		return 2
	}
	for _, out := range []struct {
		name  string
		write func(io.Writer) error
	}{{*html, rep.WriteHTML}, {*junit, rep.WriteJUnit}} {
		if out.name == "" {
			continue
		}
		if err := bench.WriteFileWith(out.name, out.write); err != nil {
			fmt.Fprintf(os.Stderr, "testbench report: %v\n", err)
			return 1
		}
	}
	if *js != "" {
		if err := rep.WriteJSONFile(*js); err != nil {
			fmt.Fprintf(os.Stderr, "testbench report: %v\n", err)
			return 1
		}
	}
	if *html == "" && *junit == "" && *js == "" {
		printSummary(rep)
	}
	if rep.Failed() > 0 {
		return 1
	}
	return 0
}
