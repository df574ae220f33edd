package kioskctl

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// After a rollback, an older bundle than the newest applied is refused; the
// staff ask for a downgrade with --allow-downgrade, and it is said.
func TestProvisionDowngrade(t *testing.T) {
	_, work, key, src, _ := fleetKiosk(t)
	made := map[string]string{}
	for i, name := range []string{"old", "first", "second"} {
		now = func() time.Time { return time.Date(2026, 11, 2, 9+i, 0, 0, 0, time.UTC) }
		made[name] = filepath.Join(work, name+".tar.gz")
		mustRun(t, 0, "provision", "make", "--key", key, "--out", made[name], src)
	}
	tests := []struct {
		args []string
		code int
		says string
	}{
		{[]string{"provision", "apply", made["first"]}, 0, "in force"},
		{[]string{"provision", "apply", made["second"]}, 0, "in force"},
		{[]string{"provision", "rollback"}, 0, "back to"},
		{[]string{"provision", "apply", made["old"]}, 1, "--allow-downgrade"},
		{[]string{"provision", "apply", "--allow-downgrade", made["old"]}, 0, "downgrade asked for"},
	}
	for _, tt := range tests {
		if out := mustRun(t, tt.code, tt.args...); !strings.Contains(out, tt.says) {
			t.Errorf("kioskctl %s: no %q in\n%s", strings.Join(tt.args, " "), tt.says, out)
		}
	}
}
