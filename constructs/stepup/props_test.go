package stepup

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// These tests use plain values only: validate decides them without jsii.

func s(v string) *string   { return &v }
func f(v float64) *float64 { return &v }
func b(v bool) *bool       { return &v }
func l(v ...string) *[]*string {
	out := make([]*string, len(v))
	for i := range v {
		out[i] = &v[i]
	}
	return &out
}
func blockID() *Provider            { return &Provider{BlockID: &BlockIDProvider{}} }
func oidc(o OIDCProvider) *Provider { return &Provider{OIDC: &o} }

// existingSecret stands for a user's secret; validate only checks presence.
type existingSecret struct{ awssecretsmanager.ISecret }

// someAttributes stands for a ClientAttributes; validate reports a misplaced
// one before it asks jsii for its names.
type someAttributes struct{ awscognito.ClientAttributes }

func validOIDC() OIDCProvider {
	return OIDCProvider{Issuer: s("https://idp.example.com"), RedirectURI: s("https://app.example.com/cb")}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		props *StepUpProps
		want  string // substring of the error; "" means valid
	}{
		{"nil props", nil, "expected props with a Provider"},
		{"no provider", &StepUpProps{}, "expected Provider to be set, received nil"},
		{"empty provider", &StepUpProps{Provider: &Provider{}}, "expected exactly one of Provider.BlockID, Provider.Biopass, Provider.OIDC, received 0"},
		{"two providers", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}, OIDC: &OIDCProvider{}}}, "received 2 [BlockID OIDC]"},

		{"blockid all from parameters", &StepUpProps{Provider: blockID()}, ""},
		{"blockid props", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{TenantDNS: s("acme.1kosmos.net"), Community: s("default"), ClientID: s("abc"), AcrValues: l("otp sms")}}}, ""},
		{"blockid tenant without community", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{TenantDNS: s("acme.1kosmos.net")}}}, `both set or both nil, received TenantDNS="acme.1kosmos.net" Community=nil`},
		{"blockid tenant with scheme", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{TenantDNS: s("https://acme.1kosmos.net"), Community: s("c")}}}, `expected Provider.BlockID.TenantDNS to be a host name without scheme or path, received "https://acme.1kosmos.net"`},
		{"blockid community with slash", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{TenantDNS: s("acme.1kosmos.net"), Community: s("a/b")}}}, `expected Provider.BlockID.Community`},
		{"blockid tenant with existing secret", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{TenantDNS: s("acme.1kosmos.net"), Community: s("c")}}, Secret: existingSecret{}}, `expected Provider.BlockID.TenantDNS and Community only when the construct creates the secret`},
		{"blockid acr with comma", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{AcrValues: l("otp sms,otp email")}}}, `expected Provider.BlockID.AcrValues[0] without any of "',", received "otp sms,otp email"`},
		{"blockid empty acr list", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{AcrValues: l()}}}, "expected Provider.BlockID.AcrValues to hold at least one value or be nil, received []"},
		{"blockid http redirect", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{RedirectURI: s("http://evil.example.com/cb")}}}, `expected Provider.BlockID.RedirectURI to be an absolute https URL without fragment, received "http://evil.example.com/cb"`},

		{"biopass ok", &StepUpProps{Provider: &Provider{Biopass: &BiopassProvider{Issuer: s("https://biopass.example"), ClientID: s("id"), RedirectURI: s("https://app.example.com/cb")}}}, ""},
		{"biopass without client id", &StepUpProps{Provider: &Provider{Biopass: &BiopassProvider{Issuer: s("https://biopass.example"), RedirectURI: s("https://app.example.com/cb")}}}, "expected Provider.Biopass.ClientID to be set, received nil"},
		{"biopass without issuer", &StepUpProps{Provider: &Provider{Biopass: &BiopassProvider{ClientID: s("id"), RedirectURI: s("https://a.example/cb")}}}, "expected Provider.Biopass.Issuer to be set, received nil"},

		{"oidc ok", &StepUpProps{Provider: oidc(validOIDC())}, ""},
		{"oidc loopback http", &StepUpProps{Provider: oidc(OIDCProvider{Issuer: s("http://127.0.0.1:5556/dex"), RedirectURI: s("http://localhost:8080/cb")})}, ""},
		{"oidc relative issuer", &StepUpProps{Provider: oidc(OIDCProvider{Issuer: s("/issuer"), RedirectURI: s("https://a.example/cb")})}, `expected Provider.OIDC.Issuer to be an absolute https URL without fragment, received "/issuer"`},
		{"oidc without redirect", &StepUpProps{Provider: oidc(OIDCProvider{Issuer: s("https://idp.example.com")})}, "expected Provider.OIDC.RedirectURI to be set, received nil"},
		{"oidc partial endpoints", &StepUpProps{Provider: oidc(func() OIDCProvider { o := validOIDC(); o.TokenURL = s("https://idp.example.com/token"); return o }())}, "expected Provider.OIDC.AuthorizeURL, TokenURL and JWKSURL all set or all nil, received 1 of 3"},
		{"oidc all endpoints", &StepUpProps{Provider: oidc(func() OIDCProvider {
			o := validOIDC()
			o.AuthorizeURL, o.TokenURL, o.JWKSURL = s("https://idp.example.com/a"), s("https://idp.example.com/t"), s("https://idp.example.com/k")
			return o
		}())}, ""},
		{"oidc scope with space", &StepUpProps{Provider: oidc(func() OIDCProvider { o := validOIDC(); o.Scopes = l("openid email"); return o }())}, `expected Provider.OIDC.Scopes[0] without spaces, received "openid email"`},
		{"oidc scopes without openid", &StepUpProps{Provider: oidc(func() OIDCProvider { o := validOIDC(); o.Scopes = l("email", "profile"); return o }())}, `expected Provider.OIDC.Scopes to contain "openid", received ["email" "profile"]`},
		{"oidc empty client id", &StepUpProps{Provider: oidc(func() OIDCProvider { o := validOIDC(); o.ClientID = s(" "); return o }())}, `expected Provider.OIDC.ClientID to be non-empty, received " "`},

		{"max attempts 0", &StepUpProps{Provider: blockID(), MaxAttempts: f(0)}, "expected MaxAttempts to be an integer between 1 and 10, received 0"},
		{"max attempts 11", &StepUpProps{Provider: blockID(), MaxAttempts: f(11)}, "expected MaxAttempts to be an integer between 1 and 10, received 11"},
		{"max attempts 2.5", &StepUpProps{Provider: blockID(), MaxAttempts: f(2.5)}, "received 2.5"},
		{"max attempts 10", &StepUpProps{Provider: blockID(), MaxAttempts: f(10)}, ""},
		{"memory 64", &StepUpProps{Provider: blockID(), MemorySize: f(64)}, "expected MemorySize to be an integer between 128 and 10240, received 64"},
		{"bind mode", &StepUpProps{Provider: blockID(), BindMode: s("fuzzy")}, `expected BindMode to be one of ["exact" "email"], received "fuzzy"`},
		{"bind mode email", &StepUpProps{Provider: blockID(), BindMode: s(contract.BindModeEmail), BindAttribute: s("email"), BindClaim: s("email")}, ""},
		{"token auth", &StepUpProps{Provider: blockID(), TokenAuthMethod: s("private_key_jwt")}, `expected TokenAuthMethod to be one of ["client_secret_basic" "client_secret_post"], received "private_key_jwt"`},
		{"required acr empty entry", &StepUpProps{Provider: blockID(), RequiredAcr: l("liveID push", "")}, `expected RequiredAcr[1] to be non-empty, received ""`},
		{"client name without client", &StepUpProps{Provider: blockID(), CreateClient: b(false), ClientName: s("web")}, `expected ClientName only when CreateClient is true, received ClientName="web" with CreateClient=false`},
		{"parameter prefix", &StepUpProps{Provider: blockID(), ParameterPrefix: s("My-Prefix")}, `expected ParameterPrefix to hold only letters and digits, received "My-Prefix"`},
		{"token strings skipped without jsii markers", &StepUpProps{Provider: blockID(), BindClaim: s("sub")}, ""},

		// Enrollment, fresh authentication and the created client (issue 7).
		{"enrollment first use", &StepUpProps{Provider: blockID(), Enrollment: StepUpEnrollment_FIRST_USE}, ""},
		{"enrollment admin only", &StepUpProps{Provider: blockID(), Enrollment: StepUpEnrollment_ADMIN_ONLY}, ""},
		{"enrollment unknown", &StepUpProps{Provider: blockID(), Enrollment: "sometimes"}, `expected Enrollment to be one of ["first_use" "admin_only"], received "sometimes"`},
		{"enrollment upper case", &StepUpProps{Provider: blockID(), Enrollment: "FIRST_USE"}, `expected Enrollment to be one of ["first_use" "admin_only"], received "FIRST_USE"`},
		{"fresh authentication off", &StepUpProps{Provider: blockID(), FreshAuthentication: b(false)}, ""},
		{"user srp with guard", &StepUpProps{Provider: blockID(), AllowUserSrpAuth: b(true)}, ""},
		{"on demand", &StepUpProps{Provider: blockID(), Policy: StepUpPolicy_ON_DEMAND}, ""},
		{"unknown policy", &StepUpProps{Provider: blockID(), Policy: "sometimes"}, `expected Policy StepUpPolicy_ALWAYS or StepUpPolicy_ON_DEMAND, received "sometimes"`},
		{"on demand without guard", &StepUpProps{Provider: blockID(), ServerSideGuard: b(false), Policy: StepUpPolicy_ON_DEMAND}, "expected Policy ON_DEMAND only with ServerSideGuard true"},
		{"no client and nothing protected", &StepUpProps{Provider: blockID(), CreateClient: b(false)}, "expected at least one ProtectedClients entry when CreateClient is false"},
		{"protected clients without guard", &StepUpProps{Provider: blockID(), ServerSideGuard: b(false), ProtectedClients: &[]awscognito.IUserPoolClient{}}, "expected ProtectedClients only when ServerSideGuard is true"},
		{"nil protected client", &StepUpProps{Provider: blockID(), ProtectedClients: &[]awscognito.IUserPoolClient{nil}}, "expected ProtectedClients[0] to be a client, received nil"},
		{"user srp without guard", &StepUpProps{Provider: blockID(), ServerSideGuard: b(false), AllowUserSrpAuth: b(true)}, "expected AllowUserSrpAuth only when ServerSideGuard is true (plain USER_SRP_AUTH never runs the step-up; only the guard refuses its tokens), received AllowUserSrpAuth=true with ServerSideGuard=false"},
		{"no user srp without guard", &StepUpProps{Provider: blockID(), ServerSideGuard: b(false), AllowUserSrpAuth: b(false)}, ""},
		{"user srp without client", &StepUpProps{Provider: blockID(), CreateClient: b(false), AllowUserSrpAuth: b(true)}, "expected AllowUserSrpAuth only when CreateClient is true, received AllowUserSrpAuth=true with CreateClient=false"},
		{"write attributes without client", &StepUpProps{Provider: blockID(), CreateClient: b(false), ClientWriteAttributes: someAttributes{}}, "expected ClientWriteAttributes only when CreateClient is true, received them with CreateClient=false"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.props.validate()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.want != "" && err == nil:
				t.Fatalf("expected an error containing %q", c.want)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

func TestCheckWriteAttributes(t *testing.T) {
	profile := []string{"address", "birthdate", "family_name", "gender", "given_name", "locale", "middle_name", "name", "nickname", "picture", "profile", "website", "zoneinfo"}
	cases := []struct {
		name  string
		attrs []string
		bind  *string
		want  string // substring of the error; "" means valid
	}{
		{"profile only", profile, nil, ""},
		{"none", nil, nil, ""},
		{"email", []string{"given_name", "email"}, nil, `received "email" (sign-in, recovery and the first-use binding rest on it)`},
		{"email verified flag", []string{"email_verified"}, nil, `received "email_verified"`},
		{"phone number", []string{"phone_number"}, nil, `received "phone_number"`},
		{"phone verified flag", []string{"phone_number_verified"}, nil, `received "phone_number_verified"`},
		{"preferred username", []string{"preferred_username"}, nil, `received "preferred_username"`},
		{"assurance level", []string{"custom:ial"}, nil, `received "custom:ial" (an assurance attribute only the backend may write)`},
		{"assurance time", []string{"name", "custom:ial_at"}, nil, `received "custom:ial_at"`},
		{"other custom attribute", []string{"custom:favourite_colour"}, nil, ""},
		{"bind attribute", []string{"custom:employee_id"}, s("custom:employee_id"), `received "custom:employee_id" (it is the BindAttribute)`},
		{"bind attribute standard", []string{"nickname"}, s("nickname"), `received "nickname" (it is the BindAttribute)`},
		{"bind by user name", profile, s(contract.BindAttributeUsername), ""},
		{"message names the field", []string{"email"}, nil, `expected ClientWriteAttributes without email, email_verified, phone_number, phone_number_verified, preferred_username, the BindAttribute and custom:ial*, received "email"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckWriteAttributes("ClientWriteAttributes", c.attrs, c.bind)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case c.want != "" && err == nil:
				t.Fatalf("expected an error containing %q", c.want)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

func TestVerifyOnlyEnv(t *testing.T) {
	for _, c := range []struct {
		props      *StepUpProps
		skew       float64
		enrollment string
		skewEnv    string
	}{
		{&StepUpProps{Provider: blockID()}, DefaultAuthTimeSkewSeconds, contract.EnrollmentFirstUse, "30"},
		{&StepUpProps{Provider: blockID(), Enrollment: StepUpEnrollment_ADMIN_ONLY}, 0, contract.EnrollmentAdminOnly, "0"},
	} {
		env := c.props.verifyOnlyEnv(c.skew)
		if env[contract.EnvEnrollment] != c.enrollment || env[contract.EnvAuthTimeSkewSeconds] != c.skewEnv || len(env) != 2 {
			t.Errorf("verifyOnlyEnv = %v, want enrollment %s and skew %s", env, c.enrollment, c.skewEnv)
		}
	}
}

func TestHandlerEnvFreshAuth(t *testing.T) {
	for _, c := range []struct {
		name string
		in   *bool
		want string
	}{{"nil", nil, contract.FreshAuthRequired}, {"true", b(true), contract.FreshAuthRequired}, {"false", b(false), contract.FreshAuthOff}} {
		_, provider := (&StepUpProps{Provider: blockID(), FreshAuthentication: c.in}).handlerEnv(5000, 300)
		if provider[contract.EnvFreshAuth] != c.want {
			t.Errorf("FreshAuthentication %s: %s = %q, want %q", c.name, contract.EnvFreshAuth, provider[contract.EnvFreshAuth], c.want)
		}
	}
}

func TestHandlerEnvDefaults(t *testing.T) {
	p := &StepUpProps{Provider: blockID()}
	define, provider := p.handlerEnv(5000, 300)
	want := map[string]string{
		contract.EnvProvider:          contract.ProviderBlockID,
		contract.EnvMaxAttempts:       "3",
		contract.EnvAllowPasswordless: "false",
		contract.EnvStepUpPolicy:      contract.PolicyAlways,
	}
	for k, v := range want {
		if define[k] != v {
			t.Errorf("define %s = %q, want %q", k, define[k], v)
		}
	}
	if len(define) != len(want) {
		t.Errorf("define env has extra keys: %v", define)
	}
	for k, v := range map[string]string{
		contract.EnvProvider:         contract.ProviderBlockID,
		contract.EnvACRValues:        `["liveID push"]`,
		contract.EnvSecretTTLSeconds: "300",
		contract.EnvBudgetMillis:     "4000",
		contract.EnvFreshAuth:        contract.FreshAuthRequired,
	} {
		if provider[k] != v {
			t.Errorf("provider %s = %q, want %q", k, provider[k], v)
		}
	}
	for _, k := range []string{contract.EnvIssuer, contract.EnvClientID, contract.EnvRedirectURI, contract.EnvScopes} {
		if _, ok := provider[k]; ok {
			t.Errorf("%s set although BlockID takes it from the secret: %q", k, provider[k])
		}
	}
}

func TestHandlerEnvBlockIDFromProps(t *testing.T) {
	p := &StepUpProps{
		Provider:    &Provider{BlockID: &BlockIDProvider{TenantDNS: s("acme.1kosmos.net"), Community: s("default"), ClientID: s("cid")}},
		RequiredAcr: l("liveID push"),
		MaxAttempts: f(5),
	}
	define, provider := p.handlerEnv(3000, 60)
	if define[contract.EnvMaxAttempts] != "5" {
		t.Errorf("max attempts = %q", define[contract.EnvMaxAttempts])
	}
	// The handler derives issuer and redirect URI from the secret.
	for _, k := range []string{contract.EnvIssuer, contract.EnvRedirectURI} {
		if v, ok := provider[k]; ok {
			t.Errorf("%s = %q, want unset", k, v)
		}
	}
	for k, v := range map[string]string{
		contract.EnvClientID:     "cid",
		contract.EnvRequiredACR:  `["liveID push"]`,
		contract.EnvBudgetMillis: "2400",
	} {
		if provider[k] != v {
			t.Errorf("%s = %q, want %q", k, provider[k], v)
		}
	}
}

func TestHandlerEnvOIDC(t *testing.T) {
	o := validOIDC()
	o.AcrValues = l("urn:acr:face", "otp sms")
	p := &StepUpProps{Provider: oidc(o), TokenAuthMethod: s(contract.TokenAuthPost), BindClaim: s("sub"), BindAttribute: s(contract.BindAttributeUsername)}
	_, provider := p.handlerEnv(5000, 300)
	for k, v := range map[string]string{
		contract.EnvProvider:        contract.ProviderOIDC,
		contract.EnvIssuer:          "https://idp.example.com",
		contract.EnvRedirectURI:     "https://app.example.com/cb",
		contract.EnvScopes:          "openid email",
		contract.EnvACRValues:       `["urn:acr:face","otp sms"]`,
		contract.EnvTokenAuthMethod: contract.TokenAuthPost,
		contract.EnvBindClaim:       "sub",
		contract.EnvBindAttribute:   contract.BindAttributeUsername,
	} {
		if provider[k] != v {
			t.Errorf("%s = %q, want %q", k, provider[k], v)
		}
	}
}

func TestBudgetMillis(t *testing.T) {
	for in, want := range map[float64]float64{5000: 4000, 3000: 2400, 1000: 800, 4500: 3600} {
		if got := budgetMillis(in); got != want {
			t.Errorf("budgetMillis(%g) = %g, want %g", in, got, want)
		}
	}
}
