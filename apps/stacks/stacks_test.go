package stacks

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"
)

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		// Every sample test synthesizes through the CDK (jsii, node).
		fmt.Println("-short: skips this package; its tests synthesize the samples through the CDK")
		os.Exit(0)
	}
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func TestRegistry(t *testing.T) {
	want := []struct{ name, id string }{
		{"blockid-stepup", BlockIDStepUpStackID},
		{"biopass-mfa", BiopassMFAStackID},
		{"biopass-mfa-key", BiopassMFAKeyStackID},
		{"mosaic-passwordless", MosaicPasswordlessStackID},
		{"mosaic-passwordless-phone", MosaicPasswordlessStackID},
		{"blockid-federation", BlockIDFederationStackID},
		{"identity-proofing", IdentityProofingStackID},
		{"shared-pool", SharedPoolStackID},
		{"transaction-stepup", TransactionStepUpStackID},
	}
	if len(Apps) != len(want) {
		t.Fatalf("Apps has %d entries, want %d", len(Apps), len(want))
	}
	for i, w := range want {
		if Apps[i].Name != w.name {
			t.Errorf("Apps[%d].Name = %q, want %q", i, Apps[i].Name, w.name)
		}
	}
	if BlockIDStepUpStackID != "CognitoBridgeBlockIDStepUp" || BiopassMFAStackID != "CognitoBridgeBiopassMFA" ||
		MosaicPasswordlessStackID != "CognitoBridgeMosaicPasswordless" || BlockIDFederationStackID != "CognitoBridgeBlockIDFederation" ||
		TransactionStepUpStackID != "CognitoBridgeTransactionStepUp" || SharedPoolStackID != "CognitoBridgeSharedPool" {
		t.Error("stack ids changed: deployed stacks would be replaced")
	}
}

// TestSamplesSynthesizeWithoutNagFindings synthesizes every step-up sample with the
// real handler builds and requires no unsuppressed cdk-nag error or warning.
func TestSamplesSynthesizeWithoutNagFindings(t *testing.T) {
	ids := map[string]string{"blockid-stepup": BlockIDStepUpStackID, "biopass-mfa": BiopassMFAStackID}
	for _, a := range Apps {
		if _, stepUp := ids[a.Name]; !stepUp {
			continue // the federation samples: federation_test.go
		}
		t.Run(a.Name, func(t *testing.T) {
			app := awscdk.NewApp(nil)
			stack := a.New(app)
			if got := *stack.StackName(); got != ids[a.Name] {
				t.Errorf("stack name = %q, want %q", got, ids[a.Name])
			}
			if stack.Environment() != nil && !strings.Contains(*stack.Environment(), "unknown-account") {
				t.Errorf("stack is not environment-agnostic: %s", *stack.Environment())
			}
			// Synthesis runs the nag aspect.
			tmpl := assertions.Template_FromStack(stack, nil)
			assertNoNagFindings(t, stack)

			tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(4))
			tmpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1))
			tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
				"LambdaConfig": map[string]interface{}{"PreTokenGenerationConfig": map[string]interface{}{"LambdaArn": assertions.Match_AnyValue(), "LambdaVersion": "V2_0"}},
			})
			tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPool"), jsii.Number(1))
			tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolClient"), jsii.Number(1))
			tmpl.HasOutput(jsii.String("UserPoolId"), map[string]interface{}{})
			tmpl.HasOutput(jsii.String("UserPoolClientId"), map[string]interface{}{})
			tmpl.HasParameter(jsii.String("ClientSecret"), map[string]interface{}{"NoEcho": true})

			// Every parameter that carries provider credentials is NoEcho,
			// and no function environment refers to a parameter at all,
			// except Biopass's public issuer, client id and redirect URI.
			doc := docOf(t, tmpl)
			public := map[string]bool{"BiopassIssuer": true, "BiopassClientId": true, "BiopassRedirectUri": true, "BootstrapVersion": true}
			for name, p := range doc.Parameters {
				if !public[name] && p["NoEcho"] != true {
					t.Errorf("parameter %s is not NoEcho", name)
				}
			}
			for id, r := range doc.Resources {
				if r.Type != "AWS::Lambda::Function" {
					continue
				}
				env, _ := json.Marshal(r.Properties["Environment"])
				for name := range doc.Parameters {
					if !public[name] && strings.Contains(string(env), `"Ref":"`+name+`"`) {
						t.Errorf("function %s environment refers to parameter %s", id, name)
					}
				}
			}
		})
	}
}

func TestBlockIDSampleParametersMatchTheVendorTemplate(t *testing.T) {
	stack := NewBlockIDStepUpStack(awscdk.NewApp(nil), "BlockID", nil)
	tmpl := assertions.Template_FromStack(stack, nil)
	for _, name := range []string{"TenantDns", "Community", "ClientId", "ClientSecret"} {
		tmpl.HasParameter(jsii.String(name), map[string]interface{}{"Type": "String", "NoEcho": true})
	}
}

// TestNagFindsUnsuppressedFindings guards the gate above: the same query must
// see findings on a stack that has not been made compliant.
func TestNagFindsUnsuppressedFindings(t *testing.T) {
	stack := newStack(awscdk.NewApp(nil), "Plain", nil, "plain")
	awscognito.NewUserPool(stack, jsii.String("Pool"), nil)
	assertions.Template_FromStack(stack, nil)
	errs := assertions.Annotations_FromStack(stack).FindError(jsii.String("*"),
		assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-COG1.*")))
	if len(*errs) == 0 {
		t.Fatal("cdk-nag reported nothing for a user pool without a password policy")
	}
}

// describe renders a synthesis message (path and cdk-nag text) for a
// failure message.
func describe(m interface{}) string {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Sprint(m)
	}
	return string(b)
}

// assertNoNagFindings fails the test for every unsuppressed cdk-nag
// AwsSolutions error or warning on stack (synthesis runs the nag aspect).
func assertNoNagFindings(t *testing.T, stack awscdk.Stack) {
	t.Helper()
	nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	annotations := assertions.Annotations_FromStack(stack)
	for _, m := range *annotations.FindError(jsii.String("*"), nag) {
		t.Errorf("cdk-nag error: %s", describe(m))
	}
	for _, m := range *annotations.FindWarning(jsii.String("*"), nag) {
		t.Errorf("cdk-nag warning: %s", describe(m))
	}
}
