package bundle

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The newest bundle ever applied is remembered, across rollbacks and
// restarts: an older one, replayed, is refused unless a downgrade is asked
// for, which is logged.
func TestNoReplayAfterARollback(t *testing.T) {
	s := newSigner(t)
	bundles := map[string]*Bundle{}
	for name, at := range map[string]time.Duration{"b0": -time.Hour, "b1": 0, "b1.5": 30 * time.Minute, "b2": time.Hour, "b3": 2 * time.Hour} {
		dpi := map[string]string{"b0": "100", "b1": "110", "b1.5": "115", "b2": "120", "b3": "130"}[name]
		b, err := Open(s.makeBundle(t, map[string]string{ConfigName: strings.Replace(fleetConfig(t), "dpi = 96", "dpi = "+dpi, 1)}, created.Add(at)), s.trust())
		if err != nil {
			t.Fatal(err)
		}
		bundles[name] = b
	}
	type step struct {
		do      string // "apply", "downgrade" (apply, allowed), "fail" (apply, the kiosk fails on it), "rollback", "damage"
		bundle  string
		refused bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"older than the one in force", []step{{"apply", "b1", false}, {"apply", "b0", true}}},
		{"older, after rolling back the first bundle", []step{{"apply", "b1", false}, {"rollback", "", false}, {"apply", "b0", true}}},
		{"between two, after a rollback", []step{{"apply", "b1", false}, {"apply", "b2", false}, {"rollback", "", false}, {"apply", "b1.5", true}}},
		{"the rolled-back one again", []step{{"apply", "b1", false}, {"apply", "b2", false}, {"rollback", "", false}, {"apply", "b2", false}}},
		{"newer, after a rollback", []step{{"apply", "b1", false}, {"apply", "b2", false}, {"rollback", "", false}, {"apply", "b3", false}}},
		{"older than one the kiosk failed on", []step{{"apply", "b1", false}, {"fail", "b2", true}, {"apply", "b1.5", true}}},
		{"a downgrade asked for", []step{{"apply", "b2", false}, {"rollback", "", false}, {"downgrade", "b1", false}, {"apply", "b3", false}}},
		{"a damaged record opens nothing", []step{{"apply", "b1", false}, {"damage", "", false}, {"apply", "b2", true}, {"downgrade", "b0", false}, {"apply", "b1", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := kioskRoot(t)
			var logs bytes.Buffer
			opt := Options{Root: root, Log: slog.New(slog.NewTextHandler(&logs, nil))}
			for i, st := range tt.steps {
				var err error
				o := opt
				switch st.do {
				case "rollback":
					_, err = Rollback(context.Background(), o)
				case "damage":
					err = os.WriteFile(filepath.Join(root, NewestFile), []byte("{"), 0o644)
				case "fail":
					calls := 0
					o.Restart = func(context.Context) error {
						if calls++; calls == 1 {
							return errors.New("kiosk exited with status 1")
						}
						return nil
					}
					fallthrough
				default:
					o.AllowDowngrade = st.do == "downgrade"
					_, before, _ := Current(root)
					_, err = Apply(context.Background(), bundles[st.bundle], o)
					if _, after, _ := Current(root); st.refused && after != before {
						t.Errorf("step %d: refused, but the bundle in force changed from %q to %q", i, before, after)
					}
				}
				if (err != nil) != st.refused {
					t.Fatalf("step %d (%s %s): %v, want refused %v", i, st.do, st.bundle, err, st.refused)
				}
				if st.refused && st.do == "apply" && !errors.Is(err, ErrOlder) && !strings.Contains(err.Error(), NewestFile) {
					t.Errorf("step %d: %v, want ErrOlder or the damaged record named", i, err)
				}
				if st.do == "downgrade" && !strings.Contains(logs.String(), "downgrade asked for") {
					t.Errorf("step %d: the downgrade is not logged:\n%s", i, logs.String())
				}
			}
		})
	}
}
