package connect

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cognitobridge/cognitobridge/lambdas/clientassert"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/oidcrp"
)

// Defaults and bounds of Config.
const (
	DefaultScopes       = "openid"
	DefaultIDTokenAlgs  = "RS256,ES256,PS256"
	DefaultSecretTTL    = 300 * time.Second
	DefaultStateTTL     = contract.DefaultConnectStateTTLSeconds * time.Second
	DefaultMaxAuthAge   = contract.DefaultConnectMaxAuthAgeSeconds * time.Second
	DefaultAuthTimeSkew = 30 * time.Second

	minStateTTL     = 60 * time.Second
	maxStateTTL     = 3600 * time.Second
	minMaxAuthAge   = 60 * time.Second
	maxMaxAuthAge   = 3600 * time.Second
	maxAuthTimeSkew = 300 * time.Second
	maxSecretTTL    = 24 * time.Hour
	maxProviderName = 32
)

var (
	providerNamePattern = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}\p{Z}]+$`)
	poolIDPattern       = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
	secretFieldPattern  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
)

// Config is the configuration of the connect handlers, read once per
// container from the environment (contract.EnvConnect* and the provider
// keys the step-up handlers use too).
type Config struct {
	// PoolID is the user pool's id. Required.
	PoolID string
	// ProviderName is the identity provider's name in the pool
	// (SourceUser.ProviderName). Required.
	ProviderName string
	// Issuer is the provider's issuer (ID token iss, discovery). Required.
	Issuer string
	// Endpoints replace discovery's (any of them). Optional.
	Endpoints oidcrp.Endpoints
	// ClientID is the provider's OIDC client id. Required.
	ClientID string
	// RedirectURI is the app's page the provider sends the browser back
	// to, registered at the provider for ClientID. Required.
	RedirectURI string
	// Scopes requested; must contain openid. Default: ["openid"].
	Scopes []string
	// TokenAuthMethod is contract.TokenAuthBasic (default), TokenAuthPost
	// or TokenAuthPrivateKeyJWT (a KMS key signs a client assertion for
	// each token request; no secret).
	TokenAuthMethod string
	// ClientAssertion configures TokenAuthPrivateKeyJWT; zero otherwise.
	ClientAssertion clientassert.Config
	// IDTokenAlgs are the accepted ID token algorithms. Default: RS256, ES256, PS256.
	IDTokenAlgs []string
	// SecretARN is the secret holding the provider's client secret.
	// Required by the callback, except with TokenAuthPrivateKeyJWT (none
	// then).
	SecretARN string
	// SecretField is the JSON field of the secret with the client secret.
	// Default: contract.SecretKeyClientSecret.
	SecretField string
	// SecretTTL is how long a fetched secret is reused. Default: 300 s.
	SecretTTL time.Duration
	// Table is the connect table. Required.
	Table string
	// StateTTL is how long a start may be finished. Default: 600 s.
	StateTTL time.Duration
	// MaxAuthAge is how recent the caller's Cognito sign-in must be.
	// Default: 900 s.
	MaxAuthAge time.Duration
	// AuthTimeSkew is how much earlier than the start the provider's
	// auth_time may be. Default: 30 s.
	AuthTimeSkew time.Duration
	// TokenIssuer is the pool's issuer (the access token's iss). Required.
	TokenIssuer string
	// TokenClientID is the app client whose access tokens are accepted.
	// Required.
	TokenClientID string
	// MaxIdentities caps the identities of a user. Default: 5.
	MaxIdentities int
	// Proofs are what a connect must prove besides the recent sign-in, any
	// one of them (contract.ConnectProof*). Default: all of them (the
	// verified email or phone matches, or the sign-in passed a second
	// factor); see constructs/connect.ConnectProps.Proofs for the risks.
	// Nil means the default.
	Proofs []string
}

// KeyMode reports whether the token endpoint gets a client assertion
// (private_key_jwt) instead of a client secret.
func (c Config) KeyMode() bool { return c.TokenAuthMethod == contract.TokenAuthPrivateKeyJWT }

// proofs are the configured proofs, or the default ones.
func (c Config) proofs() []string {
	if len(c.Proofs) == 0 {
		return contract.ConnectProofs
	}
	return c.Proofs
}

// ConfigFromEnv reads, defaults and validates the configuration. All
// problems are reported together; errors name keys and values only (the
// environment holds no secret).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	var errs []error
	bad := func(key, expected, received string) {
		errs = append(errs, fmt.Errorf("%s: expected %s, received %q", key, expected, received))
	}
	c := Config{
		PoolID:          get(contract.EnvConnectUserPoolID),
		ProviderName:    get(contract.EnvConnectProviderName),
		Issuer:          strings.TrimSuffix(get(contract.EnvIssuer), "/"),
		Endpoints:       oidcrp.Endpoints{Authorize: get(contract.EnvAuthorizeURL), Token: get(contract.EnvTokenURL), JWKS: get(contract.EnvJWKSURL)},
		ClientID:        get(contract.EnvClientID),
		RedirectURI:     get(contract.EnvRedirectURI),
		TokenAuthMethod: get(contract.EnvTokenAuthMethod),
		SecretARN:       get(contract.EnvSecretARN),
		SecretField:     get(contract.EnvConnectSecretField),
		SecretTTL:       DefaultSecretTTL,
		Table:           get(contract.EnvConnectTable),
		StateTTL:        DefaultStateTTL,
		MaxAuthAge:      DefaultMaxAuthAge,
		AuthTimeSkew:    DefaultAuthTimeSkew,
		TokenIssuer:     get(contract.EnvTokenIssuer),
		TokenClientID:   get(contract.EnvTokenClientID),
		MaxIdentities:   contract.DefaultLinkMaxIdentities,
	}
	if c.SecretField == "" {
		c.SecretField = contract.SecretKeyClientSecret
	}
	if c.TokenAuthMethod == "" {
		c.TokenAuthMethod = contract.TokenAuthBasic
	}
	if c.KeyMode() {
		// Read with its defaults; checked by Validate below.
		c.ClientAssertion, _ = clientassert.ConfigFromEnv(get)
	}
	scopes := get(contract.EnvScopes)
	if scopes == "" {
		scopes = DefaultScopes
	}
	c.Scopes = strings.Fields(scopes)
	algs := get(contract.EnvIDTokenAlgs)
	if algs == "" {
		algs = DefaultIDTokenAlgs
	}
	for _, a := range strings.Split(algs, ",") {
		c.IDTokenAlgs = append(c.IDTokenAlgs, strings.TrimSpace(a))
	}
	seconds := func(key string, dst *time.Duration, lo, hi time.Duration) {
		v := get(key)
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		d := time.Duration(n) * time.Second
		if err != nil || d < lo || d > hi {
			bad(key, fmt.Sprintf("an integer %d..%d", int(lo/time.Second), int(hi/time.Second)), v)
			return
		}
		*dst = d
	}
	seconds(contract.EnvSecretTTLSeconds, &c.SecretTTL, 0, maxSecretTTL)
	seconds(contract.EnvConnectStateTTLSeconds, &c.StateTTL, minStateTTL, maxStateTTL)
	seconds(contract.EnvConnectMaxAuthAgeSeconds, &c.MaxAuthAge, minMaxAuthAge, maxMaxAuthAge)
	seconds(contract.EnvAuthTimeSkewSeconds, &c.AuthTimeSkew, 0, maxAuthTimeSkew)
	if v := get(contract.EnvLinkMaxIdentities); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > contract.DefaultLinkMaxIdentities {
			bad(contract.EnvLinkMaxIdentities, fmt.Sprintf("an integer 1..%d", contract.DefaultLinkMaxIdentities), v)
		} else {
			c.MaxIdentities = n
		}
	}
	c.Proofs = nil
	proofs := get(contract.EnvConnectProofs)
	if proofs == "" {
		proofs = contract.DefaultConnectProofs
	}
	for _, p := range strings.Split(proofs, ",") {
		c.Proofs = append(c.Proofs, strings.TrimSpace(p))
	}
	if len(errs) == 0 {
		if err := c.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate checks a configuration (ConfigFromEnv's, or one built in code).
func (c Config) Validate() error {
	var errs []error
	bad := func(key, expected, received string) {
		errs = append(errs, fmt.Errorf("%s: expected %s, received %q", key, expected, received))
	}
	if !poolIDPattern.MatchString(c.PoolID) || len(c.PoolID) > 55 {
		bad(contract.EnvConnectUserPoolID, "a user pool id (<region>_<id>)", c.PoolID)
	}
	if n := utf8.RuneCountInString(c.ProviderName); n < 1 || n > maxProviderName || !providerNamePattern.MatchString(c.ProviderName) || c.ProviderName == "Cognito" {
		bad(contract.EnvConnectProviderName, "the identity provider's name in the pool (1..32 characters, not Cognito)", c.ProviderName)
	}
	if c.Issuer == "" || oidcrp.CheckEndpointURL(c.Issuer) != nil {
		bad(contract.EnvIssuer, "an https issuer URL (http only on loopback)", c.Issuer)
	}
	for _, kv := range [][2]string{{contract.EnvAuthorizeURL, c.Endpoints.Authorize}, {contract.EnvTokenURL, c.Endpoints.Token}, {contract.EnvJWKSURL, c.Endpoints.JWKS}} {
		if kv[1] != "" && oidcrp.CheckEndpointURL(kv[1]) != nil {
			bad(kv[0], "an https URL (http only on loopback) without fragment", kv[1])
		}
	}
	if c.ClientID == "" {
		bad(contract.EnvClientID, "the provider's OIDC client id", "")
	}
	if u, err := url.Parse(c.RedirectURI); c.RedirectURI == "" || err != nil || !u.IsAbs() || u.Fragment != "" || oidcrp.CheckEndpointURL(c.RedirectURI) != nil {
		bad(contract.EnvRedirectURI, "the app's https redirect URI without fragment (http only on loopback)", c.RedirectURI)
	}
	openid := false
	for _, s := range c.Scopes {
		openid = openid || s == "openid"
	}
	if !openid {
		bad(contract.EnvScopes, "a space separated list containing openid", strings.Join(c.Scopes, " "))
	}
	switch c.TokenAuthMethod {
	case contract.TokenAuthBasic, contract.TokenAuthPost:
	case contract.TokenAuthPrivateKeyJWT:
		if err := c.ClientAssertion.Validate(); err != nil {
			errs = append(errs, err)
		}
		if c.SecretARN != "" {
			bad(contract.EnvSecretARN, "nothing with "+contract.TokenAuthPrivateKeyJWT+" (a KMS key authenticates; no secret is read)", c.SecretARN)
		}
	default:
		bad(contract.EnvTokenAuthMethod, contract.TokenAuthBasic+", "+contract.TokenAuthPost+" or "+contract.TokenAuthPrivateKeyJWT, c.TokenAuthMethod)
	}
	if len(c.IDTokenAlgs) == 0 {
		bad(contract.EnvIDTokenAlgs, "asymmetric JWS algorithms (RS*, PS*, ES*, EdDSA)", "")
	}
	for _, a := range c.IDTokenAlgs {
		if !oidcrp.AllowedAlgs[a] {
			bad(contract.EnvIDTokenAlgs, "asymmetric JWS algorithms (RS*, PS*, ES*, EdDSA)", a)
		}
	}
	if !secretFieldPattern.MatchString(c.SecretField) {
		bad(contract.EnvConnectSecretField, "a JSON field name (letters, digits, _ . -)", c.SecretField)
	}
	if c.Table == "" {
		bad(contract.EnvConnectTable, "the connect table's name", "")
	}
	if c.StateTTL < minStateTTL || c.StateTTL > maxStateTTL {
		bad(contract.EnvConnectStateTTLSeconds, "60..3600 seconds", c.StateTTL.String())
	}
	if c.MaxAuthAge < minMaxAuthAge || c.MaxAuthAge > maxMaxAuthAge {
		bad(contract.EnvConnectMaxAuthAgeSeconds, "60..3600 seconds", c.MaxAuthAge.String())
	}
	if c.AuthTimeSkew < 0 || c.AuthTimeSkew > maxAuthTimeSkew {
		bad(contract.EnvAuthTimeSkewSeconds, "0..300 seconds", c.AuthTimeSkew.String())
	}
	if c.SecretTTL < 0 || c.SecretTTL > maxSecretTTL {
		bad(contract.EnvSecretTTLSeconds, "0..86400 seconds", c.SecretTTL.String())
	}
	if c.TokenIssuer == "" || oidcrp.CheckEndpointURL(c.TokenIssuer) != nil {
		bad(contract.EnvTokenIssuer, "the user pool's issuer URL", c.TokenIssuer)
	}
	if c.TokenClientID == "" {
		bad(contract.EnvTokenClientID, "the app client id whose access tokens are accepted", "")
	}
	if c.MaxIdentities < 1 || c.MaxIdentities > contract.DefaultLinkMaxIdentities {
		bad(contract.EnvLinkMaxIdentities, fmt.Sprintf("1..%d", contract.DefaultLinkMaxIdentities), strconv.Itoa(c.MaxIdentities))
	}
	for i, p := range c.Proofs {
		if !slices.Contains(contract.ConnectProofs, p) || slices.Contains(c.Proofs[:i], p) {
			bad(contract.EnvConnectProofs, "distinct names of "+strings.Join(contract.ConnectProofs, ", "), strings.Join(c.Proofs, ","))
			break
		}
	}
	return errors.Join(errs...)
}
