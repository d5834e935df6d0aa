package federation

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"

	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
)

// Stand-ins that satisfy the interfaces without starting jsii.
type (
	fakePool   struct{ awscognito.IUserPool }
	fakeSecret struct{ awssecretsmanager.ISecret }
	fakeDomain struct{ awscognito.IUserPoolDomain }
	fakeAttr   struct{ awscognito.ProviderAttribute }
)

func s(v string) *string { return &v }

func num(v float64) *float64 { return &v }
func l(v ...string) *[]*string {
	out := make([]*string, len(v))
	for i := range v {
		out[i] = &v[i]
	}
	return &out
}

func mosaic() *FederationProps {
	return &FederationProps{
		Provider:     &Provider{Mosaic: &MosaicProvider{ClientID: s("client")}},
		CallbackURLs: l("https://app.example.com/callback"),
		LogoutURLs:   l("https://app.example.com/"),
		DomainPrefix: s("acme-login"),
	}
}

func TestValidate(t *testing.T) {
	endpoints := func() *awscognito.OidcEndpoints {
		return &awscognito.OidcEndpoints{
			Authorization: s("https://idp.example.com/a"), Token: s("https://idp.example.com/t"),
			UserInfo: s("https://idp.example.com/u"), JwksUri: s("https://idp.example.com/k"),
		}
	}
	cases := []struct {
		name   string
		mutate func(p *FederationProps)
		want   string // "" means valid
	}{
		{"mosaic defaults", func(p *FederationProps) {}, ""},
		{"mosaic eu phone", func(p *FederationProps) {
			p.Provider.Mosaic.Region, p.Provider.Mosaic.Identity = s(MosaicRegionEU), s(MosaicPhone)
		}, ""},
		{"blockid", func(p *FederationProps) {
			p.Provider = &Provider{BlockID: &BlockIDProvider{TenantDNS: s("acme.1kosmos.net"), Community: s("default"), ClientID: s("c")}}
		}, ""},
		{"oidc explicit", func(p *FederationProps) {
			p.Provider = &Provider{OIDC: &OIDCProvider{Issuer: s("https://idp.example.com"), ClientID: s("c"), Endpoints: endpoints(),
				Scopes: l("openid", "email"), AttributeRequestMethod: awscognito.OidcAttributeRequestMethod_POST}}
		}, ""},
		{"existing everything", func(p *FederationProps) {
			p.UserPool, p.Secret, p.SecretField, p.Domain, p.DomainPrefix = fakePool{}, fakeSecret{}, s("oidc"), fakeDomain{}, nil
		}, ""},
		{"token values skip checks", func(p *FederationProps) {
			p.Provider = &Provider{BlockID: &BlockIDProvider{TenantDNS: s("${Token[TOKEN.1]}"), Community: s("c"), ClientID: s("c")}}
		}, ""},

		{"nil provider", func(p *FederationProps) { p.Provider = nil }, "expected Provider to be set, received nil"},
		{"no preset", func(p *FederationProps) { p.Provider = &Provider{} }, "expected exactly one of Provider.Mosaic, Provider.BlockID, Provider.OIDC, received 0"},
		{"two presets", func(p *FederationProps) { p.Provider.OIDC = &OIDCProvider{} }, "received 2 (Mosaic, OIDC)"},
		{"mosaic client id", func(p *FederationProps) { p.Provider.Mosaic.ClientID = nil }, "expected Provider.Mosaic.ClientID to be set, received nil"},
		{"mosaic region", func(p *FederationProps) { p.Provider.Mosaic.Region = s("jp") }, `expected Provider.Mosaic.Region to be one of ["us" "eu" "ca" "au"], received "jp"`},
		{"mosaic identity", func(p *FederationProps) { p.Provider.Mosaic.Identity = s("username") }, `expected Provider.Mosaic.Identity to be one of ["email" "phone"], received "username"`},
		{"blockid tenant url", func(p *FederationProps) {
			p.Provider = &Provider{BlockID: &BlockIDProvider{TenantDNS: s("https://acme.1kosmos.net"), Community: s("d"), ClientID: s("c")}}
		}, "expected Provider.BlockID.TenantDNS to be a host name without scheme or path"},
		{"blockid community path", func(p *FederationProps) {
			p.Provider = &Provider{BlockID: &BlockIDProvider{TenantDNS: s("acme.1kosmos.net"), Community: s("a/b"), ClientID: s("c")}}
		}, "expected Provider.BlockID.Community to be one URL path segment"},
		{"blockid claim", func(p *FederationProps) {
			p.Provider = &Provider{BlockID: &BlockIDProvider{TenantDNS: s("acme.1kosmos.net"), Community: s("d"), ClientID: s("c"), AssuranceClaim: s("a b")}}
		}, `expected Provider.BlockID.AssuranceClaim to be a claim name, received "a b"`},
		{"BlockID minimum level not an integer", func(p *FederationProps) {
			p.Provider = &Provider{BlockID: &BlockIDProvider{TenantDNS: s("acme.1kosmos.net"), Community: s("d"), ClientID: s("c"), MinimumLevel: num(2.5)}}
		}, `expected Provider.BlockID.MinimumLevel to be an integer from 1 to 3, received 2.5`},
		{"BlockID minimum level out of bounds", func(p *FederationProps) {
			p.Provider = &Provider{BlockID: &BlockIDProvider{TenantDNS: s("acme.1kosmos.net"), Community: s("d"), ClientID: s("c"), MinimumLevel: num(4)}}
		}, `expected Provider.BlockID.MinimumLevel to be an integer from 1 to 3, received 4`},
		{"partial endpoints", func(p *FederationProps) {
			e := endpoints()
			e.UserInfo, e.JwksUri = nil, nil
			p.Provider = &Provider{OIDC: &OIDCProvider{Issuer: s("https://idp.example.com"), ClientID: s("c"), Endpoints: e}}
		}, "expected Provider.OIDC.Endpoints to set all four endpoints (Authorization, Token, UserInfo, JwksUri) or be nil, received none for UserInfo, JwksUri"},
		{"http endpoint", func(p *FederationProps) {
			e := endpoints()
			e.Token = s("http://idp.example.com/t")
			p.Provider = &Provider{OIDC: &OIDCProvider{Issuer: s("https://idp.example.com"), ClientID: s("c"), Endpoints: e}}
		}, `expected Provider.OIDC.Endpoints.Token to be an absolute https URL without fragment, received "http://idp.example.com/t"`},
		{"oidc issuer", func(p *FederationProps) {
			p.Provider = &Provider{OIDC: &OIDCProvider{Issuer: s("idp.example.com"), ClientID: s("c")}}
		}, `expected Provider.OIDC.Issuer to be an absolute https URL`},
		{"oidc scopes without openid", func(p *FederationProps) {
			p.Provider = &Provider{OIDC: &OIDCProvider{Issuer: s("https://idp.example.com"), ClientID: s("c"), Scopes: l("email")}}
		}, `expected Provider.OIDC.Scopes to contain "openid", received ["email"]`},
		{"oidc scope with space", func(p *FederationProps) {
			p.Provider = &Provider{OIDC: &OIDCProvider{Issuer: s("https://idp.example.com"), ClientID: s("c"), Scopes: l("openid email")}}
		}, `expected Provider.OIDC.Scopes[0] to be one scope without spaces`},
		{"oidc method", func(p *FederationProps) {
			p.Provider = &Provider{OIDC: &OIDCProvider{Issuer: s("https://idp.example.com"), ClientID: s("c"), AttributeRequestMethod: "PUT"}}
		}, `expected Provider.OIDC.AttributeRequestMethod to be GET or POST, received "PUT"`},
		{"oidc mapping into the assurance", func(p *FederationProps) {
			p.Provider = &Provider{OIDC: &OIDCProvider{Issuer: s("https://idp.example.com"), ClientID: s("c"), AttributeMapping: &awscognito.AttributeMapping{
				Email: fakeAttr{}, Custom: &map[string]awscognito.ProviderAttribute{"custom:ial": fakeAttr{}}}}}
		}, "expected Provider.OIDC.AttributeMapping not to map into custom:ial (a backend-only assurance attribute"},
		{"oidc mapping into the assurance binding", func(p *FederationProps) {
			p.Provider = &Provider{OIDC: &OIDCProvider{Issuer: s("https://idp.example.com"), ClientID: s("c"), AttributeMapping: &awscognito.AttributeMapping{
				Custom: &map[string]awscognito.ProviderAttribute{"custom:ial_email": fakeAttr{}}}}}
		}, "not to map into custom:ial_email"},
		{"oidc mapping of an unknown standard name", func(p *FederationProps) {
			p.Provider = &Provider{OIDC: &OIDCProvider{Issuer: s("https://idp.example.com"), ClientID: s("c"), AttributeMapping: &awscognito.AttributeMapping{
				Custom: &map[string]awscognito.ProviderAttribute{"dept": fakeAttr{}}}}}
		}, `expected Provider.OIDC.AttributeMapping.Custom keys to be custom:<name> or standard attribute names, received "dept"`},
		{"oidc empty mapping", func(p *FederationProps) {
			p.Provider = &Provider{OIDC: &OIDCProvider{Issuer: s("https://idp.example.com"), ClientID: s("c"), AttributeMapping: &awscognito.AttributeMapping{}}}
		}, "expected Provider.OIDC.AttributeMapping to map at least one attribute or be nil, received none"},
		{"oidc mapping", func(p *FederationProps) {
			p.Provider = &Provider{OIDC: &OIDCProvider{Issuer: s("https://idp.example.com"), ClientID: s("c"), AttributeMapping: &awscognito.AttributeMapping{
				Email: fakeAttr{}, EmailVerified: fakeAttr{}, Custom: &map[string]awscognito.ProviderAttribute{"custom:dept": fakeAttr{}, "phone_number_verified": fakeAttr{}}}}}
		}, ""},
		{"provider name short", func(p *FederationProps) { p.ProviderName = s("ab") }, `expected ProviderName to be 3 to 32 characters`},
		{"provider name underscore", func(p *FederationProps) { p.ProviderName = s("_abc") }, `expected ProviderName to be 3 to 32 characters`},
		{"provider name inner underscore", func(p *FederationProps) { p.ProviderName = s("corp_oidc") }, `without '_' except as the second character`},
		{"provider name hyphen", func(p *FederationProps) { p.ProviderName = s("corp-oidc") }, ""},
		{"provider name reserved", func(p *FederationProps) { p.ProviderName = s("Cognito") }, `expected ProviderName not to be a name Cognito reserves`},
		{"empty identifier", func(p *FederationProps) { p.Identifiers = l("") }, `expected Identifiers[0] to be non-empty`},
		{"created-pool prop with pool", func(p *FederationProps) { p.UserPool, p.RemovalPolicy = fakePool{}, awscdk.RemovalPolicy_DESTROY }, "expected RemovalPolicy to be unset with an existing UserPool"},
		{"prefix with secret", func(p *FederationProps) { p.Secret, p.ParameterPrefix = fakeSecret{}, s("X") }, "expected ParameterPrefix to be nil with an existing Secret"},
		{"field without secret", func(p *FederationProps) { p.SecretField = s("x") }, "expected SecretField to be nil without an existing Secret"},
		{"bad field", func(p *FederationProps) { p.Secret, p.SecretField = fakeSecret{}, s("a:b") }, "expected SecretField to be a JSON field name"},
		{"bad prefix", func(p *FederationProps) { p.ParameterPrefix = s("my-app") }, `expected ParameterPrefix to hold letters and digits only, received "my-app"`},
		{"no callbacks", func(p *FederationProps) { p.CallbackURLs = nil }, "expected CallbackURLs to be set, received nil"},
		{"empty logouts", func(p *FederationProps) { p.LogoutURLs = l() }, "expected LogoutURLs to hold at least one URL, received []"},
		{"http callback", func(p *FederationProps) { p.CallbackURLs = l("http://app.example.com/cb") }, `expected CallbackURLs[0] to be an absolute https URL`},
		{"localhost callback", func(p *FederationProps) { p.CallbackURLs = l("http://localhost:3000/cb") }, ""},
		{"no domain", func(p *FederationProps) { p.DomainPrefix = nil }, "expected DomainPrefix (or an existing Domain) to be set, received nil"},
		{"domain and prefix", func(p *FederationProps) { p.Domain = fakeDomain{} }, `expected DomainPrefix to be nil with an existing Domain, received "acme-login"`},
		{"domain upper", func(p *FederationProps) { p.DomainPrefix = s("Acme") }, `expected DomainPrefix to be 1 to 63 lower-case letters`},
		{"domain reserved", func(p *FederationProps) { p.DomainPrefix = s("my-cognito-app") }, `expected DomainPrefix not to contain the reserved word "cognito"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mosaic()
			c.mutate(p)
			cdktest.CheckError(t, p.validate(), c.want)
		})
	}
	if err := (*FederationProps)(nil).validate(); err == nil {
		t.Error("nil props accepted")
	}
}

func TestMosaicPresetByRegion(t *testing.T) {
	for region, want := range map[string][2]string{
		"":   {"https://userid.security", "https://api.transmitsecurity.io/cis/oidc/"},
		"us": {"https://userid.security", "https://api.transmitsecurity.io/cis/oidc/"},
		"eu": {"https://eu.userid.security", "https://api.eu.transmitsecurity.io/cis/oidc/"},
		"ca": {"https://ca.userid.security", "https://api.ca.transmitsecurity.io/cis/oidc/"},
	} {
		m := &MosaicProvider{ClientID: s("c")}
		if region != "" {
			m.Region = s(region)
		}
		r := (&Provider{Mosaic: m}).resolve()
		if *r.issuer != want[0] {
			t.Errorf("%q: issuer %s, want %s", region, *r.issuer, want[0])
		}
		e := r.endpoints
		got := []string{*e.Authorization, *e.Token, *e.UserInfo, *e.JwksUri}
		for i, suffix := range []string{"auth", "token", "me", "jwks"} {
			if got[i] != want[1]+suffix {
				t.Errorf("%q: endpoint %s, want %s", region, got[i], want[1]+suffix)
			}
		}
		if r.method != awscognito.OidcAttributeRequestMethod_GET {
			t.Errorf("%q: method %s", region, r.method)
		}
	}
}

func TestMappedAttributes(t *testing.T) {
	got := MappedAttributes(&awscognito.AttributeMapping{Email: fakeAttr{}, Fullname: fakeAttr{}, Timezone: fakeAttr{}, LastUpdateTime: fakeAttr{},
		Custom: &map[string]awscognito.ProviderAttribute{"custom:x": fakeAttr{}, "email": fakeAttr{}}})
	want := []string{"custom:x", "email", "name", "updated_at", "zoneinfo"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("MappedAttributes = %v, want %v", got, want)
	}
	if MappedAttributes(nil) != nil {
		t.Fatal("nil mapping")
	}
}
