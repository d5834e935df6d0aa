// Package recordhook is the adapter of the step-up's Recorder port over a
// steprecord.Store: it holds a passed step-up to the user's enrollment,
// enrolls a first-time user when the step-up's policy allows it, and records
// the step-up for the pre token generation guard. It lives beside its port
// (stepup.Recorder) and is wired in the Verify command; it is a package of
// its own so that the guard, which only consumes records, does not link the
// Verify code.
package recordhook

import (
	"context"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

// Store is the part of steprecord.Store the hook uses.
type Store interface {
	RecordEnrolled(ctx context.Context, p steprecord.Pass) (steprecord.Outcome, error)
	EnrollAndRecord(ctx context.Context, p steprecord.Pass) (steprecord.Outcome, error)
}

var _ Store = (*steprecord.Store)(nil)

// Hook is the stepup.Recorder of the deployed Verify.
//
// A warm step-up (the user is enrolled) costs one store call: the record is
// written in a transaction conditioned on the enrollment holding the
// token's issuer and sub. Only when that condition fails does the hook look
// further: a user enrolled with another identity is refused
// (enrollment_mismatch) whatever their email or user name says now; a user
// without enrollment is enrolled with this identity, in one more
// transaction that also writes the record, if Passed.FirstUse allows it,
// and refused with Passed.FirstUse's reason otherwise. Any store failure
// refuses (record_failed): Verify fails closed rather than letting a
// sign-in through that the guard would refuse anyway.
type Hook struct {
	// Store holds enrollments and records.
	Store Store
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

var _ stepup.Recorder = (*Hook)(nil)

// New returns a hook over s.
func New(s Store) *Hook { return &Hook{Store: s} }

// Record implements stepup.Recorder.
func (h *Hook) Record(ctx context.Context, p stepup.Passed) (stepup.Reason, string) {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	pass := steprecord.Pass{
		PoolID:      p.Event.UserPoolID,
		Sub:         p.Event.Request.UserAttributes["sub"],
		ClientID:    p.Event.CallerContext.ClientID,
		BindingHash: p.BindingHash,
		Identity:    p.Identity,
		At:          now(),
	}
	o, err := h.Store.RecordEnrolled(ctx, pass)
	if steprecord.IsRetry(err) {
		o, err = h.Store.RecordEnrolled(ctx, pass)
	}
	if err != nil {
		return stepup.ReasonRecordFailed, ""
	}
	switch o {
	case steprecord.Recorded:
		return stepup.ReasonOK, o.String()
	case steprecord.Mismatch:
		return stepup.ReasonEnrollmentMismatch, o.String()
	case steprecord.NotEnrolled:
	default:
		return stepup.ReasonRecordFailed, ""
	}
	if p.FirstUse != stepup.ReasonOK {
		return p.FirstUse, steprecord.NotEnrolled.String()
	}
	o, err = h.Store.EnrollAndRecord(ctx, pass)
	if steprecord.IsRetry(err) {
		// A racing first step-up of the same identity enrolled it first.
		o, err = h.Store.RecordEnrolled(ctx, pass)
	}
	switch {
	case err != nil:
		return stepup.ReasonRecordFailed, ""
	case o == steprecord.Enrolled || o == steprecord.Recorded:
		return stepup.ReasonOK, o.String()
	case o == steprecord.Mismatch:
		return stepup.ReasonEnrollmentMismatch, o.String()
	}
	return stepup.ReasonRecordFailed, ""
}
