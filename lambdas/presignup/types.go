package presignup

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
type CallerContext struct {
	// AWSSDKVersion is the SDK version of the caller.
	AWSSDKVersion string `json:"awsSdkVersion"`
	// ClientID is the app client id.
	ClientID string `json:"clientId"`
}

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
	// Version is the trigger event version ("1").
	Version string `json:"version"`
	// TriggerSource is one of the Trigger* constants (or a newer one).
	TriggerSource string `json:"triggerSource"`
	// Region is the AWS region of the user pool.
	Region string `json:"region"`
	// UserPoolID is the user pool id.
	UserPoolID string `json:"userPoolId"`
	// UserName is the new user's name; for TriggerExternalProvider it is
	// "<providerName>_<subject>". Logged only as a hash.
	UserName string `json:"userName"`
	// CallerContext describes the calling app client.
	CallerContext CallerContext `json:"callerContext"`
	// Request is the request part.
	Request Request `json:"request"`
	// Response is filled by the behaviours.
	Response Response `json:"response"`
}
