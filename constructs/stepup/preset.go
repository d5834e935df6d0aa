package stepup

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/constructs/internal/secretparam"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// preset is one provider preset of Provider (BlockIDProvider,
// BlockIDSessionProvider, BiopassProvider, OIDCProvider). Each checks its own
// fields and the props that depend on it, writes its part of the
// Create/Verify environment and names the values of the secret the construct
// creates for it, so a new preset is one type in one file, not a case in
// every function that renders props.
type preset interface {
	// kind is the handlers' contract.EnvProvider value and name the field
	// of Provider that holds the preset.
	kind() (kind, name string)
	// validate checks the preset and the props it rules out or requires.
	validate(p *StepUpProps) []error
	// env adds the preset's keys to the Create/Verify environment.
	env(p *StepUpProps, provider map[string]string)
	// secret is the secret the construct creates when props.Secret is nil.
	secret(param secretParam) secretSpec
	// privateKeyJWT is the label of the key set with TokenAuthMethod
	// private_key_jwt, or why the preset cannot use it.
	privateKeyJWT() (label string, err error)
}

// secretParam is a NoEcho stack parameter's value (secretparam.Value).
type secretParam func(name, description string) awscdk.SecretValue

// secretSpec is what the created provider secret holds and says.
type secretSpec struct {
	values      map[string]awscdk.SecretValue
	description string
	// noRotation is why no Secrets Manager rotation applies (cdk-nag
	// AwsSolutions-SMG4).
	noRotation string
}

// preset is the one preset set (validate checks there is exactly one).
func (p *Provider) preset() preset {
	switch {
	case p == nil:
		return nil
	case p.BlockID != nil:
		return p.BlockID
	case p.BlockIDSession != nil:
		return p.BlockIDSession
	case p.Biopass != nil:
		return p.Biopass
	case p.OIDC != nil:
		return p.OIDC
	}
	return nil
}

// kind is the contract's provider value and the preset's name.
func (p *Provider) kind() (kind, name string) {
	if pre := p.preset(); pre != nil {
		return pre.kind()
	}
	return "", ""
}

// only returns the preset, or the error when not exactly one is set.
func (p *Provider) only() (preset, error) {
	if p == nil {
		return nil, fmt.Errorf("expected Provider to be set, received nil")
	}
	var names []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"BlockID", p.BlockID != nil}, {"BlockIDSession", p.BlockIDSession != nil}, {"Biopass", p.Biopass != nil}, {"OIDC", p.OIDC != nil}} {
		if f.set {
			names = append(names, f.name)
		}
	}
	if len(names) != 1 {
		return nil, fmt.Errorf("expected exactly one of Provider.BlockID, Provider.BlockIDSession, Provider.Biopass, Provider.OIDC, received %d %v", len(names), names)
	}
	return p.preset(), nil
}

// oidcSecret is the client secret every OIDC preset keeps in the secret.
func oidcSecret(name string, param secretParam) secretSpec {
	return secretSpec{
		values: map[string]awscdk.SecretValue{
			contract.SecretKeyClientSecret: param("ClientSecret", secretparam.OIDCLabel(name)+" client secret (stored in Secrets Manager)"),
		},
		description: "cognitobridge " + name + " step-up provider credentials",
		noRotation: "The value is an OIDC client secret issued by the identity provider: it can only be rotated at the provider " +
			"(then written here with PutSecretValue or a stack parameter update). The handlers pick up a new value without a " +
			"redeploy (cache TTL, and a refresh on invalid_client), so no Secrets Manager rotation Lambda applies.",
	}
}

// clientIDParam adds the client id parameter unless the props give it.
func (s secretSpec) clientIDParam(name string, clientID *string, param secretParam) secretSpec {
	if clientID == nil {
		s.values[contract.SecretKeyClientID] = param("ClientId", secretparam.OIDCLabel(name)+" client id (stored in Secrets Manager)")
	}
	return s
}

// defaultScopes are the scopes of Biopass and OIDC when Scopes is nil.
func defaultScopes(scopes *[]*string) *[]*string {
	if scopes != nil {
		return scopes
	}
	return &[]*string{strPtr("openid"), strPtr("email")}
}

// BlockID.

func (b *BlockIDProvider) kind() (string, string) { return contract.ProviderBlockID, "BlockID" }

func (b *BlockIDProvider) validate(p *StepUpProps) []error {
	var errs []error
	if (b.TenantDNS == nil) != (b.Community == nil) {
		errs = append(errs, fmt.Errorf("expected Provider.BlockID.TenantDNS and Provider.BlockID.Community both set or both nil, received TenantDNS=%s Community=%s", propcheck.Show(b.TenantDNS), propcheck.Show(b.Community)))
	}
	if b.TenantDNS != nil && p.Secret != nil {
		errs = append(errs, fmt.Errorf("expected Provider.BlockID.TenantDNS and Community only when the construct creates the secret (the handlers read them from the secret), received TenantDNS=%s with an existing Secret", propcheck.Show(b.TenantDNS)))
	}
	if b.TenantDNS != nil && !propcheck.IsToken(b.TenantDNS) && !propcheck.Hostname.MatchString(*b.TenantDNS) {
		errs = append(errs, fmt.Errorf("expected Provider.BlockID.TenantDNS to be a host name without scheme or path, received %s", propcheck.Show(b.TenantDNS)))
	}
	if b.Community != nil && !propcheck.IsToken(b.Community) && !propcheck.PathPart.MatchString(*b.Community) {
		errs = append(errs, fmt.Errorf("expected Provider.BlockID.Community to be a community name (letters, digits, . _ ~ -), received %s", propcheck.Show(b.Community)))
	}
	return append(errs,
		propcheck.NonEmpty("Provider.BlockID.ClientID", b.ClientID, false),
		propcheck.List("Provider.BlockID.AcrValues", b.AcrValues, false),
		checkNoneContains("Provider.BlockID.AcrValues", b.AcrValues, `',`),
		propcheck.URL("Provider.BlockID.RedirectURI", b.RedirectURI, false),
	)
}

// env: issuer, endpoints and the default redirect URI are derived by the
// handler from the secret's tenantDns and community.
func (b *BlockIDProvider) env(p *StepUpProps, provider map[string]string) {
	setEnv(provider, contract.EnvRedirectURI, b.RedirectURI)
	setEnv(provider, contract.EnvClientID, b.ClientID)
	setEnvList(provider, contract.EnvACRValues, b.acrValues(), "")
	p.idTokenEnv(provider)
}

func (b *BlockIDProvider) secret(param secretParam) secretSpec {
	s := oidcSecret("BlockID", param)
	if b.TenantDNS != nil {
		// Not credentials (every authorize URL shows them), but the
		// handlers read them from the secret.
		s.values[contract.SecretKeyTenantDNS] = awscdk.SecretValue_UnsafePlainText(b.TenantDNS)
		s.values[contract.SecretKeyCommunity] = awscdk.SecretValue_UnsafePlainText(b.Community)
	} else {
		s.values[contract.SecretKeyTenantDNS] = param("TenantDns", "BlockID tenant DNS name, e.g. acme.1kosmos.net (stored in Secrets Manager)")
		s.values[contract.SecretKeyCommunity] = param("Community", "BlockID community name (stored in Secrets Manager)")
	}
	return s.clientIDParam("BlockID", b.ClientID, param)
}

func (b *BlockIDProvider) privateKeyJWT() (string, error) {
	return "", errNoPrivateKeyJWT("BlockID")
}

// errNoPrivateKeyJWT refuses private_key_jwt for a BlockID preset.
func errNoPrivateKeyJWT(name string) error {
	return fmt.Errorf("expected Provider.OIDC or Provider.Biopass with TokenAuthMethod %q (1Kosmos documents no private_key_jwt for BlockID, whose tenant lives in the secret), received Provider.%s", contract.TokenAuthPrivateKeyJWT, name)
}

// Biopass.

func (b *BiopassProvider) kind() (string, string) { return contract.ProviderOIDC, "Biopass" }

// Biopass is an OIDC provider found by discovery whose client id the
// props must give: it validates and renders as one.
func (b *BiopassProvider) oidc() *OIDCProvider {
	return &OIDCProvider{Issuer: b.Issuer, ClientID: b.ClientID, RedirectURI: b.RedirectURI, Scopes: b.Scopes, AcrValues: b.AcrValues}
}

func (b *BiopassProvider) validate(*StepUpProps) []error {
	return b.oidc().check("Provider.Biopass", true)
}

func (b *BiopassProvider) env(p *StepUpProps, provider map[string]string) {
	b.oidc().env(p, provider)
}

func (b *BiopassProvider) secret(param secretParam) secretSpec {
	return oidcSecret("Biopass", param).clientIDParam("Biopass", b.ClientID, param)
}

func (b *BiopassProvider) privateKeyJWT() (string, error) { return "Biopass application", nil }

// Generic OIDC.

func (o *OIDCProvider) kind() (string, string) { return contract.ProviderOIDC, "OIDC" }

func (o *OIDCProvider) validate(*StepUpProps) []error { return o.check("Provider.OIDC", false) }

// check checks the fields of field (Provider.OIDC, or Provider.Biopass,
// which has no endpoints and needs the client id).
func (o *OIDCProvider) check(field string, needClientID bool) []error {
	var errs []error
	set := 0
	for _, s := range []*string{o.AuthorizeURL, o.TokenURL, o.JWKSURL} {
		if s != nil {
			set++
		}
	}
	if set != 0 && set != 3 {
		errs = append(errs, fmt.Errorf("expected %s.AuthorizeURL, TokenURL and JWKSURL all set or all nil, received %d of 3", field, set))
	}
	return append(errs,
		propcheck.URL(field+".Issuer", o.Issuer, true),
		propcheck.URL(field+".AuthorizeURL", o.AuthorizeURL, false),
		propcheck.URL(field+".TokenURL", o.TokenURL, false),
		propcheck.URL(field+".JWKSURL", o.JWKSURL, false),
		propcheck.NonEmpty(field+".ClientID", o.ClientID, needClientID),
		propcheck.URL(field+".RedirectURI", o.RedirectURI, true),
		propcheck.List(field+".Scopes", o.Scopes, true),
		checkOpenID(field+".Scopes", o.Scopes),
		propcheck.List(field+".AcrValues", o.AcrValues, false),
	)
}

func (o *OIDCProvider) env(p *StepUpProps, provider map[string]string) {
	setEnv(provider, contract.EnvIssuer, o.Issuer)
	setEnv(provider, contract.EnvAuthorizeURL, o.AuthorizeURL)
	setEnv(provider, contract.EnvTokenURL, o.TokenURL)
	setEnv(provider, contract.EnvJWKSURL, o.JWKSURL)
	setEnv(provider, contract.EnvClientID, o.ClientID)
	setEnv(provider, contract.EnvRedirectURI, o.RedirectURI)
	setEnvList(provider, contract.EnvScopes, defaultScopes(o.Scopes), " ")
	setEnvList(provider, contract.EnvACRValues, o.AcrValues, "")
	p.idTokenEnv(provider)
}

func (o *OIDCProvider) secret(param secretParam) secretSpec {
	return oidcSecret("OIDC", param).clientIDParam("OIDC", o.ClientID, param)
}

func (o *OIDCProvider) privateKeyJWT() (string, error) {
	if o.ClientID == nil {
		return "", fmt.Errorf("expected Provider.OIDC.ClientID with TokenAuthMethod %q (there is no secret to hold it), received nil", contract.TokenAuthPrivateKeyJWT)
	}
	return "generic OIDC provider", nil
}
