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
//     refused), asks the provider's API for the result itself (encrypted
//     under the shared key, or refused), and only for a confirmed user with
//     a verified email, a live face matching the document, a document the
//     provider found authentic and a document not already used by
//     MaxAccountsPerDocument other accounts writes the assurance
//     (custom:ial, custom:ial_at, custom:ial_email, custom:ial_src).
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
	// DocumentMatch: the document's portrait matches the live face (a face
	// comparison only, nothing about the document itself).
	DocumentMatch bool
	// DocumentAuthentic: the provider's verdict that the document is
	// genuine (for BlockID, its document verification).
	DocumentAuthentic bool
	// Liveness: the face was a live person.
	Liveness bool
	// DocumentType is the contract.IDVDocument* type of the document.
	DocumentType string
	// DocumentNumber is the document's identifying number. It is never
	// stored or logged: the registry keeps a keyed hash of it.
	DocumentNumber string
	// DocumentCountry is the issuing country, when the provider reports it.
	DocumentCountry string
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
	// ErrUnauthenticated: the provider's answer is not encrypted under the
	// shared key (or does not open), so where it came from and whether it
	// was changed cannot be checked.
	ErrUnauthenticated = errors.New("proofing: provider answer not authenticated")
)
