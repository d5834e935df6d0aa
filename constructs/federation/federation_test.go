package federation

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

func only(t *testing.T, m map[string]map[string]interface{}) (string, map[string]interface{}) {
	t.Helper()
	if len(m) != 1 {
		t.Fatalf("want exactly one resource, got %d", len(m))
	}
	for id, r := range m {
		return id, r
	}
	return "", nil
}

// flatten renders a template value as text: strings as they are, Fn::Join
// joined, anything else (Ref, Fn::GetAtt, …) as <intrinsic>.
func flatten(v interface{}) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]interface{}:
		if j, ok := v["Fn::Join"].([]interface{}); ok && len(j) == 2 {
			sep, _ := j[0].(string)
			parts, _ := j[1].([]interface{})
			out := make([]string, len(parts))
			for i, p := range parts {
				out[i] = flatten(p)
			}
			return strings.Join(out, sep)
		}
	}
	return "<intrinsic>"
}

func TestMosaicWithDefaults(t *testing.T) {
	// GIVEN
	stack := cdktest.NewStack()
	// WHEN
	fed := NewFederation(stack, jsii.String("Mosaic"), mosaic())
	// THEN
	if *fed.ProviderName() != "Mosaic" {
		t.Errorf("ProviderName() = %q", *fed.ProviderName())
	}
	tmpl := assertions.Template_FromStack(stack, nil)

	tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolIdentityProvider"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolIdentityProvider"), map[string]interface{}{
		"ProviderName": "Mosaic",
		"ProviderType": "OIDC",
		"ProviderDetails": map[string]interface{}{
			"client_id":                 "client",
			"oidc_issuer":               "https://userid.security",
			"authorize_url":             "https://api.transmitsecurity.io/cis/oidc/auth",
			"token_url":                 "https://api.transmitsecurity.io/cis/oidc/token",
			"attributes_url":            "https://api.transmitsecurity.io/cis/oidc/me",
			"jwks_uri":                  "https://api.transmitsecurity.io/cis/oidc/jwks",
			"authorize_scopes":          "openid email",
			"attributes_request_method": "GET",
			"client_secret": map[string]interface{}{"Fn::Join": []interface{}{"", []interface{}{
				"{{resolve:secretsmanager:",
				map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^MosaicClientSecretValue"))},
				":SecretString:clientSecret::}}",
			}}},
		},
		"AttributeMapping": map[string]interface{}{"email": "email", "email_verified": "email_verified"},
		"IdpIdentifiers":   assertions.Match_Absent(),
	})

	// The secret comes from a NoEcho parameter, named after the construct.
	tmpl.HasParameter(jsii.String("MosaicClientSecret"), map[string]interface{}{"Type": "String", "NoEcho": true})
	tmpl.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), map[string]interface{}{
		"SecretString": map[string]interface{}{"Fn::Join": []interface{}{"", []interface{}{
			"{\"clientSecret\":\"", map[string]interface{}{"Ref": "MosaicClientSecret"}, "\"}",
		}}},
	})

	// The client: code grant only, the provider only, depends on it.
	providerID, _ := only(t, cdktest.Resources(t, tmpl, "AWS::Cognito::UserPoolIdentityProvider"))
	tmpl.HasResource(jsii.String("AWS::Cognito::UserPoolClient"), map[string]interface{}{
		"DependsOn": assertions.Match_ArrayWith(&[]interface{}{providerID}),
		"Properties": map[string]interface{}{
			"AllowedOAuthFlows":               []interface{}{"code"},
			"AllowedOAuthFlowsUserPoolClient": true,
			"AllowedOAuthScopes":              []interface{}{"openid", "email", "profile"},
			"CallbackURLs":                    []interface{}{"https://app.example.com/callback"},
			"LogoutURLs":                      []interface{}{"https://app.example.com/"},
			"SupportedIdentityProviders":      []interface{}{"Mosaic"},
			"GenerateSecret":                  false,
			"PreventUserExistenceErrors":      "ENABLED",
			"EnableTokenRevocation":           true,
			"ExplicitAuthFlows":               []interface{}{"ALLOW_REFRESH_TOKEN_AUTH"},
			// Exactly what the provider maps.
			"WriteAttributes": []interface{}{"email", "email_verified"},
		},
	})
	if w := fed.WriteAttributes(); len(w) != 2 || fed.Assurance() != nil {
		t.Errorf("WriteAttributes() = %v, Assurance() = %v", w, fed.Assurance())
	}
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(0))
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolDomain"), map[string]interface{}{
		"Domain":     "acme-login",
		"UserPoolId": map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^MosaicUserPool"))},
	})

	// The created pool: no custom:ial without BlockID, email and phone mutable.
	tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPool"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
		"AdminCreateUserConfig": map[string]interface{}{"AllowAdminCreateUserOnly": true},
		"AliasAttributes":       []interface{}{"email"},
		"MfaConfiguration":      "OPTIONAL",
		"EnabledMfas":           []interface{}{"SOFTWARE_TOKEN_MFA"},
		"DeletionProtection":    "ACTIVE",
		"Schema": []interface{}{
			map[string]interface{}{"Name": "email", "Required": false, "Mutable": true},
			map[string]interface{}{"Name": "phone_number", "Required": false, "Mutable": true},
		},
	})
}

func TestMosaicPhoneEUWithCognitoSignIn(t *testing.T) {
	stack := cdktest.NewStack()
	p := mosaic()
	p.Provider.Mosaic.Identity, p.Provider.Mosaic.Region = jsii.String(MosaicPhone), jsii.String(MosaicRegionEU)
	p.AllowCognitoSignIn, p.GenerateSecret = jsii.Bool(true), jsii.Bool(true)
	p.ProviderName = jsii.String("Passkeys")
	p.Identifiers = jsii.Strings("example.com")
	fed := NewFederation(stack, jsii.String("Fed"), p)
	if *fed.ProviderName() != "Passkeys" {
		t.Errorf("ProviderName() = %q", *fed.ProviderName())
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolIdentityProvider"), map[string]interface{}{
		"ProviderName": "Passkeys",
		"ProviderDetails": map[string]interface{}{
			"oidc_issuer":      "https://eu.userid.security",
			"authorize_url":    "https://api.eu.transmitsecurity.io/cis/oidc/auth",
			"authorize_scopes": "openid phone",
		},
		"AttributeMapping": map[string]interface{}{"phone_number": "phone_number", "phone_number_verified": "phone_number_verified"},
		"IdpIdentifiers":   []interface{}{"example.com"},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]interface{}{
		"SupportedIdentityProviders": []interface{}{"Passkeys", "COGNITO"},
		"AllowedOAuthScopes":         []interface{}{"openid", "phone", "profile"},
		"GenerateSecret":             true,
		"WriteAttributes":            []interface{}{"phone_number", "phone_number_verified"},
	})
}

func TestBlockIDIdentityAssurance(t *testing.T) {
	stack := cdktest.NewStack()
	p := mosaic()
	p.Provider = &Provider{BlockID: &BlockIDProvider{
		TenantDNS: jsii.String("acme.1kosmos.net"), Community: jsii.String("default"), ClientID: jsii.String("cid"),
	}}
	fed := NewFederation(stack, jsii.String("BlockID"), p)
	if *fed.ProviderName() != "BlockID" {
		t.Errorf("ProviderName() = %q", *fed.ProviderName())
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolIdentityProvider"), map[string]interface{}{
		"ProviderName": "BlockID",
		"ProviderDetails": map[string]interface{}{
			"client_id":                 "cid",
			"oidc_issuer":               "https://acme.1kosmos.net/oauth2/community/default/v1",
			"authorize_scopes":          "openid email /assurance/ial/2",
			"attributes_request_method": "GET",
			// Discovery: no explicit endpoint.
			"authorize_url": assertions.Match_Absent(),
			"jwks_uri":      assertions.Match_Absent(),
		},
		// The claim lands in the untrusted raw attribute, never in custom:ial.
		"AttributeMapping": map[string]interface{}{"email": "email", "email_verified": "email_verified", "custom:idp_ial_raw": "amr"},
	})
	for _, attr := range []map[string]interface{}{
		{"Name": "idp_ial_raw", "AttributeDataType": "String", "Mutable": true, "StringAttributeConstraints": map[string]interface{}{"MaxLength": "2048"}},
		{"Name": "ial", "AttributeDataType": "String", "Mutable": true},
		{"Name": "ial_at", "AttributeDataType": "String", "Mutable": true},
		{"Name": "ial_email", "AttributeDataType": "String", "Mutable": true},
		{"Name": "ial_src", "AttributeDataType": "String", "Mutable": true},
	} {
		tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
			"Schema": assertions.Match_ArrayWith(&[]interface{}{assertions.Match_ObjectLike(&attr)}),
		})
	}
	// The client writes exactly the mapped attributes: the raw claim, never
	// the backend-only custom:ial*.
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]interface{}{
		"WriteAttributes":    []interface{}{"custom:idp_ial_raw", "email", "email_verified"},
		"AllowedOAuthScopes": []interface{}{"openid", "email", "profile"},
	})
	// The assurance behaviour on the pool's pre token generation function,
	// with the rights to write and delete the assurance, on the pool only.
	if fed.Assurance() == nil || len(fed.Assurance().Behaviours()) != 1 || fed.Assurance().Behaviours()[0] != contract.BehaviourAssurance {
		t.Fatalf("Assurance() = %v", fed.Assurance())
	}
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvPreTokenBehaviours:    contract.BehaviourAssurance,
			contract.EnvAssuranceProviders:    `["BlockID"]`,
			contract.EnvAssuranceMinimumLevel: "2",
			contract.EnvLogRefKeySecretARN:    map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^CognitobridgeLogRefKey"))},
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
		"UserPoolAddOns": assertions.Match_Absent(),
		"LambdaConfig":   map[string]interface{}{"PreTokenGenerationConfig": map[string]interface{}{"LambdaVersion": "V2_0"}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]interface{}{
		"PolicyDocument": map[string]interface{}{"Statement": []interface{}{map[string]interface{}{
			"Action":   []interface{}{"cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminDeleteUserAttributes"},
			"Effect":   "Allow",
			"Resource": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^BlockIDUserPool")), "Arn"}},
		}}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), map[string]interface{}{
		"GenerateSecretString": map[string]interface{}{"PasswordLength": 64, "ExcludePunctuation": true},
	})
}

func TestOIDCOnExistingPoolSecretAndDomain(t *testing.T) {
	// GIVEN a pool, a secret and a domain the user already has
	stack := cdktest.NewStack()
	pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String("eu-west-1_abc"))
	secret := awssecretsmanager.Secret_FromSecretNameV2(stack, jsii.String("Secret"), jsii.String("corp/idp"))
	domain := awscognito.UserPoolDomain_FromDomainName(stack, jsii.String("Domain"), jsii.String("corp-login"))
	// WHEN
	fed := NewFederation(stack, jsii.String("Corp"), &FederationProps{
		Provider: &Provider{OIDC: &OIDCProvider{
			Issuer: jsii.String("https://idp.example.com"), ClientID: jsii.String("cid"),
			Endpoints: &awscognito.OidcEndpoints{
				Authorization: jsii.String("https://idp.example.com/authorize"), Token: jsii.String("https://idp.example.com/token"),
				UserInfo: jsii.String("https://idp.example.com/userinfo"), JwksUri: jsii.String("https://idp.example.com/keys"),
			},
			AttributeRequestMethod: awscognito.OidcAttributeRequestMethod_POST,
		}},
		ProviderName: jsii.String("corp-oidc"),
		UserPool:     pool,
		Secret:       secret,
		SecretField:  jsii.String("oidcSecret"),
		Domain:       domain,
		CallbackURLs: jsii.Strings("https://app.example.com/cb"),
		LogoutURLs:   jsii.Strings("https://app.example.com/"),
	})
	// THEN nothing is created but the provider and the client
	if fed.Domain() != domain || fed.Secret() != secret {
		t.Error("Domain() or Secret() is not the given one")
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	for _, typ := range []string{"AWS::Cognito::UserPool", "AWS::Cognito::UserPoolDomain", "AWS::SecretsManager::Secret"} {
		tmpl.ResourceCountIs(jsii.String(typ), jsii.Number(0))
	}
	if params := tmpl.FindParameters(jsii.String("*"), nil); len(*params) != 1 { // BootstrapVersion
		t.Errorf("parameters created for an existing secret: %v", *params)
	}
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolIdentityProvider"), map[string]interface{}{
		"UserPoolId":   "eu-west-1_abc",
		"ProviderName": "corp-oidc",
		"ProviderDetails": map[string]interface{}{
			"authorize_url":             "https://idp.example.com/authorize",
			"token_url":                 "https://idp.example.com/token",
			"attributes_url":            "https://idp.example.com/userinfo",
			"jwks_uri":                  "https://idp.example.com/keys",
			"attributes_request_method": "POST",
			"authorize_scopes":          "openid email",
		},
		"AttributeMapping": map[string]interface{}{"email": "email", "email_verified": "email_verified"},
	})
	_, idp := only(t, cdktest.Resources(t, tmpl, "AWS::Cognito::UserPoolIdentityProvider"))
	details, _ := idp["Properties"].(map[string]interface{})["ProviderDetails"].(map[string]interface{})
	secretRef := flatten(details["client_secret"])
	if !strings.HasPrefix(secretRef, "{{resolve:secretsmanager:arn:") || !strings.HasSuffix(secretRef, ":secret:corp/idp:SecretString:oidcSecret::}}") {
		t.Errorf("client_secret = %s, want a dynamic reference to corp/idp's oidcSecret field", secretRef)
	}
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]interface{}{
		"UserPoolId":                 "eu-west-1_abc",
		"SupportedIdentityProviders": []interface{}{"corp-oidc"},
		"WriteAttributes":            []interface{}{"email", "email_verified"},
	})
}

func TestOIDCCustomMappingIsTheWriteList(t *testing.T) {
	stack := cdktest.NewStack()
	p := mosaic()
	p.Provider = &Provider{OIDC: &OIDCProvider{
		Issuer: jsii.String("https://idp.example.com"), ClientID: jsii.String("cid"),
		AttributeMapping: &awscognito.AttributeMapping{
			Email:         awscognito.ProviderAttribute_Other(jsii.String("mail")),
			EmailVerified: awscognito.ProviderAttribute_Other(jsii.String("mail_verified")),
			GivenName:     awscognito.ProviderAttribute_Other(jsii.String("given")),
			Custom:        &map[string]awscognito.ProviderAttribute{"custom:dept": awscognito.ProviderAttribute_Other(jsii.String("department"))},
		},
	}}
	fed := NewFederation(stack, jsii.String("Corp"), p)
	want := []interface{}{"custom:dept", "email", "email_verified", "given_name"}
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]interface{}{"WriteAttributes": want})
	if got := fed.WriteAttributes(); len(got) != len(want) {
		t.Errorf("WriteAttributes() = %v", got)
	}
}

func TestPanicsOnInvalidProps(t *testing.T) {
	p := mosaic()
	p.DomainPrefix = nil
	cdktest.MustPanic(t, "federation: expected DomainPrefix (or an existing Domain) to be set, received nil", func() {
		NewFederation(cdktest.NewStack(), jsii.String("F"), p)
	})
}

// TestBlockIDMinimumLevel: MinimumLevel reaches the pool's pre token
// generation function; two providers on one pool must agree on it.
func TestBlockIDMinimumLevel(t *testing.T) {
	blockID := func(name string, min *float64) *Provider {
		return &Provider{BlockID: &BlockIDProvider{TenantDNS: jsii.String(name + ".1kosmos.net"), Community: jsii.String("default"), ClientID: jsii.String("cid"), MinimumLevel: min}}
	}
	stack := cdktest.NewStack()
	p := mosaic()
	p.Provider = blockID("acme", jsii.Number(3))
	NewFederation(stack, jsii.String("BlockID"), p)
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": assertions.Match_ObjectLike(&map[string]interface{}{
			contract.EnvAssuranceMinimumLevel: "3",
		})},
	})

	stack = cdktest.NewStack()
	first := mosaic()
	first.Provider = blockID("acme", jsii.Number(3))
	fed := NewFederation(stack, jsii.String("First"), first)
	second := mosaic()
	second.UserPool = fed.UserPool()
	second.DomainPrefix = jsii.String("second-domain")
	second.ProviderName = jsii.String("Second")
	second.Provider = blockID("other", jsii.Number(2))
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "same MinimumLevel") || !strings.Contains(fmt.Sprint(r), "received 3 and 2") {
			t.Errorf("two minimum levels on one pool: %v", r)
		}
	}()
	NewFederation(stack, jsii.String("Second"), second)
}

// TestBlockIDDefaultMinimumLevelNotLoweredByAnother: a provider that keeps
// the default MinimumLevel (2) and one that sets 1 on the same pool would
// let the first provider's self-asserted level grant the assurance through
// the one shared function: refused at synth like two explicit values.
func TestBlockIDDefaultMinimumLevelNotLoweredByAnother(t *testing.T) {
	stack := cdktest.NewStack()
	first := mosaic()
	first.Provider = &Provider{BlockID: &BlockIDProvider{TenantDNS: jsii.String("acme.1kosmos.net"), Community: jsii.String("default"), ClientID: jsii.String("cid")}}
	fed := NewFederation(stack, jsii.String("First"), first)
	second := mosaic()
	second.UserPool = fed.UserPool()
	second.DomainPrefix = jsii.String("second-domain")
	second.ProviderName = jsii.String("Second")
	second.Provider = &Provider{BlockID: &BlockIDProvider{TenantDNS: jsii.String("other.1kosmos.net"), Community: jsii.String("default"), ClientID: jsii.String("cid"), MinimumLevel: jsii.Number(1)}}
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "same MinimumLevel") || !strings.Contains(fmt.Sprint(r), "received 2 and 1") {
			t.Errorf("default and 1 on one pool: %v", r)
		}
	}()
	NewFederation(stack, jsii.String("Second"), second)
}
