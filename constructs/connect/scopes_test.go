package connect

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/federation"
	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

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
			for _, r := range resources(t, assertions.Template_FromStack(stack, nil)) {
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
