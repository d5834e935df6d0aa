// Package verifyhook plugs a steprecord.Store into the Verify handler of
// the step-up as its stepup.PassedHook. It is a separate package so the
// guard, which only consumes records, does not link the Verify code.
package verifyhook

import (
	"context"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

// Recorder is the part of steprecord.Store the hook uses.
type Recorder interface {
	Record(ctx context.Context, poolID, sub, clientID string, at time.Time) error
}

var _ Recorder = (*steprecord.Store)(nil)

// Hook records a passed step-up for the event's user pool, the user's sub
// attribute and the app client (callerContext.clientId) the sign-in runs
// on, so the guard issues tokens only to that client. A failed write (or a
// missing sub or client id) is returned, so Verify fails closed rather than
// letting a sign-in through that the guard would refuse anyway.
type Hook struct {
	// Recorder stores the record.
	Recorder Recorder
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

var _ stepup.PassedHook = (*Hook)(nil)

// New returns a hook writing to r.
func New(r Recorder) *Hook { return &Hook{Recorder: r} }

// OnPassed implements stepup.PassedHook.
func (h *Hook) OnPassed(ctx context.Context, ev stepup.VerifyEvent) error {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	return h.Recorder.Record(ctx, ev.UserPoolID, ev.Request.UserAttributes["sub"], ev.CallerContext.ClientID, now())
}
