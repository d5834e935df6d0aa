package guard

import "github.com/cognitobridge/cognitobridge/lambdas/pretokengen"

// The event types are the pool's pre token generation function's
// (package pretokengen), of which the guard is one behaviour.
type (
	// Event is a whole Pre Token Generation trigger event.
	Event = pretokengen.Event
	// Header holds the fields common to every Cognito trigger event.
	Header = pretokengen.Header
	// CallerContext is the callerContext object of a Cognito trigger event.
	CallerContext = pretokengen.CallerContext
	// Request is the request part of the event.
	Request = pretokengen.Request
	// Response is the response part of the event.
	Response = pretokengen.EventResponse
	// ClaimsAndScopeOverrideDetails is the version 2/3 override object.
	ClaimsAndScopeOverrideDetails = pretokengen.ClaimsAndScopeOverrideDetails
	// TokenGeneration is idTokenGeneration or accessTokenGeneration.
	TokenGeneration = pretokengen.TokenGeneration
	// GroupConfiguration is the user's groups and roles.
	GroupConfiguration = pretokengen.GroupConfiguration
)
