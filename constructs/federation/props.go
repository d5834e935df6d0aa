package federation

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"

	linkablepkg "github.com/cognitobridge/cognitobridge/constructs/internal/linkable"
	"github.com/cognitobridge/cognitobridge/constructs/internal/newpool"
	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/constructs/pretokengen"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Mosaic (Transmit Security) choices.
const (
	// MosaicEmail signs in by email: scopes "openid email", email and
	// email_verified mapped.
	MosaicEmail = "email"
	// MosaicPhone signs in by phone: scopes "openid phone", phone_number and
	// phone_number_verified mapped.
	MosaicPhone = "phone"

	// Mosaic regions (the tenant's data region).
	MosaicRegionUS = "us"
	MosaicRegionEU = "eu"
	MosaicRegionCA = "ca"
	MosaicRegionAU = "au"
)

// Defaults of FederationProps.
const (
	// DefaultSecretField is the JSON field of the secret holding the
	// provider's client secret.
	DefaultSecretField = contract.SecretKeyClientSecret
	// DefaultBlockIDAssuranceClaim is the BlockID claim that carries the
	// identity assurance level. 1Kosmos' changelog says the IAL of the user
	// is "embedded in the 'amr' claim"; its exact shape is not documented
	// publicly (see lambdas/assurance.ParseLevel).
	DefaultBlockIDAssuranceClaim = "amr"
	// BlockIDAssuranceScope asks BlockID for identity assurance level 2.
	BlockIDAssuranceScope = "/assurance/ial/2"
	// IALAttribute is the backend-only custom attribute (custom:ial) an
	// application may trust: written by the assurance behaviour of the
	// pool's pre token generation function, never mapped, never writable by
	// an app client.
	IALAttribute = "ial"
	// RawIALAttribute (custom:idp_ial_raw) receives the BlockID assurance
	// claim through the attribute mapping. The hosted sign-in client must be
	// able to write it, so it is untrusted: only the assurance behaviour
	// reads it, at BlockID's own sign-in.
	RawIALAttribute = "idp_ial_raw"
)

// FederationProps configures a Federation. Nil means the documented default.
type FederationProps struct {
	// The OpenID Provider. Exactly one of its presets must be set.
	Provider *Provider

	// Name of the identity provider in the pool: 3 to 32 characters, no
	// spaces, '_' only as the second character (Cognito's pattern). Linking and app clients refer to
	// it by this name, so it is a plain string in the template.
	// Default: "Mosaic", "BlockID" or "OIDC", by preset.
	ProviderName *string
	// Identifiers (e.g. email domains) that route a user to this provider
	// in the hosted sign-in.
	// Default: - none.
	Identifiers *[]*string

	// An existing user pool (an imported IUserPool works). For the BlockID
	// preset it must have the String, mutable custom attributes
	// custom:idp_ial_raw (max length 2048), custom:ial, custom:ial_at,
	// custom:ial_email and custom:ial_src, no app client that can write
	// any custom:ial* attribute, and a pre token generation trigger that is
	// free or owned by constructs/pretokengen (the assurance behaviour joins
	// it; event version V2_0 needs the Essentials or Plus feature plan).
	// Default: - a new user pool (native sign-in by username or email, strong
	// password policy, optional TOTP MFA, the assurance attributes for
	// BlockID).
	UserPool awscognito.IUserPool
	// Whether users may sign themselves up natively. Only for a pool this
	// construct creates. Federated users are created at their first sign-in
	// either way.
	// Default: false.
	SelfSignUpEnabled *bool
	// The feature plan of the created pool.
	// Default: awscognito.FeaturePlan_ESSENTIALS.
	FeaturePlan awscognito.FeaturePlan
	// What happens to the created pool when it leaves the stack.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// Whether the created pool has deletion protection.
	// Default: true, unless RemovalPolicy is DESTROY.
	DeletionProtection *bool

	// An existing secret holding the provider's client secret as a JSON
	// field. The value reaches CloudFormation only as a dynamic reference
	// ({{resolve:secretsmanager:…}}), resolved by CloudFormation at deploy.
	// Default: - a new secret whose value comes from a NoEcho stack parameter
	// <prefix>ClientSecret.
	Secret awssecretsmanager.ISecret
	// The JSON field of Secret that holds the client secret.
	// Default: "clientSecret".
	SecretField *string
	// Prefix of the logical id of the NoEcho parameter this construct
	// creates (<prefix>ClientSecret). Letters and digits only.
	// Default: - the construct's id, letters and digits only.
	ParameterPrefix *string

	// The app client's allowed callback URLs (https; http only for
	// localhost). Required.
	CallbackURLs *[]*string
	// The app client's allowed sign-out URLs. Required.
	LogoutURLs *[]*string
	// Whether the app client also offers native (user name and password)
	// sign-in in the hosted UI (COGNITO as a supported identity provider).
	// Default: false.
	AllowCognitoSignIn *bool
	// Whether the app client has a client secret: true for a confidential
	// server-side client, false for a single-page or mobile app (which then
	// uses PKCE).
	// Default: false.
	GenerateSecret *bool
	// Name of the app client.
	// Default: - no name.
	ClientName *string

	// An existing user pool domain; no domain is created.
	// Default: - a Cognito domain with DomainPrefix.
	Domain awscognito.IUserPoolDomain
	// Whether this provider's users may be linked to native users of the
	// pool (constructs/linking, constructs/connect). Cognito re-applies a
	// provider's attribute mapping at every sign-in through it, linked users
	// included (REPORTED: amplify-js issue 7300, and a controlled experiment
	// on two pools in issue 835 of
	// aws-solutions-library-samples/accelerated-intelligent-document-processing-on-aws),
	// so whoever holds a linked provider account controls every attribute it
	// maps. A linkable provider therefore maps nothing into what the pool
	// trusts (email, email_verified, phone_number, phone_number_verified,
	// custom:ial): the presets map the identity into custom:idp_email and
	// custom:idp_email_verified (Mosaic by phone: custom:idp_phone and
	// custom:idp_phone_verified), which nothing trusts, and an OIDC
	// AttributeMapping into a trusted attribute is refused. A created pool
	// gets those custom attributes; an existing pool must have them (String,
	// mutable). A native user keeps the email and phone of their account;
	// a federated-only user's ID token carries the provider's values as
	// custom:idp_email / custom:idp_email_verified (the provider's word,
	// never verified by the pool). constructs/linking and constructs/connect
	// refuse, at synth, a provider of the stack that maps into a trusted
	// attribute.
	// Default: false (the identity is mapped into email and email_verified,
	// or phone_number and phone_number_verified: fine for a provider whose
	// users are never linked).
	Linkable *bool
	// Declares the provider trusted for its attributes: a Linkable provider
	// then maps the identity into email and email_verified (phone_number and
	// phone_number_verified) as an unlinked one does, and an OIDC
	// AttributeMapping may map into any attribute but custom:ial*.
	//
	// Risk: whoever holds the provider account of a linked user can rewrite
	// the account's email (or phone) and its verified flag at their next
	// sign-in through the provider (change the address at the provider, sign
	// in once), then take the account over with ForgotPassword. Only for a
	// provider whose accounts are as well protected as the pool's and whose
	// email is the same verified mailbox (e.g. the organisation's own
	// identity provider). The samples do not use it.
	// Default: false.
	TrustedForAttributes *bool

	// Prefix of the created Cognito domain (https://<prefix>.auth.<region>.amazoncognito.com):
	// lower-case letters, digits and hyphens, 1 to 63 characters, without
	// "aws", "amazon" or "cognito". Required unless Domain is set.
	DomainPrefix *string
}

// Provider selects the OpenID Provider. Exactly one field is set.
type Provider struct {
	// Transmit Security Mosaic (passkeys, passwordless).
	// Default: - not Mosaic.
	Mosaic *MosaicProvider
	// 1Kosmos BlockID with identity assurance (IAL2).
	// Default: - not BlockID.
	BlockID *BlockIDProvider
	// Any OpenID Provider.
	// Default: - not a generic provider.
	OIDC *OIDCProvider
}

// MosaicProvider configures Transmit Security Mosaic. Endpoints are explicit
// (https://api[.<region>].transmitsecurity.io/cis/oidc/{auth,token,me,jwks}),
// the issuer is the region's global signing key issuer
// (https://[<region>.]userid.security), attributes are requested with GET.
type MosaicProvider struct {
	// OIDC client id of the Mosaic application. Required.
	ClientID *string
	// How users are identified: MosaicEmail or MosaicPhone.
	// Default: MosaicEmail.
	Identity *string
	// The tenant's region: MosaicRegionUS, MosaicRegionEU, MosaicRegionCA or
	// MosaicRegionAU.
	// Default: MosaicRegionUS.
	Region *string
}

// BlockIDProvider configures 1Kosmos BlockID as an identity-assured
// provider: scopes "openid email /assurance/ial/2"; the assurance claim is
// mapped to the untrusted custom:idp_ial_raw, and the pool's pre token
// generation function (behaviour contract.BehaviourAssurance) turns it into
// the backend-only custom:ial at each BlockID sign-in. An application trusts
// custom:ial (in the ID token, and in the access token of a version 2/3
// trigger), never custom:idp_ial_raw.
type BlockIDProvider struct {
	// Tenant host name, e.g. "acme.1kosmos.net" (no scheme). Required.
	TenantDNS *string
	// Community name. Required.
	Community *string
	// OIDC client id. Required.
	ClientID *string
	// Explicit endpoints (all four).
	// Default: - discovered from the issuer https://{tenantDNS}/oauth2/community/{community}/v1.
	Endpoints *awscognito.OidcEndpoints
	// The ID token / userinfo claim that carries the identity assurance
	// level, mapped to custom:idp_ial_raw.
	// Default: "amr" (see DefaultBlockIDAssuranceClaim).
	AssuranceClaim *string
	// The lowest identity assurance level BlockID's claim must state to
	// grant custom:ial, an integer from 1 to 3 (contract.MinAssuranceLevel,
	// contract.MaxAssuranceLevel). A sign-in stating a lower level grants
	// nothing and withdraws what BlockID granted before (custom:ial would
	// otherwise carry "1", a self-asserted identity, which an application
	// checking only for the attribute's presence would take for a proofed
	// one). One pre token generation function serves the pool: every
	// provider on it with assurance must use the same value.
	// Default: 2 (contract.DefaultAssuranceMinimumLevel: the level the
	// scope /assurance/ial/2 asks for).
	MinimumLevel *float64
	// The pool's pre token generation function, when this construct creates
	// it (see constructs/pretokengen).
	// Default: - event version V2_0, built from lambdas/cmd/pretokengen.
	PreTokenGeneration *pretokengen.PreTokenGenerationProps
}

// minimumLevel is MinimumLevel as the handler reads it (0: not set).
func (b *BlockIDProvider) minimumLevel() int {
	if b == nil || b.MinimumLevel == nil {
		return 0
	}
	return int(*b.MinimumLevel)
}

// OIDCProvider configures any OpenID Provider.
type OIDCProvider struct {
	// Issuer URL (https). Required.
	Issuer *string
	// OIDC client id. Required.
	ClientID *string
	// Explicit endpoints (all four).
	// Default: - discovered from Issuer.
	Endpoints *awscognito.OidcEndpoints
	// Scopes requested from the provider; must contain "openid".
	// Default: ["openid", "email"].
	Scopes *[]*string
	// Provider claims mapped to pool attributes. Map EmailVerified with
	// Email: an unmapped email_verified is reset to false whenever a sign-in
	// changes the email. The app client gets write access to exactly these
	// attributes (Cognito refuses the sign-in otherwise), which is also
	// what a user's own access token of that client may change: never map
	// into an attribute an application trusts. The backend-only assurance
	// attributes (custom:ial*) are refused.
	// Default: email → email, email_verified → email_verified.
	AttributeMapping *awscognito.AttributeMapping
	// How Cognito requests the userinfo attributes.
	// Default: awscognito.OidcAttributeRequestMethod_GET.
	AttributeRequestMethod awscognito.OidcAttributeRequestMethod
}

var (
	domainPrefix = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
	claimName    = regexp.MustCompile(`^[A-Za-z0-9_:./-]{1,64}$`)
	// Cognito's ProviderName pattern, anchored as CDK checks it: no space
	// anywhere, and '_' only as the second character.
	providerName = regexp.MustCompile(`^[^_\p{Z}][\p{L}\p{M}\p{S}\p{N}\p{P}][^_\p{Z}]+$`)
)

func checkURLs(field string, l *[]*string) error {
	if l == nil {
		return fmt.Errorf("expected %s to be set, received nil", field)
	}
	if len(*l) == 0 {
		return fmt.Errorf("expected %s to hold at least one URL, received []", field)
	}
	var errs []error
	for i, s := range *l {
		errs = append(errs, propcheck.URL(fmt.Sprintf("%s[%d]", field, i), s, true))
	}
	return errors.Join(errs...)
}

// checkEndpoints: CloudFormation takes the four endpoints together or none.
func checkEndpoints(field string, e *awscognito.OidcEndpoints) error {
	if e == nil {
		return nil
	}
	var errs []error
	var missing []string
	for _, f := range []struct {
		name string
		v    *string
	}{{"Authorization", e.Authorization}, {"Token", e.Token}, {"UserInfo", e.UserInfo}, {"JwksUri", e.JwksUri}} {
		if f.v == nil {
			missing = append(missing, f.name)
			continue
		}
		errs = append(errs, propcheck.URL(field+"."+f.name, f.v, true))
	}
	if len(missing) > 0 {
		errs = append(errs, fmt.Errorf("expected %s to set all four endpoints (Authorization, Token, UserInfo, JwksUri) or be nil, received none for %s", field, strings.Join(missing, ", ")))
	}
	return errors.Join(errs...)
}

// checkScopes: scopes without spaces, "openid" among them (a token may be
// it).
func checkScopes(field string, l *[]*string) error {
	if l == nil {
		return nil
	}
	var errs []error
	var got []string
	openid := false
	for i, s := range *l {
		if s == nil || !propcheck.IsToken(s) && (strings.TrimSpace(*s) == "" || strings.ContainsAny(*s, " \t\r\n")) {
			errs = append(errs, fmt.Errorf("expected %s[%d] to be one scope without spaces, received %s", field, i, propcheck.Show(s)))
			continue
		}
		openid = openid || *s == "openid" || propcheck.IsToken(s)
		got = append(got, *s)
	}
	if len(errs) == 0 && !openid {
		return fmt.Errorf("expected %s to contain \"openid\", received %q", field, got)
	}
	return errors.Join(errs...)
}

// poolOptions are the props of a created pool.
func (p *FederationProps) poolOptions() newpool.Options {
	return newpool.Options{
		SelfSignUpEnabled:  p.SelfSignUpEnabled,
		FeaturePlan:        p.FeaturePlan,
		RemovalPolicy:      p.RemovalPolicy,
		DeletionProtection: p.DeletionProtection,
	}
}

// validate checks every concern of the props (the provider, the pool, the
// client secret, the app client, the domain) without creating anything,
// and reports every problem at once.
func (p *FederationProps) validate() error {
	if p == nil {
		return fmt.Errorf("expected props to be set, received nil")
	}
	var errs []error
	if name := p.poolOptions().FirstSet(); p.UserPool != nil && name != "" {
		errs = append(errs, fmt.Errorf("expected %s to be unset with an existing UserPool (it only applies to a created pool), received a value", name))
	}
	if isTrue(p.TrustedForAttributes) && !isTrue(p.Linkable) {
		errs = append(errs, fmt.Errorf("expected TrustedForAttributes only with Linkable (it only changes what a linkable provider may map), received true without Linkable"))
	}
	return errors.Join(append(errs,
		p.Provider.validate(isTrue(p.Linkable), isTrue(p.TrustedForAttributes)),
		p.validateNaming(),
		p.validateSecret(),
		checkURLs("CallbackURLs", p.CallbackURLs),
		checkURLs("LogoutURLs", p.LogoutURLs),
		p.validateDomain(),
	)...)
}

// validateNaming checks the provider's name in the pool and its
// identifiers.
func (p *FederationProps) validateNaming() error {
	var errs []error
	if p.ProviderName != nil && !propcheck.IsToken(p.ProviderName) {
		n := *p.ProviderName
		if l := len([]rune(n)); l < 3 || l > 32 || !providerName.MatchString(n) {
			errs = append(errs, fmt.Errorf("expected ProviderName to be 3 to 32 characters without spaces, and without '_' except as the second character (Cognito's pattern), received %s", propcheck.Show(p.ProviderName)))
		}
		switch strings.ToLower(n) {
		case "cognito", "google", "facebook", "loginwithamazon", "signinwithapple":
			errs = append(errs, fmt.Errorf("expected ProviderName not to be a name Cognito reserves, received %s", propcheck.Show(p.ProviderName)))
		}
	}
	if p.Identifiers != nil {
		for i, s := range *p.Identifiers {
			errs = append(errs, propcheck.NonEmpty(fmt.Sprintf("Identifiers[%d]", i), s, true))
		}
	}
	return errors.Join(errs...)
}

// validateSecret checks the client secret: a given one's field, or the
// prefix of the created one's parameter.
func (p *FederationProps) validateSecret() error {
	var errs []error
	if p.Secret != nil && p.ParameterPrefix != nil {
		errs = append(errs, fmt.Errorf("expected ParameterPrefix to be nil with an existing Secret (no parameter is created), received %s", propcheck.Show(p.ParameterPrefix)))
	}
	if p.Secret == nil && p.SecretField != nil {
		errs = append(errs, fmt.Errorf("expected SecretField to be nil without an existing Secret (the created secret uses %q), received %s", DefaultSecretField, propcheck.Show(p.SecretField)))
	}
	if p.SecretField != nil && !propcheck.IsToken(p.SecretField) && (*p.SecretField == "" || strings.ContainsAny(*p.SecretField, ":{} ")) {
		errs = append(errs, fmt.Errorf("expected SecretField to be a JSON field name without ':', '{', '}' or spaces, received %s", propcheck.Show(p.SecretField)))
	}
	if p.ParameterPrefix != nil && !propcheck.Alnum.MatchString(*p.ParameterPrefix) {
		errs = append(errs, fmt.Errorf("expected ParameterPrefix to hold letters and digits only, received %s", propcheck.Show(p.ParameterPrefix)))
	}
	return errors.Join(errs...)
}

// validateDomain: an existing Domain, or the prefix of the created one.
func (p *FederationProps) validateDomain() error {
	switch {
	case p.Domain != nil && p.DomainPrefix != nil:
		return fmt.Errorf("expected DomainPrefix to be nil with an existing Domain, received %s", propcheck.Show(p.DomainPrefix))
	case p.Domain == nil && p.DomainPrefix == nil:
		return fmt.Errorf("expected DomainPrefix (or an existing Domain) to be set, received nil")
	case p.DomainPrefix == nil || propcheck.IsToken(p.DomainPrefix):
		return nil
	}
	d := *p.DomainPrefix
	if !domainPrefix.MatchString(d) {
		return fmt.Errorf("expected DomainPrefix to be 1 to 63 lower-case letters, digits or inner hyphens, received %s", propcheck.Show(p.DomainPrefix))
	}
	for _, reserved := range []string{"aws", "amazon", "cognito"} {
		if strings.Contains(d, reserved) {
			return fmt.Errorf("expected DomainPrefix not to contain the reserved word %q, received %s", reserved, propcheck.Show(p.DomainPrefix))
		}
	}
	return nil
}

func isTrue(b *bool) bool { return b != nil && *b }

// validate checks that exactly one preset is set, then the preset's own
// props.
func (p *Provider) validate(linkable, trusted bool) error {
	if p == nil {
		return fmt.Errorf("expected Provider to be set, received nil")
	}
	var set []string
	if p.Mosaic != nil {
		set = append(set, "Mosaic")
	}
	if p.BlockID != nil {
		set = append(set, "BlockID")
	}
	if p.OIDC != nil {
		set = append(set, "OIDC")
	}
	if len(set) != 1 {
		return fmt.Errorf("expected exactly one of Provider.Mosaic, Provider.BlockID, Provider.OIDC, received %d (%s)", len(set), strings.Join(set, ", "))
	}
	return p.chosen().validate(linkable, trusted)
}

func (m *MosaicProvider) validate(bool, bool) error {
	return errors.Join(
		propcheck.NonEmpty("Provider.Mosaic.ClientID", m.ClientID, true),
		propcheck.OneOf("Provider.Mosaic.Identity", m.Identity, MosaicEmail, MosaicPhone),
		propcheck.OneOf("Provider.Mosaic.Region", m.Region, MosaicRegionUS, MosaicRegionEU, MosaicRegionCA, MosaicRegionAU),
	)
}

func (b *BlockIDProvider) validate(bool, bool) error {
	var errs []error
	if err := propcheck.NonEmpty("Provider.BlockID.TenantDNS", b.TenantDNS, true); err != nil {
		errs = append(errs, err)
	} else if !propcheck.IsToken(b.TenantDNS) && !propcheck.Hostname.MatchString(*b.TenantDNS) {
		errs = append(errs, fmt.Errorf("expected Provider.BlockID.TenantDNS to be a host name without scheme or path, received %s", propcheck.Show(b.TenantDNS)))
	}
	if err := propcheck.NonEmpty("Provider.BlockID.Community", b.Community, true); err != nil {
		errs = append(errs, err)
	} else if !propcheck.IsToken(b.Community) && !propcheck.PathPart.MatchString(*b.Community) {
		errs = append(errs, fmt.Errorf("expected Provider.BlockID.Community to be one URL path segment, received %s", propcheck.Show(b.Community)))
	}
	errs = append(errs, propcheck.NonEmpty("Provider.BlockID.ClientID", b.ClientID, true))
	if b.AssuranceClaim != nil && !propcheck.IsToken(b.AssuranceClaim) && !claimName.MatchString(*b.AssuranceClaim) {
		errs = append(errs, fmt.Errorf("expected Provider.BlockID.AssuranceClaim to be a claim name, received %s", propcheck.Show(b.AssuranceClaim)))
	}
	if b.MinimumLevel != nil && (propcheck.IsTokenNumber(*b.MinimumLevel) || contract.CheckAssuranceLevel(*b.MinimumLevel) != nil) {
		// A token cannot be checked, and one function serves the pool:
		// the level must be known at synth.
		errs = append(errs, fmt.Errorf("expected Provider.BlockID.MinimumLevel to be an integer from %d to %d, received %v",
			contract.MinAssuranceLevel, contract.MaxAssuranceLevel, *b.MinimumLevel))
	}
	return errors.Join(append(errs, checkEndpoints("Provider.BlockID.Endpoints", b.Endpoints))...)
}

func (o *OIDCProvider) validate(linkable, trusted bool) error {
	errs := []error{
		propcheck.URL("Provider.OIDC.Issuer", o.Issuer, true),
		propcheck.NonEmpty("Provider.OIDC.ClientID", o.ClientID, true),
		checkEndpoints("Provider.OIDC.Endpoints", o.Endpoints),
	}
	if o.Scopes != nil && len(*o.Scopes) == 0 {
		errs = append(errs, fmt.Errorf("expected Provider.OIDC.Scopes to hold at least \"openid\" or be nil, received []"))
	} else {
		errs = append(errs, checkScopes("Provider.OIDC.Scopes", o.Scopes))
	}
	if m := o.AttributeRequestMethod; m != "" && m != awscognito.OidcAttributeRequestMethod_GET && m != awscognito.OidcAttributeRequestMethod_POST {
		errs = append(errs, fmt.Errorf("expected Provider.OIDC.AttributeRequestMethod to be GET or POST, received %q", m))
	}
	return errors.Join(append(errs, o.checkMapping(linkable && !trusted))...)
}

// checkMapping: an AttributeMapping maps something, nothing backend-only,
// only known names, and for a linkable provider not trusted for its
// attributes (safe) nothing the pool trusts.
func (o *OIDCProvider) checkMapping(safe bool) error {
	if o.AttributeMapping == nil {
		return nil
	}
	names := MappedAttributes(o.AttributeMapping)
	if safe {
		if bad := linkablepkg.TrustedIn(names); len(bad) > 0 {
			return errors.New(linkablepkg.Message("Provider.OIDC.AttributeMapping", "OIDC", bad[0]))
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("expected Provider.OIDC.AttributeMapping to map at least one attribute or be nil, received none")
	}
	var errs []error
	for _, n := range names {
		if strings.HasPrefix(n, contract.AssuranceAttributePrefix) {
			errs = append(errs, fmt.Errorf("expected Provider.OIDC.AttributeMapping not to map into %s (a backend-only assurance attribute: the mapping would make it writable by the user's own access token), received a mapping for it", n))
			continue
		}
		if !propcheck.IsToken(&n) && !strings.HasPrefix(n, "custom:") && !slices.Contains(standardAttributes, n) {
			errs = append(errs, fmt.Errorf("expected Provider.OIDC.AttributeMapping.Custom keys to be custom:<name> or standard attribute names, received %q", n))
		}
	}
	return errors.Join(errs...)
}

// standardAttributes are the pool's standard attribute names an identity
// provider may map into.
var standardAttributes = []string{"address", "birthdate", "email", "email_verified", "family_name", "gender", "given_name",
	"locale", "middle_name", "name", "nickname", "phone_number", "phone_number_verified", "picture", "preferred_username",
	"profile", "updated_at", "website", "zoneinfo"}

// MappedAttributes returns the pool attribute names m maps, sorted: the
// write list of the hosted sign-in client.
func MappedAttributes(m *awscognito.AttributeMapping) []string {
	if m == nil {
		return nil
	}
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"address", m.Address != nil}, {"birthdate", m.Birthdate != nil}, {"email", m.Email != nil},
		{"email_verified", m.EmailVerified != nil}, {"family_name", m.FamilyName != nil}, {"name", m.Fullname != nil},
		{"gender", m.Gender != nil}, {"given_name", m.GivenName != nil}, {"updated_at", m.LastUpdateTime != nil},
		{"locale", m.Locale != nil}, {"middle_name", m.MiddleName != nil}, {"nickname", m.Nickname != nil},
		{"phone_number", m.PhoneNumber != nil}, {"preferred_username", m.PreferredUsername != nil},
		{"profile", m.ProfilePage != nil}, {"picture", m.ProfilePicture != nil}, {"zoneinfo", m.Timezone != nil},
		{"website", m.Website != nil},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	if m.Custom != nil {
		for k := range *m.Custom {
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}
