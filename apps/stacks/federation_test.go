package stacks

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

type templateDoc struct {
	Parameters map[string]map[string]interface{}
	Resources  map[string]struct {
		Type       string
		DependsOn  interface{}
		Properties map[string]interface{}
	}
}

func docOf(t *testing.T, tmpl assertions.Template) templateDoc {
	t.Helper()
	raw, _ := json.Marshal(tmpl.ToJSON())
	var doc templateDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// flatten renders a template value as text: strings as they are, Fn::Join
// joined, Ref as ${Name}, anything else as <intrinsic>.
func flatten(v interface{}) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]interface{}:
		if r, ok := v["Ref"].(string); ok {
			return "${" + r + "}"
		}
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

func TestFederationSamples(t *testing.T) {
	cases := []struct {
		name, stackID, secretParam string
		functions, secrets         float64
		public                     []string
	}{
		// Mosaic: the pre-sign-up function and the connect API's three; the
		// log reference key next to the client secret.
		{mosaicPasswordlessAppName, MosaicPasswordlessStackID, "MosaicClientSecret", 4, 2,
			[]string{"MosaicClientId", "CallbackUrl", "LogoutUrl", "DomainPrefix", "ConnectRedirectUrl"}},
		{mosaicPhoneAppName, MosaicPasswordlessStackID, "MosaicClientSecret", 4, 2,
			[]string{"MosaicClientId", "CallbackUrl", "LogoutUrl", "DomainPrefix", "ConnectRedirectUrl"}},
		// BlockID: the pre token generation function of the assurance, and
		// the log reference key next to the client secret.
		{blockIDFederationAppName, BlockIDFederationStackID, "ClientSecret", 1, 2,
			[]string{"TenantDns", "Community", "ClientId", "CallbackUrl", "LogoutUrl", "DomainPrefix"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var app App
			for _, a := range Apps {
				if a.Name == c.name {
					app = a
				}
			}
			if app.New == nil {
				t.Fatalf("%s is not registered in Apps", c.name)
			}
			stack := app.New(awscdk.NewApp(nil))
			if got := *stack.StackName(); got != c.stackID {
				t.Errorf("stack name = %q, want %q", got, c.stackID)
			}
			tmpl := assertions.Template_FromStack(stack, nil)
			assertNoNagFindings(t, stack)

			for typ, n := range map[string]float64{
				"AWS::Cognito::UserPool":                 1,
				"AWS::Cognito::UserPoolIdentityProvider": 1,
				"AWS::Cognito::UserPoolClient":           1,
				"AWS::Cognito::UserPoolDomain":           1,
				"AWS::SecretsManager::Secret":            c.secrets,
				"AWS::Lambda::Function":                  c.functions,
			} {
				tmpl.ResourceCountIs(jsii.String(typ), jsii.Number(n))
			}
			for _, out := range []string{"UserPoolId", "UserPoolClientId", "IdentityProviderName", "HostedSignInDomain"} {
				tmpl.HasOutput(jsii.String(out), map[string]interface{}{})
			}
			tmpl.HasParameter(jsii.String(c.secretParam), map[string]interface{}{"Type": "String", "NoEcho": true})
			for _, p := range c.public {
				tmpl.HasParameter(jsii.String(p), map[string]interface{}{"Type": "String", "NoEcho": assertions.Match_Absent()})
			}
			tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolDomain"), map[string]interface{}{
				"Domain": map[string]interface{}{"Ref": "DomainPrefix"},
			})
			tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]interface{}{
				"AllowedOAuthFlows": []interface{}{"code"},
				"CallbackURLs":      []interface{}{map[string]interface{}{"Ref": "CallbackUrl"}},
				"LogoutURLs":        []interface{}{map[string]interface{}{"Ref": "LogoutUrl"}},
			})
		})
	}
}

func TestMosaicSampleLinksToNativeUsers(t *testing.T) {
	stack := NewMosaicPasswordlessStack(awscdk.NewApp(nil), MosaicPasswordlessStackID, nil)
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]interface{}{
		"SupportedIdentityProviders": []interface{}{"Mosaic", "COGNITO"},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolIdentityProvider"), map[string]interface{}{
		"ProviderName": "Mosaic",
		"ProviderDetails": map[string]interface{}{
			"client_id":        map[string]interface{}{"Ref": "MosaicClientId"},
			"oidc_issuer":      "https://userid.security",
			"authorize_scopes": "openid email",
		},
		"AttributeMapping": map[string]interface{}{"custom:idp_email": "email", "custom:idp_email_verified": "email_verified"},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvPreSignUpBehaviours: contract.BehaviourLinking,
			contract.EnvLinkProviders:       `["Mosaic"]`,
			contract.EnvLinkMaxIdentities:   "5",
		}},
	})
}

func TestBlockIDSampleAsksForIdentityAssurance(t *testing.T) {
	stack := NewBlockIDFederationStack(awscdk.NewApp(nil), BlockIDFederationStackID, nil)
	tmpl := assertions.Template_FromStack(stack, nil)
	doc := docOf(t, tmpl)
	for _, r := range doc.Resources {
		if r.Type != "AWS::Cognito::UserPoolIdentityProvider" {
			continue
		}
		details, _ := r.Properties["ProviderDetails"].(map[string]interface{})
		if got := flatten(details["oidc_issuer"]); got != "https://${TenantDns}/oauth2/community/${Community}/v1" {
			t.Errorf("oidc_issuer = %s", got)
		}
		if got := details["authorize_scopes"]; got != "openid email /assurance/ial/2" {
			t.Errorf("authorize_scopes = %v", got)
		}
	}
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolIdentityProvider"), map[string]interface{}{
		"AttributeMapping": map[string]interface{}{"email": "email", "email_verified": "email_verified", "custom:idp_ial_raw": "amr"},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]interface{}{
		"SupportedIdentityProviders": []interface{}{"BlockID"},
		"WriteAttributes":            []interface{}{"custom:idp_ial_raw", "email", "email_verified"},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvPreTokenBehaviours: contract.BehaviourAssurance,
			contract.EnvAssuranceProviders: `["BlockID"]`,
		}},
	})
}

// TestNoSampleHoldsAClientSecret: in every sample app, an identity
// provider's client secret is a Secrets Manager dynamic reference, every
// parameter that looks like a credential is NoEcho, and a secret's value is
// built only from NoEcho parameters.
func TestNoSampleHoldsAClientSecret(t *testing.T) {
	for _, a := range Apps {
		t.Run(a.Name, func(t *testing.T) {
			doc := docOf(t, assertions.Template_FromStack(a.New(awscdk.NewApp(nil)), nil))
			noEcho := func(name string) bool { return doc.Parameters[name]["NoEcho"] == true }
			for name := range doc.Parameters {
				if strings.Contains(strings.ToLower(name), "secret") && !noEcho(name) {
					t.Errorf("parameter %s looks like a credential but is not NoEcho", name)
				}
			}
			for id, r := range doc.Resources {
				switch r.Type {
				case "AWS::Cognito::UserPoolIdentityProvider":
					details, _ := r.Properties["ProviderDetails"].(map[string]interface{})
					secret := flatten(details["client_secret"])
					if !strings.HasPrefix(secret, "{{resolve:secretsmanager:") || !strings.HasSuffix(secret, "}}") {
						t.Errorf("%s: client_secret is not a Secrets Manager dynamic reference: %s", id, secret)
					}
					for name := range doc.Parameters {
						if strings.Contains(secret, "${"+name+"}") {
							t.Errorf("%s: client_secret refers to parameter %s directly", id, name)
						}
					}
				case "AWS::SecretsManager::Secret":
					value := flatten(r.Properties["SecretString"])
					for name := range doc.Parameters {
						if strings.Contains(value, "${"+name+"}") && !noEcho(name) {
							t.Errorf("%s: secret value built from parameter %s, which is not NoEcho", id, name)
						}
					}
				}
			}
		})
	}
}
