// Package archtest checks that the module's imports run one way: the core
// (kiosk/) never reaches drivers/, ui/ or testbench/; drivers/ never reach
// kiosk/ or ui/; ui/ outside ui/cmd/ never reaches drivers/; the test
// oracles under internal/ stay out of the product. It reads the import
// graph from `go list -json`; its test runs in `make test`.
package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
)

// Graph is the module's import graph, paths relative to the module
// ("kiosk/ticket"); packages outside the module are left out.
type Graph struct {
	Imports map[string][]string // what each package's own code imports
	Tests   map[string][]string // what its tests import, in and out of the package
}

// Layers, by path prefix. A package in none (the module's other rooms, the
// standard library) is free.
const (
	Core         = "kiosk"
	Drivers      = "drivers"
	UI           = "ui"     // ui/ but ui/cmd/
	UICmd        = "ui/cmd" // the kiosk's composition root
	Bench        = "testbench"
	Provisioning = "provisioning"
	Oracle       = "oracle" // internal/ test oracles: what a test compares with
	Lobby        = "lobby"  // the simulated lobby, which tests may start
)

// oracles are internal/ packages that judge output: tests only.
var oracles = []string{"internal/escpos", "internal/golden", "internal/legibility"}

// lobby is the part of testbench/ that product tests may start: the real
// peers of a lobby (CUPS and IPP printers, SANE and eSCL scanners, the demo
// website, the virtual ticket printer) behind loopback ports. It stays in
// testbench/ because `make run` serves it; tests use it as they use a
// PostgreSQL server. Its own imports (drivers, config) are its business:
// the check does not follow them from a test.
var lobby = []string{"testbench/lobby", "testbench/lobby/lobbytest", "testbench/demosite", "testbench/escl"}

// Layer names the layer of a package.
func Layer(pkg string) string {
	under := func(root string) bool { return pkg == root || strings.HasPrefix(pkg, root+"/") }
	switch {
	case slices.ContainsFunc(oracles, under):
		return Oracle
	case slices.Contains(lobby, pkg):
		return Lobby
	case under("ui/cmd"):
		return UICmd
	}
	for _, l := range []string{Core, Drivers, UI, Bench, Provisioning} {
		if under(l) {
			return l
		}
	}
	return ""
}

// Rule: the code of From never reaches a package of a Forbid layer, and
// its tests never reach one of TestForbid. Tests may compare with the
// oracles, start the lobby (whose imports are not followed) and use real
// drivers or their fakes as peers (a ticket printed through the ESC/POS
// driver, a scanner fake behind the shell), never the test bench.
type Rule struct {
	From       string
	Forbid     []string
	TestForbid []string
	Why        string
}

// Rules are the shape of the module.
var Rules = []Rule{
	{Core, []string{Drivers, UI, UICmd, Bench, Lobby, Oracle}, []string{UI, UICmd, Bench}, "the core never imports drivers, the UI or the test bench"},
	{Drivers, []string{Core, UI, UICmd, Bench, Lobby, Oracle}, []string{Core, UI, UICmd, Bench}, "drivers know nothing of the core or the UI"},
	{UI, []string{Drivers, UICmd, Bench, Lobby, Oracle}, []string{UICmd, Bench}, "only cmd/ packages wire drivers to the core"},
	{UICmd, []string{Bench, Lobby, Oracle}, []string{Bench}, "the kiosk ships no test bench"},
	{Provisioning, []string{UI, UICmd, Bench, Lobby, Oracle}, []string{UI, UICmd, Bench}, "kioskctl and the collector ship no UI or test bench"},
}

// Violation is an import chain that breaks a rule.
type Violation struct {
	Chain []string // from the package (or its tests) to the package it must not reach
	Test  bool     // the chain starts in the package's tests
	Why   string
}

func (v Violation) String() string {
	from := v.Chain[0]
	if v.Test {
		from += " (tests)"
	}
	return fmt.Sprintf("%s → %s: %s", from, strings.Join(v.Chain[1:], " → "), v.Why)
}

// Check lists the chains that break rules: for each package, the shortest
// chain to each forbidden package it reaches first (past one, the chain
// is not followed further), from its code then from its tests.
func Check(g Graph, rules []Rule) []Violation {
	var out []Violation
	for _, pkg := range sortedKeys(g.Imports, g.Tests) {
		i := slices.IndexFunc(rules, func(r Rule) bool { return r.From == Layer(pkg) })
		if i < 0 {
			continue
		}
		r := rules[i]
		forbidden := func(p string) bool { return slices.Contains(r.Forbid, Layer(p)) }
		seen := map[string]bool{pkg: true}
		out = append(out, walk(g, pkg, g.Imports[pkg], forbidden, nil, seen, r.Why, false)...)
		// Tests: their own rule; what the code reached is reported once.
		inTests := func(p string) bool { return slices.Contains(r.TestForbid, Layer(p)) }
		stop := func(p string) bool { return Layer(p) == Lobby }
		out = append(out, walk(g, pkg, g.Tests[pkg], inTests, stop, seen, r.Why, true)...)
	}
	return out
}

// walk goes breadth first from start's imports, not past a forbidden
// package nor one stop names, and reports the chains to forbidden ones.
func walk(g Graph, start string, first []string, forbidden, stop func(string) bool, seen map[string]bool, why string, test bool) []Violation {
	parent := map[string]string{}
	var queue []string
	for _, p := range first {
		if !seen[p] {
			seen[p], parent[p] = true, start
			queue = append(queue, p)
		}
	}
	var out []Violation
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if forbidden(p) {
			chain := []string{p}
			for q := p; q != start; q = parent[q] {
				chain = append(chain, parent[q])
			}
			slices.Reverse(chain)
			out = append(out, Violation{Chain: chain, Test: test, Why: why})
			continue
		}
		if stop != nil && stop(p) {
			continue
		}
		for _, q := range g.Imports[p] {
			if !seen[q] {
				seen[q], parent[q] = true, p
				queue = append(queue, q)
			}
		}
	}
	return out
}

func sortedKeys(ms ...map[string][]string) []string {
	var keys []string
	for _, m := range ms {
		for k := range m {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// Load reads the import graph of the module whose root is dir, through
// `go list -json` (the default build tags of this machine).
func Load(dir string) (Graph, error) {
	mod, err := goCmd(dir, "list", "-m")
	if err != nil {
		return Graph{}, err
	}
	prefix := strings.TrimSpace(string(mod)) + "/"
	out, err := goCmd(dir, "list", "-e", "-json=ImportPath,Imports,TestImports,XTestImports,Error", "./...")
	if err != nil {
		return Graph{}, err
	}
	g := Graph{Imports: map[string][]string{}, Tests: map[string][]string{}}
	inModule := func(list []string) []string {
		var in []string
		for _, p := range list {
			if rel, ok := strings.CutPrefix(p, prefix); ok {
				in = append(in, rel)
			}
		}
		return in
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath                         string
			Imports, TestImports, XTestImports []string
			Error                              *struct{ Err string }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return Graph{}, fmt.Errorf("go list: %w", err)
		}
		if p.Error != nil {
			return Graph{}, fmt.Errorf("go list: %s: %s", p.ImportPath, p.Error.Err)
		}
		rel := strings.TrimPrefix(p.ImportPath, prefix)
		g.Imports[rel] = inModule(p.Imports)
		g.Tests[rel] = slices.DeleteFunc(inModule(append(p.TestImports, p.XTestImports...)), func(q string) bool { return q == rel })
	}
	return g, nil
}

func goCmd(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
