// Package connect lets a signed-in native user connect an external OpenID
// Provider identity to their own Cognito user, with proof on both sides:
// their recent sign-in to the pool (a fresh access token of the given app
// client) and a new login at the provider (an ID token for this request).
// It is how a person links a provider when automatic linking by email is
// off (the default of constructs/linking, which then tells them to
// "sign in with your password, then connect <provider>").
//
// It creates an HTTP API whose routes sit behind the pool's JWT authorizer
// (HttpUserPoolAuthorizer, access tokens of Client):
//
//	POST /connect/start       → {"authorizeUrl","state","expiresAt"}
//	POST /connect/callback    {"code","state"} → {"connected":true,"provider"}
//	POST /connect/disconnect  → {"disconnected":true,"provider"}
//
// a connect table (pending starts, a short TTL; identity owners), and one
// Go function per route (provided.al2023 arm64, 5 s), each with only the
// rights it needs.
//
// A connect needs more than the password (ConnectProps.Proofs: a matching
// verified email or phone, a fresh step-up, or Cognito MFA on the
// account), and every connect and disconnect is announced on the default
// EventBridge bus (source "cognitobridge", detail types "Provider
// connected" and "Provider disconnected", detail contract.AccountEvent: the
// pool, the user's keyed reference, the provider; never an email or a
// token), so the app can tell the user "a provider was connected to your
// account". A rule on the default bus with the pattern
// {"source":["cognitobridge"]} receives them. The app sends the browser to authorizeUrl; the provider
// returns it to RedirectURI (a page of the app, registered at the provider
// for ClientID) with code and state, which the page posts to
// /connect/callback with the user's access token. See lambdas/connect for
// the checks.
package connect

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/federation"
	"github.com/cognitobridge/cognitobridge/constructs/internal/allow"
	"github.com/cognitobridge/cognitobridge/constructs/internal/clientkey"
	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/constructs/internal/httpapi"
	"github.com/cognitobridge/cognitobridge/constructs/internal/linkable"
	"github.com/cognitobridge/cognitobridge/constructs/internal/logkey"
	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/constructs/internal/recordtable"
	"github.com/cognitobridge/cognitobridge/constructs/pooltriggers"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Handler packages built into the functions.
const (
	StartHandlerPackage      = "github.com/cognitobridge/cognitobridge/lambdas/cmd/connect-start"
	CallbackHandlerPackage   = "github.com/cognitobridge/cognitobridge/lambdas/cmd/connect-callback"
	DisconnectHandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/connect-disconnect"
)

// Routes of the HTTP API.
const (
	StartPath      = contract.ConnectStartPath
	CallbackPath   = contract.ConnectCallbackPath
	DisconnectPath = contract.ConnectDisconnectPath
)

// Function settings.
const (
	MemorySize     = 128
	TimeoutSeconds = 5
)

// Defaults of ConnectProps.
const (
	DefaultStateTTLSeconds   = contract.DefaultConnectStateTTLSeconds
	DefaultMaxAuthAgeSeconds = contract.DefaultConnectMaxAuthAgeSeconds
	DefaultThrottleRateLimit = 10
)

// ConnectProps configures a Connect. Nil means the documented default.
type ConnectProps struct {
	// The user pool. Required.
	UserPool awscognito.IUserPool
	// The app client whose access tokens may call the API: the client the
	// native user signs in with (SRP, or the hosted sign-in with COGNITO).
	// Required.
	Client awscognito.IUserPoolClient

	// The provider as configured by constructs/federation: its name in the
	// pool, issuer, client id and endpoints (from the identity provider's
	// ProviderDetails) and its client secret. Fields set below win.
	// Default: - none; then ProviderName, Issuer, ClientID and Secret are
	// required.
	Federation federation.Federation
	// The identity provider's name in the pool, as a plain string
	// (Federation.ProviderName()). Required without Federation.
	ProviderName *string
	// The provider's issuer (https). Required without Federation.
	Issuer *string
	// The provider's OIDC client id. The client must allow RedirectURI.
	// With TokenAuthMethod private_key_jwt: connect's own client at the
	// provider, registered for private_key_jwt with the public key of
	// ClientAssertionJwks, never Federation's client: Cognito's federation
	// authenticates the pool's identity-provider client to the token
	// endpoint with its client secret (an OIDC identity provider's
	// ProviderDetails hold a client_secret and offer no other client
	// authentication), while a provider's client registration has one
	// token_endpoint_auth_method, so one client cannot serve both. Both
	// clients must get the same subject (sub) for a person: public
	// subjects, or one sector_identifier_uri for pairwise ones.
	// Required without Federation, and with private_key_jwt.
	ClientID *string
	// Explicit provider endpoints.
	// Default: - Federation's, else discovered from Issuer.
	Endpoints *Endpoints
	// The app's page the provider sends the browser back to with code and
	// state (https; http only for localhost). Register it at the provider
	// for ClientID. Required.
	RedirectURI *string
	// Scopes requested; must contain "openid". The proofs by email and
	// phone read the ID token's email / phone_number claims, which a
	// provider sends only for the scopes that ask for them.
	// Default: - Federation's scopes (its provider's authorize_scopes, e.g.
	// "openid email", or "openid phone" for Mosaic by phone), else
	// ["openid"].
	Scopes *[]*string
	// The secret holding the provider's client secret as a JSON field.
	// Only the callback function may read it (an identity grant; the
	// secret's own policy is left alone, since CloudFormation reads
	// Federation's secret too). Required without Federation, except with
	// private_key_jwt (refused then: there is no secret).
	Secret awssecretsmanager.ISecret
	// The JSON field of Secret with the client secret. Not with
	// private_key_jwt.
	// Default: "clientSecret" (contract.SecretKeyClientSecret).
	SecretField *string
	// Token endpoint client authentication of the callback:
	// contract.TokenAuthBasic, contract.TokenAuthPost or
	// contract.TokenAuthPrivateKeyJWT. With private_key_jwt a KMS key signs
	// a client assertion for each code exchange (OpenID Connect Core §9,
	// RFC 7523; lambdas/clientassert, as step-up Verify does) and no secret
	// exists: nothing is read from Secrets Manager (Federation's secret is
	// not granted), ClientID (connect's own client) is required, only the
	// callback function gets kms:Sign, on the signing key alone, and the
	// stack outputs ClientAssertionJwks (the public JWK Set to register at
	// the provider for ClientID) and ClientAssertionKid.
	// Default: contract.TokenAuthBasic.
	TokenAuthMethod *string
	// With private_key_jwt: the asymmetric KMS key (KeyUsage SIGN_VERIFY;
	// RSA_2048 for RS256 and PS256, ECC_NIST_P256 for ES256) that signs.
	// The public-key custom resource gets kms:GetPublicKey and refuses, at
	// deploy, a key that does not fit the algorithm. The step-up's key may
	// be passed here too when both clients accept it.
	// Default: - a new key of the algorithm's spec (removal policy RETAIN).
	ClientAssertionKey awskms.IKey
	// With private_key_jwt: a second key published beside ClientAssertionKey
	// (in ClientAssertionJwks and the jwks_uri), never used to sign (see
	// docs/stepup.md, "Rotating the key without downtime").
	// Default: - none.
	ClientAssertionRotationKey awskms.IKey
	// With private_key_jwt: the JWS algorithm, contract.ClientAssertionRS256,
	// ClientAssertionPS256 or ClientAssertionES256, checked at each callback
	// against the provider's discovery before signing
	// (client_auth_unsupported).
	// Default: contract.ClientAssertionRS256.
	ClientAssertionAlgorithm *string
	// With private_key_jwt: the assertion's aud, contract.AudienceTokenEndpoint
	// (the token endpoint URL) or contract.AudienceIssuer (the issuer):
	// what the provider documents (docs/stepup.md, "Which aud").
	// Default: contract.AudienceTokenEndpoint.
	ClientAssertionAudience *string
	// With private_key_jwt: also serve the JWK Set at a jwks_uri (a Lambda
	// function URL whose role may only write its logs, output
	// ClientAssertionJwksUri).
	// Default: false.
	ClientAssertionJwksUri *bool

	// How long a start may be finished, 1 to 60 minutes.
	// Default: 10 minutes.
	StateTTL awscdk.Duration
	// How recent the user's sign-in to the pool (the access token's
	// auth_time) must be to start, finish or disconnect, 1 to 60 minutes;
	// an older one is answered 401 with RFC 9470's
	// insufficient_user_authentication challenge. A refreshed access token
	// keeps the sign-in's auth_time, so a stolen refresh token alone cannot
	// connect an attacker's identity.
	// Default: 15 minutes.
	MaxAuthAge awscdk.Duration
	// How many identities a user may have, 1 to 5.
	// Default: 5 (Cognito's limit).
	MaxIdentities *float64
	// What a connect must prove besides the recent sign-in: any one of
	// these (contract.ConnectProof*). The password alone never connects a
	// provider, since whoever holds only the password would otherwise link
	// a provider account of their own to the victim's account, silently and
	// for good (it survives a password reset). What each choice risks:
	//
	//   - contract.ConnectProofEmail: the provider's ID token says
	//     email_verified for the account's email (verified in the pool too).
	//     It trusts the provider's email verification: a provider that lets
	//     anyone claim any address, or someone who also holds the victim's
	//     mailbox (who could reset the password anyway), passes.
	//   - contract.ConnectProofPhone: the same for phone_number, when the
	//     provider maps one; it trusts the provider's phone verification
	//     (and SIM swaps pass).
	//   - contract.ConnectProofStepUp: the access token carries this
	//     project's step-up claim (cognitobridge:stepup_at, written by the
	//     step-up guard only on a step-up sign-in, never on a refresh) no
	//     older than MaxAuthAge. As strong as the step-up; a pool without
	//     constructs/stepup never has the claim.
	//   - contract.ConnectProofMFA: Cognito MFA is enabled for the account
	//     (AdminGetUser), so its password sign-in asked for the second
	//     factor. Remembered devices change that: with device tracking, a
	//     sign-in from a device the user chose to remember skips MFA, so a
	//     thief on such a device (a shared computer) passes with the
	//     password alone; so does a sign-in through a flow Cognito MFA does
	//     not run in (custom authentication) or that adaptive authentication
	//     let through without MFA. Leave it out where any of these applies.
	//
	// A pool with neither a step-up nor MFA gets the email (phone) match.
	// Default: all four.
	Proofs *[]*string

	// Origins allowed to call the API from a browser (CORS).
	// Default: - none (no CORS: same origin, or a server-side caller).
	AllowOrigins *[]*string
	// Steady-state request rate per second allowed on the routes.
	// Default: 10.
	ThrottleRateLimit *float64
	// Retention of every log group (functions and API access logs).
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// Prebuilt code (provided.al2023 arm64 bundles with a bootstrap).
	// Default: - built from lambdas/cmd/connect-{start,callback,disconnect}.
	Code *ConnectCode
}

// Endpoints are the provider endpoints the connect flow uses.
type Endpoints struct {
	// Authorization endpoint. Required.
	Authorization *string
	// Token endpoint. Required.
	Token *string
	// JSON Web Key Set. Required.
	JwksUri *string
}

// ConnectCode holds prebuilt handler code; nil fields are built.
type ConnectCode struct {
	Start, Callback, Disconnect awslambda.Code
	// ClientJwks is the private_key_jwt public-key custom resource (and
	// jwks_uri), lambdas/cmd/client-jwks.
	ClientJwks awslambda.Code
}

// Connect is the "connect a provider" capability.
type Connect interface {
	constructs.Construct
	// HttpApi is the created API.
	HttpApi() awsapigatewayv2.HttpApi
	// Url is the API's base URL (default stage).
	Url() *string
	// Authorizer is the pool's JWT authorizer of the routes.
	Authorizer() awsapigatewayv2authorizers.HttpUserPoolAuthorizer
	// Table holds pending starts (TTL) and identity owners.
	Table() awsdynamodb.Table
	StartFunction() awslambda.Function
	CallbackFunction() awslambda.Function
	DisconnectFunction() awslambda.Function
	// ClientAssertionKey is the KMS key that signs the callback's client
	// assertions (private_key_jwt), nil otherwise.
	ClientAssertionKey() awskms.IKey
}

type connect struct {
	constructs.Construct
	api                         awsapigatewayv2.HttpApi
	authorizer                  awsapigatewayv2authorizers.HttpUserPoolAuthorizer
	table                       awsdynamodb.Table
	start, callback, disconnect awslambda.Function
	clientKey                   *clientkey.ClientKey
}

func (c *connect) ClientAssertionKey() awskms.IKey {
	if c.clientKey == nil {
		return nil
	}
	return c.clientKey.Key
}

func (c *connect) HttpApi() awsapigatewayv2.HttpApi { return c.api }
func (c *connect) Url() *string                     { return c.api.ApiEndpoint() }
func (c *connect) Authorizer() awsapigatewayv2authorizers.HttpUserPoolAuthorizer {
	return c.authorizer
}
func (c *connect) Table() awsdynamodb.Table               { return c.table }
func (c *connect) StartFunction() awslambda.Function      { return c.start }
func (c *connect) CallbackFunction() awslambda.Function   { return c.callback }
func (c *connect) DisconnectFunction() awslambda.Function { return c.disconnect }

var (
	providerNameRe = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}\p{Z}]{1,32}$`)
	secretFieldRe  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)
	originRe       = regexp.MustCompile(`^(https://[^\s/?#]+|http://localhost(:[0-9]{1,5})?)$`)
)

// resolved is the provider configuration after Federation and the props.
type resolved struct {
	name, issuer, clientID *string
	endpoints              *Endpoints
	secret                 awssecretsmanager.ISecret
	// scopes are Federation's authorize_scopes (space separated), "" without.
	scopes string
	// fedClientID is Federation's client id, nil without.
	fedClientID *string
}

// resolve takes the provider from Federation, then each field set beside
// it, and checks the result.
func (p *ConnectProps) resolve() (resolved, error) {
	var r resolved
	if f := p.Federation; f != nil {
		var err error
		if r, err = fromFederation(f); err != nil {
			return r, err
		}
		if p.keyMode() {
			// Federation's secret authenticates Cognito's client, not connect's.
			r.secret = nil
		}
	}
	if p.ProviderName != nil {
		r.name = p.ProviderName
	}
	if p.Issuer != nil {
		r.issuer = p.Issuer
	}
	if p.ClientID != nil {
		r.clientID = p.ClientID
	}
	if p.Endpoints != nil {
		r.endpoints = p.Endpoints
	}
	if p.Secret != nil {
		r.secret = p.Secret
	}
	return r, r.check(p.keyMode())
}

// fromFederation reads the provider from Federation's identity provider
// resource (its ProviderDetails) and secret.
func fromFederation(f federation.Federation) (resolved, error) {
	r := resolved{name: f.ProviderName(), secret: f.Secret()}
	l1, ok := f.Provider().Node().DefaultChild().(awscognito.CfnUserPoolIdentityProvider)
	if !ok {
		return r, fmt.Errorf("expected Federation's provider to have a CfnUserPoolIdentityProvider")
	}
	details, _ := l1.ProviderDetails().(map[string]interface{})
	get := func(k string) *string {
		if v, ok := details[k].(string); ok && v != "" {
			return jsii.String(v)
		}
		return nil
	}
	r.issuer, r.clientID = get("oidc_issuer"), get("client_id")
	r.fedClientID = r.clientID
	if sc := get("authorize_scopes"); sc != nil && !propcheck.IsToken(sc) {
		r.scopes = *sc
	}
	if a, t, j := get("authorize_url"), get("token_url"), get("jwks_uri"); a != nil && t != nil && j != nil {
		r.endpoints = &Endpoints{Authorization: a, Token: t, JwksUri: j}
	}
	return r, nil
}

// check reports every missing or malformed provider setting; keyMode: no
// secret is needed.
func (r resolved) check(keyMode bool) error {
	var errs []error
	switch {
	case r.name == nil:
		errs = append(errs, fmt.Errorf("expected ProviderName (or Federation) to be set, received nil"))
	case propcheck.IsToken(r.name):
		errs = append(errs, fmt.Errorf("expected ProviderName to be a plain name (Federation.ProviderName()), received an unresolved token %s", *r.name))
	case !providerNameRe.MatchString(*r.name) || *r.name == "Cognito":
		errs = append(errs, fmt.Errorf("expected ProviderName to be the provider's name in the pool (1 to 32 characters, not Cognito), received %q", *r.name))
	}
	if r.issuer == nil {
		errs = append(errs, fmt.Errorf("expected Issuer (or Federation) to be set, received nil"))
	}
	if r.clientID == nil {
		errs = append(errs, fmt.Errorf("expected ClientID (or Federation) to be set, received nil"))
	}
	if r.secret == nil && !keyMode {
		errs = append(errs, fmt.Errorf("expected Secret (or Federation) to be set, received nil"))
	}
	errs = append(errs, propcheck.URL("Issuer", r.issuer, false), propcheck.NonEmpty("ClientID", r.clientID, false))
	if e := r.endpoints; e != nil {
		errs = append(errs,
			propcheck.URL("Endpoints.Authorization", e.Authorization, true),
			propcheck.URL("Endpoints.Token", e.Token, true),
			propcheck.URL("Endpoints.JwksUri", e.JwksUri, true))
	}
	return errors.Join(errs...)
}

// validate checks every concern of the props (the pool and client, the
// provider, the connect flow, the token endpoint's client authentication,
// the API) and reports every problem at once; it returns the provider as
// resolved.
func (p *ConnectProps) validate() (resolved, error) {
	if p == nil {
		return resolved{}, fmt.Errorf("expected props to be set, received nil")
	}
	var errs []error
	if p.UserPool == nil {
		errs = append(errs, fmt.Errorf("expected UserPool to be set, received nil"))
	}
	if p.Client == nil {
		errs = append(errs, fmt.Errorf("expected Client to be set, received nil"))
	}
	r, err := p.resolve()
	errs = append(errs, err, p.validateFlow(), p.validateTokenAuth(r.fedClientID), p.validateAPI())
	return r, errors.Join(errs...)
}

// validateFlow checks the connect flow: where the provider returns, what
// is asked of it, how long a start and a sign-in last, what a connect must
// prove.
func (p *ConnectProps) validateFlow() error {
	return errors.Join(
		propcheck.URL("RedirectURI", p.RedirectURI, true),
		p.validateScopes(),
		propcheck.DurationMillis("StateTTL", p.StateTTL, 60_000, 3_600_000),
		propcheck.WholeSeconds("StateTTL", p.StateTTL),
		propcheck.DurationMillis("MaxAuthAge", p.MaxAuthAge, 60_000, 3_600_000),
		propcheck.WholeSeconds("MaxAuthAge", p.MaxAuthAge),
		propcheck.Range("MaxIdentities", p.MaxIdentities, 1, contract.DefaultLinkMaxIdentities, true),
		checkProofs(p.Proofs),
	)
}

// validateScopes: scopes without spaces, "openid" among them.
func (p *ConnectProps) validateScopes() error {
	if err := propcheck.List("Scopes", p.Scopes, true); err != nil || p.Scopes == nil || propcheck.IsTokenList(p.Scopes) {
		return err
	}
	if !slices.Contains(derefAll(p.Scopes), "openid") {
		return fmt.Errorf("expected Scopes to contain \"openid\", received %q", derefAll(p.Scopes))
	}
	return nil
}

// validateTokenAuth checks how the callback authenticates to the token
// endpoint: a secret's field, or private_key_jwt and its key.
func (p *ConnectProps) validateTokenAuth(fedClientID *string) error {
	var errs []error
	errs = append(errs, propcheck.OneOf("TokenAuthMethod", p.TokenAuthMethod, contract.TokenAuthBasic, contract.TokenAuthPost, contract.TokenAuthPrivateKeyJWT))
	if f := p.SecretField; f != nil && !propcheck.IsToken(f) && !secretFieldRe.MatchString(*f) {
		errs = append(errs, fmt.Errorf("expected SecretField to be a JSON field name (letters, digits, _ . -), received %q", *f))
	}
	errs = append(errs, p.validateClientAssertion(fedClientID))
	return errors.Join(errs...)
}

// validateAPI checks the API's throttling and CORS origins.
func (p *ConnectProps) validateAPI() error {
	errs := []error{propcheck.Range("ThrottleRateLimit", p.ThrottleRateLimit, 1, 10000, false)}
	if p.AllowOrigins != nil {
		for i, o := range *p.AllowOrigins {
			if o == nil || (!propcheck.IsToken(o) && !originRe.MatchString(*o)) {
				errs = append(errs, fmt.Errorf("expected AllowOrigins[%d] to be an https origin (scheme and host, no path; http only for localhost), received %s", i, propcheck.Show(o)))
			}
		}
	}
	return errors.Join(errs...)
}

// checkProofs: at least one, each a known proof, no repeats.
func checkProofs(l *[]*string) error {
	if l == nil {
		return nil
	}
	if len(*l) == 0 {
		return fmt.Errorf("expected Proofs to hold at least one of %q or be nil, received []", contract.ConnectProofs)
	}
	var errs []error
	seen := map[string]bool{}
	for i, s := range *l {
		if s == nil || propcheck.IsToken(s) || !slices.Contains(contract.ConnectProofs, *s) || seen[*s] {
			errs = append(errs, fmt.Errorf("expected Proofs[%d] to be one of %q, once, received %s", i, contract.ConnectProofs, propcheck.Show(s)))
			continue
		}
		seen[*s] = true
	}
	return errors.Join(errs...)
}

func derefAll(l *[]*string) []string {
	out := make([]string, 0, len(*l))
	for _, s := range *l {
		out = append(out, *s)
	}
	return out
}

// NewConnect adds the "connect a provider" API. It panics with a
// descriptive message when props are invalid.
func NewConnect(scope constructs.Construct, id *string, props *ConnectProps) Connect {
	r, err := props.validate()
	if err != nil {
		panic("connect: " + err.Error())
	}
	// A pool imported by an id of another region than the stack's.
	if err := pooltriggers.CheckRegion(props.UserPool); err != nil {
		panic("connect: " + err.Error())
	}
	this := constructs.NewConstruct(scope, id)
	c := &connect{Construct: this}
	retention := gofn.LogRetention(props.LogRetention)
	// Pending starts expire in minutes; owner records are a cache of
	// Cognito's identities attribute (stale ones are replaced).
	c.table = recordtable.New(this, "Table", "connect", awsdynamodb.TableEncryption_AWS_MANAGED, awscdk.RemovalPolicy_DESTROY)
	// Provider credentials: a secret, or with private_key_jwt a KMS key and
	// no secret at all.
	if props.keyMode() {
		c.clientKey = props.newClientKey(this, retention)
	}
	env := props.handlerEnv(this, r, c.table, c.clientKey)
	// A connected provider must not rewrite what the pool trusts (see
	// constructs/linking): checked at synth.
	linkable.Check(this, "connect", func() []string { return []string{*r.name} })
	roles := c.newFunctions(props.Code, retention, env)
	c.grant(roles, props.UserPool, r.secret)
	c.newAPI(props, retention)
	return c
}

// handlerEnv is the environment of the three functions (one for all: each
// reads what it needs); key is the private_key_jwt key set, nil with a
// secret.
func (p *ConnectProps) handlerEnv(scope constructs.Construct, r resolved, table awsdynamodb.Table, key *clientkey.ClientKey) map[string]string {
	env := map[string]string{
		contract.EnvConnectUserPoolID:        *p.UserPool.UserPoolId(),
		contract.EnvConnectProviderName:      *r.name,
		contract.EnvConnectTable:             *table.TableName(),
		contract.EnvIssuer:                   *r.issuer,
		contract.EnvClientID:                 *r.clientID,
		contract.EnvRedirectURI:              *p.RedirectURI,
		contract.EnvTokenIssuer:              *poolIssuer(scope, p.UserPool),
		contract.EnvTokenClientID:            *p.Client.UserPoolClientId(),
		contract.EnvConnectStateTTLSeconds:   gofn.EnvNumber(seconds(p.StateTTL, DefaultStateTTLSeconds)),
		contract.EnvConnectMaxAuthAgeSeconds: gofn.EnvNumber(seconds(p.MaxAuthAge, DefaultMaxAuthAgeSeconds)),
	}
	if e := r.endpoints; e != nil {
		env[contract.EnvAuthorizeURL], env[contract.EnvTokenURL], env[contract.EnvJWKSURL] = *e.Authorization, *e.Token, *e.JwksUri
	}
	switch {
	case p.Scopes != nil:
		env[contract.EnvScopes] = strings.Join(derefAll(p.Scopes), " ")
	case r.scopes != "":
		// The provider's own scopes: without them its ID token carries no
		// email or phone_number, and the email or phone proof never holds.
		env[contract.EnvScopes] = r.scopes
	}
	if key != nil {
		maps.Copy(env, key.Env())
	} else {
		env[contract.EnvSecretARN] = *r.secret.SecretArn()
	}
	if p.SecretField != nil {
		env[contract.EnvConnectSecretField] = *p.SecretField
	}
	if p.TokenAuthMethod != nil {
		env[contract.EnvTokenAuthMethod] = *p.TokenAuthMethod
	}
	if p.MaxIdentities != nil {
		env[contract.EnvLinkMaxIdentities] = gofn.EnvNumber(*p.MaxIdentities)
	}
	if p.Proofs != nil {
		env[contract.EnvConnectProofs] = strings.Join(derefAll(p.Proofs), ",")
	}
	return env
}

// poolIssuer is the pool's issuer, as Cognito writes it into iss (and as
// HttpUserPoolAuthorizer configures it).
func poolIssuer(scope constructs.Construct, pool awscognito.IUserPool) *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("https://cognito-idp."), pool.Env().Region, jsii.String("."), awscdk.Stack_Of(scope).UrlSuffix(), jsii.String("/"), pool.UserPoolId(),
	})
}

// routeRoles are the roles of the three functions.
type routeRoles struct{ start, callback, disconnect awsiam.Role }

// newFunctions creates the three functions, each with the stack's log
// reference key: user and identity references in the log lines are keyed
// (lambdas/internal/logref).
func (c *connect) newFunctions(code *ConnectCode, retention awslogs.RetentionDays, env map[string]string) routeRoles {
	if code == nil {
		code = &ConnectCode{}
	}
	newFunction := func(name string, code awslambda.Code, pkg, description string) (awslambda.Function, awsiam.Role) {
		// <name>Function with its own log group and role (see gofn).
		fn, role, _ := gofn.New(c.Construct, name, gofn.Props{ImportPath: pkg, Code: code, Description: description,
			MemorySize: jsii.Number(MemorySize), Timeout: awscdk.Duration_Seconds(jsii.Number(TimeoutSeconds)), LogRetention: retention, Environment: env})
		return fn, role
	}
	var roles routeRoles
	c.start, roles.start = newFunction("Start", code.Start, StartHandlerPackage,
		"cognitobridge connect: the provider's authorize URL for the signed-in user (POST "+StartPath+")")
	c.callback, roles.callback = newFunction("Callback", code.Callback, CallbackHandlerPackage,
		"cognitobridge connect: verifies the provider login and links it to the signed-in user (POST "+CallbackPath+")")
	c.disconnect, roles.disconnect = newFunction("Disconnect", code.Disconnect, DisconnectHandlerPackage,
		"cognitobridge connect: removes the signed-in user's identity of the provider (POST "+DisconnectPath+")")
	for _, fn := range []awslambda.Function{c.start, c.callback, c.disconnect} {
		logkey.Attach(fn)
	}
	return roles
}

// grant gives each function only its rights: start records a pending
// start; callback finishes it, links the identity and reads the secret (or
// signs with the key); disconnect unlinks; both announce it.
func (c *connect) grant(roles routeRoles, pool awscognito.IUserPool, secret awssecretsmanager.ISecret) {
	table := []*string{c.table.TableArn()}
	roles.start.AddToPrincipalPolicy(allow.Actions(table, "dynamodb:PutItem"))
	roles.callback.AddToPrincipalPolicy(allow.Actions(table, "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:GetItem"))
	roles.callback.AddToPrincipalPolicy(allow.Actions([]*string{pool.UserPoolArn()}, "cognito-idp:AdminGetUser", "cognito-idp:AdminLinkProviderForUser"))
	if c.clientKey != nil {
		// The one function that calls the token endpoint signs; start and
		// disconnect get the configuration and no KMS permission.
		c.clientKey.GrantSign(c.callback)
	} else {
		secret.GrantRead(roles.callback, nil)
	}
	roles.disconnect.AddToPrincipalPolicy(allow.Actions(table, "dynamodb:DeleteItem"))
	roles.disconnect.AddToPrincipalPolicy(allow.Actions([]*string{pool.UserPoolArn()}, "cognito-idp:AdminGetUser", "cognito-idp:AdminDisableProviderForUser", "cognito-idp:AdminDeleteUserAttributes"))
	// The account events: the default bus of this account and region, and
	// only with this project's source.
	for _, role := range []awsiam.Role{roles.callback, roles.disconnect} {
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Effect:     awsiam.Effect_ALLOW,
			Actions:    jsii.Strings("events:PutEvents"),
			Resources:  jsii.Strings(*DefaultBusArn(c.Construct)),
			Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"events:source": contract.EventSource}},
		}))
	}
}

// newAPI creates the API and routes each path to its function behind the
// pool's JWT authorizer for Client's access tokens.
func (c *connect) newAPI(props *ConnectProps, retention awslogs.RetentionDays) {
	c.api, _ = httpapi.New(c.Construct, httpapi.Props{
		Owner:        "connect",
		Description:  "cognitobridge connect: a signed-in user connects an identity provider to their account",
		LogRetention: retention, RateLimit: props.ThrottleRateLimit, DefaultRateLimit: DefaultThrottleRateLimit,
		AllowOrigins: props.AllowOrigins, LogAuthorizerError: true,
	})
	name := jsii.String(*c.Node().Id() + "Authorizer")
	c.authorizer = awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(name, props.UserPool, &awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{
		AuthorizerName:  name,
		UserPoolClients: &[]awscognito.IUserPoolClient{props.Client},
		UserPoolRegion:  props.UserPool.Env().Region,
	})
	httpapi.AddPost(c.api, StartPath, "StartIntegration", c.start, c.authorizer)
	httpapi.AddPost(c.api, CallbackPath, "CallbackIntegration", c.callback, c.authorizer)
	httpapi.AddPost(c.api, DisconnectPath, "DisconnectIntegration", c.disconnect, c.authorizer)
}

// DefaultBusArn is the ARN of the default event bus the connect functions
// send their events to (source contract.EventSource), for a rule's
// EventBus or a policy: the default bus of the stack's account and region.
func DefaultBusArn(scope constructs.Construct) *string {
	return awscdk.Stack_Of(scope).FormatArn(&awscdk.ArnComponents{Service: jsii.String("events"), Resource: jsii.String("event-bus"),
		ResourceName: jsii.String(contract.EventBusDefault), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME})
}

func seconds(d awscdk.Duration, def float64) float64 {
	if d == nil {
		return def
	}
	return *d.ToSeconds(nil)
}
