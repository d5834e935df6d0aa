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

func TestIdentityProofingSample(t *testing.T) {
	var app App
	for _, a := range Apps {
		if a.Name == identityProofingAppName {
			app = a
		}
	}
	if app.New == nil {
		t.Fatal("identity-proofing not registered")
	}
	stack := app.New(awscdk.NewApp(nil))
	if *stack.StackName() != IdentityProofingStackID || IdentityProofingStackID != "CognitoBridgeIdentityProofing" {
		t.Fatalf("stack name %s", *stack.StackName())
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	assertNoNagFindings(t, stack)
	// Pre sign-up, pre token generation (the assurance binding), session, callback.
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(4))
	tmpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]interface{}{
		"BillingMode":                      "PAY_PER_REQUEST",
		"TimeToLiveSpecification":          map[string]interface{}{"AttributeName": contract.RecordExpiresAt, "Enabled": true},
		"PointInTimeRecoverySpecification": map[string]interface{}{"PointInTimeRecoveryEnabled": true},
	})
	tmpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]interface{}{"DeletionPolicy": "Retain"})
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
		"LambdaConfig": map[string]interface{}{"PreSignUp": assertions.Match_AnyValue(), "PreTokenGenerationConfig": assertions.Match_AnyValue()},
		"Schema": assertions.Match_ArrayWith(&[]interface{}{
			assertions.Match_ObjectLike(&map[string]interface{}{"Name": "ial", "Mutable": true}),
			assertions.Match_ObjectLike(&map[string]interface{}{"Name": "ial_at", "Mutable": true}),
			assertions.Match_ObjectLike(&map[string]interface{}{"Name": "ial_email", "Mutable": true}),
			assertions.Match_ObjectLike(&map[string]interface{}{"Name": "ial_src", "Mutable": true}),
		}),
		// The sign-up code verifies the email before any proofing.
		"AutoVerifiedAttributes":      []interface{}{"email"},
		"UserAttributeUpdateSettings": map[string]interface{}{"AttributesRequireVerificationBeforeUpdate": []interface{}{"email"}},
	})
	// The app client writes the profile only: no email, no phone, no assurance.
	client := docOf(t, tmpl)
	for id, r := range client.Resources {
		if r.Type != "AWS::Cognito::UserPoolClient" {
			continue
		}
		w, _ := r.Properties["WriteAttributes"].([]interface{})
		if len(w) == 0 {
			t.Fatalf("client %s sets no WriteAttributes", id)
		}
		for _, a := range w {
			if s := a.(string); s == "email" || s == "email_verified" || s == "phone_number" || s == "phone_number_verified" || strings.HasPrefix(s, "custom:") {
				t.Errorf("client %s writes %s", id, s)
			}
		}
	}
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvProofingMaxAccountsPerDocument: "1",
			contract.EnvProofingDocumentKeySecretARN:   assertions.Match_AnyValue(),
			contract.EnvLogRefKeySecretARN:             assertions.Match_AnyValue(),
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvPreTokenBehaviours: contract.BehaviourAssurance,
			contract.EnvAssuranceProviders: "[]",
		}},
	})
	for _, route := range []string{"POST /proofing/session", "POST /proofing/callback"} {
		tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]interface{}{"RouteKey": route})
	}
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]interface{}{
		"AccessLogSettings": assertions.Match_ObjectLike(&map[string]interface{}{"DestinationArn": assertions.Match_AnyValue()}),
	})
	doc := docOf(t, tmpl)
	for name, p := range doc.Parameters {
		if name != "IdvBaseUrl" && name != "BootstrapVersion" && p["NoEcho"] != true {
			t.Errorf("parameter %s is not NoEcho", name)
		}
	}
	for id, r := range doc.Resources {
		switch r.Type {
		case "AWS::Lambda::Function":
			p := r.Properties
			if p["Runtime"] != "provided.al2023" || p["MemorySize"] != 128.0 || p["Timeout"].(float64) > 10 || !strings.Contains(mustString(p["Architectures"]), "arm64") {
				t.Errorf("function %s: %v %v %v %v", id, p["Runtime"], p["MemorySize"], p["Timeout"], p["Architectures"])
			}
			env := mustString(p["Environment"])
			for name := range doc.Parameters {
				if name != "IdvBaseUrl" && strings.Contains(env, `"Ref":"`+name+`"`) {
					t.Errorf("function %s environment refers to parameter %s", id, name)
				}
			}
		case "AWS::IAM::Role":
			if r.Properties["ManagedPolicyArns"] != nil {
				t.Errorf("role %s has managed policies", id)
			}
		case "AWS::IAM::Policy":
			s := mustString(r.Properties["PolicyDocument"])
			if strings.Contains(s, "cognito-idp:") && !strings.Contains(s, `"Fn::GetAtt":["ProofingUserPool`) {
				t.Errorf("policy %s: Cognito actions not scoped to the pool: %s", id, s)
			}
			if strings.Contains(s, "AdminConfirmSignUp") {
				t.Errorf("policy %s: the callback must not confirm users: %s", id, s)
			}
		}
	}
}

func mustString(v interface{}) string {
	b, _ := json.Marshal(v)
	return string(b)
}
