package contract

// Account linking trust (issue 8). By default the linking behaviour never
// links by email: a first federated sign-in whose verified email belongs to
// a native user is refused with a message that asks the person to sign in
// with their password and connect the provider from their account (the
// connect capability below). Automatic linking by email is an explicit
// decision of the app owner, per provider.
const (
	// EnvLinkTrustedProviders is a JSON array of provider names, each one of
	// EnvLinkProviders, whose email verification the app owner trusts: only
	// their sign-ups are linked automatically to the native user with the
	// same verified email (never to one with MFA). Default: none.
	EnvLinkTrustedProviders = "COGNITOBRIDGE_LINK_TRUSTED_PROVIDERS"
)

// Connect a provider (issue 8): a signed-in native user links an external
// identity to their own account after logging in at the provider. An HTTP
// API behind the pool's JWT authorizer; POST ConnectStartPath returns the
// provider's authorize URL and keeps state, nonce and PKCE verifier in the
// connect table; POST ConnectCallbackPath takes {code,state}, verifies the
// provider's ID token and calls AdminLinkProviderForUser for the caller.
const (
	ConnectStartPath      = "/connect/start"
	ConnectCallbackPath   = "/connect/callback"
	ConnectDisconnectPath = "/connect/disconnect"

	// EnvConnectUserPoolID is the pool's id (the AdminGetUser and
	// AdminLinkProviderForUser target).
	EnvConnectUserPoolID = "COGNITOBRIDGE_CONNECT_USER_POOL_ID"
	// EnvConnectProviderName is the identity provider's name in the pool
	// (SourceUser.ProviderName).
	EnvConnectProviderName = "COGNITOBRIDGE_CONNECT_PROVIDER_NAME"
	// EnvConnectTable is the connect table (pending starts and identity
	// owners), partition key RecordPartitionKey, TTL RecordExpiresAt.
	EnvConnectTable = "COGNITOBRIDGE_CONNECT_TABLE"
	// EnvConnectSecretField is the JSON field of the secret (EnvSecretARN)
	// that holds the provider's client secret. Default: SecretKeyClientSecret.
	EnvConnectSecretField = "COGNITOBRIDGE_CONNECT_SECRET_FIELD"
	// EnvConnectStateTTLSeconds is how long a start may be finished.
	// Default: DefaultConnectStateTTLSeconds.
	EnvConnectStateTTLSeconds = "COGNITOBRIDGE_CONNECT_STATE_TTL_SECONDS"
	// EnvConnectMaxAuthAgeSeconds is how recent the caller's Cognito sign-in
	// (the access token's auth_time) must be to start, finish or
	// disconnect. Default: DefaultConnectMaxAuthAgeSeconds.
	EnvConnectMaxAuthAgeSeconds = "COGNITOBRIDGE_CONNECT_MAX_AUTH_AGE_SECONDS"

	// The connect functions also read EnvIssuer, EnvClientID, EnvAuthorizeURL,
	// EnvTokenURL, EnvJWKSURL, EnvRedirectURI, EnvScopes,
	// EnvTokenAuthMethod, EnvIDTokenAlgs, EnvSecretARN,
	// EnvSecretTTLSeconds, EnvAuthTimeSkewSeconds (the provider), and
	// EnvTokenIssuer, EnvTokenClientID (the Cognito access token the JWT
	// authorizer accepted) and EnvLinkMaxIdentities.
)

// Defaults of the connect capability.
const (
	DefaultConnectStateTTLSeconds   = 600
	DefaultConnectMaxAuthAgeSeconds = 900
)

// Connect table layout (partition key RecordPartitionKey, TTL
// RecordExpiresAt).
const (
	// ConnectPendingPrefix + lower-case hex SHA-256 of the state: one
	// pending start, consumed by the first callback that names its state.
	ConnectPendingPrefix = "connect#"
	// ConnectOwnerPrefix + "<provider>#<provider sub>": the Cognito user an
	// identity was connected to (no TTL).
	ConnectOwnerPrefix = "connect-owner#"
)
