package stepup

import (
	"maps"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	handler "github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

// validate is tested here, as a table; the construct only adds the panic
// (TestBadPropsPanic).

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
func blockID() *Provider                         { return &Provider{BlockID: &BlockIDProvider{}} }
func session(v BlockIDSessionProvider) *Provider { return &Provider{BlockIDSession: &v} }
func oidc(o OIDCProvider) *Provider              { return &Provider{OIDC: &o} }

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
		{"empty provider", &StepUpProps{Provider: &Provider{}}, "expected exactly one of Provider.BlockID, Provider.BlockIDSession, Provider.Biopass, Provider.OIDC, received 0"},
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
		{"max starts 0", &StepUpProps{Provider: blockID(), MaxStartsPerUser: f(0)}, "expected MaxStartsPerUser to be an integer between 1 and 1000, received 0"},
		{"max starts 1001", &StepUpProps{Provider: blockID(), MaxStartsPerUser: f(1001)}, "expected MaxStartsPerUser to be an integer between 1 and 1000, received 1001"},
		{"max starts 2.5", &StepUpProps{Provider: blockID(), MaxStartsPerUser: f(2.5)}, "received 2.5"},
		{"max starts 1000", &StepUpProps{Provider: blockID(), MaxStartsPerUser: f(1000)}, ""},
		{"memory 64", &StepUpProps{Provider: blockID(), MemorySize: f(64)}, "expected MemorySize to be an integer between 128 and 10240, received 64"},
		{"bind mode", &StepUpProps{Provider: blockID(), BindMode: s("fuzzy")}, `expected BindMode to be one of ["exact" "email"], received "fuzzy"`},
		{"bind mode email", &StepUpProps{Provider: blockID(), BindMode: s(contract.BindModeEmail), BindAttribute: s("email"), BindClaim: s("email")}, ""},
		{"token auth", &StepUpProps{Provider: blockID(), TokenAuthMethod: s("client_secret_jwt")}, `expected TokenAuthMethod to be one of ["client_secret_basic" "client_secret_post" "private_key_jwt"], received "client_secret_jwt"`},
		{"private_key_jwt with BlockID", &StepUpProps{Provider: blockID(), TokenAuthMethod: s("private_key_jwt")}, `expected Provider.OIDC or Provider.Biopass with TokenAuthMethod "private_key_jwt"`},
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

		// The verification-session preset.
		{"session all from parameters", &StepUpProps{Provider: session(BlockIDSessionProvider{})}, ""},
		{"session props", &StepUpProps{Provider: session(BlockIDSessionProvider{
			TenantDNS: s("acme.1kosmos.net"), Community: s("default"), APIURL: s("https://api.acme.example"),
			EnrollmentIssuer: s("https://acme.1kosmos.net/oauth2/community/default/v1"), Reason: s("payout_change"),
		})}, ""},
		{"session and blockid", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}, BlockIDSession: &BlockIDSessionProvider{}}}, "received 2 [BlockID BlockIDSession]"},
		{"session loopback api", &StepUpProps{Provider: session(BlockIDSessionProvider{APIURL: s("http://127.0.0.1:8443")})}, ""},
		{"session http api", &StepUpProps{Provider: session(BlockIDSessionProvider{APIURL: s("http://api.acme.example")})}, `expected Provider.BlockIDSession.APIURL to be an absolute https URL without fragment, received "http://api.acme.example"`},
		{"session relative issuer", &StepUpProps{Provider: session(BlockIDSessionProvider{EnrollmentIssuer: s("/issuer")})}, `expected Provider.BlockIDSession.EnrollmentIssuer to be an absolute https URL without fragment, received "/issuer"`},
		{"session community without tenant", &StepUpProps{Provider: session(BlockIDSessionProvider{Community: s("default")})}, `expected Provider.BlockIDSession.Community only with TenantDNS, received Community="default" with TenantDNS=nil`},
		{"session tenant without community", &StepUpProps{Provider: session(BlockIDSessionProvider{TenantDNS: s("acme.1kosmos.net")})}, `expected Provider.BlockIDSession.Community with TenantDNS (the enrollment issuer is derived from both) unless EnrollmentIssuer is set, received TenantDNS="acme.1kosmos.net" Community=nil`},
		{"session tenant and issuer", &StepUpProps{Provider: session(BlockIDSessionProvider{TenantDNS: s("acme.1kosmos.net"), EnrollmentIssuer: s("https://idp.example.com")})}, ""},
		{"session tenant with scheme", &StepUpProps{Provider: session(BlockIDSessionProvider{TenantDNS: s("https://acme.1kosmos.net"), Community: s("c")})}, `expected Provider.BlockIDSession.TenantDNS to be a host name without scheme or path, received "https://acme.1kosmos.net"`},
		{"session community with slash", &StepUpProps{Provider: session(BlockIDSessionProvider{TenantDNS: s("acme.1kosmos.net"), Community: s("a/b")})}, `expected Provider.BlockIDSession.Community to be a community name`},
		{"session tenant with existing secret", &StepUpProps{Provider: session(BlockIDSessionProvider{TenantDNS: s("acme.1kosmos.net"), Community: s("c")}), Secret: existingSecret{}}, `expected Provider.BlockIDSession.TenantDNS and Community only when the construct creates the secret`},
		{"session existing secret", &StepUpProps{Provider: session(BlockIDSessionProvider{}), Secret: existingSecret{}}, ""},
		{"session bad reason", &StepUpProps{Provider: session(BlockIDSessionProvider{Reason: s("High Value")})}, `expected Provider.BlockIDSession.Reason to be 1 to 64 characters of a-z, 0-9 and _, received "High Value"`},
		{"session admin only", &StepUpProps{Provider: session(BlockIDSessionProvider{}), Enrollment: StepUpEnrollment_ADMIN_ONLY}, ""},
		{"session first use", &StepUpProps{Provider: session(BlockIDSessionProvider{}), Enrollment: StepUpEnrollment_FIRST_USE}, `expected Enrollment nil or StepUpEnrollment_ADMIN_ONLY with Provider.BlockIDSession (a face session has no first-use binding: enroll users with cognitobridge-enroll pre-enroll), received "first_use"`},
		{"session fresh authentication off", &StepUpProps{Provider: session(BlockIDSessionProvider{}), FreshAuthentication: b(false)}, "expected FreshAuthentication nil with Provider.BlockIDSession (a verification session has no ID token"},
		{"session fresh authentication on", &StepUpProps{Provider: session(BlockIDSessionProvider{}), FreshAuthentication: b(true)}, "expected FreshAuthentication nil with Provider.BlockIDSession"},
		{"session bind claim", &StepUpProps{Provider: session(BlockIDSessionProvider{}), BindClaim: s("username")}, "expected BindClaim nil with Provider.BlockIDSession"},
		{"session bind attribute", &StepUpProps{Provider: session(BlockIDSessionProvider{}), BindAttribute: s("email")}, "expected BindAttribute nil with Provider.BlockIDSession"},
		{"session bind mode", &StepUpProps{Provider: session(BlockIDSessionProvider{}), BindMode: s(contract.BindModeExact)}, "expected BindMode nil with Provider.BlockIDSession"},
		{"session required acr", &StepUpProps{Provider: session(BlockIDSessionProvider{}), RequiredAcr: l("liveID")}, "expected RequiredAcr nil with Provider.BlockIDSession"},
		{"session token auth", &StepUpProps{Provider: session(BlockIDSessionProvider{}), TokenAuthMethod: s(contract.TokenAuthPost)}, "expected TokenAuthMethod nil with Provider.BlockIDSession"},
		{"session passwordless", &StepUpProps{Provider: session(BlockIDSessionProvider{}), Policy: StepUpPolicy_ON_DEMAND, AllowPasswordless: b(true)}, "expected AllowPasswordless nil or false with Provider.BlockIDSession"},

		// Durations and ClientAttributes: validate asks jsii for their values.
		{"max attempts", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, MaxAttempts: jsii.Number(11)}, "expected MaxAttempts to be an integer between 1 and 10, received 11"},
		{"timeout", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, Timeout: awscdk.Duration_Seconds(jsii.Number(6))}, "expected Timeout between 1 and 5 seconds, received 6 seconds"},
		{"secret ttl", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, SecretCacheTTL: awscdk.Duration_Hours(jsii.Number(2))}, "expected SecretCacheTTL between 0 and 3600 seconds, received 7200 seconds"},
		{"window zero", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, StepUpWindow: awscdk.Duration_Seconds(jsii.Number(0))}, "expected StepUpWindow between 1 and 3600 seconds, received 0 seconds"},
		{"window too long", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, StepUpWindow: awscdk.Duration_Minutes(jsii.Number(61))}, "expected StepUpWindow between 1 and 3600 seconds, received 3660 seconds"},
		{"window fraction", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, StepUpWindow: awscdk.Duration_Millis(jsii.Number(1500))}, "expected StepUpWindow to be whole seconds, received 1.5 seconds"},
		{"window bounds", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, StepUpWindow: awscdk.Duration_Hours(jsii.Number(1))}, ""},
		{"window without guard", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, ServerSideGuard: jsii.Bool(false), StepUpWindow: awscdk.Duration_Seconds(jsii.Number(30))}, "expected StepUpWindow only when ServerSideGuard is true"},
		{"reasons without guard", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, ServerSideGuard: jsii.Bool(false), StepUpReasons: jsii.Strings("a")}, "expected StepUpReasons only when ServerSideGuard is true"},
		{"version without guard", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, ServerSideGuard: jsii.Bool(false), GuardLambdaVersion: awscognito.LambdaVersion_V2_0}, "expected GuardLambdaVersion only when ServerSideGuard is true"},
		{"bad version", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, GuardLambdaVersion: "V4_0"}, `expected GuardLambdaVersion to be one of V1_0, V2_0, V3_0, received "V4_0"`},
		{"lite pool with V2", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, FeaturePlan: awscognito.FeaturePlan_LITE}, "expected GuardLambdaVersion V1_0 with FeaturePlan LITE"},
		{"lite pool with V1", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, FeaturePlan: awscognito.FeaturePlan_LITE, GuardLambdaVersion: awscognito.LambdaVersion_V1_0}, ""},
		{"empty reasons", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, StepUpReasons: &[]*string{}}, "expected StepUpReasons to hold at least one value or be nil, received []"},
		{"bad reason", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, StepUpReasons: jsii.Strings("High-Value")}, `expected StepUpReasons[0] to be 1 to 64 characters of a-z, 0-9 and _, received "High-Value"`},
		{"reason with space", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, StepUpReasons: jsii.Strings("a b")}, `expected StepUpReasons[0] without spaces`},
		{"session too short", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, AuthSessionValidity: awscdk.Duration_Minutes(jsii.Number(2))}, "expected AuthSessionValidity between 180 and 900 seconds, received 120 seconds"},
		{"session too long", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, AuthSessionValidity: awscdk.Duration_Minutes(jsii.Number(16))}, "expected AuthSessionValidity between 180 and 900 seconds, received 960 seconds"},
		{"session without client", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, CreateClient: jsii.Bool(false), AuthSessionValidity: awscdk.Duration_Minutes(jsii.Number(10))}, "expected AuthSessionValidity only when CreateClient is true"},
		{"rotation grace too long", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, RefreshTokenRotationGracePeriod: awscdk.Duration_Seconds(jsii.Number(61))}, "expected RefreshTokenRotationGracePeriod between 0 and 60 seconds, received 61 seconds"},
		{"rotation without client", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, CreateClient: jsii.Bool(false), RefreshTokenRotationGracePeriod: awscdk.Duration_Seconds(jsii.Number(10))}, "expected RefreshTokenRotationGracePeriod only when CreateClient is true"},
		{"pool-only props on a created pool", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, RemovalPolicy: awscdk.RemovalPolicy_DESTROY}, ""},

		{"skew too long", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, AuthTimeSkew: awscdk.Duration_Seconds(jsii.Number(301))}, "expected AuthTimeSkew between 0 and 300 seconds, received 301 seconds"},
		{"skew fraction", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, AuthTimeSkew: awscdk.Duration_Millis(jsii.Number(1500))}, "expected AuthTimeSkew to be whole seconds, received 1.5 seconds"},
		{"skew bounds", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, AuthTimeSkew: awscdk.Duration_Minutes(jsii.Number(5))}, ""},
		{"skew zero", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, AuthTimeSkew: awscdk.Duration_Seconds(jsii.Number(0))}, ""},
		{"session skew", &StepUpProps{Provider: &Provider{BlockIDSession: &BlockIDSessionProvider{}}, AuthTimeSkew: awscdk.Duration_Seconds(jsii.Number(60))}, ""},
		{"session timeout bounds", &StepUpProps{Provider: &Provider{BlockIDSession: &BlockIDSessionProvider{SessionTimeout: awscdk.Duration_Minutes(jsii.Number(15)), PendingWait: awscdk.Duration_Seconds(jsii.Number(3))}}}, ""},
		{"session timeout too short", &StepUpProps{Provider: &Provider{BlockIDSession: &BlockIDSessionProvider{SessionTimeout: awscdk.Duration_Seconds(jsii.Number(29))}}}, "expected Provider.BlockIDSession.SessionTimeout between 30 and 900 seconds, received 29 seconds"},
		{"session timeout too long", &StepUpProps{Provider: &Provider{BlockIDSession: &BlockIDSessionProvider{SessionTimeout: awscdk.Duration_Minutes(jsii.Number(16))}}}, "expected Provider.BlockIDSession.SessionTimeout between 30 and 900 seconds, received 960 seconds"},
		{"session timeout fraction", &StepUpProps{Provider: &Provider{BlockIDSession: &BlockIDSessionProvider{SessionTimeout: awscdk.Duration_Millis(jsii.Number(60500))}}}, "expected Provider.BlockIDSession.SessionTimeout to be whole seconds, received 60.5 seconds"},
		{"session pending wait too long", &StepUpProps{Provider: &Provider{BlockIDSession: &BlockIDSessionProvider{PendingWait: awscdk.Duration_Millis(jsii.Number(3001))}}}, "expected Provider.BlockIDSession.PendingWait between 0 and 3 seconds, received 3.001 seconds"},
		{"session first use", &StepUpProps{Provider: &Provider{BlockIDSession: &BlockIDSessionProvider{}}, Enrollment: StepUpEnrollment_FIRST_USE}, "expected Enrollment nil or StepUpEnrollment_ADMIN_ONLY with Provider.BlockIDSession"},
		{"skew without fresh authentication", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, FreshAuthentication: jsii.Bool(false), AuthTimeSkew: awscdk.Duration_Seconds(jsii.Number(10))}, "expected AuthTimeSkew only when FreshAuthentication is true, received it with FreshAuthentication=false"},
		{"user srp without guard", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, ServerSideGuard: jsii.Bool(false), AllowUserSrpAuth: jsii.Bool(true)}, "expected AllowUserSrpAuth only when ServerSideGuard is true"},
		{"bad enrollment", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, Enrollment: "never"}, `expected Enrollment to be one of ["first_use" "admin_only"], received "never"`},
		{"client may write email", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}},
			ClientWriteAttributes: awscognito.NewClientAttributes().WithStandardAttributes(&awscognito.StandardAttributesMask{Nickname: jsii.Bool(true), Email: jsii.Bool(true)})},
			`expected ClientWriteAttributes without email, email_verified, phone_number, phone_number_verified, preferred_username, the BindAttribute and custom:ial*, received "email"`},
		{"client may write phone", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}},
			ClientWriteAttributes: awscognito.NewClientAttributes().WithStandardAttributes(&awscognito.StandardAttributesMask{PhoneNumber: jsii.Bool(true)})},
			`received "phone_number"`},
		{"client may write preferred username", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}},
			ClientWriteAttributes: awscognito.NewClientAttributes().WithStandardAttributes(&awscognito.StandardAttributesMask{PreferredUsername: jsii.Bool(true)})},
			`received "preferred_username"`},
		{"client may write the assurance level", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}},
			ClientWriteAttributes: awscognito.NewClientAttributes().WithCustomAttributes(jsii.String("ial"))},
			`received "custom:ial"`},
		{"client may write the bind attribute", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, BindAttribute: jsii.String("custom:employee_id"),
			ClientWriteAttributes: awscognito.NewClientAttributes().WithCustomAttributes(jsii.String("employee_id"))},
			`received "custom:employee_id" (it is the BindAttribute)`},
		{"client may write other custom attributes", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}},
			ClientWriteAttributes: awscognito.NewClientAttributes().WithCustomAttributes(jsii.String("employee_id"))}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cdktest.CheckError(t, c.props.validate(), c.want)
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
			cdktest.CheckError(t, CheckWriteAttributes("ClientWriteAttributes", c.attrs, c.bind), c.want)
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

func TestHandlerEnvSession(t *testing.T) {
	p := &StepUpProps{Provider: session(BlockIDSessionProvider{})}
	define, provider := p.handlerEnv(5000, 300)
	if define[contract.EnvProvider] != contract.ProviderBlockIDSession || len(define) != 4 {
		t.Errorf("define env = %v", define)
	}
	// Exactly the keys the session kind reads (the secret ARN is added by
	// NewStepUp): no endpoints, acr, binding or fresh authentication.
	want := map[string]string{
		contract.EnvProvider:              contract.ProviderBlockIDSession,
		contract.EnvSecretTTLSeconds:      "300",
		contract.EnvBudgetMillis:          "4000",
		contract.EnvSessionReason:         contract.StepUpReasonHighValueTransaction,
		contract.EnvSessionTimeoutSeconds: "300",
	}
	if len(provider) != len(want) {
		t.Errorf("provider env = %v, want exactly %v", provider, want)
	}
	for k, v := range want {
		if provider[k] != v {
			t.Errorf("provider %s = %q, want %q", k, provider[k], v)
		}
	}
	verify := p.verifyOnlyEnv(DefaultAuthTimeSkewSeconds)
	for k, v := range map[string]string{
		contract.EnvEnrollment:               contract.EnrollmentAdminOnly,
		contract.EnvAuthTimeSkewSeconds:      "30",
		contract.EnvSessionPendingWaitMillis: "1000",
	} {
		if verify[k] != v || len(verify) != 3 {
			t.Errorf("verifyOnlyEnv = %v, want %s = %q among 3 keys", verify, k, v)
		}
	}
	if got := p.createOnlyEnv("T"); len(got) != 3 || got[contract.EnvStepUpTable] != "T" || got[contract.EnvUserCapStarts] != "5" || got[contract.EnvUserCapWindowSeconds] != "900" {
		t.Errorf("createOnlyEnv = %v, want the table and 5 sessions per 900 s", got)
	}
	for _, other := range []*Provider{blockID(), oidc(validOIDC()), {Biopass: &BiopassProvider{}}} {
		if got := (&StepUpProps{Provider: other}).createOnlyEnv("T"); len(got) != 3 || got[contract.EnvStepUpTable] != "T" || got[contract.EnvUserCapStarts] != "10" {
			t.Errorf("createOnlyEnv for %+v = %v, want the table and 10 challenges", other, got)
		}
	}

	// The handlers read this configuration as the session kind's, with the
	// package defaults.
	env := map[string]string{contract.EnvSecretARN: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:s-AbCdEf"}
	maps.Copy(env, provider)
	maps.Copy(env, p.createOnlyEnv("T"))
	maps.Copy(env, verify)
	cfg, err := handler.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("handler config: %v", err)
	}
	if cfg.Provider != contract.ProviderBlockIDSession || cfg.Session.Reason != contract.StepUpReasonHighValueTransaction ||
		cfg.Session.Timeout != handler.DefaultSessionTimeout || cfg.Session.PendingWait != handler.DefaultSessionPendingWait ||
		cfg.Enrollment != contract.EnrollmentAdminOnly || cfg.Issuer != "" || cfg.Session.APIURL != "" {
		t.Errorf("handler config = %+v", cfg)
	}

	p.Provider.BlockIDSession.APIURL = s("https://api.acme.example")
	p.Provider.BlockIDSession.EnrollmentIssuer = s("https://acme.1kosmos.net/oauth2/community/default/v1")
	p.Provider.BlockIDSession.Reason = s("payout_change")
	_, provider = p.handlerEnv(5000, 300)
	for k, v := range map[string]string{
		contract.EnvSessionAPIURL: "https://api.acme.example",
		contract.EnvIssuer:        "https://acme.1kosmos.net/oauth2/community/default/v1",
		contract.EnvSessionReason: "payout_change",
	} {
		if provider[k] != v {
			t.Errorf("provider %s = %q, want %q", k, provider[k], v)
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
