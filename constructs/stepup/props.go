package stepup

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"

	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/constructs/internal/newpool"
	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Defaults of StepUpProps. The handlers have the same defaults (those of
// lambdas/contract); the construct still writes its values out so a deployed
// function says what it runs with.
const (
	DefaultMaxAttempts      = contract.DefaultMaxAttempts
	DefaultMemorySize       = gofn.DefaultMemorySize
	DefaultTimeoutSeconds   = gofn.DefaultTimeoutSeconds
	DefaultSecretTTLSeconds = contract.DefaultSecretTTLSeconds
	// DefaultBlockIDAcr is the authentication method asked of BlockID when
	// BlockIDProvider.AcrValues is nil: LiveID (face biometric) approved by
	// push on the user's enrolled device.
	DefaultBlockIDAcr = "liveID push"
	// DefaultStepUpWindowSeconds is how old a step-up record may be when the
	// guard consumes it.
	DefaultStepUpWindowSeconds = contract.DefaultStepUpWindowSeconds
	// DefaultAuthSessionValidityMinutes is the created client's sign-in
	// session: time enough for a phone push approval (Cognito's own default
	// is 3 minutes).
	DefaultAuthSessionValidityMinutes = 5
	// DefaultAuthTimeSkewSeconds is the clock skew allowed between the
	// provider's auth_time and the challenge's creation.
	DefaultAuthTimeSkewSeconds = contract.DefaultAuthTimeSkewSeconds
	// MaxAuthTimeSkewSeconds caps AuthTimeSkew.
	MaxAuthTimeSkewSeconds = contract.MaxAuthTimeSkewSeconds
)

// StepUpEnrollment chooses how a user's provider identity gets enrolled.
type StepUpEnrollment string

const (
	// StepUpEnrollment_FIRST_USE: the first passing step-up of a user who
	// has no enrollment binds as configured (BindClaim, BindAttribute) and
	// enrolls the provider identity (issuer + sub) it presented.
	StepUpEnrollment_FIRST_USE StepUpEnrollment = contract.EnrollmentFirstUse
	// StepUpEnrollment_ADMIN_ONLY: only an administrator enrolls; a user
	// without an enrollment is refused.
	StepUpEnrollment_ADMIN_ONLY StepUpEnrollment = contract.EnrollmentAdminOnly
)

// maxTimeoutSeconds is Cognito's fixed budget for a trigger: a longer Lambda
// timeout would only let Cognito give up first.
const maxTimeoutSeconds = 5

// StepUpProps configures a StepUp. Nil means the documented default.
type StepUpProps struct {
	// The identity provider that performs the step-up. Exactly one of its
	// presets must be set.
	Provider *Provider

	// An existing user pool. A pool of this app gets the triggers with
	// AddTrigger; a pool that lives outside the app
	// (awscognito.UserPool_FromUserPoolId) gets them from a custom resource
	// (constructs/pooltriggers) that writes the pool's whole configuration
	// back with only these triggers changed, refuses when a trigger slot is
	// taken by another function, and removes them on delete. Either way the
	// Define, Create, Verify and (with the guard) Pre Token Generation slots
	// must be free or this library's.
	// Default: - a new user pool with secure defaults (self sign-up off, sign-in
	// by username or email, email required, strong password policy).
	UserPool awscognito.IUserPool
	// Whether users may sign themselves up. Only for a pool this construct creates.
	// Default: false.
	SelfSignUpEnabled *bool
	// The feature plan of the created pool. Only for a pool this construct creates.
	// Default: awscognito.FeaturePlan_ESSENTIALS.
	FeaturePlan awscognito.FeaturePlan
	// What happens to the created pool when it leaves the stack. Only for a
	// pool this construct creates.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// Whether the created pool has deletion protection. Only for a pool this
	// construct creates.
	// Default: true, unless RemovalPolicy is DESTROY.
	DeletionProtection *bool

	// Whether to create an app client that can only sign in through the
	// step-up: no secret, no OAuth, user existence errors prevented, auth
	// flows ALLOW_CUSTOM_AUTH and ALLOW_REFRESH_TOKEN_AUTH only (see
	// AllowUserSrpAuth), and WriteAttributes set explicitly (see
	// ClientWriteAttributes).
	// Default: true.
	CreateClient *bool
	// Name of the created app client.
	// Default: - no name (CloudFormation generates none).
	ClientName *string
	// How long the created client's sign-in session (between the password
	// step and the step-up answer) lasts, 3 to 15 minutes. A phone push
	// approval can take longer than Cognito's default of 3 minutes.
	// Default: awscdk.Duration_Minutes(5).
	AuthSessionValidity awscdk.Duration
	// Turns on refresh token rotation for the created client, with this
	// grace period (0 to 60 seconds) during which the replaced refresh
	// token still works. With rotation on, a refresh must use
	// GetTokensFromRefreshToken (Amplify v6.15 and later always do), each
	// refresh returns a new refresh token, and a replaced one presented
	// after the grace period is refused: a stolen refresh token works only
	// until its owner's next refresh. The guard passes such a refresh
	// without step-up claims (the created client signs in with CUSTOM_AUTH
	// only; see contract.ProtectedCustomAuthOnlyPrefix).
	// Default: - rotation off (Cognito's default; refresh tokens are reused
	// until they expire or are revoked).
	RefreshTokenRotationGracePeriod awscdk.Duration
	// Whether the created client also allows ALLOW_USER_SRP_AUTH. The SRP
	// password step of this sign-in runs inside CUSTOM_AUTH (SRP_A, then
	// PASSWORD_VERIFIER, then the custom challenge), and AWS's own sample
	// aws-samples/cognito-custom-authentication (email-mfa-backend) runs
	// exactly that sequence from Amplify on a client with only
	// ALLOW_CUSTOM_AUTH and ALLOW_REFRESH_TOKEN_AUTH. Set it only if your
	// region turns out to need the flow. Plain USER_SRP_AUTH never runs the
	// custom challenge, so this is only allowed with ServerSideGuard: the
	// guard refuses every issuance without a step-up record of the sign-in.
	// Only when CreateClient is true.
	// Default: false.
	AllowUserSrpAuth *bool
	// The attributes the created client lets a signed-in user write with
	// their own access token (UpdateUserAttributes). The client always sets
	// WriteAttributes explicitly: without them Cognito lets the app write
	// every standard attribute, so a holder of the user's access token could
	// rewrite email, verify it with a code sent to them and take over
	// recovery and (before the user's first step-up) the enrollment. Must
	// not contain email, email_verified, phone_number,
	// phone_number_verified, preferred_username, the BindAttribute (when it
	// is an attribute) or any custom:ial* attribute. Only when CreateClient
	// is true.
	// Default: - the profile attributes only: given_name, family_name,
	// middle_name, name, nickname, locale, zoneinfo, picture, website,
	// profile, gender, birthdate and address.
	ClientWriteAttributes awscognito.ClientAttributes

	// Whether a Pre Token Generation trigger (the guard) lets Cognito issue
	// tokens only after this step-up passed: Verify then writes a one-time
	// record of the sign-in to the step-up table, and the guard consumes
	// it, at most once, within StepUpWindow and only for the same app client
	// and sign-in. The pool's PreTokenGeneration trigger must be free.
	//
	// Turning it off removes the guard (the table stays: it holds the
	// enrollments). Tokens are then gated only by the app client's auth
	// flows and by Define: any client of the pool that allows
	// USER_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH,
	// OAuth/hosted UI, the new-password challenge or device authentication
	// yields tokens after the password alone. Only turn it off when another
	// Pre Token Generation trigger enforces the step-up.
	// Default: true.
	ServerSideGuard *bool
	// How old a passed step-up may be when the guard consumes it (the time
	// between Verify's answer and Cognito issuing tokens), whole seconds from
	// 1 second to 1 hour. Only with ServerSideGuard.
	// Default: awscdk.Duration_Seconds(60).
	StepUpWindow awscdk.Duration
	// The step-up reasons a client may name for a step-up sign-in, in the
	// clientMetadata of its RespondToAuthChallenge (key
	// contract.MetadataStepUpReason; Amplify: confirmSignIn
	// options.clientMetadata). When the guard consumes a fresh record it
	// stamps the named reason, if it is one of these (else "sign_in"), and
	// the step-up time into the tokens (claims contract.ClaimStepUpReason and
	// contract.ClaimStepUpAt) for a transaction authorizer to check. Values:
	// 1 to 64 characters of a-z, 0-9 and _, at most 32. A transaction
	// construct adds the reasons its routes require (AllowStepUpReasons).
	// Only with ServerSideGuard.
	// Default: ["high_value_transaction"].
	StepUpReasons *[]*string
	// The event version of the guard's Pre Token Generation trigger. With
	// V2_0 (or V3_0) the guard adds the step-up claims to the access token
	// and the ID token; these versions need the Essentials or Plus feature
	// plan. With V1_0 (the only version of a Lite pool) tokens carry no
	// step-up claims and a transaction authorizer refuses every call; the
	// guard still gates issuance. For an existing UserPool, check its
	// feature plan: a V2_0 trigger on a Lite pool fails at deploy. Only with
	// ServerSideGuard.
	// Default: awscognito.LambdaVersion_V2_0.
	GuardLambdaVersion awscognito.LambdaVersion
	// App clients you already have that the step-up protects, next to the
	// created client (CreateClient). The guard enforces the step-up for
	// these clients only: sign-ins on every other client of the pool, and
	// hosted sign-ins on clients not listed, pass the guard untouched (no
	// claims added, nothing consumed). Each listed client must meet the
	// requirements in docs/stepup.md ("If you keep your own app client"). With
	// CreateClient=false at least one is required. Only with ServerSideGuard.
	// Default: - only the created client.
	ProtectedClients *[]awscognito.IUserPoolClient
	// When a sign-in on a protected client passes the provider.
	// StepUpPolicy_ALWAYS: every sign-in (after the password).
	// StepUpPolicy_ON_DEMAND: only when the PASSWORD_VERIFIER answer's
	// clientMetadata (Amplify: signIn's options.clientMetadata) names one of
	// StepUpReasons under "stepup_reason"; otherwise Define issues tokens
	// after the password, and those tokens carry no step-up claims (a
	// high-value route then answers with RFC 9470's challenge). With
	// ON_DEMAND the password alone signs a user in on a protected client:
	// choose it for pools where an ordinary sign-in is acceptable and only
	// transactions need the provider.
	// Default: StepUpPolicy_ALWAYS.
	Policy StepUpPolicy

	// An existing secret holding the provider credentials as JSON (see
	// contract.ProviderSecret; with Provider.BlockIDSession,
	// contract.SessionSecret). Its resource policy is only changed when it
	// is a secret of this stack.
	// Default: - a new secret whose values come from NoEcho stack parameters.
	Secret awssecretsmanager.ISecret
	// Prefix of the logical ids of the NoEcho parameters this construct
	// creates (<prefix>ClientSecret, <prefix>ClientId, <prefix>TenantDns,
	// <prefix>Community; with Provider.BlockIDSession <prefix>ApiKey,
	// <prefix>TenantDns, <prefix>Community). Letters and digits only; ""
	// gives the plain names of 1Kosmos' own template (one StepUp per stack
	// then).
	// Default: - the construct's id, letters and digits only.
	ParameterPrefix *string

	// The ID token claim that names the person. Not with
	// Provider.BlockIDSession (no ID token), nor are BindAttribute and
	// BindMode.
	// Default: "username" for BlockID, "email" otherwise.
	BindClaim *string
	// The Cognito attribute the claim must equal; contract.BindAttributeUsername
	// is the Cognito user name.
	// Default: contract.BindAttributeUsername for BlockID, "email" otherwise.
	BindAttribute *string
	// How claim and attribute are compared: contract.BindModeExact or
	// contract.BindModeEmail.
	// Default: contract.BindModeEmail when the attribute is "email", contract.BindModeExact otherwise.
	BindMode *string
	// How a user's provider identity (the ID token's issuer + sub) gets
	// enrolled. Verify keeps the enrollment in the step-up table, written
	// only by the backend. Every step-up of an enrolled user must present
	// the enrolled issuer + sub, whatever the user's email or user name says
	// now (BindClaim/BindAttribute then no longer decide).
	//
	// With StepUpEnrollment_FIRST_USE the first passing step-up of a user
	// without an enrollment binds as configured (BindClaim, BindAttribute,
	// BindMode) and enrolls the identity it presented; of two racing first
	// step-ups exactly one enrolls. With StepUpEnrollment_ADMIN_ONLY a user
	// no administrator enrolled is refused. An administrator enrolls a user
	// (which in FIRST_USE mode also closes that user's first-use window)
	// with
	//
	//	go run github.com/cognitobridge/cognitobridge/cmd/cognitobridge-enroll pre-enroll \
	//	  -table <StepUpTable name> -user-pool-id <pool id> -sub <Cognito sub> \
	//	  -issuer <provider issuer> -subject <provider sub>
	//
	// and re-enrolls one (a lost device, a re-created provider account) with
	// the same flags on re-enroll; docs/stepup-binding.md has every command.
	//
	// With Provider.BlockIDSession enrollment is admin-only by nature (a
	// face session has nothing to bind on first use): FIRST_USE is refused,
	// and users are pre-enrolled or enrolled by an earlier BlockID OIDC
	// step-up with the same issuer (see BlockIDSessionProvider).
	// Default: StepUpEnrollment_FIRST_USE; StepUpEnrollment_ADMIN_ONLY with
	// Provider.BlockIDSession.
	Enrollment StepUpEnrollment
	// Whether every step-up must be a fresh authentication at the provider:
	// the authorize URL asks for one (max_age=0, prompt=login) and Verify
	// requires the ID token's auth_time, no earlier than the challenge's
	// creation less AuthTimeSkew. Turning it off costs the step-up its
	// meaning whenever the person's provider session is warm: the provider
	// then answers the authorize URL without any user interaction (a script
	// on a page that phished the password can complete it silently), so the
	// step-up proves only that a provider session exists. Turn it off only
	// for a provider that does not send auth_time. Not with
	// Provider.BlockIDSession: a session is started by Create and must be
	// completed after the challenge's creation, always.
	// Default: true.
	FreshAuthentication *bool
	// The clock skew allowed between the provider's auth_time and the
	// challenge's creation, 0 to 300 whole seconds. Only with
	// FreshAuthentication. With Provider.BlockIDSession: the skew allowed
	// for the session's completed_at (against the challenge's creation and
	// Verify's clock) and expires_at.
	// Default: awscdk.Duration_Seconds(30).
	AuthTimeSkew awscdk.Duration
	// When set, the ID token's acr claim must be one of these values (a
	// token without acr is refused).
	// Not with Provider.BlockIDSession.
	// Default: - for BlockID, its AcrValues (BlockID is asked for them as
	// essential claims, and Verify checks it honoured them); for Biopass and
	// OIDC, the acr claim is not checked.
	RequiredAcr *[]*string
	// Custom challenge answers allowed per sign-in, 1 to 10.
	// Default: 3.
	MaxAttempts *float64
	// Step-up starts one user may make per StartsWindow, 1 to 1000: custom
	// challenges (Create runs once per answer attempt), or with
	// Provider.BlockIDSession verification sessions started at the
	// provider. Only starts after the password step count, so a user name
	// alone cannot use them up; a password holder can, for the rest of the
	// window. A start beyond it fails the sign-in (Create logs
	// user_cap_reached). Each start costs one conditional DynamoDB
	// UpdateItem on the step-up table.
	// Default: 10 (contract.DefaultUserCapChallenges); 5 with
	// Provider.BlockIDSession (contract.DefaultUserCapSessions).
	MaxStartsPerUser *float64
	// The fixed window MaxStartsPerUser counts in, 1 minute to 1 day, whole
	// seconds (windows are aligned, so up to twice the cap fits across a
	// boundary).
	// Default: awscdk.Duration_Minutes(15).
	StartsWindow awscdk.Duration
	// Whether a sign-in may start with the step-up alone, without the SRP
	// password step. Only for providers that authenticate the person fully.
	// Default: false.
	AllowPasswordless *bool
	// Client authentication at the provider's token endpoint:
	// contract.TokenAuthBasic, contract.TokenAuthPost or
	// contract.TokenAuthPrivateKeyJWT. With private_key_jwt (Provider.OIDC
	// or Provider.Biopass, with its ClientID set) a KMS key signs a client
	// assertion for each token request (OpenID Connect Core §9, RFC 7523)
	// and no secret exists: no Secrets Manager secret and no NoEcho
	// parameter is synthesized, Secret() is nil, and the stack outputs
	// ClientAssertionJwks (the public JWK Set to register at the provider)
	// and ClientAssertionKid. Not with Provider.BlockIDSession; with
	// Provider.BlockID only the secret methods (1Kosmos documents no
	// private_key_jwt for it, and its tenant lives in the secret).
	// Default: contract.TokenAuthBasic.
	TokenAuthMethod *string
	// With private_key_jwt: the asymmetric KMS key (KeyUsage SIGN_VERIFY;
	// RSA_2048 for RS256 and PS256, ECC_NIST_P256 for ES256) that signs.
	// Only Verify, the one function that calls the token endpoint, gets
	// kms:Sign on it; the public-key custom resource gets kms:GetPublicKey
	// and refuses, at deploy, a key that does not fit the algorithm.
	// Default: - a new key of the algorithm's spec (removal policy RETAIN).
	ClientAssertionKey awskms.IKey
	// With private_key_jwt: a second key published beside ClientAssertionKey
	// (in ClientAssertionJwks and the jwks_uri), never used to sign: the
	// next key before a rotation's switch, the previous one after it (see
	// docs/stepup.md, "Rotating the key").
	// Default: - none.
	ClientAssertionRotationKey awskms.IKey
	// With private_key_jwt: the JWS algorithm, contract.ClientAssertionRS256,
	// ClientAssertionPS256 or ClientAssertionES256. Verify checks it against
	// the provider's discovery (token_endpoint_auth_signing_alg_values_supported,
	// when listed) before signing, and refuses with client_auth_unsupported.
	// Default: contract.ClientAssertionRS256.
	ClientAssertionAlgorithm *string
	// With private_key_jwt: the assertion's aud, contract.AudienceTokenEndpoint
	// (the token endpoint URL; OpenID Connect Core §9's SHOULD; Okta,
	// Microsoft Entra) or contract.AudienceIssuer (the issuer identifier;
	// draft-ietf-oauth-rfc7523bis; Auth0, zitadel). RFC 7523 §3 lets each
	// provider decide which value identifies it: choose what it documents.
	// Default: contract.AudienceTokenEndpoint.
	ClientAssertionAudience *string
	// With private_key_jwt: also serve the JWK Set at a jwks_uri (a Lambda
	// function URL whose role may only write its logs, output ClientAssertionJwksUri)
	// for a provider that fetches client keys instead of storing them.
	// Default: false.
	ClientAssertionJwksUri *bool
	// How long the handlers reuse a fetched secret value, 0 to 1 hour.
	// Default: awscdk.Duration_Minutes(5).
	SecretCacheTTL awscdk.Duration

	// Memory of each function in MiB, 128 to 10240.
	// Default: 128.
	MemorySize *float64
	// Timeout of each function, at most 5 seconds (Cognito's fixed budget).
	// Default: awscdk.Duration_Seconds(5).
	Timeout awscdk.Duration
	// Retention of each function's log group.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// Prebuilt handler code; a nil field is built from this module's handler
	// package with the local Go toolchain.
	// Default: - every function built with the local Go toolchain.
	Code *StepUpCode
}

// StepUpCode overrides the code of the trigger functions. Each must be a
// provided.al2023 arm64 bundle whose executable is named bootstrap.
type StepUpCode struct {
	// Default: - built from lambdas/cmd/stepup-define.
	Define awslambda.Code
	// Default: - built from lambdas/cmd/stepup-create.
	Create awslambda.Code
	// Default: - built from lambdas/cmd/stepup-verify.
	Verify awslambda.Code
	// The pool's shared Pre Token Generation function (package
	// constructs/pretokengen), of which the guard is one behaviour; only
	// used when this StepUp is the first capability to ask for it.
	// Default: - built from lambdas/cmd/pretokengen.
	Guard awslambda.Code
	// The private_key_jwt public-key custom resource and jwks_uri.
	// Default: - built from lambdas/cmd/client-jwks.
	ClientJwks awslambda.Code
}

// StepUpPolicy says when a sign-in on a protected client passes the
// provider.
type StepUpPolicy string

// Step-up policies.
const (
	// StepUpPolicy_ALWAYS: every sign-in on a protected client.
	StepUpPolicy_ALWAYS StepUpPolicy = contract.PolicyAlways
	// StepUpPolicy_ON_DEMAND: only a sign-in that names an allowed reason.
	StepUpPolicy_ON_DEMAND StepUpPolicy = contract.PolicyOnDemand
)

// policy is Policy or its default.
func (p *StepUpProps) policy() StepUpPolicy {
	if p.Policy == "" {
		return StepUpPolicy_ALWAYS
	}
	return p.Policy
}

// Provider selects the step-up identity provider. Exactly one field is set.
type Provider struct {
	// 1Kosmos BlockID step-up.
	// Default: - not BlockID.
	BlockID *BlockIDProvider
	// 1Kosmos BlockID verification session: a LiveID face match with
	// liveness for the user's enrolled BlockID identity, fetched server side
	// (no OIDC code; users must be enrolled, see BlockIDSessionProvider and
	// docs/verification-session.md).
	// Default: - not a BlockID verification session.
	BlockIDSession *BlockIDSessionProvider
	// Biopass face verification after the password.
	// Default: - not Biopass.
	Biopass *BiopassProvider
	// Any OpenID Provider supporting the authorization code flow with PKCE.
	// Default: - not a generic OIDC provider.
	OIDC *OIDCProvider
}

// BlockIDProvider configures a 1Kosmos BlockID tenant. The handlers read the
// tenant and community from the secret (and derive the issuer, endpoints and
// redirect URI from them); values left nil come from NoEcho parameters, as in
// 1Kosmos' own template.
type BlockIDProvider struct {
	// Tenant host name, e.g. "acme.1kosmos.net" (no scheme). Set together
	// with Community, and only when the construct creates the secret: it is
	// then written into the secret as a plain value (it is not a credential:
	// every authorize URL shows it).
	// Default: - from the secret (NoEcho parameter <prefix>TenantDns).
	TenantDNS *string
	// Community name. Set together with TenantDNS.
	// Default: - from the secret (NoEcho parameter <prefix>Community).
	Community *string
	// OIDC client id of the BlockID application.
	// Default: - from the secret (NoEcho parameter <prefix>ClientId).
	ClientID *string
	// acr values requested, e.g. "liveID push", "otp sms", "otp email".
	// Default: ["liveID push"].
	AcrValues *[]*string
	// Redirect URI registered at BlockID.
	// Default: https://{tenantDNS}/admin/{community}/post_stepup.
	RedirectURI *string
}

// BiopassProvider configures Biopass (endpoints found by OIDC discovery).
type BiopassProvider struct {
	// Issuer URL (https). Required.
	Issuer *string
	// OIDC client id. Required.
	ClientID *string
	// One of the application's allowed callback URLs. Required.
	RedirectURI *string
	// Scopes requested.
	// Default: ["openid", "email"].
	Scopes *[]*string
	// acr values requested.
	// Default: - none requested.
	AcrValues *[]*string
}

// OIDCProvider configures any OpenID Provider.
type OIDCProvider struct {
	// Issuer URL (https). Required.
	Issuer *string
	// Authorization endpoint; with TokenURL and JWKSURL (all or none) it
	// replaces discovery.
	// Default: - from discovery.
	AuthorizeURL *string
	// Token endpoint.
	// Default: - from discovery.
	TokenURL *string
	// JWKS URL.
	// Default: - from discovery.
	JWKSURL *string
	// OIDC client id.
	// Default: - from the secret (NoEcho parameter <prefix>ClientId when the secret is created).
	ClientID *string
	// Redirect URI registered at the provider. Required.
	RedirectURI *string
	// Scopes requested.
	// Default: ["openid", "email"].
	Scopes *[]*string
	// acr values requested.
	// Default: - none requested.
	AcrValues *[]*string
}

// checkOpenID requires the openid scope, without which there is no ID token.
func checkOpenID(field string, l *[]*string) error {
	if l == nil || propcheck.IsTokenList(l) {
		return nil
	}
	var got []string
	for _, s := range *l {
		if s != nil && *s == "openid" {
			return nil
		}
		if s != nil {
			got = append(got, *s)
		}
	}
	return fmt.Errorf("expected %s to contain \"openid\", received %q", field, got)
}

// checkNoneContains rejects values holding any of chars (BlockID's claims
// parameter cannot carry quotes or commas in acr values).
func checkNoneContains(field string, l *[]*string, chars string) error {
	if l == nil {
		return nil
	}
	for i, s := range *l {
		if s != nil && !propcheck.IsToken(s) && strings.ContainsAny(*s, chars) {
			return fmt.Errorf("expected %s[%d] without any of %q, received %s", field, i, chars, propcheck.Show(s))
		}
	}
	return nil
}

// poolOptions are the props of a created pool.
func (p *StepUpProps) poolOptions() newpool.Options {
	return newpool.Options{
		SelfSignUpEnabled:  p.SelfSignUpEnabled,
		FeaturePlan:        p.FeaturePlan,
		RemovalPolicy:      p.RemovalPolicy,
		DeletionProtection: p.DeletionProtection,
	}
}

// guardOn reports whether the server-side guard is on (ServerSideGuard
// defaults to true).
func (p *StepUpProps) guardOn() bool { return p.ServerSideGuard == nil || *p.ServerSideGuard }

// createClient reports whether the construct creates the app client.
func (p *StepUpProps) createClient() bool { return p.CreateClient == nil || *p.CreateClient }

// freshAuth reports whether fresh provider authentication is required.
func (p *StepUpProps) freshAuth() bool {
	return p.FreshAuthentication == nil || *p.FreshAuthentication
}

// enrollment is Enrollment or its default.
func (p *StepUpProps) enrollment() StepUpEnrollment {
	if p.Enrollment == "" && p.isSession() {
		return StepUpEnrollment_ADMIN_ONLY
	}
	if p.Enrollment == "" {
		return StepUpEnrollment_FIRST_USE
	}
	return p.Enrollment
}

// allowUserSrp reports whether the created client allows
// ALLOW_USER_SRP_AUTH: only on request, and only with the guard.
func (p *StepUpProps) allowUserSrp() bool {
	return p.AllowUserSrpAuth != nil && *p.AllowUserSrpAuth && p.guardOn()
}

// DefaultClientWriteAttributesMask is what the created client lets a user
// write when ClientWriteAttributes is nil: profile attributes only, nothing
// that names, reaches or recovers the person.
func DefaultClientWriteAttributesMask() *awscognito.StandardAttributesMask {
	t := func() *bool { v := true; return &v }
	return &awscognito.StandardAttributesMask{
		GivenName:      t(),
		FamilyName:     t(),
		MiddleName:     t(),
		Fullname:       t(),
		Nickname:       t(),
		Locale:         t(),
		Timezone:       t(),
		ProfilePicture: t(),
		Website:        t(),
		ProfilePage:    t(),
		Gender:         t(),
		Birthdate:      t(),
		Address:        t(),
	}
}

// protectedWriteAttributes are the attributes no created client may let a
// user write: what the binding, sign-in and recovery rest on.
var protectedWriteAttributes = []string{"email", "email_verified", "phone_number", "phone_number_verified", "preferred_username"}

// CheckWriteAttributes rejects a client write set (CloudFormation attribute
// names, as awscognito.ClientAttributes.Attributes returns them) that holds
// email, phone_number, preferred_username, their verified flags, the bind
// attribute (unless it is contract.BindAttributeUsername, the user name,
// which no client can write) or any custom:ial* attribute.
func CheckWriteAttributes(field string, attrs []string, bindAttribute *string) error {
	bind := contract.BindAttributeUsername
	if bindAttribute != nil && !propcheck.IsToken(bindAttribute) {
		bind = *bindAttribute
	}
	for _, a := range attrs {
		why := ""
		switch {
		case slices.Contains(protectedWriteAttributes, a):
			why = "sign-in, recovery and the first-use binding rest on it"
		case strings.HasPrefix(a, "custom:ial"):
			why = "an assurance attribute only the backend may write"
		case bind != contract.BindAttributeUsername && a == bind:
			why = "it is the BindAttribute"
		default:
			continue
		}
		return fmt.Errorf("expected %s without email, email_verified, phone_number, phone_number_verified, preferred_username, the BindAttribute and custom:ial*, received %q (%s) in %q", field, a, why, attrs)
	}
	return nil
}

// DefaultStepUpReasons are StepUpReasons when nil.
var DefaultStepUpReasons = contract.DefaultStepUpReasons()

// MaxStepUpReasons caps the guard's allow-list.
const MaxStepUpReasons = contract.MaxStepUpReasons

// guardLambdaVersion is GuardLambdaVersion or its default.
func (p *StepUpProps) guardLambdaVersion() awscognito.LambdaVersion {
	if p.GuardLambdaVersion == "" {
		return awscognito.LambdaVersion_V2_0
	}
	return p.GuardLambdaVersion
}

// CheckStepUpReasons validates a list of step-up reasons (nil is fine): 1
// to MaxStepUpReasons values, each valid for contract.ValidStepUpReason.
// Unresolved tokens are not checked.
func CheckStepUpReasons(field string, l *[]*string) error {
	if l == nil {
		return nil
	}
	if err := propcheck.List(field, l, true); err != nil {
		return err
	}
	if len(*l) > MaxStepUpReasons {
		return fmt.Errorf("expected %s to hold at most %d values, received %d", field, MaxStepUpReasons, len(*l))
	}
	for i, s := range *l {
		if !propcheck.IsToken(s) && !contract.ValidStepUpReason(*s) {
			return fmt.Errorf("expected %s[%d] to be 1 to 64 characters of a-z, 0-9 and _, received %s", field, i, propcheck.Show(s))
		}
	}
	return nil
}
