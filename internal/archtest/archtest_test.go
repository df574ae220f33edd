package archtest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestShape fails on every import chain of the module that breaks a rule.
func TestShape(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	g, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Imports) < 20 || len(g.Imports["kiosk/session"]) == 0 {
		t.Fatalf("the graph read is too small to be the module's: %d packages", len(g.Imports))
	}
	for _, v := range Check(g, Rules) {
		t.Error(v)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		g     Graph
		wants []string // Violation.String()s, up to the colon
	}{
		{
			name: "one way",
			g: Graph{Imports: map[string][]string{
				"ui/cmd/kiosk":    {"ui/shell", "drivers/scanner", "kiosk/session"},
				"ui/shell":        {"kiosk/session", "kiosk/tray"},
				"kiosk/tray":      {"kiosk/shrink"},
				"drivers/gpio":    {"internal/minipdf"},
				"testbench/bench": {"drivers/gpio", "kiosk/config", "internal/escpos"},
			}},
		},
		{
			name: "the core reaches a driver through another core package",
			g: Graph{Imports: map[string][]string{
				"kiosk/health": {"kiosk/config"},
				"kiosk/config": {"drivers/receipt"},
			}},
			wants: []string{"kiosk/config → drivers/receipt", "kiosk/health → kiosk/config → drivers/receipt"},
		},
		{
			name: "the shortest chain, and none past the first offender",
			g: Graph{Imports: map[string][]string{
				"kiosk/a":  {"kiosk/b", "kiosk/c"},
				"kiosk/b":  {"kiosk/c"},
				"kiosk/c":  {"ui/shell"},
				"ui/shell": {"drivers/printer"},
			}},
			wants: []string{"kiosk/a → kiosk/c → ui/shell", "kiosk/b → kiosk/c → ui/shell", "kiosk/c → ui/shell", "ui/shell → drivers/printer"},
		},
		{
			name: "drivers never reach the core or the UI",
			g: Graph{Imports: map[string][]string{
				"drivers/receipt": {"kiosk/config"},
				"drivers/gpio":    {"ui/xvfb"},
			}},
			wants: []string{"drivers/gpio → ui/xvfb", "drivers/receipt → kiosk/config"},
		},
		{
			name: "a UI package never imports a driver, nor the kiosk command",
			g: Graph{Imports: map[string][]string{
				"ui/shell": {"drivers/scanner/scannertest", "ui/cmd/kiosk"},
			}},
			wants: []string{"ui/shell → drivers/scanner/scannertest", "ui/shell → ui/cmd/kiosk"},
		},
		{
			name: "oracles and the lobby are for tests",
			g: Graph{Imports: map[string][]string{
				"kiosk/ticket":          {"internal/golden"},
				"ui/cmd/kiosk":          {"testbench/lobby"},
				"provisioning/kioskctl": {"internal/escpos"},
			}},
			wants: []string{"kiosk/ticket → internal/golden", "provisioning/kioskctl → internal/escpos", "ui/cmd/kiosk → testbench/lobby"},
		},
		{
			name: "tests may use oracles, start the lobby and use drivers as peers",
			g: Graph{
				Imports: map[string][]string{
					"testbench/lobby": {"drivers/printer", "kiosk/config"},
					"internal/escpos": {"internal/golden"},
				},
				Tests: map[string][]string{
					"kiosk/ticket": {"internal/escpos", "internal/golden", "drivers/receipt"},
					"kiosk/health": {"testbench/lobby"},
					"ui/shell":     {"testbench/lobby", "internal/legibility", "drivers/receipt/receipttest"},
				},
			},
		},
		{
			name: "tests follow the rules beyond that",
			g: Graph{
				Imports: map[string][]string{
					"testbench/bench": {"drivers/gpio"},
					"kiosk/ticket":    {"kiosk/config"},
				},
				Tests: map[string][]string{
					"kiosk/ticket":    {"kiosk/config", "ui/xvfb"},
					"kiosk/health":    {"testbench/bench"},
					"ui/shell":        {"ui/cmd/kiosk"},
					"drivers/printer": {"kiosk/config/configtest"},
				},
			},
			wants: []string{"drivers/printer (tests) → kiosk/config/configtest", "kiosk/health (tests) → testbench/bench", "kiosk/ticket (tests) → ui/xvfb", "ui/shell (tests) → ui/cmd/kiosk"},
		},
		{
			name: "what the code reached is not told again for its tests",
			g: Graph{
				Imports: map[string][]string{"kiosk/ticket": {"drivers/receipt"}},
				Tests:   map[string][]string{"kiosk/ticket": {"drivers/receipt"}},
			},
			wants: []string{"kiosk/ticket → drivers/receipt"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, v := range Check(tt.g, Rules) {
				s := v.String()
				got = append(got, s[:strings.Index(s, ":")])
			}
			if !slices.Equal(got, tt.wants) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(tt.wants, "\n\t"))
			}
		})
	}
}

func TestLayer(t *testing.T) {
	for pkg, want := range map[string]string{
		"kiosk":                       Core,
		"kiosk/shrink/bilevel":        Core,
		"kioskish/x":                  "",
		"ui/shell":                    UI,
		"ui/cmd/kiosk":                UICmd,
		"drivers/receipt/receipttest": Drivers,
		"internal/escpos":             Oracle,
		"internal/minipdf":            "",
		"testbench/lobby":             Lobby,
		"testbench/lobby/lobbytest":   Lobby,
		"testbench/bench":             Bench,
		"provisioning/kioskctl":       Provisioning,
	} {
		if got := Layer(pkg); got != want {
			t.Errorf("Layer(%q) = %q, want %q", pkg, got, want)
		}
	}
}
