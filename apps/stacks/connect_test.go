package stacks

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/connect"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// TestMosaicSampleConnectsByProofNotByEmail: the Mosaic sample trusts no
// provider's email verification (no automatic link, so the linking
// function may only look users up), and offers the connect API behind the
// pool's JWT authorizer for its hosted sign-in client, returning to the
// ConnectRedirectUrl parameter.
func TestMosaicSampleConnectsByProofNotByEmail(t *testing.T) {
	stack := NewMosaicPasswordlessStack(awscdk.NewApp(nil), MosaicPasswordlessStackID, nil)
	tmpl := assertions.Template_FromStack(stack, nil)
	doc := docOf(t, tmpl)
	var clientID string
	for id, r := range doc.Resources {
		switch r.Type {
		case "AWS::Cognito::UserPoolClient":
			clientID = id
		case "AWS::Lambda::Function":
			vars, _ := r.Properties["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
			if _, ok := vars[contract.EnvLinkTrustedProviders]; ok {
				t.Errorf("%s trusts a provider's email verification: %v", id, vars)
			}
		}
	}
	for id, r := range doc.Resources {
		if r.Type == "AWS::IAM::Policy" && strings.HasPrefix(id, "LinkingPolicy") {
			st := r.Properties["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{})
			if len(st) != 1 || st[0].(map[string]interface{})["Action"] != "cognito-idp:ListUsers" {
				t.Errorf("linking policy %v", st)
			}
		}
	}
	tmpl.HasParameter(jsii.String("ConnectRedirectUrl"), map[string]interface{}{"Type": "String", "AllowedPattern": httpsURLPattern})
	tmpl.HasOutput(jsii.String("ConnectApiUrl"), map[string]interface{}{})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Authorizer"), map[string]interface{}{
		"AuthorizerType":   "JWT",
		"JwtConfiguration": map[string]interface{}{"Audience": []interface{}{map[string]interface{}{"Ref": clientID}}},
	})
	for _, path := range []string{connect.StartPath, connect.CallbackPath, connect.DisconnectPath} {
		tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]interface{}{
			"RouteKey": "POST " + path, "AuthorizationType": "JWT",
		})
	}
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": assertions.Match_ObjectLike(&map[string]interface{}{
			contract.EnvConnectProviderName: "Mosaic",
			contract.EnvIssuer:              "https://userid.security",
			contract.EnvClientID:            map[string]interface{}{"Ref": "MosaicClientId"},
			contract.EnvRedirectURI:         map[string]interface{}{"Ref": "ConnectRedirectUrl"},
		})},
	})
}
