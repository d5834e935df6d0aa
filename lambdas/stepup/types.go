// Package stepup implements the three Amazon Cognito custom authentication
// triggers (Define, Create, Verify) that add an external OIDC step-up after
// the password: Create sends the browser to the provider with a per-session
// state, nonce and PKCE challenge; Verify exchanges the returned code, checks
// the ID token and binds it to the Cognito user; Define enforces the order
// SRP_A, PASSWORD_VERIFIER, CUSTOM_CHALLENGE and caps attempts.
//
// Every handler fails closed, never panics out, and logs one JSON line with a
// reason code per decision, without tokens, codes, secrets or answers.
package stepup

import (
	"encoding/json"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/cognitoevent"
)

// Cognito challenge names used in the session.
const (
	ChallengeSRPA             = "SRP_A"
	ChallengePasswordVerifier = "PASSWORD_VERIFIER"
	ChallengeCustom           = "CUSTOM_CHALLENGE"
)

// CallerContext is the callerContext object of a Cognito trigger event.
type CallerContext = cognitoevent.CallerContext

// Header holds the fields common to every Cognito trigger event.
type Header = cognitoevent.Header

// ChallengeResult is one entry of the session array Cognito passes to the
// custom authentication triggers.
type ChallengeResult struct {
	// ChallengeName is SRP_A, PASSWORD_VERIFIER, CUSTOM_CHALLENGE, ...
	ChallengeName string `json:"challengeName"`
	// ChallengeResult is true when the challenge was answered correctly.
	ChallengeResult bool `json:"challengeResult"`
	// ChallengeMetadata is what Create set for a custom challenge.
	ChallengeMetadata string `json:"challengeMetadata,omitempty"`
}

// DefineRequest is the request object of a DefineAuthChallenge event.
type DefineRequest struct {
	// UserAttributes are the user's attributes (empty for unknown users).
	UserAttributes map[string]string `json:"userAttributes"`
	// Session lists the challenges answered so far, oldest first.
	Session []ChallengeResult `json:"session"`
	// ClientMetadata is what the client passed; never trusted here.
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
	// UserNotFound is true when the user does not exist and the pool
	// hides that fact (PreventUserExistenceErrors).
	UserNotFound bool `json:"userNotFound"`
}

// DefineResponse is the response object of a DefineAuthChallenge event.
type DefineResponse struct {
	// ChallengeName is the next challenge, empty when failing or issuing.
	ChallengeName string `json:"challengeName"`
	// IssueTokens ends the sign-in successfully.
	IssueTokens bool `json:"issueTokens"`
	// FailAuthentication ends the sign-in with a failure.
	FailAuthentication bool `json:"failAuthentication"`
}

// DefineEvent is a whole DefineAuthChallenge trigger event.
type DefineEvent struct {
	Header
	// Request is the request part.
	Request DefineRequest `json:"request"`
	// Response is filled by the handler.
	Response DefineResponse `json:"response"`
}

// CreateRequest is the request object of a CreateAuthChallenge event.
type CreateRequest struct {
	// UserAttributes are the user's attributes (empty for unknown users).
	UserAttributes map[string]string `json:"userAttributes"`
	// ChallengeName is the challenge Define chose; only CUSTOM_CHALLENGE is served.
	ChallengeName string `json:"challengeName"`
	// Session lists the challenges answered so far.
	Session []ChallengeResult `json:"session"`
	// ClientMetadata is what the client passed; never trusted here.
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
	// UserNotFound is true for an unknown user.
	UserNotFound bool `json:"userNotFound"`
}

// CreateResponse is the response object of a CreateAuthChallenge event.
type CreateResponse struct {
	// PublicChallengeParameters are sent to the client.
	PublicChallengeParameters map[string]string `json:"publicChallengeParameters"`
	// PrivateChallengeParameters are kept by Cognito and given to Verify.
	PrivateChallengeParameters map[string]string `json:"privateChallengeParameters"`
	// ChallengeMetadata tags the challenge in later sessions.
	ChallengeMetadata string `json:"challengeMetadata"`
}

// CreateEvent is a whole CreateAuthChallenge trigger event.
type CreateEvent struct {
	Header
	// Request is the request part.
	Request CreateRequest `json:"request"`
	// Response is filled by the handler.
	Response CreateResponse `json:"response"`
}

// VerifyRequest is the request object of a VerifyAuthChallengeResponse event.
type VerifyRequest struct {
	// UserAttributes are the user's attributes (empty for unknown users).
	UserAttributes map[string]string `json:"userAttributes"`
	// PrivateChallengeParameters are what Create stored.
	PrivateChallengeParameters map[string]string `json:"privateChallengeParameters"`
	// ChallengeAnswer is the client's answer exactly as sent (any JSON
	// value); only a JSON string holding a contract.Answer can be correct.
	// Use AnswerJSON to build one.
	ChallengeAnswer json.RawMessage `json:"challengeAnswer"`
	// ClientMetadata is what the client passed; never trusted here.
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
	// UserNotFound is true for an unknown user.
	UserNotFound bool `json:"userNotFound"`
}

// VerifyResponse is the response object of a VerifyAuthChallengeResponse event.
type VerifyResponse struct {
	// AnswerCorrect is true only when every check passed.
	AnswerCorrect bool `json:"answerCorrect"`
}

// VerifyEvent is a whole VerifyAuthChallengeResponse trigger event.
type VerifyEvent struct {
	Header
	// Request is the request part.
	Request VerifyRequest `json:"request"`
	// Response is filled by the handler.
	Response VerifyResponse `json:"response"`
}
