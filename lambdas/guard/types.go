package guard

import "encoding/json"

// CallerContext is the callerContext object of a Cognito trigger event.
type CallerContext struct {
	// AWSSDKVersion is the SDK version of the caller.
	AWSSDKVersion string `json:"awsSdkVersion"`
	// ClientID is the app client id.
	ClientID string `json:"clientId"`
}

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

// Response is the response object: the field of the event's version, null
// (no changes) or, for a version 2/3 step-up sign-in, a marshalled
// ClaimsAndScopeOverrideDetails with the step-up claims.
type Response struct {
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
}

// Event is a whole Pre Token Generation trigger event.
type Event struct {
	// Version is the trigger event version: "1", "2" or "3".
	Version string `json:"version"`
	// TriggerSource is one of the Trigger* constants (or a newer one).
	TriggerSource string `json:"triggerSource"`
	// Region is the AWS region of the user pool.
	Region string `json:"region"`
	// UserPoolID is the user pool id; it keys the record with the sub.
	UserPoolID string `json:"userPoolId"`
	// UserName is the Cognito user name (logged only as a hash).
	UserName string `json:"userName"`
	// CallerContext describes the calling app client.
	CallerContext CallerContext `json:"callerContext"`
	// Request is the request part.
	Request Request `json:"request"`
	// Response is filled by the handler.
	Response Response `json:"response"`
}
