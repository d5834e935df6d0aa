package pretokengen

import (
	"encoding/json"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/cognitoevent"
)

// CallerContext is the callerContext object of a Cognito trigger event.
type CallerContext = cognitoevent.CallerContext

// Header holds the fields common to every Cognito trigger event.
type Header = cognitoevent.Header

// GroupConfiguration is the user's groups and roles as Cognito sends them.
type GroupConfiguration struct {
	GroupsToOverride   []string `json:"groupsToOverride"`
	IAMRolesToOverride []string `json:"iamRolesToOverride"`
	PreferredRole      *string  `json:"preferredRole"`
}

// Request is the request object of a Pre Token Generation event (versions
// 1, 2 and 3; Scopes only from version 2).
type Request struct {
	// UserAttributes are the user's attributes; "sub" keys the record.
	UserAttributes map[string]string `json:"userAttributes"`
	// GroupConfiguration is passed through untouched.
	GroupConfiguration GroupConfiguration `json:"groupConfiguration"`
	// ClientMetadata is what the client passed; never trusted here.
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
	// Scopes are the access token scopes (version 2 and later).
	Scopes []string `json:"scopes,omitempty"`
}

// EventResponse is the response object: the field of the event's version, null
// (no changes) or, for a version 2/3 step-up sign-in, a marshalled
// ClaimsAndScopeOverrideDetails with the step-up claims.
type EventResponse struct {
	// ClaimsOverrideDetails is the version 1 override (always null).
	ClaimsOverrideDetails json.RawMessage `json:"claimsOverrideDetails,omitempty"`
	// ClaimsAndScopeOverrideDetails is the version 2/3 override.
	ClaimsAndScopeOverrideDetails json.RawMessage `json:"claimsAndScopeOverrideDetails,omitempty"`
}

// ClaimsAndScopeOverrideDetails is the version 2/3 override object (only the
// parts the guard uses).
type ClaimsAndScopeOverrideDetails struct {
	// IDTokenGeneration changes the ID token.
	IDTokenGeneration *TokenGeneration `json:"idTokenGeneration,omitempty"`
	// AccessTokenGeneration changes the access token.
	AccessTokenGeneration *TokenGeneration `json:"accessTokenGeneration,omitempty"`
}

// TokenGeneration is idTokenGeneration or accessTokenGeneration.
type TokenGeneration struct {
	// ClaimsToAddOrOverride are claims added to the token; version 2/3
	// values may be strings, numbers, booleans, arrays or objects.
	ClaimsToAddOrOverride map[string]any `json:"claimsToAddOrOverride,omitempty"`
	// ClaimsToSuppress are claims removed from the token.
	ClaimsToSuppress []string `json:"claimsToSuppress,omitempty"`
}

// Event is a whole Pre Token Generation trigger event.
type Event struct {
	// Header is the common part: Version is "1", "2" or "3", TriggerSource
	// one of the Trigger* constants (or a newer one), UserPoolID keys the
	// record with the sub, UserName is logged only as a hash.
	Header
	// Request is the request part.
	Request Request `json:"request"`
	// Response is filled by the handler.
	Response EventResponse `json:"response"`
}
