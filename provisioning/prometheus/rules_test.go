// Package prometheus_test checks the fleet's Prometheus rules: promtool
// validates them and runs their unit tests, and every kiosk metric they
// name is one the kiosk really exports.
package prometheus_test

import (
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"borne/kiosk/metrics"
)

func promtool(t *testing.T, args ...string) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not found: install the Debian package prometheus (make deps does)")
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func TestRulesCheck(t *testing.T) { promtool(t, "check", "rules", "borne-rules.yml") }

func TestRulesUnitTests(t *testing.T) { promtool(t, "test", "rules", "borne-rules.test.yml") }

// TestRulesNameRealMetrics scrapes a kiosk's metrics page and checks that
// each borne_* name in the rules is on it: a renamed metric would silence
// its alert without any error.
func TestRulesNameRealMetrics(t *testing.T) {
	m := metrics.New(metrics.Options{KioskID: "k1"})
	// Labelled series appear once set.
	m.SessionEnded("done")
	m.HelpCalled()
	m.Fault("printer", "marker-supply-empty")
	m.SetDeviceUp("scanner", true)
	m.SetPaper("receipt", metrics.PaperLow)
	m.SetSupply("printer", "Black toner", 40)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "http://127.0.0.1"+metrics.Path, nil)
	m.Handler().ServeHTTP(rec, req)
	page, _ := io.ReadAll(rec.Body)
	rules, err := os.ReadFile("borne-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile(`\b(borne_[a-z_]+|process_start_time_seconds)\b`).FindAllString(string(rules), -1)
	if len(names) < 5 {
		t.Fatalf("only %d kiosk metric names in the rules", len(names))
	}
	for _, n := range names {
		if !strings.Contains(string(page), "\n"+n) {
			t.Errorf("the rules use %s, which the kiosk does not export", n)
		}
	}
}
