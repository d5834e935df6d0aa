package stepup

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/oidcrp"
)

// Defaults applied by ConfigFromEnv.
const (
	DefaultScopes      = "openid"
	DefaultIDTokenAlgs = "RS256,ES256,PS256"
	DefaultSecretTTL   = contract.DefaultSecretTTLSeconds * time.Second
	DefaultMaxAttempts = contract.DefaultMaxAttempts
	DefaultBudget      = 4000 * time.Millisecond
	maxMaxAttempts     = contract.MaxMaxAttempts
	minBudget          = 100 * time.Millisecond
	maxBudget          = 4700 * time.Millisecond
	maxSecretTTL       = 24 * time.Hour
	// DefaultAuthTimeSkew is the clock skew allowed between the provider's
	// auth_time and Create's clock.
	DefaultAuthTimeSkew = contract.DefaultAuthTimeSkewSeconds * time.Second
	maxAuthTimeSkew     = contract.MaxAuthTimeSkewSeconds * time.Second
)

// DefineConfig is what the Define trigger needs.
type DefineConfig struct {
	// MaxAttempts caps the custom challenge answers per sign-in. Default: 3.
	MaxAttempts int
	// AllowPasswordless lets a sign-in start with the custom challenge
	// (empty session). Default: false.
	AllowPasswordless bool
	// Policy is contract.PolicyAlways (default) or contract.PolicyOnDemand.
	Policy string
	// Reasons are the step-up reasons that, with PolicyOnDemand, make a
	// sign-in pass the provider (contract.EnvStepUpReasons). Default:
	// ["high_value_transaction"].
	Reasons []string
}

// Config is the configuration of the Create and Verify triggers, read once
// per container from the environment (see contract.Env*).
type Config struct {
	// Provider is contract.ProviderBlockID or contract.ProviderOIDC. Required.
	Provider string
	// SecretARN names the Secrets Manager secret (contract.ProviderSecret). Required.
	SecretARN string
	// Issuer is the expected ID token issuer. Required for OIDC; for
	// BlockID derived from the secret's tenantDns and community when empty.
	Issuer string
	// AuthorizeURL, TokenURL and JWKSURL each replace what discovery (or,
	// for BlockID, the tenant URL pattern) would give. Optional.
	AuthorizeURL string
	// TokenURL is the token endpoint override. Optional.
	TokenURL string
	// JWKSURL is the key set override. Optional.
	JWKSURL string
	// ClientID is the OIDC client id; the secret's clientId wins. One of
	// them is required at run time.
	ClientID string
	// RedirectURI is the registered redirect URI. Required for OIDC; for
	// BlockID default https://{tenantDns}/admin/{community}/post_stepup.
	RedirectURI string
	// Scopes requested; must contain openid. Default: ["openid"].
	Scopes []string
	// ACRValues are requested (acr_values, and for BlockID the claims
	// parameter). Default: none.
	ACRValues []string
	// RequiredACR, when non-empty, lists the acr values a token must carry
	// one of. Default: none (acr not checked).
	RequiredACR []string
	// BindClaim is the ID token claim naming the person. Default:
	// "username" for BlockID, "email" otherwise.
	BindClaim string
	// BindAttribute is the Cognito attribute the claim must equal;
	// contract.BindAttributeUsername means the user name. Default:
	// BindAttributeUsername for BlockID, "email" otherwise.
	BindAttribute string
	// BindMode is contract.BindModeExact or contract.BindModeEmail.
	// Default: email when BindAttribute is "email", exact otherwise.
	BindMode string
	// TokenAuthMethod is contract.TokenAuthBasic (default), TokenAuthPost
	// or TokenAuthPrivateKeyJWT (a KMS key signs a client assertion; no
	// secret: SecretARN is then empty and ClientID required).
	TokenAuthMethod string
	// ClientAssertion configures TokenAuthPrivateKeyJWT; zero otherwise.
	ClientAssertion ClientAssertionConfig
	// IDTokenAlgs are the accepted signing algorithms. Default: RS256, ES256, PS256.
	IDTokenAlgs []string
	// SecretTTL is how long a fetched secret is reused. Default: 300 s.
	SecretTTL time.Duration
	// MaxAttempts caps custom challenge answers (used by Define). Default: 3.
	MaxAttempts int
	// AllowPasswordless (used by Define). Default: false.
	AllowPasswordless bool
	// Budget bounds all upstream calls of one invocation. Default: 4 s.
	Budget time.Duration
	// Enrollment is contract.EnrollmentFirstUse (default) or
	// contract.EnrollmentAdminOnly.
	Enrollment string
	// FreshAuth asks the provider for a new authentication (max_age=0,
	// prompt=login) and requires auth_time. Default: true.
	FreshAuth bool
	// AuthTimeSkew is how much earlier than the challenge's creation
	// auth_time may be. Default: 30 s.
	AuthTimeSkew time.Duration
	// Session configures the verification-session kind
	// (contract.ProviderBlockIDSession); see session_config.go.
	Session SessionConfig
}

// DefineConfigFromEnv reads only the keys Define needs
// (contract.EnvMaxAttempts, contract.EnvAllowPasswordless), both optional.
func DefineConfigFromEnv(getenv func(string) string) (DefineConfig, error) {
	var errs []error
	c := DefineConfig{MaxAttempts: DefaultMaxAttempts}
	if v := strings.TrimSpace(getenv(contract.EnvMaxAttempts)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxMaxAttempts {
			errs = append(errs, fmt.Errorf("%s: expected an integer 1..%d, received %q", contract.EnvMaxAttempts, maxMaxAttempts, v))
		} else {
			c.MaxAttempts = n
		}
	}
	if v := strings.TrimSpace(getenv(contract.EnvAllowPasswordless)); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: expected true or false, received %q", contract.EnvAllowPasswordless, v))
		}
		c.AllowPasswordless = b
	}
	var err error
	if c.Policy, err = contract.ParseStepUpPolicy(strings.TrimSpace(getenv(contract.EnvStepUpPolicy))); err != nil {
		errs = append(errs, err)
	}
	if c.Reasons, err = contract.ParseStepUpReasons(strings.TrimSpace(getenv(contract.EnvStepUpReasons))); err != nil {
		errs = append(errs, err)
		c.Reasons = contract.DefaultStepUpReasons()
	}
	return c, errors.Join(errs...)
}

// ConfigFromEnv reads, defaults and validates the Create/Verify
// configuration. All problems are reported together; the error names keys
// and values only (the environment never holds secrets).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	dc, err := DefineConfigFromEnv(getenv)
	c := Config{MaxAttempts: dc.MaxAttempts, AllowPasswordless: dc.AllowPasswordless}
	// The token and binding readers default by provider: it is read first.
	if err := errors.Join(err, c.readProvider(get), c.readToken(get), c.readBinding(get), c.readLimits(get)); err != nil {
		return Config{}, err
	}
	return c, nil
}

// envErrors collects every problem of a configuration, so that one deploy
// shows them all rather than the first.
type envErrors []error

// bad adds the usual "KEY: expected X, received Y" error.
func (e *envErrors) bad(key, expected, received string) {
	*e = append(*e, fmt.Errorf("%s: expected %s, received %q", key, expected, received))
}

// add adds err unless it is nil.
func (e *envErrors) add(err error) {
	if err != nil {
		*e = append(*e, err)
	}
}

func (e envErrors) err() error { return errors.Join(e...) }

// durationIn reads key as a whole number of unit in [lo, hi]; an empty key
// leaves *into (its default) alone.
func (e *envErrors) durationIn(get func(string) string, key string, unit time.Duration, lo, hi int, into *time.Duration) {
	v := get(key)
	if v == "" {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		e.bad(key, fmt.Sprintf("an integer %d..%d", lo, hi), v)
		return
	}
	*into = time.Duration(n) * unit
}

// readProvider reads which provider the step-up asks, how Verify
// authenticates at its token endpoint (secret or key), and the endpoints
// and redirect URI that replace discovery.
func (c *Config) readProvider(get func(string) string) error {
	var e envErrors
	c.Provider = get(contract.EnvProvider)
	c.SecretARN = get(contract.EnvSecretARN)
	c.Issuer = strings.TrimSuffix(get(contract.EnvIssuer), "/")
	c.AuthorizeURL = get(contract.EnvAuthorizeURL)
	c.TokenURL = get(contract.EnvTokenURL)
	c.JWKSURL = get(contract.EnvJWKSURL)
	c.ClientID = get(contract.EnvClientID)
	c.RedirectURI = get(contract.EnvRedirectURI)
	c.TokenAuthMethod = get(contract.EnvTokenAuthMethod)
	switch c.Provider {
	case contract.ProviderBlockID, contract.ProviderOIDC:
	case contract.ProviderBlockIDSession:
		var err error
		c.Session, err = sessionConfigFromEnv(get)
		e.add(err)
	default:
		e.bad(contract.EnvProvider, contract.ProviderBlockID+", "+contract.ProviderOIDC+" or "+contract.ProviderBlockIDSession, c.Provider)
	}
	keyMode := c.keyMode()
	if c.SecretARN == "" && !keyMode {
		e.bad(contract.EnvSecretARN, "a Secrets Manager secret ARN", "")
	}
	if keyMode {
		var err error
		c.ClientAssertion, err = clientAssertionFromEnv(get, *c)
		e.add(err)
	}
	if c.Provider == contract.ProviderOIDC {
		if c.Issuer == "" {
			e.bad(contract.EnvIssuer, "an issuer URL (required for provider oidc)", "")
		}
		if c.RedirectURI == "" {
			e.bad(contract.EnvRedirectURI, "a redirect URI (required for provider oidc)", "")
		}
	}
	for _, kv := range [][2]string{
		{contract.EnvIssuer, c.Issuer},
		{contract.EnvAuthorizeURL, c.AuthorizeURL},
		{contract.EnvTokenURL, c.TokenURL},
		{contract.EnvJWKSURL, c.JWKSURL},
	} {
		if kv[1] != "" {
			if err := checkEndpointURL(kv[1]); err != nil {
				e.bad(kv[0], "an https URL (http only on loopback) without fragment", kv[1])
			}
		}
	}
	if c.RedirectURI != "" {
		if u, err := url.Parse(c.RedirectURI); err != nil || u.Scheme == "" || u.Fragment != "" || !u.IsAbs() {
			e.bad(contract.EnvRedirectURI, "an absolute URI without fragment", c.RedirectURI)
		}
	}
	if c.TokenAuthMethod == "" {
		c.TokenAuthMethod = contract.TokenAuthBasic
	}
	if c.TokenAuthMethod != contract.TokenAuthBasic && c.TokenAuthMethod != contract.TokenAuthPost && !keyMode {
		e.bad(contract.EnvTokenAuthMethod, contract.TokenAuthBasic+", "+contract.TokenAuthPost+" or "+contract.TokenAuthPrivateKeyJWT, c.TokenAuthMethod)
	}
	return e.err()
}

// readToken reads what the step-up asks of the provider (scopes, acr
// values, fresh authentication) and what the ID token must show (acr,
// signing algorithm). c.Provider must be read.
func (c *Config) readToken(get func(string) string) error {
	var e envErrors
	scopes := get(contract.EnvScopes)
	if scopes == "" {
		scopes = DefaultScopes
	}
	c.Scopes = strings.Fields(scopes)
	if !slices.Contains(c.Scopes, "openid") {
		e.bad(contract.EnvScopes, "a space separated list containing openid", scopes)
	}
	var ok bool
	if c.ACRValues, ok = parseStringArray(get(contract.EnvACRValues)); !ok {
		e.bad(contract.EnvACRValues, `a JSON array of non-empty strings, e.g. ["liveID push"]`, get(contract.EnvACRValues))
	} else if c.Provider == contract.ProviderBlockID {
		for _, a := range c.ACRValues {
			if strings.ContainsAny(a, "',") {
				e.bad(contract.EnvACRValues, "acr values without quote or comma for provider blockid", a)
			}
		}
	}
	if c.RequiredACR, ok = parseStringArray(get(contract.EnvRequiredACR)); !ok {
		e.bad(contract.EnvRequiredACR, "a JSON array of non-empty strings", get(contract.EnvRequiredACR))
	}
	algs := get(contract.EnvIDTokenAlgs)
	if algs == "" {
		algs = DefaultIDTokenAlgs
	}
	for _, a := range strings.Split(algs, ",") {
		a = strings.TrimSpace(a)
		if !oidcrp.AllowedAlgs[a] {
			e.bad(contract.EnvIDTokenAlgs, "asymmetric JWS algorithms (RS*, PS*, ES*, EdDSA)", a)
			continue
		}
		c.IDTokenAlgs = append(c.IDTokenAlgs, a)
	}
	c.FreshAuth = true
	switch v := get(contract.EnvFreshAuth); v {
	case "", contract.FreshAuthRequired:
	case contract.FreshAuthOff:
		c.FreshAuth = false
	default:
		e.bad(contract.EnvFreshAuth, contract.FreshAuthRequired+" or "+contract.FreshAuthOff, v)
	}
	return e.err()
}

// readBinding reads how a passed step-up is tied to the Cognito user: the
// claim, the attribute and how they compare, and who may enroll. The
// defaults depend on c.Provider, which must be read.
func (c *Config) readBinding(get func(string) string) error {
	var e envErrors
	c.BindClaim = get(contract.EnvBindClaim)
	c.BindAttribute = get(contract.EnvBindAttribute)
	c.BindMode = get(contract.EnvBindMode)
	c.Enrollment = get(contract.EnvEnrollment)
	switch c.Enrollment {
	case "":
		c.Enrollment = contract.EnrollmentFirstUse
	case contract.EnrollmentFirstUse, contract.EnrollmentAdminOnly:
	default:
		e.bad(contract.EnvEnrollment, contract.EnrollmentFirstUse+" or "+contract.EnrollmentAdminOnly, c.Enrollment)
	}
	if c.BindClaim == "" {
		c.BindClaim = "email"
		if c.Provider == contract.ProviderBlockID {
			c.BindClaim = "username"
		}
	}
	if c.BindAttribute == "" {
		c.BindAttribute = "email"
		if c.Provider == contract.ProviderBlockID {
			c.BindAttribute = contract.BindAttributeUsername
		}
	}
	if c.BindMode == "" {
		c.BindMode = contract.BindModeExact
		if c.BindAttribute == "email" {
			c.BindMode = contract.BindModeEmail
		}
	}
	switch c.BindMode {
	case contract.BindModeExact:
	case contract.BindModeEmail:
		if c.BindAttribute != "email" {
			e.bad(contract.EnvBindAttribute, `"email" when the bind mode is email`, c.BindAttribute)
		}
	default:
		e.bad(contract.EnvBindMode, contract.BindModeExact+" or "+contract.BindModeEmail, c.BindMode)
	}
	return e.err()
}

// readLimits reads the time bounds: the secret's reuse, the invocation's
// budget and the auth_time skew.
func (c *Config) readLimits(get func(string) string) error {
	var e envErrors
	c.SecretTTL, c.Budget, c.AuthTimeSkew = DefaultSecretTTL, DefaultBudget, DefaultAuthTimeSkew
	e.durationIn(get, contract.EnvSecretTTLSeconds, time.Second, 0, int(maxSecretTTL/time.Second), &c.SecretTTL)
	e.durationIn(get, contract.EnvBudgetMillis, time.Millisecond, int(minBudget/time.Millisecond), int(maxBudget/time.Millisecond), &c.Budget)
	e.durationIn(get, contract.EnvAuthTimeSkewSeconds, time.Second, 0, int(maxAuthTimeSkew/time.Second), &c.AuthTimeSkew)
	return e.err()
}

// parseStringArray parses an optional JSON array of non-empty strings.
func parseStringArray(s string) ([]string, bool) {
	if s == "" {
		return nil, true
	}
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, false
	}
	for _, v := range out {
		if strings.TrimSpace(v) == "" {
			return nil, false
		}
	}
	return out, true
}

// checkEndpointURL is oidcrp.CheckEndpointURL (https, or http on loopback).
func checkEndpointURL(raw string) error { return oidcrp.CheckEndpointURL(raw) }
