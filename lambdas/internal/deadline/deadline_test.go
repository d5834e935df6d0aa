package deadline

import (
	"context"
	"testing"
	"time"
)

func TestBudget(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	if got := Budget(context.Background(), now, 300*time.Millisecond, 4*time.Second); got != 4*time.Second {
		t.Errorf("no deadline: %v", got)
	}
	ctx, cancel := context.WithDeadline(context.Background(), now.Add(2*time.Second))
	defer cancel()
	if got := Budget(ctx, now, 300*time.Millisecond, 4*time.Second); got != 1700*time.Millisecond {
		t.Errorf("2 s left: %v", got)
	}
	if got := Budget(ctx, now.Add(1900*time.Millisecond), 300*time.Millisecond, 4*time.Second); got != -200*time.Millisecond {
		t.Errorf("inside the margin: %v", got)
	}
	if got := Budget(ctx, now, 500*time.Millisecond, time.Second); got != time.Second {
		t.Errorf("capped: %v", got)
	}
}

func TestContext(t *testing.T) {
	ctx, cancel := Context(context.Background(), 300*time.Millisecond, 4*time.Second)
	defer cancel()
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > 4*time.Second {
		t.Fatal("no cap")
	}
	parent, pc := context.WithTimeout(context.Background(), time.Second)
	defer pc()
	ctx, cancel = Context(parent, 300*time.Millisecond, 4*time.Second)
	defer cancel()
	if d, _ := ctx.Deadline(); time.Until(d) > 700*time.Millisecond {
		t.Fatal("margin not kept")
	}
	again, cancel2 := Context(ctx, 300*time.Millisecond, 4*time.Second)
	defer cancel2()
	if d, _ := again.Deadline(); time.Until(d) > 400*time.Millisecond {
		t.Fatal("applied twice: deadline not shortened")
	}
	short, sc := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer sc()
	ctx, cancel = Context(short, 300*time.Millisecond, 4*time.Second)
	defer cancel()
	if ctx.Err() == nil {
		t.Fatal("budget inside the margin should be spent")
	}
}
