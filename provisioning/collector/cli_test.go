package collector_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"borne/internal/pgtest"
	"borne/kiosk/usage/push"
	"borne/provisioning/collector"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := collector.Main(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCLIKiosks(t *testing.T) {
	dsn := pgtest.DSN(t)
	key, _ := push.NewKey()
	t.Setenv(collector.DSNEnv, dsn)
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"kiosk", "add", "--id", "k1", "--territory", "dep-93", "--site", "caf-bobigny", "--key-sha256", push.KeyHash(key)}, 0, "kiosk k1 registered"},
		{[]string{"kiosk", "add", "--id", "K 1", "--territory", "dep-93", "--site", "caf", "--key-sha256", push.KeyHash(key)}, 1, "kiosk id"},
		{[]string{"kiosk", "add", "--id", "k2", "--territory", "dep-93", "--site", "caf", "--key-sha256", "abc"}, 1, "64 lowercase hex"},
		{[]string{"kiosk", "list"}, 0, "k1  dep-93     caf-bobigny  active  never"},
		{[]string{"kiosk", "revoke", "--id", "k1"}, 0, "kiosk k1 revoked"},
		{[]string{"kiosk", "revoke", "--id", "k1"}, 1, "already revoked"},
		{[]string{"kiosk", "list"}, 0, "revoked"},
		{[]string{"purge", "--retention-months", "30"}, 1, "want 1 to 25"},
		{[]string{"serve"}, 1, "--tls-cert"},
		{[]string{"report", "--period", "month", "--at", "2026-11"}, 0, "period,territory,by,unit,dimension,value,count,suppressed"},
		{[]string{"report", "--period", "quarter", "--at", "2026-Q4", "--format", "html"}, 0, "4e trimestre 2026"},
		{[]string{"report", "--period", "week", "--at", "2026-11"}, 1, "want month, quarter or year"},
		{[]string{"report", "--period", "quarter", "--at", "2026-Q5"}, 1, "want YYYY-QN"},
		{[]string{"report", "--at", "2026-11", "--by", "street"}, 1, "want territory, site or kiosk"},
		{[]string{"nonsense"}, 2, "usage: collector"},
	} {
		code, out, errOut := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.out) {
			t.Errorf("collector %v: %d\n%s%s\nwant %d and %q", tc.args, code, out, errOut, tc.code, tc.out)
		}
	}
	t.Setenv(collector.DSNEnv, "")
	if code, _, errOut := runCLI(t, "kiosk", "list"); code != 1 || !strings.Contains(errOut, collector.DSNEnv) {
		t.Errorf("no database: %d %s", code, errOut)
	}
}
