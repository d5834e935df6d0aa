// Package deadline bounds the upstream calls of one invocation: each
// handler allows itself at most a budget from now, and always keeps a
// margin back from the Lambda deadline so that it can still answer (and
// log) before the function times out. The budgets and margins are the
// handlers' own; only the arithmetic lives here.
package deadline

import (
	"context"
	"time"
)

// Budget returns the time a call may take at now: min(limit, the deadline of
// ctx − margin − now). Without a deadline it is limit. The result is zero or
// negative when the margin is already reached.
func Budget(ctx context.Context, now time.Time, margin, limit time.Duration) time.Duration {
	budget := limit
	if d, ok := ctx.Deadline(); ok {
		if left := d.Sub(now) - margin; left < budget {
			budget = left
		}
	}
	return budget
}

// Context returns ctx bounded by min(its deadline − margin, now + limit).
// When the margin is already reached the returned context is done. Applying
// it twice only shortens the deadline.
func Context(ctx context.Context, margin, limit time.Duration) (context.Context, context.CancelFunc) {
	budget := Budget(ctx, time.Now(), margin, limit)
	if budget < 0 {
		budget = 0
	}
	return context.WithTimeout(ctx, budget)
}
