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
// problems are reported together, a value that does not parse beside
// what Validate finds in the rest; errors name keys and values only (the
// environment holds no secret).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := readProvider(get)
	c.Scopes = strings.Fields(orDefault(get(contract.EnvScopes), DefaultScopes))
	c.IDTokenAlgs = commaList(orDefault(get(contract.EnvIDTokenAlgs), DefaultIDTokenAlgs))
	c.Proofs = commaList(orDefault(get(contract.EnvConnectProofs), contract.DefaultConnectProofs))
	var p problems
	c.readLimits(get, &p)
	// A value that did not parse keeps its default, so Validate does not
	// report it twice.
	if err := c.Validate(); err != nil {
		p = append(p, err)
	}
	if err := errors.Join(p...); err != nil {
		return Config{}, err
	}
	return c, nil
}

// readProvider reads the pool, the provider, its client and the table,
// with the defaults of the fields read as text.
func readProvider(get func(string) string) Config {
	c := Config{
		PoolID:          get(contract.EnvConnectUserPoolID),
		ProviderName:    get(contract.EnvConnectProviderName),
		Issuer:          strings.TrimSuffix(get(contract.EnvIssuer), "/"),
		Endpoints:       oidcrp.Endpoints{Authorize: get(contract.EnvAuthorizeURL), Token: get(contract.EnvTokenURL), JWKS: get(contract.EnvJWKSURL)},
		ClientID:        get(contract.EnvClientID),
		RedirectURI:     get(contract.EnvRedirectURI),
		TokenAuthMethod: orDefault(get(contract.EnvTokenAuthMethod), contract.TokenAuthBasic),
		SecretARN:       get(contract.EnvSecretARN),
		SecretField:     orDefault(get(contract.EnvConnectSecretField), contract.SecretKeyClientSecret),
		Table:           get(contract.EnvConnectTable),
		TokenIssuer:     get(contract.EnvTokenIssuer),
		TokenClientID:   get(contract.EnvTokenClientID),
	}
	if c.KeyMode() {
		// Read with its defaults; checked by Validate.
		c.ClientAssertion, _ = clientassert.ConfigFromEnv(get)
	}
	return c
}

// readLimits reads the lifetimes and the identity limit, each within its
// bounds; a value that does not parse is reported and leaves the default.
func (c *Config) readLimits(get func(string) string, p *problems) {
	c.SecretTTL, c.StateTTL, c.MaxAuthAge, c.AuthTimeSkew = DefaultSecretTTL, DefaultStateTTL, DefaultMaxAuthAge, DefaultAuthTimeSkew
	c.MaxIdentities = contract.DefaultLinkMaxIdentities
	seconds := func(key string, dst *time.Duration, lo, hi time.Duration) {
		v := get(key)
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		d := time.Duration(n) * time.Second
		if err != nil || d < lo || d > hi {
			p.bad(key, fmt.Sprintf("an integer %d..%d", int(lo/time.Second), int(hi/time.Second)), v)
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
			p.bad(contract.EnvLinkMaxIdentities, fmt.Sprintf("an integer 1..%d", contract.DefaultLinkMaxIdentities), v)
		} else {
			c.MaxIdentities = n
		}
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// commaList splits on commas and trims each entry (an empty entry stays,
// for Validate to refuse).
func commaList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(v))
	}
	return out
}

// problems collects configuration errors, each worded
// "KEY: expected X, received Y".
type problems []error

func (p *problems) bad(key, expected, received string) {
	*p = append(*p, fmt.Errorf("%s: expected %s, received %q", key, expected, received))
}

// Validate checks a configuration (ConfigFromEnv's, or one built in code);
// every problem is reported, in the order of the checks below.
func (c Config) Validate() error {
	var p problems
	c.checkProvider(&p)
	c.checkTokenRequest(&p)
	c.checkLimits(&p)
	c.checkCaller(&p)
	return errors.Join(p...)
}

// checkProvider checks the pool, the provider's name, issuer, endpoints and
// client, and the scopes asked of it.
func (c Config) checkProvider(p *problems) {
	if !poolIDPattern.MatchString(c.PoolID) || len(c.PoolID) > 55 {
		p.bad(contract.EnvConnectUserPoolID, "a user pool id (<region>_<id>)", c.PoolID)
	}
	if n := utf8.RuneCountInString(c.ProviderName); n < 1 || n > maxProviderName || !providerNamePattern.MatchString(c.ProviderName) || c.ProviderName == "Cognito" {
		p.bad(contract.EnvConnectProviderName, "the identity provider's name in the pool (1..32 characters, not Cognito)", c.ProviderName)
	}
	if c.Issuer == "" || oidcrp.CheckEndpointURL(c.Issuer) != nil {
		p.bad(contract.EnvIssuer, "an https issuer URL (http only on loopback)", c.Issuer)
	}
	for _, kv := range [][2]string{{contract.EnvAuthorizeURL, c.Endpoints.Authorize}, {contract.EnvTokenURL, c.Endpoints.Token}, {contract.EnvJWKSURL, c.Endpoints.JWKS}} {
		if kv[1] != "" && oidcrp.CheckEndpointURL(kv[1]) != nil {
			p.bad(kv[0], "an https URL (http only on loopback) without fragment", kv[1])
		}
	}
	if c.ClientID == "" {
		p.bad(contract.EnvClientID, "the provider's OIDC client id", "")
	}
	if u, err := url.Parse(c.RedirectURI); c.RedirectURI == "" || err != nil || !u.IsAbs() || u.Fragment != "" || oidcrp.CheckEndpointURL(c.RedirectURI) != nil {
		p.bad(contract.EnvRedirectURI, "the app's https redirect URI without fragment (http only on loopback)", c.RedirectURI)
	}
	if !slices.Contains(c.Scopes, "openid") {
		p.bad(contract.EnvScopes, "a space separated list containing openid", strings.Join(c.Scopes, " "))
	}
}

// checkTokenRequest checks how the callback authenticates at the token
// endpoint and what it accepts back.
func (c Config) checkTokenRequest(p *problems) {
	switch c.TokenAuthMethod {
	case contract.TokenAuthBasic, contract.TokenAuthPost:
	case contract.TokenAuthPrivateKeyJWT:
		if err := c.ClientAssertion.Validate(); err != nil {
			*p = append(*p, err)
		}
		if c.SecretARN != "" {
			p.bad(contract.EnvSecretARN, "nothing with "+contract.TokenAuthPrivateKeyJWT+" (a KMS key authenticates; no secret is read)", c.SecretARN)
		}
	default:
		p.bad(contract.EnvTokenAuthMethod, contract.TokenAuthBasic+", "+contract.TokenAuthPost+" or "+contract.TokenAuthPrivateKeyJWT, c.TokenAuthMethod)
	}
	if len(c.IDTokenAlgs) == 0 {
		p.bad(contract.EnvIDTokenAlgs, "asymmetric JWS algorithms (RS*, PS*, ES*, EdDSA)", "")
	}
	for _, a := range c.IDTokenAlgs {
		if !oidcrp.AllowedAlgs[a] {
			p.bad(contract.EnvIDTokenAlgs, "asymmetric JWS algorithms (RS*, PS*, ES*, EdDSA)", a)
		}
	}
	if !secretFieldPattern.MatchString(c.SecretField) {
		p.bad(contract.EnvConnectSecretField, "a JSON field name (letters, digits, _ . -)", c.SecretField)
	}
}

// checkLimits checks the table and the lifetimes.
func (c Config) checkLimits(p *problems) {
	if c.Table == "" {
		p.bad(contract.EnvConnectTable, "the connect table's name", "")
	}
	if c.StateTTL < minStateTTL || c.StateTTL > maxStateTTL {
		p.bad(contract.EnvConnectStateTTLSeconds, "60..3600 seconds", c.StateTTL.String())
	}
	if c.MaxAuthAge < minMaxAuthAge || c.MaxAuthAge > maxMaxAuthAge {
		p.bad(contract.EnvConnectMaxAuthAgeSeconds, "60..3600 seconds", c.MaxAuthAge.String())
	}
	if c.AuthTimeSkew < 0 || c.AuthTimeSkew > maxAuthTimeSkew {
		p.bad(contract.EnvAuthTimeSkewSeconds, "0..300 seconds", c.AuthTimeSkew.String())
	}
	if c.SecretTTL < 0 || c.SecretTTL > maxSecretTTL {
		p.bad(contract.EnvSecretTTLSeconds, "0..86400 seconds", c.SecretTTL.String())
	}
}

// checkCaller checks what the caller's access token must carry, the
// identity limit and the proofs a connect asks for.
func (c Config) checkCaller(p *problems) {
	if c.TokenIssuer == "" || oidcrp.CheckEndpointURL(c.TokenIssuer) != nil {
		p.bad(contract.EnvTokenIssuer, "the user pool's issuer URL", c.TokenIssuer)
	}
	if c.TokenClientID == "" {
		p.bad(contract.EnvTokenClientID, "the app client id whose access tokens are accepted", "")
	}
	if c.MaxIdentities < 1 || c.MaxIdentities > contract.DefaultLinkMaxIdentities {
		p.bad(contract.EnvLinkMaxIdentities, fmt.Sprintf("1..%d", contract.DefaultLinkMaxIdentities), strconv.Itoa(c.MaxIdentities))
	}
	for i, v := range c.Proofs {
		if !slices.Contains(contract.ConnectProofs, v) || slices.Contains(c.Proofs[:i], v) {
			p.bad(contract.EnvConnectProofs, "distinct names of "+strings.Join(contract.ConnectProofs, ", "), strings.Join(c.Proofs, ","))
			break
		}
	}
}
