package stepup

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/constructs/internal/logkey"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func keyProps(t *testing.T) *StepUpProps {
	code := prebuilt(t)
	code.ClientJwks = code.Define
	return &StepUpProps{
		Provider: &Provider{Biopass: &BiopassProvider{
			Issuer: jsii.String("https://biopass.example"), ClientID: jsii.String("client-1"),
			RedirectURI: jsii.String("https://app.example/cb"),
		}},
		TokenAuthMethod:         jsii.String(contract.TokenAuthPrivateKeyJWT),
		ClientAssertionAudience: jsii.String(contract.AudienceIssuer),
		Code:                    code,
	}
}

func TestPrivateKeyJWTSynthesizesNoSecret(t *testing.T) {
	// GIVEN
	stack := cdktest.NewStack()
	// WHEN
	su := NewStepUp(stack, jsii.String("StepUp"), keyProps(t))
	// THEN
	tmpl := assertions.Template_FromStack(stack, nil)
	// No provider secret: the one secret of the stack is the deployment's
	// log reference key (constructs/internal/logkey: a generated HMAC key
	// for user references in log lines, shared with no one).
	for name := range *tmpl.FindResources(jsii.String("AWS::SecretsManager::Secret"), nil) {
		if !strings.HasPrefix(name, logkey.ID) {
			t.Errorf("a secret in private_key_jwt mode: %s", name)
		}
	}
	if params := tmpl.FindParameters(jsii.String("*"), map[string]interface{}{"NoEcho": true}); len(*params) != 0 {
		t.Fatalf("NoEcho parameters in private_key_jwt mode: %v", *params)
	}
	if su.Secret() != nil || su.ClientAssertionKey() == nil {
		t.Fatal("Secret() must be nil and ClientAssertionKey() set")
	}
	tmpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]interface{}{
		"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY",
	})
	tmpl.HasResource(jsii.String(contract.ClientJWKSResourceType), map[string]interface{}{
		"Properties": map[string]interface{}{contract.ClientJWKSPropAlg: "RS256", contract.ClientJWKSPropKeys: assertions.Match_AnyValue()},
	})
	tmpl.HasOutput(jsii.String("*"), map[string]interface{}{
		"Value": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("ClientJwks")), contract.ClientJWKSAttrJWKS}},
	})
	// Verify alone may sign; nobody else gets kms:Sign.
	policies := tmpl.FindResources(jsii.String("AWS::IAM::Policy"), nil)
	signers := 0
	for name, p := range *policies {
		raw, _ := json.Marshal(p)
		b := string(raw)
		if strings.Contains(b, `"kms:Sign"`) {
			signers++
			if !strings.Contains(name, "Verify") {
				t.Errorf("%s has kms:Sign", name)
			}
		}
	}
	if signers != 1 {
		t.Fatalf("%d policies grant kms:Sign, want Verify's alone", signers)
	}
	for range 2 { // Create and Verify
		tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
			"Environment": map[string]interface{}{"Variables": assertions.Match_ObjectLike(&map[string]interface{}{
				contract.EnvTokenAuthMethod:         contract.TokenAuthPrivateKeyJWT,
				contract.EnvClientAssertionAudience: contract.AudienceIssuer,
				contract.EnvClientAssertionAlg:      "RS256",
				contract.EnvSecretARN:               assertions.Match_Absent(),
			})},
		})
	}
}

func TestPrivateKeyJWTPropsRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(p *StepUpProps)
		want string
	}{
		{"BlockID", func(p *StepUpProps) { p.Provider = &Provider{BlockID: &BlockIDProvider{}} }, "expected Provider.OIDC or Provider.Biopass"},
		{"OIDC without client id", func(p *StepUpProps) {
			p.Provider = &Provider{OIDC: &OIDCProvider{Issuer: jsii.String("https://op.example"), RedirectURI: jsii.String("https://app.example/cb")}}
		}, "expected Provider.OIDC.ClientID"},
		{"algorithm", func(p *StepUpProps) { p.ClientAssertionAlgorithm = jsii.String("HS256") }, "ClientAssertionAlgorithm"},
		{"audience", func(p *StepUpProps) { p.ClientAssertionAudience = jsii.String("both") }, "ClientAssertionAudience"},
		{"key props without the mode", func(p *StepUpProps) { p.TokenAuthMethod = nil }, "expected ClientAssertionAudience only with TokenAuthMethod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := keyProps(t)
			tc.edit(p)
			err := p.validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("validate() = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestPrivateKeyJWTRotationKeyAndJwksUri(t *testing.T) {
	// GIVEN
	stack := cdktest.NewStack()
	p := keyProps(t)
	next := awskms.NewKey(stack, jsii.String("Next"), &awskms.KeyProps{KeySpec: awskms.KeySpec_RSA_2048, KeyUsage: awskms.KeyUsage_SIGN_VERIFY})
	p.ClientAssertionRotationKey = next
	p.ClientAssertionJwksUri = jsii.Bool(true)
	// WHEN
	NewStepUp(stack, jsii.String("StepUp"), p)
	// THEN
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String(contract.ClientJWKSResourceType), map[string]interface{}{
		contract.ClientJWKSPropKeys: []interface{}{assertions.Match_AnyValue(), map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^Next")), "Arn"}}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Url"), map[string]interface{}{"AuthType": "NONE"})
	tmpl.HasOutput(jsii.String("*"), map[string]interface{}{"Value": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("JwksUri")), "FunctionUrl"}}})
	// The rotation key is published, never used to sign.
	for name, pol := range *tmpl.FindResources(jsii.String("AWS::IAM::Policy"), nil) {
		raw, _ := json.Marshal(pol)
		if strings.Contains(string(raw), `"kms:Sign"`) && strings.Contains(string(raw), "Next") {
			t.Errorf("%s may sign with the rotation key", name)
		}
		if strings.Contains(name, "JwksUri") && (strings.Contains(string(raw), "kms:") || strings.Contains(string(raw), "secretsmanager:")) {
			t.Errorf("the jwks_uri function may do more than write its logs: %s", raw)
		}
	}
}
