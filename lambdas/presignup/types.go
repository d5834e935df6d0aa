package presignup

import "github.com/cognitobridge/cognitobridge/lambdas/internal/cognitoevent"

// Pre sign-up trigger sources (Cognito developer guide, "Pre sign-up
// Lambda trigger").
const (
	// TriggerSignUp is a self-service sign-up (SignUp API, hosted UI form).
	TriggerSignUp = "PreSignUp_SignUp"
	// TriggerAdminCreateUser is AdminCreateUser.
	TriggerAdminCreateUser = "PreSignUp_AdminCreateUser"
	// TriggerExternalProvider is the first sign-in of a federated user
	// (OIDC, SAML or social provider), before Cognito creates its profile.
	TriggerExternalProvider = "PreSignUp_ExternalProvider"
)

// CallerContext is the callerContext object of a Cognito trigger event.
type CallerContext = cognitoevent.CallerContext

// Header holds the fields common to every Cognito trigger event.
type Header = cognitoevent.Header

// Request is the request object of a pre sign-up event.
type Request struct {
	// UserAttributes are the attributes of the new user; for
	// TriggerExternalProvider they are the provider's, after the pool's
	// attribute mapping.
	UserAttributes map[string]string `json:"userAttributes"`
	// ValidationData is what the client sent with SignUp; never trusted.
	ValidationData map[string]string `json:"validationData,omitempty"`
	// ClientMetadata is what the client passed; never trusted.
	ClientMetadata map[string]string `json:"clientMetadata,omitempty"`
}

// Response is the response object of a pre sign-up event.
type Response struct {
	// AutoConfirmUser confirms the user without a code.
	AutoConfirmUser bool `json:"autoConfirmUser"`
	// AutoVerifyEmail marks the email verified.
	AutoVerifyEmail bool `json:"autoVerifyEmail"`
	// AutoVerifyPhone marks the phone number verified.
	AutoVerifyPhone bool `json:"autoVerifyPhone"`
}

// Event is a whole pre sign-up trigger event, as Cognito sends it and
// expects it back.
type Event struct {
	// Header is the common part: Version is "1", TriggerSource one of the
	// Trigger* constants (or a newer one); UserName is the new user's name,
	// for TriggerExternalProvider "<providerName>_<subject>", and is logged
	// only as a hash.
	Header
	// Request is the request part.
	Request Request `json:"request"`
	// Response is filled by the behaviours.
	Response Response `json:"response"`
}
