package stacks

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/federation"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// TestMosaicSampleByPhone: with the context mosaicIdentifier=phone the
// sample asks Mosaic for "openid phone", maps the phone into
// custom:idp_phone / custom:idp_phone_verified (nothing the pool trusts),
// the hosted client writes exactly those, the connect login asks for the
// same scopes, and pre sign-up links Mosaic without trusting it.
func TestMosaicSampleByPhone(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]interface{}{MosaicIdentifierContext: federation.MosaicPhone}})
	stack := NewMosaicPasswordlessStack(app, MosaicPasswordlessStackID, nil)
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolIdentityProvider"), map[string]interface{}{
		"ProviderName":     "Mosaic",
		"ProviderDetails":  map[string]interface{}{"authorize_scopes": "openid phone"},
		"AttributeMapping": map[string]interface{}{contract.AttrIdPPhone: "phone_number", contract.AttrIdPPhoneVerified: "phone_number_verified"},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]interface{}{
		"AllowedOAuthScopes": []interface{}{"openid", "phone", "profile"},
		"WriteAttributes":    []interface{}{contract.AttrIdPPhone, contract.AttrIdPPhoneVerified},
	})
	doc := docOf(t, tmpl)
	connects := 0
	for id, r := range doc.Resources {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		env, _ := r.Properties["Environment"].(map[string]interface{})
		vars, _ := env["Variables"].(map[string]interface{})
		if vars[contract.EnvConnectProviderName] != nil {
			connects++
			if vars[contract.EnvScopes] != "openid phone" {
				t.Errorf("%s: %s = %v, want \"openid phone\"", id, contract.EnvScopes, vars[contract.EnvScopes])
			}
		}
		if vars[contract.EnvLinkProviders] != nil && vars[contract.EnvLinkTrustedProviders] != nil {
			t.Errorf("%s: the sample trusts a provider: %v", id, vars[contract.EnvLinkTrustedProviders])
		}
	}
	if connects != 3 {
		t.Errorf("%d connect functions, want 3", connects)
	}
	// The same app, the same stack id: the identifier is a deploy choice.
	if *stack.StackName() != MosaicPasswordlessStackID {
		t.Errorf("stack name %s", *stack.StackName())
	}
}

func TestMosaicIdentifierContextRefusesOthers(t *testing.T) {
	defer func() {
		r := recover()
		if msg, _ := r.(string); !strings.Contains(msg, `expected the context mosaicIdentifier to be "email" or "phone", received "sms"`) {
			t.Fatalf("panic %v", r)
		}
	}()
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]interface{}{MosaicIdentifierContext: "sms"}})
	NewMosaicPasswordlessStack(app, MosaicPasswordlessStackID, nil)
}
