package connect

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/federation"
	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// TestConnectEvents: the callback and disconnect functions may put events
// on the default bus with this project's source only; Proofs reaches the
// functions' environment.
func TestConnectEvents(t *testing.T) {
	stack := cdktest.NewStack()
	fed := mosaic(stack)
	NewConnect(stack, jsii.String("Connect"), &ConnectProps{
		UserPool: fed.UserPool(), Client: fed.Client(), Federation: fed,
		RedirectURI: jsii.String("https://app.example.com/connect/done"),
		Proofs:      jsii.Strings(contract.ConnectProofStepUp, contract.ConnectProofMFA),
		Code:        stubCode(t),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::IAM::Policy"), assertions.Match_ObjectLike(&map[string]interface{}{
		"PolicyDocument": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{map[string]interface{}{
			"Action":    "events:PutEvents",
			"Effect":    "Allow",
			"Condition": map[string]interface{}{"StringEquals": map[string]interface{}{"events:source": contract.EventSource}},
			"Resource":  assertions.Match_AnyValue(),
		}})},
	}), jsii.Number(2))
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Function"), assertions.Match_ObjectLike(&map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": assertions.Match_ObjectLike(&map[string]interface{}{
			contract.EnvConnectProofs: "stepup,mfa",
		})},
	}), jsii.Number(3))
}

func TestProofsValidation(t *testing.T) {
	for _, c := range []struct {
		proofs *[]*string
		want   string
	}{
		{&[]*string{}, "expected Proofs to hold at least one of"},
		{jsii.Strings("password"), `expected Proofs[0] to be one of ["email" "phone" "stepup" "mfa"], once, received "password"`},
		{jsii.Strings("email", "email"), `expected Proofs[1] to be one of`},
	} {
		if err := checkProofs(c.proofs); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Proofs %v: %v, want %q", c.proofs, err, c.want)
		}
	}
	if err := checkProofs(jsii.Strings("email", "mfa")); err != nil {
		t.Fatal(err)
	}
}

// TestConnectRefusesAProviderMappingTrustedAttributes: a federation that is
// not Linkable maps email and email_verified: connecting it is refused at
// synth.
func TestConnectRefusesAProviderMappingTrustedAttributes(t *testing.T) {
	defer func() {
		r := recover()
		msg, _ := r.(error)
		if msg == nil || !strings.Contains(msg.Error(), `connect: expected the attribute mapping of provider "Mosaic", which can be linked to native users, to map nothing into email (`) {
			t.Fatalf("synth: %v", r)
		}
	}()
	stack := cdktest.NewStack()
	fed := federation.NewFederation(stack, jsii.String("Mosaic"), &federation.FederationProps{
		Provider:     &federation.Provider{Mosaic: &federation.MosaicProvider{ClientID: jsii.String("mosaic-client")}},
		CallbackURLs: jsii.Strings("https://app.example.com/cb"), LogoutURLs: jsii.Strings("https://app.example.com/"),
		DomainPrefix: jsii.String("acme-login"),
	})
	NewConnect(stack, jsii.String("Connect"), &ConnectProps{UserPool: fed.UserPool(), Client: fed.Client(), Federation: fed,
		RedirectURI: jsii.String("https://app.example.com/connect/done"), Code: stubCode(t)})
	assertions.Template_FromStack(stack, nil)
}

// TestScopesFollowTheFederation: without Scopes, the connect login asks the
// provider for the federation's own scopes ("openid email", or "openid
// phone" for Mosaic by phone), so that its ID token carries the claim the
// email or phone proof compares; Scopes set wins.
func TestScopesFollowTheFederation(t *testing.T) {
	for _, c := range []struct {
		name     string
		identity string
		scopes   *[]*string
		want     string
	}{
		{"Mosaic by email", federation.MosaicEmail, nil, "openid email"},
		{"Mosaic by phone", federation.MosaicPhone, nil, "openid phone"},
		{"Scopes set", federation.MosaicPhone, jsii.Strings("openid", "phone", "email"), "openid phone email"},
	} {
		t.Run(c.name, func(t *testing.T) {
			stack := cdktest.NewStack()
			fed := federation.NewFederation(stack, jsii.String("Mosaic"), &federation.FederationProps{
				Provider:     &federation.Provider{Mosaic: &federation.MosaicProvider{ClientID: jsii.String("mosaic-client"), Identity: jsii.String(c.identity)}},
				CallbackURLs: jsii.Strings("https://app.example.com/cb"),
				LogoutURLs:   jsii.Strings("https://app.example.com/"),
				DomainPrefix: jsii.String("acme-login"),
				Linkable:     jsii.Bool(true),
			})
			NewConnect(stack, jsii.String("Connect"), &ConnectProps{
				UserPool: fed.UserPool(), Client: fed.Client(), Federation: fed,
				RedirectURI: jsii.String("https://app.example.com/connect/done"), Scopes: c.scopes, Code: stubCode(t),
			})
			n := 0
			for _, r := range cdktest.AllResources(t, assertions.Template_FromStack(stack, nil)) {
				env, _ := r.Properties["Environment"].(map[string]interface{})
				vars, _ := env["Variables"].(map[string]interface{})
				if vars[contract.EnvConnectProviderName] == nil {
					continue
				}
				n++
				if got := vars[contract.EnvScopes]; got != c.want {
					t.Errorf("%s = %v, want %q", contract.EnvScopes, got, c.want)
				}
			}
			if n != 3 {
				t.Fatalf("%d connect functions, want 3", n)
			}
		})
	}
}
