package stacks

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// TestSharedPoolSample: one pre-sign-up and one pre token generation
// function on the pool, the guard protecting the web client only, the
// mobile client on plain SRP, on-demand policy everywhere it is read.
func TestSharedPoolSample(t *testing.T) {
	app := awscdk.NewApp(nil)
	sp := BuildSharedPool(app, SharedPoolStackID, nil)
	tmpl := assertions.Template_FromStack(sp.Stack, nil)

	tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPool"), jsii.Number(1))
	tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolClient"), jsii.Number(3)) // mobile, web, hosted sign-in
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
		"LambdaConfig": map[string]interface{}{
			"PreSignUp":                assertions.Match_AnyValue(),
			"DefineAuthChallenge":      assertions.Match_AnyValue(),
			"PreTokenGenerationConfig": map[string]interface{}{"LambdaArn": assertions.Match_AnyValue(), "LambdaVersion": "V2_0"},
		},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]interface{}{
		"ClientName": "mobile", "ExplicitAuthFlows": []interface{}{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
	})
	ref, _ := json.Marshal(sp.Stack.Resolve(sp.Web.UserPoolClientId()))
	tmpl.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]interface{}{"Type": "StringList"})
	params := tmpl.FindResources(jsii.String("AWS::SSM::Parameter"), nil)
	for _, p := range *params {
		raw, _ := json.Marshal(p)
		if !strings.Contains(string(raw), string(ref)) {
			t.Errorf("protected clients parameter %s does not name the web client %s", raw, ref)
		}
	}
	preSignUp, preToken := 0, 0
	for _, r := range *tmpl.FindResources(jsii.String("AWS::Lambda::Function"), nil) {
		raw, _ := json.Marshal(r)
		switch {
		case strings.Contains(string(raw), "runs the behaviours in COGNITOBRIDGE_PRESIGNUP_BEHAVIOURS"):
			preSignUp++
		case strings.Contains(string(raw), "runs the behaviours in COGNITOBRIDGE_PRETOKEN_BEHAVIOURS"):
			preToken++
			if !strings.Contains(string(raw), `"COGNITOBRIDGE_STEPUP_POLICY":"on_demand"`) {
				t.Errorf("guard without the on-demand policy: %s", raw)
			}
		case strings.Contains(string(raw), "Define auth challenge"):
			if !strings.Contains(string(raw), `"COGNITOBRIDGE_STEPUP_POLICY":"on_demand"`) {
				t.Errorf("Define without the on-demand policy: %s", raw)
			}
		}
	}
	if preSignUp != 1 || preToken != 1 {
		t.Errorf("pre sign-up functions %d, pre token generation functions %d; want one each", preSignUp, preToken)
	}
	assertNoNagFindings(t, sp.Stack)
}
