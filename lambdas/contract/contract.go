// Package contract holds the names that the CDK constructs and the Lambda
// handlers must agree on: environment variable keys, challenge parameter
// names, the shape of the provider secret and the client's answer.
//
// It is the only package both sides import, so a construct never reaches
// into a handler's internals and a renamed key breaks the build, not a
// deployed sign-in.
package contract

// Environment variable keys read by the step-up trigger handlers. Values are
// configuration only: no secret is ever passed through the environment.
const (
	// EnvSecretARN is the ARN of the Secrets Manager secret holding the
	// provider credentials (see ProviderSecret).
	EnvSecretARN = "COGNITOBRIDGE_SECRET_ARN"
	// EnvProvider selects how endpoints are resolved: ProviderBlockID or
	// ProviderOIDC.
	EnvProvider = "COGNITOBRIDGE_PROVIDER"
	// EnvIssuer is the OIDC issuer URL. For ProviderBlockID it may be empty,
	// in which case it is derived from the secret's tenantDns and community.
	EnvIssuer = "COGNITOBRIDGE_ISSUER"
	// EnvAuthorizeURL, EnvTokenURL and EnvJWKSURL, when all three are set,
	// replace OIDC discovery.
	EnvAuthorizeURL = "COGNITOBRIDGE_AUTHORIZE_URL"
	EnvTokenURL     = "COGNITOBRIDGE_TOKEN_URL"
	EnvJWKSURL      = "COGNITOBRIDGE_JWKS_URL"
	// EnvClientID is the provider's OIDC client id. Optional when the secret
	// carries clientId (the BlockID template style); the secret wins.
	EnvClientID = "COGNITOBRIDGE_CLIENT_ID"
	// EnvRedirectURI is the redirect URI registered at the provider.
	// For ProviderBlockID it may be empty: https://{tenantDns}/admin/{community}/post_stepup.
	EnvRedirectURI = "COGNITOBRIDGE_REDIRECT_URI"
	// EnvScopes is a space separated scope list. Default: "openid".
	EnvScopes = "COGNITOBRIDGE_SCOPES"
	// EnvACRValues is a JSON array of acr values to request, e.g.
	// ["liveID push","otp sms"] (acr values may contain spaces, hence JSON).
	EnvACRValues = "COGNITOBRIDGE_ACR_VALUES"
	// EnvRequiredACR is a JSON array; when non-empty the ID token's acr claim
	// must be one of its entries.
	EnvRequiredACR = "COGNITOBRIDGE_REQUIRED_ACR"
	// EnvBindClaim is the ID token claim that names the person.
	// Default: "username" for ProviderBlockID, "email" otherwise.
	EnvBindClaim = "COGNITOBRIDGE_BIND_CLAIM"
	// EnvBindAttribute is the Cognito user attribute the claim must match;
	// BindAttributeUsername means the Cognito user name itself.
	// Default: BindAttributeUsername for ProviderBlockID, "email" otherwise.
	EnvBindAttribute = "COGNITOBRIDGE_BIND_ATTRIBUTE"
	// EnvBindMode is BindModeExact or BindModeEmail. Default: BindModeEmail
	// when the attribute is "email", BindModeExact otherwise.
	EnvBindMode = "COGNITOBRIDGE_BIND_MODE"
	// EnvTokenAuthMethod is TokenAuthBasic (default) or TokenAuthPost.
	EnvTokenAuthMethod = "COGNITOBRIDGE_TOKEN_AUTH_METHOD"
	// EnvIDTokenAlgs is a comma separated list of accepted ID token signing
	// algorithms. Default: "RS256,ES256,PS256".
	EnvIDTokenAlgs = "COGNITOBRIDGE_ID_TOKEN_ALGS"
	// EnvSecretTTLSeconds is how long a fetched secret is reused. Default: 300.
	EnvSecretTTLSeconds = "COGNITOBRIDGE_SECRET_TTL_SECONDS"
	// EnvMaxAttempts caps the custom challenge answers per sign-in (Define).
	// Default: 3.
	EnvMaxAttempts = "COGNITOBRIDGE_MAX_ATTEMPTS"
	// EnvAllowPasswordless lets Define start with the custom challenge when
	// the client did not begin with SRP_A. Default: "false".
	EnvAllowPasswordless = "COGNITOBRIDGE_ALLOW_PASSWORDLESS"
	// EnvBudgetMillis is the time a handler allows itself for upstream calls.
	// Default: 4000 (Cognito gives a trigger 5 s, fixed).
	EnvBudgetMillis = "COGNITOBRIDGE_BUDGET_MILLIS"
	// EnvStepUpTable names the DynamoDB table where Verify records a passed
	// step-up and the pre token generation guard consumes it. Empty turns
	// the record (and so the guard) off.
	EnvStepUpTable = "COGNITOBRIDGE_STEPUP_TABLE"
	// EnvStepUpWindowSeconds is how old a step-up record may be when the
	// guard consumes it. Default: 60.
	EnvStepUpWindowSeconds = "COGNITOBRIDGE_STEPUP_WINDOW_SECONDS"
)

// Step-up record table layout, shared by Verify (writes), the guard
// (consumes) and the construct (creates the table).
const (
	// RecordPartitionKey is the table's string partition key:
	// "<userPoolId>#<sub>".
	RecordPartitionKey = "pk"
	// RecordPassedAt is the epoch milliseconds of the passed step-up (number).
	RecordPassedAt = "passedAt"
	// RecordClientID is the app client id (the Verify event's
	// callerContext.clientId) the step-up passed on (string); the guard
	// issues tokens only to the same client.
	RecordClientID = "clientId"
	// RecordExpiresAt is the DynamoDB TTL attribute, epoch seconds (number).
	RecordExpiresAt = "expiresAt"
)

// Provider kinds for EnvProvider.
const (
	ProviderBlockID = "blockid"
	ProviderOIDC    = "oidc"
)

// Binding values.
const (
	BindAttributeUsername = "cognito:username"
	BindModeExact         = "exact"
	BindModeEmail         = "email"
)

// Token endpoint client authentication methods.
const (
	TokenAuthBasic = "client_secret_basic"
	TokenAuthPost  = "client_secret_post"
)

// ChallengeMetadata marks the custom challenge of this project in the Define
// session, so Define never counts someone else's challenge as a step-up.
const ChallengeMetadata = "COGNITOBRIDGE_OIDC_STEPUP"

// Public challenge parameters (sent to the client by Cognito).
const (
	PublicAuthorizeURL = "authorizeUrl"
	PublicProvider     = "provider"
	PublicClientID     = "clientId"
	PublicState        = "state"
	PublicTenantDNS    = "tenantDns"
	PublicCommunity    = "community"
	PublicACR          = "acr"
)

// Private challenge parameters (kept by Cognito, handed to Verify only).
const (
	PrivateState        = "state"
	PrivateNonce        = "nonce"
	PrivateCodeVerifier = "codeVerifier"
)

// MaxAnswerBytes caps the challenge answer Verify will parse.
const MaxAnswerBytes = 4096

// Answer is what the client sends as the custom challenge answer, as JSON.
type Answer struct {
	Code  string `json:"code"`
	State string `json:"state"`
}

// ProviderSecret is the JSON stored in the Secrets Manager secret. Only
// ClientSecret is required; the other fields let a BlockID tenant keep its
// whole configuration out of the template, as its own template does.
type ProviderSecret struct {
	ClientSecret string `json:"clientSecret"`
	ClientID     string `json:"clientId,omitempty"`
	TenantDNS    string `json:"tenantDns,omitempty"`
	Community    string `json:"community,omitempty"`
}

// JSON keys of ProviderSecret, for the construct that builds the secret.
const (
	SecretKeyClientSecret = "clientSecret"
	SecretKeyClientID     = "clientId"
	SecretKeyTenantDNS    = "tenantDns"
	SecretKeyCommunity    = "community"
)

// Pre sign-up trigger (issue 3): one handler per pool composes behaviours.
const (
	// EnvPreSignUpBehaviours is a comma separated list of behaviour names
	// (e.g. BehaviourLinking); the order is the execution order. Unknown
	// names fail the handler at start.
	EnvPreSignUpBehaviours = "COGNITOBRIDGE_PRESIGNUP_BEHAVIOURS"
	// BehaviourLinking links a federated sign-up to the one native user
	// with the same verified email.
	BehaviourLinking = "linking"
	// EnvLinkProviders is a JSON array of the user pool's identity provider
	// names (as configured in the pool, 1..32 characters) whose users may be
	// linked, e.g. ["Google","corp_oidc"].
	EnvLinkProviders = "COGNITOBRIDGE_LINK_PROVIDERS"
	// EnvLinkMaxIdentities caps the identities already linked to a native
	// user before linking is refused. Default: DefaultLinkMaxIdentities.
	EnvLinkMaxIdentities = "COGNITOBRIDGE_LINK_MAX_IDENTITIES"
)

// DefaultLinkMaxIdentities is Cognito's documented limit ("The maximum
// number of federated identities linked to a user is five",
// AdminLinkProviderForUser API reference).
const DefaultLinkMaxIdentities = 5
