package benchui

import (
	"context"
	"strings"
	"testing"
	"time"

	"borne/testbench/bench"
)

func TestDisplaySimulated(t *testing.T) {
	tests := []struct {
		name   string
		mask   uint32
		codes  map[string]string // step → code; "" passes
		detail string
	}{
		{"clean", 0, map[string]string{"colour-bars": "", "contrast-steps": ""}, ""},
		{"no blue", 0xffff00, map[string]string{"colour-bars": "colour-channel", "contrast-steps": ""}, "blue channel missing"},
		{"low bits lost", 0xf0f0f0, map[string]string{"colour-bars": "", "contrast-steps": "steps-merged"}, "near black 0 and near black 5"},
	}
	testWindow(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(t, "display-"+strings.ReplaceAll(tt.name, " ", "-"))
			steps := Display(DisplayOptions{ChannelMask: tt.mask}).Run(context.Background(), env)
			for name, code := range tt.codes {
				st := stepNamed(t, steps, name)
				want := bench.Pass
				if code != "" {
					want = bench.Fail
				}
				if st.Verdict != want || st.Code != code {
					t.Errorf("%s: %s %q (%s), want %s %q", name, st.Verdict, st.Code, st.Detail, want, code)
				}
				if len(st.Evidence) != 1 {
					t.Errorf("%s: evidence %v", name, st.Evidence)
				}
			}
			all := ""
			for _, st := range steps {
				all += st.Detail + "\n"
			}
			if !strings.Contains(all, tt.detail) {
				t.Errorf("details do not say %q:\n%s", tt.detail, all)
			}
			for _, name := range []string{"bars-seen", "steps-seen"} {
				if st := stepNamed(t, steps, name); st.Verdict != bench.Skip {
					t.Errorf("%s without a person: %s", name, st.Verdict)
				}
			}
		})
	}
}

// A person looks at the pattern and answers with the big buttons (XTEST
// taps standing in for the finger).
func TestDisplayGuided(t *testing.T) {
	w := testWindow(t)
	env := testEnv(t, "display-guided")
	env.Guide = &Guide{w}
	p, err := openPointer()
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	done := make(chan []bench.Step, 1)
	go func() { done <- Display(DisplayOptions{}).Run(context.Background(), env) }()
	waitQuestion(t, w, "colour bars")
	screenshot(t, w, "display-guided-bars")
	tapAnswer(t, w, p, 0) // "8"
	waitQuestion(t, w, "grey square")
	screenshot(t, w, "display-guided-steps")
	tapAnswer(t, w, p, 1) // "No, some look the same"
	steps := <-done
	if st := stepNamed(t, steps, "bars-seen"); st.Verdict != bench.Pass {
		t.Errorf("bars-seen: %s %q (%s)", st.Verdict, st.Code, st.Detail)
	}
	if st := stepNamed(t, steps, "steps-seen"); st.Verdict != bench.Fail || st.Code != "steps-merged" {
		t.Errorf("steps-seen: %s %q (%s), want fail steps-merged", st.Verdict, st.Code, st.Detail)
	}
	for _, name := range []string{"colour-bars", "contrast-steps"} {
		if st := stepNamed(t, steps, name); st.Verdict != bench.Pass {
			t.Errorf("%s: %s %q (%s)", name, st.Verdict, st.Code, st.Detail)
		}
	}
}

// Unanswered, a question gives up when its time is up.
func TestAskTimesOut(t *testing.T) {
	w := testWindow(t)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if i, err := (&Guide{w}).Ask(ctx, "Anyone there?", "Yes"); err == nil {
		t.Fatalf("answered %d without a tap", i)
	}
}

// waitQuestion waits until the question on screen says want.
func waitQuestion(t testing.TB, w *window, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var q string
		onUI(func() {
			if w.ask.GetMapped() {
				q, _ = w.question.GetText()
			}
		})
		if strings.Contains(q, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("question %q never showed (showing %q)", want, q)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
