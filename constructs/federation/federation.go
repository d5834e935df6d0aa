// Package federation adds an OpenID Connect identity provider to a Cognito
// user pool, with an app client and a domain for the hosted sign-in
// (managed login): Transmit Security Mosaic, 1Kosmos BlockID with identity
// assurance, or any OpenID Provider.
//
// The provider's client secret lives in Secrets Manager and reaches the
// template only as a dynamic reference
// ({{resolve:secretsmanager:<arn>:SecretString:clientSecret::}}) that
// CloudFormation resolves at deploy time.
//
// The app client's WriteAttributes are exactly the attributes the provider
// maps (Cognito refuses a federated sign-in whose client cannot write a
// mapped attribute), and its tokens carry no aws.cognito.signin.user.admin
// scope, so they cannot call UpdateUserAttributes at all. Because the write
// list is also what a user's own access token may change, no provider maps
// into an attribute an application trusts: BlockID's identity assurance
// claim lands in the untrusted custom:idp_ial_raw, and the assurance
// behaviour of the pool's pre token generation function (lambdas/assurance)
// turns it into the backend-only custom:ial at BlockID's own sign-in.
//
// To link federated users to existing native users, add constructs/linking
// with ProviderNames: []*string{fed.ProviderName()}.
package federation

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/assurancefn"
	"github.com/cognitobridge/cognitobridge/constructs/internal/linkable"
	"github.com/cognitobridge/cognitobridge/constructs/internal/nag"
	"github.com/cognitobridge/cognitobridge/constructs/internal/secretparam"
	"github.com/cognitobridge/cognitobridge/constructs/pooltriggers"
	"github.com/cognitobridge/cognitobridge/constructs/pretokengen"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Federation is an OIDC identity provider of a user pool, with its app
// client and domain.
type Federation interface {
	constructs.Construct
	// UserPool is the given or created pool.
	UserPool() awscognito.IUserPool
	// Provider is the pool's OIDC identity provider.
	Provider() awscognito.IUserPoolIdentityProvider
	// ProviderName is the provider's name in the pool, as a plain string
	// (not a reference to the provider resource), so a pre sign-up trigger
	// of the same pool can carry it without a dependency cycle.
	ProviderName() *string
	// Client is the hosted sign-in app client.
	Client() awscognito.UserPoolClient
	// Domain is the given or created user pool domain.
	Domain() awscognito.IUserPoolDomain
	// Secret holds the provider's client secret.
	Secret() awssecretsmanager.ISecret
	// WriteAttributes are the attributes the client may write: exactly the
	// attributes the provider maps.
	WriteAttributes() []string
	// Assurance is the pool's pre token generation function running the
	// assurance behaviour (BlockID preset), nil otherwise.
	Assurance() pretokengen.PreTokenGeneration
}

type federation struct {
	constructs.Construct
	pool     awscognito.IUserPool
	provider awscognito.UserPoolIdentityProviderOidc
	name     *string
	client   awscognito.UserPoolClient
	domain   awscognito.IUserPoolDomain
	secret   awssecretsmanager.ISecret
	write    []string
	ptg      pretokengen.PreTokenGeneration
}

func (f *federation) UserPool() awscognito.IUserPool { return f.pool }
func (f *federation) Provider() awscognito.IUserPoolIdentityProvider {
	return f.provider
}
func (f *federation) ProviderName() *string              { return f.name }
func (f *federation) Client() awscognito.UserPoolClient  { return f.client }
func (f *federation) Domain() awscognito.IUserPoolDomain { return f.domain }
func (f *federation) Secret() awssecretsmanager.ISecret  { return f.secret }
func (f *federation) WriteAttributes() []string {
	return append([]string(nil), f.write...)
}
func (f *federation) Assurance() pretokengen.PreTokenGeneration { return f.ptg }

// preset is the provider configuration a preset resolves to: plain values,
// decided without jsii.
type preset struct {
	name        string
	clientID    *string
	issuer      *string
	endpoints   *awscognito.OidcEndpoints
	scopes      []*string
	method      awscognito.OidcAttributeRequestMethod
	phone       bool    // map phone_number instead of email
	ialClaim    *string // BlockID: the claim mapped to custom:idp_ial_raw
	mapping     *awscognito.AttributeMapping
	clientScope []string // the app client's OAuth scopes
}

func str(s string) *string { return &s }

func orString(s *string, def string) string {
	if s == nil {
		return def
	}
	return *s
}

// providerPreset is one preset of Provider (Mosaic, BlockID or OIDC): it
// checks its own props and resolves to its provider settings, so a new
// preset is one type with these two methods.
type providerPreset interface {
	// validate reports every problem of the preset's props; linkable and
	// trusted are FederationProps.Linkable and TrustedForAttributes.
	validate(linkable, trusted bool) error
	resolve() preset
}

// chosen is the preset set; validate has checked there is exactly one.
func (p *Provider) chosen() providerPreset {
	switch {
	case p.Mosaic != nil:
		return p.Mosaic
	case p.BlockID != nil:
		return p.BlockID
	default:
		return p.OIDC
	}
}

// resolve turns the chosen preset into its provider settings.
func (p *Provider) resolve() preset { return p.chosen().resolve() }

func (m *MosaicProvider) resolve() preset {
	api, issuer := "https://api.transmitsecurity.io", "https://userid.security"
	if r := orString(m.Region, MosaicRegionUS); r != MosaicRegionUS {
		api, issuer = "https://api."+r+".transmitsecurity.io", "https://"+r+".userid.security"
	}
	phone := orString(m.Identity, MosaicEmail) == MosaicPhone
	identity := "email"
	if phone {
		identity = "phone"
	}
	return preset{
		name:     "Mosaic",
		clientID: m.ClientID,
		issuer:   str(issuer),
		endpoints: &awscognito.OidcEndpoints{
			Authorization: str(api + "/cis/oidc/auth"),
			Token:         str(api + "/cis/oidc/token"),
			UserInfo:      str(api + "/cis/oidc/me"),
			JwksUri:       str(api + "/cis/oidc/jwks"),
		},
		scopes:      []*string{str("openid"), str(identity)},
		method:      awscognito.OidcAttributeRequestMethod_GET,
		phone:       phone,
		clientScope: []string{"openid", identity, "profile"},
	}
}

func (b *BlockIDProvider) resolve() preset {
	claim := b.AssuranceClaim
	if claim == nil {
		claim = str(DefaultBlockIDAssuranceClaim)
	}
	// Concatenation keeps CloudFormation parameter tokens intact.
	issuer := "https://" + *b.TenantDNS + "/oauth2/community/" + *b.Community + "/v1"
	return preset{
		name:        "BlockID",
		clientID:    b.ClientID,
		issuer:      &issuer,
		endpoints:   b.Endpoints,
		scopes:      []*string{str("openid"), str("email"), str(BlockIDAssuranceScope)},
		method:      awscognito.OidcAttributeRequestMethod_GET,
		ialClaim:    claim,
		clientScope: []string{"openid", "email", "profile"},
	}
}

func (o *OIDCProvider) resolve() preset {
	scopes := []*string{str("openid"), str("email")}
	if o.Scopes != nil {
		scopes = *o.Scopes
	}
	method := o.AttributeRequestMethod
	if method == "" {
		method = awscognito.OidcAttributeRequestMethod_GET
	}
	return preset{
		name:        "OIDC",
		clientID:    o.ClientID,
		issuer:      o.Issuer,
		endpoints:   o.Endpoints,
		scopes:      scopes,
		method:      method,
		mapping:     o.AttributeMapping,
		clientScope: []string{"openid", "email", "profile"},
	}
}

// attributeMapping maps the identity and its verified flag together: an
// unmapped email_verified (phone_number_verified) is reset to false by
// Cognito whenever a federated sign-in writes a changed email (phone). A
// linkable provider not trusted for its attributes (safe) maps them into
// custom:idp_* instead, which nothing trusts.
func (r preset) attributeMapping(safe bool) *awscognito.AttributeMapping {
	if r.mapping != nil {
		return r.mapping
	}
	other := func(claim string) awscognito.ProviderAttribute {
		return awscognito.ProviderAttribute_Other(jsii.String(claim))
	}
	m := &awscognito.AttributeMapping{}
	custom := map[string]awscognito.ProviderAttribute{}
	switch {
	case safe && r.phone:
		custom[contract.AttrIdPPhone] = other("phone_number")
		custom[contract.AttrIdPPhoneVerified] = other("phone_number_verified")
	case safe:
		custom[contract.AttrIdPEmail] = other("email")
		custom[contract.AttrIdPEmailVerified] = other("email_verified")
	case r.phone:
		m.PhoneNumber = other("phone_number")
		// Not a field of CDK's AttributeMapping: the raw pool attribute name.
		custom["phone_number_verified"] = other("phone_number_verified")
	default:
		m.Email = other("email")
		m.EmailVerified = other("email_verified")
	}
	if r.ialClaim != nil {
		custom["custom:"+RawIALAttribute] = awscognito.ProviderAttribute_Other(r.ialClaim)
	}
	if len(custom) > 0 {
		m.Custom = &custom
	}
	return m
}

func oauthScopes(names []string) *[]awscognito.OAuthScope {
	out := make([]awscognito.OAuthScope, 0, len(names))
	for _, n := range names {
		switch n {
		case "openid":
			out = append(out, awscognito.OAuthScope_OPENID())
		case "email":
			out = append(out, awscognito.OAuthScope_EMAIL())
		case "phone":
			out = append(out, awscognito.OAuthScope_PHONE())
		case "profile":
			out = append(out, awscognito.OAuthScope_PROFILE())
		}
	}
	return &out
}

// NewFederation adds the OIDC identity provider, an app client for the
// hosted sign-in and (unless given) a domain to props.UserPool or a new
// pool. It panics with a descriptive message when props are invalid.
func NewFederation(scope constructs.Construct, id *string, props *FederationProps) Federation {
	if err := props.validate(); err != nil {
		panic("federation: " + err.Error())
	}
	// A pool imported by an id of another region than the stack's.
	if err := pooltriggers.CheckRegion(props.UserPool); err != nil {
		panic("federation: " + err.Error())
	}
	this := constructs.NewConstruct(scope, id)
	f := &federation{Construct: this}
	r := props.Provider.resolve()

	f.name = props.ProviderName
	if f.name == nil {
		f.name = jsii.String(r.name)
	}
	// A linkable provider not trusted for its attributes maps nothing into
	// what the pool trusts (see FederationProps.Linkable).
	safe := isTrue(props.Linkable) && !isTrue(props.TrustedForAttributes)
	f.pool = props.UserPool
	if f.pool == nil {
		f.pool = newUserPool(this, props, r.ialClaim != nil, safe)
	}
	f.newProvider(props, r, safe)
	f.newClient(props, r)
	if r.ialClaim != nil {
		f.ptg = assurancefn.Enable(f.pool, *f.name, props.Provider.BlockID.minimumLevel(), props.Provider.BlockID.PreTokenGeneration)
	}
	f.domain = props.Domain
	if f.domain == nil {
		f.domain = awscognito.NewUserPoolDomain(this, jsii.String("Domain"), &awscognito.UserPoolDomainProps{
			UserPool:      f.pool,
			CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: props.DomainPrefix},
		})
	}
	return f
}

// newProvider takes or creates the client secret, then creates the
// identity provider with the preset's settings and attribute mapping.
func (f *federation) newProvider(props *FederationProps, r preset, safe bool) {
	f.secret = props.Secret
	field := props.SecretField
	if f.secret == nil {
		f.secret = newClientSecret(f.Construct, props, r.name)
		field = nil
	}
	if field == nil {
		field = jsii.String(DefaultSecretField)
	}
	mapping := r.attributeMapping(safe)
	f.write = MappedAttributes(mapping)
	f.provider = awscognito.NewUserPoolIdentityProviderOidc(f.Construct, jsii.String("Provider"), &awscognito.UserPoolIdentityProviderOidcProps{
		UserPool: f.pool,
		Name:     f.name,
		ClientId: r.clientID,
		// A dynamic reference, not the value: CloudFormation resolves it at
		// deploy time (UnsafeUnwrap only turns the SecretValue token into
		// the {{resolve:secretsmanager:…}} string; aws-cdk#29851).
		ClientSecret:           f.secret.SecretValueFromJson(field).UnsafeUnwrap(),
		IssuerUrl:              r.issuer,
		Endpoints:              r.endpoints,
		Scopes:                 &r.scopes,
		AttributeRequestMethod: r.method,
		AttributeMapping:       mapping,
		Identifiers:            props.Identifiers,
	})
	if isTrue(props.TrustedForAttributes) {
		linkable.MarkTrusted(f.provider.Node().DefaultChild())
	}
}

// newClient creates the hosted sign-in app client: the authorization code
// grant only, through the provider (and COGNITO when allowed), writing
// exactly the mapped attributes.
func (f *federation) newClient(props *FederationProps, r preset) {
	providers := []awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_Custom(f.name)}
	if props.AllowCognitoSignIn != nil && *props.AllowCognitoSignIn {
		providers = append(providers, awscognito.UserPoolClientIdentityProvider_COGNITO())
	}
	f.client = awscognito.NewUserPoolClient(f.Construct, jsii.String("Client"), &awscognito.UserPoolClientProps{
		UserPool:                   f.pool,
		UserPoolClientName:         props.ClientName,
		GenerateSecret:             jsii.Bool(props.GenerateSecret != nil && *props.GenerateSecret),
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		// Hosted sign-in only: no sign-in API flow but refresh.
		AuthFlows: &awscognito.AuthFlow{
			UserPassword:      jsii.Bool(false),
			AdminUserPassword: jsii.Bool(false),
			Custom:            jsii.Bool(false),
			UserSrp:           jsii.Bool(false),
			User:              jsii.Bool(false),
		},
		OAuth: &awscognito.OAuthSettings{
			Flows: &awscognito.OAuthFlows{
				AuthorizationCodeGrant: jsii.Bool(true),
				ImplicitCodeGrant:      jsii.Bool(false),
				ClientCredentials:      jsii.Bool(false),
			},
			CallbackUrls: props.CallbackURLs,
			LogoutUrls:   props.LogoutURLs,
			Scopes:       oauthScopes(r.clientScope),
		},
		SupportedIdentityProviders: &providers,
	})
	// Exactly the mapped attributes: Cognito writes them at every federated
	// sign-in and refuses the sign-in when the client cannot; anything more
	// would only be writable by the user's own access token (the default
	// list is every standard attribute).
	cfnClient, ok := f.client.Node().DefaultChild().(awscognito.CfnUserPoolClient)
	if !ok {
		panic("federation: expected the app client's default child to be a CfnUserPoolClient")
	}
	cfnClient.SetWriteAttributes(jsii.Strings(f.write...))
	// The client names the provider by its plain name, which CloudFormation
	// cannot see as a reference: without this the client may be created
	// first and fail.
	f.client.Node().AddDependency(f.provider)
}

func newUserPool(scope constructs.Construct, props *FederationProps, ial, idp bool) awscognito.UserPool {
	var custom *map[string]awscognito.ICustomAttribute
	str := func(max float64) awscognito.ICustomAttribute {
		return awscognito.NewStringAttribute(&awscognito.StringAttributeProps{Mutable: jsii.Bool(true), MaxLen: jsii.Number(max)})
	}
	if idp {
		// What a linkable provider maps (mutable: written at every sign-in).
		custom = &map[string]awscognito.ICustomAttribute{
			strings.TrimPrefix(contract.AttrIdPEmail, "custom:"):         str(2048),
			strings.TrimPrefix(contract.AttrIdPEmailVerified, "custom:"): str(8),
			strings.TrimPrefix(contract.AttrIdPPhone, "custom:"):         str(32),
			strings.TrimPrefix(contract.AttrIdPPhoneVerified, "custom:"): str(8),
		}
	}
	if ial {
		if custom == nil {
			custom = &map[string]awscognito.ICustomAttribute{}
		}
		for k, v := range map[string]awscognito.ICustomAttribute{
			// Mutable: Cognito writes mapped attributes at every sign-in.
			RawIALAttribute: str(2048),
			// Backend-only (AdminUpdateUserAttributes); mutable so the
			// backend can change and remove them.
			IALAttribute: str(8),
			"ial_at":     str(32),
			"ial_email":  str(2048),
			"ial_src":    str(64),
		} {
			(*custom)[k] = v
		}
	}
	poolProps := props.poolOptions().Props()
	// Not required: a provider may sign users in by phone. Mutable, since
	// federated sign-ins write the mapped values.
	poolProps.StandardAttributes = &awscognito.StandardAttributes{
		Email:       &awscognito.StandardAttribute{Required: jsii.Bool(false), Mutable: jsii.Bool(true)},
		PhoneNumber: &awscognito.StandardAttribute{Required: jsii.Bool(false), Mutable: jsii.Bool(true)},
	}
	poolProps.CustomAttributes = custom
	poolProps.Mfa = awscognito.Mfa_OPTIONAL
	poolProps.MfaSecondFactor = &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)}
	pool := awscognito.NewUserPool(scope, jsii.String("UserPool"), poolProps)
	nag.Suppress(pool, "AwsSolutions-COG2",
		"Federated users authenticate at the OpenID Provider (passkeys, identity-assured sign-in), where "+
			"the provider's own MFA applies: Cognito MFA never runs for a federated sign-in, so REQUIRED would only force it "+
			"on native users. Native users can enrol TOTP (MFA is OPTIONAL).")
	return pool
}

// newClientSecret creates the secret from a NoEcho parameter: the template
// holds only a Ref to it, never a value.
func newClientSecret(scope constructs.Construct, props *FederationProps, name string) awssecretsmanager.ISecret {
	value := secretparam.Value(scope, "ClientSecret", secretparam.Prefix(scope, props.ParameterPrefix),
		secretparam.OIDCLabel(name)+" client secret (stored in Secrets Manager, read by CloudFormation only)")
	secret := awssecretsmanager.NewSecret(scope, jsii.String("ClientSecretValue"), &awssecretsmanager.SecretProps{
		Description: jsii.String("cognitobridge " + name + " federation: the OIDC client secret of the user pool identity provider"),
		SecretObjectValue: &map[string]awscdk.SecretValue{
			DefaultSecretField: value,
		},
	})
	nag.Suppress(secret, "AwsSolutions-SMG4",
		"The value is an OIDC client secret issued by the identity provider: it can only be rotated at the provider, "+
			"then written here (stack parameter update) and into the identity provider by the next deployment. A Secrets "+
			"Manager rotation Lambda cannot rotate it.")
	return secret
}
