package kioskctl

import (
	"strings"
	"testing"
	"time"

	"borne/kiosk/usage"
)

func TestUsageReportPeriod(t *testing.T) {
	db := newDB(t, usage.MinCell)
	month := time.Now().In(mustParis(t)).Format("2006-01")
	code, stdout, stderr := run("usage", "report", "--db", db, "--period", "month", "--csv")
	if code != 0 || !strings.HasPrefix(stdout, "month,dimension,value,sessions,suppressed\n") || !strings.Contains(stdout, month+",service,*,5,false") {
		t.Errorf("monthly report: exit %d %s\n%s", code, stderr, stdout)
	}
	if code, _, stderr := run("usage", "report", "--db", db, "--period", "year"); code != 2 || !strings.Contains(stderr, `--period "year"`) {
		t.Errorf("--period year: exit %d %s", code, stderr)
	}
}
