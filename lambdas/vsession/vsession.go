// Package vsession is the provider side of the verification-session
// step-up: a step-up that is not an OIDC redirect but a session at the
// provider's API (BlockID LiveID: a face match with liveness). The backend
// starts a session for the user's enrolled provider identity, the browser
// opens the session's URL, and the backend later fetches the session's
// result itself.
//
// Every implementation bounds what it reads, decodes strictly, uses the
// caller's *http.Client and honours the caller's context deadline. Errors
// never carry a credential or a response body.
package vsession

import (
	"context"
	"errors"
	"time"
)

// Provider starts verification sessions and fetches their results.
type Provider interface {
	// Start opens a session for req.Subject, the provider identity the
	// Cognito user is enrolled with.
	Start(ctx context.Context, req StartRequest) (Session, error)
	// Result fetches the session's current result, server side.
	Result(ctx context.Context, id string) (Result, error)
}

// StartRequest is what a session is started for.
type StartRequest struct {
	// Subject is the enrolled provider subject (for BlockID, its user id).
	Subject string
	// Reason is the reason code shown to and recorded by the provider
	// (contract.ValidStepUpReason).
	Reason string
	// Timeout is how long the session may stay open at the provider.
	Timeout time.Duration
}

// Session is a started session. ID is secret to the backend; only URL goes
// to the browser.
type Session struct {
	ID  string
	URL string
}

// Status is a session's state at the provider.
type Status string

// Session states.
const (
	// StatusPending: the person has not finished (or not started).
	StatusPending Status = "pending"
	// StatusCompleted: the person finished; MatchResult and
	// LivenessVerified say how it went.
	StatusCompleted Status = "completed"
	// StatusExpired: the session's timeout passed before completion.
	StatusExpired Status = "expired"
	// StatusFailed: the session ended without a result (declined,
	// aborted, or a provider-side failure).
	StatusFailed Status = "failed"
)

// Result is a session's result as the provider reports it.
type Result struct {
	// ID is the session id the provider answered for.
	ID string
	// Status is the session's state.
	Status Status
	// Subject is the provider identity the session ran for.
	Subject string
	// MatchResult: the live face matched the subject's enrolled face.
	MatchResult bool
	// LivenessVerified: the face was a live person, not a replay.
	LivenessVerified bool
	// CompletedAt is when the session completed; zero unless completed.
	CompletedAt time.Time
	// ExpiresAt is when the session (and its result) expires at the
	// provider; zero when the provider does not say.
	ExpiresAt time.Time
}

// Errors of a Provider. Each wraps the underlying cause (a context error
// included, so callers can tell a deadline from an outage).
var (
	// ErrUnavailable: the provider could not be reached, timed out, or
	// answered 5xx or 429.
	ErrUnavailable = errors.New("vsession: provider unavailable")
	// ErrMalformed: the provider's answer is not the expected JSON, or is
	// larger than the cap.
	ErrMalformed = errors.New("vsession: malformed provider answer")
	// ErrUnknownSession: the provider does not know the session id.
	ErrUnknownSession = errors.New("vsession: unknown session")
	// ErrRefused: the provider refused the request (a 4xx other than
	// the credential and unknown-session ones).
	ErrRefused = errors.New("vsession: provider refused the request")
	// ErrCredentials: the provider refused the credentials, also after
	// one refetch of the secret.
	ErrCredentials = errors.New("vsession: provider refused the credentials")
	// ErrInvalidRequest: the request is unusable before any call (bad
	// subject, reason, timeout or session id).
	ErrInvalidRequest = errors.New("vsession: invalid request")
	// ErrSecretUnavailable: the secret could not be read.
	ErrSecretUnavailable = errors.New("vsession: secret unavailable")
	// ErrSecretInvalid: the secret is not of the expected shape.
	ErrSecretInvalid = errors.New("vsession: secret invalid")
)

// SecretSource yields the raw JSON of the provider secret
// (contract.SessionSecret). *secretcache.Cache satisfies it.
type SecretSource interface {
	// Value returns the secret JSON, possibly cached.
	Value(ctx context.Context) (string, error)
	// Invalidate drops any cached value.
	Invalidate()
}
