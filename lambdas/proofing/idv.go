// Package proofing is identity proofing at sign-up (NIST SP 800-63-3 IAL2
// through a document + liveness verification provider such as 1Kosmos
// BlockID IDV). Three handlers share it:
//
//   - Behaviour, the pre sign-up behaviour contract.BehaviourProofing: on
//     PreSignUp_SignUp it requires the client's handle hash
//     (contract.ProofingHandleKey), starts a provider session and stores it
//     (Store); it never auto-confirms or auto-verifies, and any error
//     refuses the sign-up.
//   - SessionHandler (POST /proofing/session): gives the session URL to the
//     client that presents the handle whose SHA-256 was stored at sign-up.
//     Unknown user and wrong handle get the same answer.
//   - CallbackHandler (POST /proofing/callback): authenticates the
//     provider's signed notification (HMAC-SHA256, 300 s window, replay
//     refused), asks the provider's API for the result itself, and only
//     when the document matched and liveness passed writes custom:ial and
//     custom:ial_at and confirms the user.
//
// The provider sits behind IDV, so another IDV provider can be plugged in.
package proofing

import (
	"context"
	"errors"
	"time"
)

// IDV is an identity verification provider.
type IDV interface {
	// StartSession starts a document + liveness session for one user.
	StartSession(ctx context.Context, req StartRequest) (Session, error)
	// Result asks the provider for a session's outcome. It returns
	// ErrPending while the user has not finished, ErrUnknownSession when the
	// provider does not know the id and an error wrapping ErrUnavailable
	// when the provider could not answer.
	Result(ctx context.Context, sessionID string) (Result, error)
}

// StartRequest describes the session to start.
type StartRequest struct {
	// PoolID and Username name the Cognito user; they go into the session's
	// metadata so the provider's records can be traced back.
	PoolID   string
	Username string
	// DocumentTypes are contract.IDVDocument* values, in preference order.
	DocumentTypes []string
	// Liveness is a contract.IDVLiveness* mode.
	Liveness string
	// CallbackURL is where the provider announces the session's end.
	CallbackURL string
}

// Session is a started session.
type Session struct {
	// ID is the provider's session id.
	ID string
	// URL is where the user performs the verification. It is a bearer
	// capability: only the user who signed up may obtain it.
	URL string
}

// Result is a finished session's outcome, as the provider's API reports it.
type Result struct {
	// DocumentMatch: the document is genuine and its portrait matches the
	// live face.
	DocumentMatch bool
	// Liveness: the face was a live person.
	Liveness bool
	// Level is the identity assurance level reached ("2" for IAL2).
	Level string
	// CompletedAt is when the provider finished the session.
	CompletedAt time.Time
}

// Provider errors.
var (
	ErrPending        = errors.New("proofing: session not finished")
	ErrUnknownSession = errors.New("proofing: session unknown to the provider")
	ErrUnavailable    = errors.New("proofing: provider unavailable")
)
