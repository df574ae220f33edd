package scanner

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestDescribe(t *testing.T) {
	for _, p := range problems {
		wrapped := &Error{Op: "scan", Device: "x", Err: fmt.Errorf("%w (SANE status 6)", p.err)}
		if got := Describe(wrapped); got != p.Problem {
			t.Errorf("Describe(%v) = %+v, want %+v", wrapped, got, p.Problem)
		}
		if p.Code == "" || p.Staff == "" || p.StaffFR == "" {
			t.Errorf("%v: incomplete description %+v", p.err, p.Problem)
		}
	}
	tests := []struct {
		err  error
		code string
	}{
		{context.Canceled, "cancelled"},
		{fmt.Errorf("wait: %w", context.DeadlineExceeded), "timeout"},
		{errors.New("something else"), "unknown"},
		{nil, "unknown"},
	}
	for _, tt := range tests {
		if got := Describe(tt.err).Code; got != tt.code {
			t.Errorf("Describe(%v).Code = %q, want %q", tt.err, got, tt.code)
		}
	}
}

// TestStuckBackend: a libsane call that never returns holds the lock, but
// callers give up when their context ends, and all resumes once it returns.
func TestStuckBackend(t *testing.T) {
	stuck := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := call(ctx, func() { <-stuck })
	if !errors.Is(err, ErrTimeout) || time.Since(start) > time.Second {
		t.Fatalf("stuck call: %v after %v, want ErrTimeout at once", err, time.Since(start))
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := call(ctx2, func() {}); !errors.Is(err, ErrCancelled) {
		t.Errorf("call while stuck: %v, want ErrCancelled", err)
	}
	close(stuck)
	ran := false
	if err := call(context.Background(), func() { ran = true }); err != nil || !ran {
		t.Errorf("call after the backend returned: %v, ran %v", err, ran)
	}
}
