// Package contract holds the names that the CDK constructs and the Lambda
// handlers must agree on: environment variable keys, challenge parameter
// names, the shape of the provider secret and the client's answer.
//
// It is the only package both sides import, so a construct never reaches
// into a handler's internals and a renamed key breaks the build, not a
// deployed sign-in.
package contract

import (
	"crypto/sha256"
	"encoding/hex"
)

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
	// step-up and the pre token generation guard consumes it, and where
	// Create counts each user's starts (usercap.go). Empty turns the record
	// (and so the guard) off; Create refuses to start without it.
	EnvStepUpTable = "COGNITOBRIDGE_STEPUP_TABLE"
	// EnvStepUpWindowSeconds is how old a step-up record may be when the
	// guard consumes it. Default: 60.
	EnvStepUpWindowSeconds = "COGNITOBRIDGE_STEPUP_WINDOW_SECONDS"
)

// Step-up binding over time (issue 7): enrollment, one record per sign-in,
// fresh provider authentication.
const (
	// EnvEnrollment chooses how a user's provider identity gets enrolled:
	// EnrollmentFirstUse (default) or EnrollmentAdminOnly.
	EnvEnrollment = "COGNITOBRIDGE_ENROLLMENT"
	// EnvFreshAuth is FreshAuthRequired (default) or FreshAuthOff. Required:
	// the authorize URL carries max_age=0 and prompt=login, and Verify
	// requires the ID token's auth_time to be no earlier than the
	// challenge's creation minus EnvAuthTimeSkewSeconds.
	EnvFreshAuth = "COGNITOBRIDGE_FRESH_AUTH"
	// EnvAuthTimeSkewSeconds is the clock skew allowed between the
	// provider's auth_time and Create's clock. Default: 30; 0..300.
	EnvAuthTimeSkewSeconds = "COGNITOBRIDGE_AUTH_TIME_SKEW_SECONDS"
)

// One real pool, many capabilities (issue 9).
const (
	// EnvPreTokenBehaviours is the comma separated list of behaviours of the
	// pool's one pre token generation function, in execution order.
	EnvPreTokenBehaviours = "COGNITOBRIDGE_PRETOKEN_BEHAVIOURS"
	// BehaviourStepUpGuard is the step-up guard behaviour of pre token
	// generation.
	BehaviourStepUpGuard = "stepup_guard"
	// EnvProtectedClientsParameter names the SSM parameter (a StringList of
	// app client ids) of the clients the step-up protects. The guard reads
	// it at run time because the client ids cannot reach the function's
	// environment without a cycle (pool -> trigger -> client -> pool).
	// Empty: every client of the pool is protected.
	EnvProtectedClientsParameter = "COGNITOBRIDGE_PROTECTED_CLIENTS_PARAMETER"
	// ProtectedCustomAuthOnlyPrefix marks an entry of the protected-clients
	// list that names a client whose only sign-in flow is CUSTOM_AUTH (with
	// refresh): "custom-auth-only:<client id>", listed besides the plain id.
	// On such a client Define decides every API sign-in, so the guard lets
	// an issuance without a step-up binding pass without claims (that is how
	// a GetTokensFromRefreshToken refresh arrives: as
	// TokenGeneration_Authentication). A guard that predates the marker
	// ignores the entry (no client id contains ':'), and the plain id keeps
	// the client protected.
	ProtectedCustomAuthOnlyPrefix = "custom-auth-only:"
	// EnvProtectedClientsTTLSeconds is how long the guard reuses the list.
	// Default: 60; 1..3600.
	EnvProtectedClientsTTLSeconds = "COGNITOBRIDGE_PROTECTED_CLIENTS_TTL_SECONDS"
	// EnvStepUpPolicy is PolicyAlways (default) or PolicyOnDemand; Define
	// and the guard read it.
	EnvStepUpPolicy = "COGNITOBRIDGE_STEPUP_POLICY"
	// PolicyAlways: every sign-in on a protected client passes the provider.
	PolicyAlways = "always"
	// PolicyOnDemand: a sign-in passes the provider only when the
	// PASSWORD_VERIFIER answer's ClientMetadata names an allowed reason
	// (MetadataStepUpReason, one of EnvStepUpReasons); otherwise Define
	// issues tokens after the password, without step-up claims.
	PolicyOnDemand = "on_demand"
)

// Enrollment modes of EnvEnrollment.
const (
	// EnrollmentFirstUse: the first passing step-up of a user who has no
	// enrollment binds as configured (BindClaim/BindAttribute) and enrolls
	// the provider identity (issuer + sub) it presented.
	EnrollmentFirstUse = "first_use"
	// EnrollmentAdminOnly: only an administrator enrolls; a user without
	// an enrollment is refused (not_enrolled).
	EnrollmentAdminOnly = "admin_only"
)

// Fresh authentication settings of EnvFreshAuth.
const (
	FreshAuthRequired = "required"
	FreshAuthOff      = "off"
)

// Per-sign-in binding of the step-up record: Create puts a fresh random
// value in the public parameters (PublicStepUpBinding) and its hash in the
// private ones (PrivateBindingHash); Verify records the hash; the client
// echoes the value in the ClientMetadata of the RespondToAuthChallenge that
// answers the challenge (MetadataStepUpBinding), which Cognito hands to the
// pre token generation trigger; the guard consumes only the record whose
// hash matches.
const (
	PublicStepUpBinding   = "stepupBinding"
	MetadataStepUpBinding = "stepup_binding"
	PrivateBindingHash    = "bindingHash"
	// PrivateCreatedAt is the challenge's creation, epoch milliseconds.
	PrivateCreatedAt = "createdAt"
)

// Enrollment item layout in the step-up table: partition key
// EnrollmentKeyPrefix + "<userPoolId>#<sub>" (the Cognito sub), no TTL.
const (
	EnrollmentKeyPrefix = "enrollment#"
	// EnrollIssuer and EnrollSubject are the enrolled provider identity.
	EnrollIssuer  = "issuer"
	EnrollSubject = "subject"
	// EnrolledAt is epoch milliseconds (number).
	EnrolledAt = "enrolledAt"
	// EnrolledBy is EnrolledByFirstUse or "admin:<who>".
	EnrolledBy         = "enrolledBy"
	EnrolledByFirstUse = "first_use"
)

// Step-up record table layout, shared by Verify (writes), the guard
// (consumes) and the construct (creates the table).
const (
	// RecordPartitionKey is the table's string partition key: for a
	// step-up record "<userPoolId>#<sub>#<bindingHash>" (the hash of the
	// sign-in's PublicStepUpBinding value, lower-case hex SHA-256), for an
	// enrollment EnrollmentKeyPrefix + "<userPoolId>#<sub>".
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
	// linked, e.g. ["Google","Mosaic"] (Cognito allows "_" in a provider name only as its second character).
	EnvLinkProviders = "COGNITOBRIDGE_LINK_PROVIDERS"
	// EnvLinkMaxIdentities caps the identities already linked to a native
	// user before linking is refused. Default: DefaultLinkMaxIdentities.
	EnvLinkMaxIdentities = "COGNITOBRIDGE_LINK_MAX_IDENTITIES"
)

// DefaultLinkMaxIdentities is Cognito's documented limit ("The maximum
// number of federated identities linked to a user is five",
// AdminLinkProviderForUser API reference).
const DefaultLinkMaxIdentities = 5

// Transaction step-up (issue 4): the proof that a session passed a recent
// step-up travels in the access token. The guard adds the claims when it
// consumes a fresh step-up record, that is only on a real step-up sign-in
// (never on a refresh), through a Pre Token Generation V2_0 (or V3_0) event;
// the transaction authorizer checks them on high-value API routes.
const (
	// ClaimStepUpAt is the epoch seconds (a JSON number) at which the
	// step-up of this sign-in passed (the step-up record's passedAt).
	ClaimStepUpAt = "cognitobridge:stepup_at"
	// ClaimStepUpReason is why the step-up was asked for: the sign-in's
	// clientMetadata[MetadataStepUpReason] when it is one of the guard's
	// allowed reasons (EnvStepUpReasons), else StepUpReasonSignIn.
	ClaimStepUpReason = "cognitobridge:stepup_reason"
	// MetadataStepUpReason is the clientMetadata key of RespondToAuthChallenge
	// (Amplify: confirmSignIn options.clientMetadata) that names the reason.
	MetadataStepUpReason = "stepup_reason"
	// StepUpReasonSignIn is the reason of a step-up sign-in that named no
	// allowed reason.
	StepUpReasonSignIn = "sign_in"
	// StepUpReasonHighValueTransaction is the default allowed and required
	// reason: a payment, a change of payout account.
	StepUpReasonHighValueTransaction = "high_value_transaction"
	// EnvStepUpReasons is the guard's JSON array of reasons a client may name
	// in clientMetadata. Default: ["high_value_transaction"].
	EnvStepUpReasons = "COGNITOBRIDGE_STEPUP_REASONS"
)

// Environment of the transaction authorizer (API Gateway HTTP API Lambda
// authorizer, simple responses).
const (
	// EnvTokenIssuer is the user pool's issuer,
	// https://cognito-idp.{region}.amazonaws.com/{userPoolId}. Required.
	EnvTokenIssuer = "COGNITOBRIDGE_TOKEN_ISSUER"
	// EnvTokenJWKSURL replaces the pool's key set URL,
	// {issuer}/.well-known/jwks.json. Default: derived from the issuer.
	EnvTokenJWKSURL = "COGNITOBRIDGE_TOKEN_JWKS_URL"
	// EnvTokenClientID is the app client whose access tokens are accepted
	// (the token's client_id claim). Required.
	EnvTokenClientID = "COGNITOBRIDGE_TOKEN_CLIENT_ID"
	// EnvStepUpMaxAgeSeconds is how old ClaimStepUpAt may be. Default: 300.
	EnvStepUpMaxAgeSeconds = "COGNITOBRIDGE_STEPUP_MAX_AGE_SECONDS"
	// EnvRequiredReasons is a JSON array: ClaimStepUpReason must be one of
	// them. Default: ["high_value_transaction"].
	EnvRequiredReasons = "COGNITOBRIDGE_REQUIRED_REASONS"
)

// Keys of the authorizer's context on an authorized request (API Gateway
// passes them to the integration as requestContext.authorizer.lambda.*).
const (
	AuthorizerContextSub      = "sub"
	AuthorizerContextStepUpAt = "stepup_at"
)

// MaxBindingValue bounds the per-challenge value a client echoes.
const MaxBindingValue = 256

// BindingHash is the lower-case hex SHA-256 of a per-challenge value
// (PublicStepUpBinding): what Create keeps privately, Verify records and
// the guard recomputes from the echoed value. It returns "" for an empty or
// oversized value.
func BindingHash(value string) string {
	if value == "" || len(value) > MaxBindingValue {
		return ""
	}
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:])
}

// ValidStepUpReason reports whether r may be a step-up reason: 1 to 64
// characters of a-z, 0-9 and '_'. Both the construct and the handlers use it.
func ValidStepUpReason(r string) bool {
	if len(r) == 0 || len(r) > 64 {
		return false
	}
	for i := 0; i < len(r); i++ {
		c := r[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Identity proofing at sign-up (issue 4): the pre sign-up behaviour starts
// a document + liveness session, the session endpoint hands the session URL
// to the one client that knows the sign-up's handle, and the callback
// confirms the user once the provider's API says the proofing passed.
const (
	// BehaviourProofing starts an identity proofing session at sign-up
	// (PreSignUp_SignUp only) and never confirms the user itself.
	BehaviourProofing = "proofing"
	// EnvProofingTable names the DynamoDB table of proofing records
	// (partition key RecordPartitionKey, TTL attribute RecordExpiresAt).
	EnvProofingTable = "COGNITOBRIDGE_PROOFING_TABLE"
	// EnvProofingUserPoolID is the user pool the session and callback
	// handlers serve (fixed by configuration, never taken from a request).
	EnvProofingUserPoolID = "COGNITOBRIDGE_PROOFING_USER_POOL_ID"
	// EnvIDVBaseURL is the IDV provider's API base URL (for BlockID the
	// tenant's document verification service, "docuverify" in /caas/sd).
	EnvIDVBaseURL = "COGNITOBRIDGE_IDV_BASE_URL"
	// EnvIDVSecretARN is the Secrets Manager secret holding IDVSecret.
	EnvIDVSecretARN = "COGNITOBRIDGE_IDV_SECRET_ARN"
	// EnvIDVDocumentTypes is a JSON array of accepted document types
	// (IDVDocument* values), e.g. ["dl","passport"]. Default: ["dl","passport"].
	EnvIDVDocumentTypes = "COGNITOBRIDGE_IDV_DOCUMENT_TYPES"
	// EnvIDVLiveness is the liveness mode requested (IDVLiveness* values).
	// Default: IDVLivenessPassive.
	EnvIDVLiveness = "COGNITOBRIDGE_IDV_LIVENESS"
	// EnvIDVCallbackURL is the HTTPS URL of the proofing callback endpoint
	// given to the provider with each session.
	EnvIDVCallbackURL = "COGNITOBRIDGE_IDV_CALLBACK_URL"
	// EnvProofingTTLSeconds is how long a pending proofing record lives.
	// Default: 86400 (one day); 3600..2592000.
	EnvProofingTTLSeconds = "COGNITOBRIDGE_PROOFING_TTL_SECONDS"
)

// Document types of EnvIDVDocumentTypes.
const (
	IDVDocumentDriversLicense = "dl"
	IDVDocumentPassport       = "passport"
	IDVDocumentIDCard         = "idcard"
)

// Liveness modes of EnvIDVLiveness.
const (
	IDVLivenessPassive = "passive"
	IDVLivenessActive  = "active"
)

// ProofingHandleKey is the validationData (or clientMetadata) key in which
// the signing-up client passes the lower-case hex SHA-256 of a random
// handle that only it knows; the handle later opens the session endpoint.
const ProofingHandleKey = "proofing_handle_sha256"

// Custom attributes written when the proofing passed. The user pool must
// declare them (custom:ial, custom:ial_at: strings, mutable) and no app
// client may be allowed to write them.
const (
	AttrIAL   = "custom:ial"
	AttrIALAt = "custom:ial_at"
)

// Callback authentication headers: timestamp is unix seconds, signature
// the lower-case hex HMAC-SHA256 over "<timestamp>.<raw body>" keyed with
// IDVSecret.CallbackHMACKey.
const (
	HeaderProofingTimestamp = "X-Cognitobridge-Timestamp"
	HeaderProofingSignature = "X-Cognitobridge-Signature"
)

// IDVSecret is the JSON stored in the IDV secret (EnvIDVSecretARN).
type IDVSecret struct {
	// LicenseKey is the BlockID license key (sent encrypted).
	LicenseKey string `json:"licenseKey"`
	// PublicKey is this integration's BlockID public key (base64).
	PublicKey string `json:"publicKey"`
	// SharedKey is the base64 AES-256 key shared with the document
	// verification service (ECDH of this integration's private key and the
	// service's public key, computed offline).
	SharedKey string `json:"sharedKey"`
	// DVCID is the document verification configuration id.
	DVCID string `json:"dvcId"`
	// TenantDNS and Community name the BlockID tenant.
	TenantDNS string `json:"tenantDns"`
	Community string `json:"community"`
	// CallbackHMACKey keys the callback signature (at least 32 bytes).
	CallbackHMACKey string `json:"callbackHmacKey"`
}

// JSON keys of IDVSecret, for the construct that builds the secret.
const (
	IDVSecretKeyLicenseKey      = "licenseKey"
	IDVSecretKeyPublicKey       = "publicKey"
	IDVSecretKeySharedKey       = "sharedKey"
	IDVSecretKeyDVCID           = "dvcId"
	IDVSecretKeyTenantDNS       = "tenantDns"
	IDVSecretKeyCommunity       = "community"
	IDVSecretKeyCallbackHMACKey = "callbackHmacKey"
)

// Verification-session step-up (issue 9, section 3): a provider kind next to
// OIDC. Create starts a step-up session at the provider's API for the user's
// enrolled provider identity (ProviderBlockIDSession: a BlockID LiveID face
// match with liveness) and gives the client only the session's URL; Verify
// fetches the session's result server side by the private session id. The
// custom challenge keeps ChallengeMetadata, stepupBinding, bindingHash and
// createdAt, so Define, the record and the guard are the same as for OIDC.
// Create reads the enrollment from the step-up table (EnvStepUpTable, which
// it has for the start counter anyway, with GetItem on it).
const (
	// ProviderBlockIDSession is the EnvProvider value of the BlockID
	// verification-session step-up. The user must be enrolled (there is no
	// first-use binding for a face session): its enrollment's subject is
	// the BlockID user the session is started for.
	ProviderBlockIDSession = "blockid-session"
	// EnvSessionAPIURL replaces the provider API base URL, which is
	// otherwise https://{tenantDns} from the secret (http only on loopback).
	EnvSessionAPIURL = "COGNITOBRIDGE_SESSION_API_URL"
	// EnvSessionReason is the reason code sent with every session (a
	// ValidStepUpReason). Default: StepUpReasonHighValueTransaction.
	EnvSessionReason = "COGNITOBRIDGE_SESSION_REASON"
	// EnvSessionTimeoutSeconds is the session lifetime asked of the
	// provider; Verify also refuses a result later than the challenge's
	// creation plus this. Default: 300; 30..900.
	EnvSessionTimeoutSeconds = "COGNITOBRIDGE_SESSION_TIMEOUT_SECONDS"
	// EnvSessionPendingWaitMillis is how long Verify keeps asking while the
	// provider still reports the session pending (the browser may signal a
	// moment before the provider has stored the result), inside the budget.
	// Default: 1000; 0..3000.
	EnvSessionPendingWaitMillis = "COGNITOBRIDGE_SESSION_PENDING_WAIT_MILLIS"
)

// Challenge parameters of the verification-session kind. Public: PublicProvider,
// PublicSessionURL and PublicStepUpBinding. Private: PrivateSessionID,
// PrivateBindingHash, PrivateCreatedAt and the enrolled identity the session
// was started for (PrivateEnrolledIssuer, PrivateEnrolledSubject), so that
// Verify compares the result with it and records in one DynamoDB call.
const (
	PublicSessionURL       = "sessionUrl"
	PrivateSessionID       = "sessionId"
	PrivateEnrolledIssuer  = "enrolledIssuer"
	PrivateEnrolledSubject = "enrolledSubject"
	// PrivateDecoy marks a challenge that has no provider session behind
	// it (a user unknown or not enrolled, when that must not show); its
	// value is the reason Verify refuses with.
	PrivateDecoy = "decoy"
)

// SessionAnswer is the only answer the verification-session kind accepts:
// the JSON string `{"done":true}`. It carries nothing Verify trusts; the
// result is fetched from the provider.
type SessionAnswer struct {
	Done bool `json:"done"`
}

// MaxSessionAnswerBytes caps the session answer Verify will parse.
const MaxSessionAnswerBytes = 64

// SessionSecret is the JSON of the Secrets Manager secret of
// ProviderBlockIDSession. APIKey is required; TenantDNS is required unless
// EnvSessionAPIURL is set; with Community it also names the issuer of the
// enrollments the session kind accepts (the BlockID OIDC issuer
// https://{tenantDns}/oauth2/community/{community}/v1) unless EnvIssuer is set.
type SessionSecret struct {
	APIKey    string `json:"apiKey"`
	TenantDNS string `json:"tenantDns,omitempty"`
	Community string `json:"community,omitempty"`
}

// JSON keys of SessionSecret, for the construct that builds the secret.
const (
	SessionSecretKeyAPIKey    = "apiKey"
	SessionSecretKeyTenantDNS = "tenantDns"
	SessionSecretKeyCommunity = "community"
)
