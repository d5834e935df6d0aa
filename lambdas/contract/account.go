package contract

// Issue 14: connecting a provider proves more than the password, every
// connect and disconnect is announced, and a linked provider cannot rewrite
// what the pool trusts. Shared by constructs/connect, constructs/federation,
// constructs/linking, lambdas/connect and lambdas/linking.

// What a connect must prove besides the recent password sign-in (any one
// of the configured proofs passes; see constructs/connect.ConnectProps.Proofs).
const (
	// EnvConnectProofs is a comma separated list of ConnectProof* names.
	// Default: DefaultConnectProofs.
	EnvConnectProofs = "COGNITOBRIDGE_CONNECT_PROOFS"

	// ConnectProofEmail: the provider's ID token has email_verified true and
	// an email equal (ASCII case-insensitive) to the account's email, which
	// is verified.
	ConnectProofEmail = "email"
	// ConnectProofPhone: the same with phone_number / phone_number_verified
	// (only when the provider's ID token carries them).
	ConnectProofPhone = "phone"
	// ConnectProofStepUp: the caller's access token carries ClaimStepUpAt no
	// older than the connect window (the step-up of this sign-in).
	ConnectProofStepUp = "stepup"
	// ConnectProofMFA: Cognito MFA is enabled for the account
	// (AdminGetUser: UserMFASettingList, PreferredMfaSetting or MFAOptions),
	// so its sign-in asked for the second factor.
	ConnectProofMFA = "mfa"
	// DefaultConnectProofs: the verified email or phone matches, or the
	// sign-in passed a second factor.
	DefaultConnectProofs = ConnectProofEmail + "," + ConnectProofPhone + "," + ConnectProofStepUp + "," + ConnectProofMFA
)

// ConnectProofs are the known proof names, in their documented order.
var ConnectProofs = []string{ConnectProofEmail, ConnectProofPhone, ConnectProofStepUp, ConnectProofMFA}

// Account events: every connect and disconnect is sent to EventBridge
// (PutEvents on the default bus), so the app can tell the user "a provider
// was connected to your account". The detail never holds an email, a
// token, a user name or a provider subject.
const (
	// EventSource is the Source of every event this project sends.
	EventSource = "cognitobridge"
	// EventBusDefault is the bus the events go to.
	EventBusDefault = "default"
	// EventProviderConnected and EventProviderDisconnected are the
	// DetailType values.
	EventProviderConnected    = "Provider connected"
	EventProviderDisconnected = "Provider disconnected"
)

// AccountEvent is the Detail (JSON) of an account event.
type AccountEvent struct {
	// Action is "connected" or "disconnected".
	Action string `json:"action"`
	// UserPoolID is the pool's id.
	UserPoolID string `json:"userPoolId"`
	// User is the keyed reference of the user (lambdas/internal/logref:
	// HMAC-SHA256 of pool id and user name under the deployment's log
	// reference key), the same value as the "user" field of the handlers'
	// log lines.
	User string `json:"user"`
	// Provider is the identity provider's name in the pool.
	Provider string `json:"provider"`
}

// Attributes the pool trusts: a provider that can be linked to a native
// user (pre sign-up linking or connect) maps nothing into them, since
// Cognito re-applies a provider's mapping at every sign-in through it,
// linked users included (REPORTED: amplify-js issue 7300;
// aws-solutions-library-samples/accelerated-intelligent-document-processing-on-aws
// issue 835 and PR 840).
var TrustedAttributes = []string{"email", "email_verified", "phone_number", "phone_number_verified", AttrIAL}

// The custom attributes a linkable provider maps its identity into instead:
// nothing trusts them (the hosted sign-in client must be able to write
// them). A federated-only user's ID token carries them (the provider's
// word); lambdas/linking reads AttrIdPEmail when a provider maps no email.
const (
	AttrIdPEmail         = "custom:idp_email"
	AttrIdPEmailVerified = "custom:idp_email_verified"
	AttrIdPPhone         = "custom:idp_phone"
	AttrIdPPhoneVerified = "custom:idp_phone_verified"
)
