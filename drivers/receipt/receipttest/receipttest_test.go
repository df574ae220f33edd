package receipttest

import (
	"context"
	"testing"
	"time"

	"borne/drivers/receipt"
)

func TestConditions(t *testing.T) {
	tests := []struct {
		set    receipt.Code
		status receipt.Code
		print  receipt.Code // "" prints
	}{
		{receipt.OK, receipt.OK, ""},
		{receipt.PaperLow, receipt.PaperLow, ""},
		{receipt.PaperOut, receipt.PaperOut, receipt.PaperOut},
		{receipt.CoverOpen, receipt.CoverOpen, receipt.CoverOpen},
		{receipt.Offline, receipt.Offline, receipt.Offline},
		{receipt.Failure, receipt.Failure, receipt.Failure},
		{receipt.NoReply, receipt.NoReply, receipt.NoReply},
		{receipt.Unreachable, receipt.NoReply, receipt.Unreachable},
		{receipt.Interrupted, receipt.OK, receipt.Interrupted},
	}
	ctx := context.Background()
	for _, tt := range tests {
		p := New()
		p.Set(tt.set)
		s, _ := p.Status(ctx)
		err := p.Print(ctx, &receipt.Doc{})
		got := receipt.Code("")
		if err != nil {
			got = receipt.CodeOf(err)
		}
		if s.Code() != tt.status || got != tt.print || (err == nil) != (len(p.Printed()) == 1) {
			t.Errorf("%s: status %s, print %q, %d printed; want %s, %q", tt.set, s.Code(), got, len(p.Printed()), tt.status, tt.print)
		}
	}
}

func TestDelayHonoursContext(t *testing.T) {
	p := New()
	p.SetDelay(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := p.Print(ctx, &receipt.Doc{}); receipt.CodeOf(err) != receipt.Interrupted {
		t.Fatalf("err = %v", err)
	}
}
