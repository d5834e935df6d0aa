package stepup

// The verification-session preset (Provider.BlockIDSession, handler kind
// contract.ProviderBlockIDSession): Create starts a BlockID step-up session
// (a LiveID face match with liveness) for the user's enrolled BlockID
// identity, the browser opens the session's URL, and Verify fetches the
// session's result server side. docs/verification-session.md has the flow,
// the checks and what is assumed about BlockID's API.

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Defaults and bounds of BlockIDSessionProvider, the handlers' own
// (lambdas/contract).
const (
	// DefaultSessionReason is the reason code sent with every session.
	DefaultSessionReason = contract.StepUpReasonHighValueTransaction
	// DefaultSessionTimeoutSeconds is the session lifetime asked of BlockID.
	DefaultSessionTimeoutSeconds = contract.DefaultSessionTimeoutSeconds
	// MinSessionTimeoutSeconds and MaxSessionTimeoutSeconds bound
	// BlockIDSessionProvider.SessionTimeout.
	MinSessionTimeoutSeconds = contract.MinSessionTimeoutSeconds
	MaxSessionTimeoutSeconds = contract.MaxSessionTimeoutSeconds
	// DefaultSessionPendingWaitMillis is how long Verify keeps asking while
	// the session is still pending.
	DefaultSessionPendingWaitMillis = contract.DefaultSessionPendingWaitMillis
	// MaxSessionPendingWaitMillis bounds BlockIDSessionProvider.PendingWait.
	MaxSessionPendingWaitMillis = contract.MaxSessionPendingWaitMillis
)

// BlockIDSessionProvider configures the BlockID verification-session
// step-up: instead of an OIDC authorization code, Create starts a step-up
// session at the tenant's API (POST /v1/auth/stepup) for the user's
// enrolled BlockID user id, the client opens the public challenge
// parameter sessionUrl and answers {"done":true}, and Verify fetches the
// session's result itself and requires it completed, for the enrolled user,
// with a face match and liveness, no older than the challenge.
//
// The secret is a JSON object of contract.SessionSecret's shape:
// {"apiKey", "tenantDns", "community"}. A created secret takes apiKey from
// the NoEcho parameter <prefix>ApiKey, and tenantDns and community from
// TenantDNS and Community or from the NoEcho parameters <prefix>TenantDns
// and <prefix>Community (created only when the handlers need them).
//
// Users must be enrolled: a face session has no first-use binding (there is
// no claim to compare with an email or user name), so Enrollment is
// StepUpEnrollment_ADMIN_ONLY and StepUpEnrollment_FIRST_USE is refused. A
// user is enrolled by an administrator,
//
//	go run github.com/cognitobridge/cognitobridge/cmd/cognitobridge-enroll pre-enroll \
//	  -table <StepUpTable name> -user-pool-id <pool id> -sub <Cognito sub> \
//	  -issuer https://{tenantDns}/oauth2/community/{community}/v1 -subject <BlockID user id>
//
// or by an earlier passing step-up of the BlockID OIDC preset (Provider.BlockID)
// in the same step-up table with the same issuer; that works only if
// BlockID's OIDC sub is the user id its step-up API takes, which is ASSUMED
// (see docs/verification-session.md). A user who is not enrolled, or is
// enrolled with another issuer, is refused (not_enrolled,
// enrollment_mismatch) or, when nothing proved the password, gets a decoy.
//
// A session has no ID token: FreshAuthentication, BindClaim,
// BindAttribute, BindMode, RequiredAcr and TokenAuthMethod do not apply and
// are refused. AuthTimeSkew applies: it is the clock skew allowed for the
// session's completed_at and expires_at. Nothing here has run against a
// real BlockID tenant.
type BlockIDSessionProvider struct {
	// Tenant host name, e.g. "acme.1kosmos.net" (no scheme). Only when the
	// construct creates the secret: it is then written into the secret as a
	// plain value. The handlers derive the API URL (unless APIURL is set)
	// and, with Community, the enrollment issuer (unless EnrollmentIssuer is
	// set) from it.
	// Default: - from the secret (NoEcho parameter <prefix>TenantDns, created
	// unless both APIURL and EnrollmentIssuer are set).
	TenantDNS *string
	// Community name. Only with TenantDNS; required with TenantDNS unless
	// EnrollmentIssuer is set.
	// Default: - from the secret (NoEcho parameter <prefix>Community, created
	// unless EnrollmentIssuer or TenantDNS is set).
	Community *string
	// Base URL of the step-up session API (https; http only on localhost or
	// 127.0.0.1, for test peers); the handlers append /v1/auth/stepup.
	// Default: https://{tenantDns} of the secret.
	APIURL *string
	// Issuer of the enrollments the step-up accepts: the -issuer an
	// administrator pre-enrolls users with (and the issuer of the BlockID
	// OIDC step-up, if users were enrolled by it).
	// Default: https://{tenantDns}/oauth2/community/{community}/v1 of the
	// secret (the BlockID OIDC issuer).
	EnrollmentIssuer *string
	// The reason code sent with every session, 1 to 64 characters of a-z,
	// 0-9 and _. It is not the guard's StepUpReasons (what a client may name
	// for the token claims).
	// Default: "high_value_transaction".
	Reason *string
	// Lifetime of a session at BlockID, whole seconds from 30 to 900;
	// Verify also refuses a challenge older than this (plus AuthTimeSkew)
	// without asking BlockID. The person must finish within it and within
	// the created client's AuthSessionValidity (default 5 minutes).
	// Default: awscdk.Duration_Seconds(300).
	SessionTimeout awscdk.Duration
	// How long Verify keeps asking while BlockID still reports the session
	// pending (the browser may answer a moment before BlockID stored the
	// result), 0 to 3 seconds, always inside the function's budget.
	// Default: awscdk.Duration_Seconds(1).
	PendingWait awscdk.Duration
}

// isSession reports whether the preset is the verification session.
func (p *StepUpProps) isSession() bool { return p.Provider != nil && p.Provider.BlockIDSession != nil }

func (b *BlockIDSessionProvider) kind() (string, string) {
	return contract.ProviderBlockIDSession, "BlockIDSession"
}

func (b *BlockIDSessionProvider) privateKeyJWT() (string, error) {
	return "", errNoPrivateKeyJWT("BlockIDSession")
}

// validate checks the preset and the props that do not apply to it.
func (b *BlockIDSessionProvider) validate(p *StepUpProps) []error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if b.Community != nil && b.TenantDNS == nil {
		add("expected Provider.BlockIDSession.Community only with TenantDNS, received Community=%s with TenantDNS=nil", propcheck.Show(b.Community))
	}
	if b.TenantDNS != nil && b.Community == nil && b.EnrollmentIssuer == nil {
		add("expected Provider.BlockIDSession.Community with TenantDNS (the enrollment issuer is derived from both) unless EnrollmentIssuer is set, received TenantDNS=%s Community=nil", propcheck.Show(b.TenantDNS))
	}
	if b.TenantDNS != nil && p.Secret != nil {
		add("expected Provider.BlockIDSession.TenantDNS and Community only when the construct creates the secret (the handlers read them from the secret), received TenantDNS=%s with an existing Secret", propcheck.Show(b.TenantDNS))
	}
	if b.TenantDNS != nil && !propcheck.IsToken(b.TenantDNS) && !propcheck.Hostname.MatchString(*b.TenantDNS) {
		add("expected Provider.BlockIDSession.TenantDNS to be a host name without scheme or path, received %s", propcheck.Show(b.TenantDNS))
	}
	if b.Community != nil && !propcheck.IsToken(b.Community) && !propcheck.PathPart.MatchString(*b.Community) {
		add("expected Provider.BlockIDSession.Community to be a community name (letters, digits, . _ ~ -), received %s", propcheck.Show(b.Community))
	}
	if b.Reason != nil && !propcheck.IsToken(b.Reason) && !contract.ValidStepUpReason(*b.Reason) {
		add("expected Provider.BlockIDSession.Reason to be 1 to 64 characters of a-z, 0-9 and _, received %s", propcheck.Show(b.Reason))
	}
	errs = append(errs,
		propcheck.URL("Provider.BlockIDSession.APIURL", b.APIURL, false),
		propcheck.URL("Provider.BlockIDSession.EnrollmentIssuer", b.EnrollmentIssuer, false),
	)

	// Create starts a BlockID face session (a push to the enrolled
	// person's device, billed by BlockID) for whoever starts a sign-in:
	// without the password step first, anyone who knows a user name could.
	if p.AllowPasswordless != nil && *p.AllowPasswordless {
		add("expected AllowPasswordless nil or false with Provider.BlockIDSession (Create starts a BlockID session and a push to the user's device; without the password step anyone who knows a user name could start them), received true")
	}
	// No first-use binding for a face session.
	if p.Enrollment == StepUpEnrollment_FIRST_USE {
		add("expected Enrollment nil or StepUpEnrollment_ADMIN_ONLY with Provider.BlockIDSession (a face session has no first-use binding: enroll users with cognitobridge-enroll pre-enroll), received %q", string(p.Enrollment))
	}
	// No ID token.
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"FreshAuthentication", p.FreshAuthentication != nil},
		{"BindClaim", p.BindClaim != nil},
		{"BindAttribute", p.BindAttribute != nil},
		{"BindMode", p.BindMode != nil},
		{"RequiredAcr", p.RequiredAcr != nil},
		{"TokenAuthMethod", p.TokenAuthMethod != nil},
	} {
		if f.set {
			add("expected %s nil with Provider.BlockIDSession (a verification session has no ID token; it is always started and checked after the challenge's creation), received it set", f.name)
		}
	}
	// The Duration fields need jsii.
	return append(errs,
		propcheck.DurationMillis("Provider.BlockIDSession.SessionTimeout", b.SessionTimeout, MinSessionTimeoutSeconds*1000, MaxSessionTimeoutSeconds*1000),
		propcheck.WholeSeconds("Provider.BlockIDSession.SessionTimeout", b.SessionTimeout),
		// awscdk.Duration itself refuses a fraction of a millisecond.
		propcheck.DurationMillis("Provider.BlockIDSession.PendingWait", b.PendingWait, 0, MaxSessionPendingWaitMillis),
	)
}

// env adds the preset's keys to the Create/Verify configuration. A session
// has no endpoints, acr values, binding or fresh-authentication keys.
func (b *BlockIDSessionProvider) env(_ *StepUpProps, provider map[string]string) {
	if b.APIURL != nil {
		provider[contract.EnvSessionAPIURL] = *b.APIURL
	}
	if b.EnrollmentIssuer != nil {
		provider[contract.EnvIssuer] = *b.EnrollmentIssuer
	}
	provider[contract.EnvSessionReason] = DefaultSessionReason
	if b.Reason != nil {
		provider[contract.EnvSessionReason] = *b.Reason
	}
	provider[contract.EnvSessionTimeoutSeconds] = gofn.EnvNumber(orDuration(b.SessionTimeout, DefaultSessionTimeoutSeconds*1000) / 1000)
}

// verifyEnv is the preset's configuration only Verify decides with.
func (b *BlockIDSessionProvider) verifyEnv() map[string]string {
	return map[string]string{
		contract.EnvSessionPendingWaitMillis: gofn.EnvNumber(orDuration(b.PendingWait, DefaultSessionPendingWaitMillis)),
	}
}

// triggerDescriptions are the Create and Verify function descriptions.
func (p *StepUpProps) triggerDescriptions() (create, verify string) {
	if p.isSession() {
		return "Create auth challenge: starts a BlockID verification session for the user's enrolled identity",
			"Verify auth challenge response: fetches the session's result and checks it against the enrolled user"
	}
	return "Create auth challenge: builds the provider authorize URL with state, nonce and PKCE",
		"Verify auth challenge response: exchanges the code and checks the ID token against the user"
}

// secret is the secret of contract.SessionSecret's shape: the template
// holds only Refs to NoEcho parameters (and the tenant and community when
// given as props), never the API key.
func (b *BlockIDSessionProvider) secret(param secretParam) secretSpec {
	values := map[string]awscdk.SecretValue{
		contract.SessionSecretKeyAPIKey: param("ApiKey", "BlockID API key of the step-up session API (stored in Secrets Manager)"),
	}
	switch {
	case b.TenantDNS != nil:
		// Not credentials (every session URL shows the tenant), but the
		// handlers read them from the secret.
		values[contract.SessionSecretKeyTenantDNS] = awscdk.SecretValue_UnsafePlainText(b.TenantDNS)
		if b.Community != nil {
			values[contract.SessionSecretKeyCommunity] = awscdk.SecretValue_UnsafePlainText(b.Community)
		}
	default:
		// tenantDns gives the API URL and, with community, the issuer.
		if b.APIURL == nil || b.EnrollmentIssuer == nil {
			values[contract.SessionSecretKeyTenantDNS] = param("TenantDns", "BlockID tenant DNS name, e.g. acme.1kosmos.net (stored in Secrets Manager)")
		}
		if b.EnrollmentIssuer == nil {
			values[contract.SessionSecretKeyCommunity] = param("Community", "BlockID community name (stored in Secrets Manager)")
		}
	}
	return secretSpec{
		values:      values,
		description: "cognitobridge BlockID verification-session step-up credentials",
		noRotation: "The value is an API key issued by BlockID: it can only be rotated at the provider (then written here with " +
			"PutSecretValue or a stack parameter update). The handlers pick up a new value without a redeploy (cache TTL, " +
			"and one refetch when BlockID refuses the key), so no Secrets Manager rotation Lambda applies.",
	}
}
