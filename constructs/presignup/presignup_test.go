package presignup

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// prebuilt is a stand-in handler bundle, so these tests need no go build.
func prebuilt(t *testing.T) *PreSignUpProps {
	return &PreSignUpProps{Code: cdktest.StubCode(t)}
}

func newPool() (awscdk.Stack, awscognito.UserPool) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Test"), nil)
	scope := constructs.NewConstruct(stack, jsii.String("Auth"))
	return stack, awscognito.NewUserPool(scope, jsii.String("Pool"), nil)
}

func TestTwoCapabilitiesShareOneFunctionAndOneTrigger(t *testing.T) {
	// GIVEN a pool and two capabilities that both need pre sign-up
	stack, pool := newPool()
	props := prebuilt(t)
	// WHEN
	first := Of(pool, props)
	first.AddBehaviour(contract.BehaviourLinking, map[string]string{"COGNITOBRIDGE_A": "1"})
	second := Of(pool, nil)
	second.AddBehaviour("proofing", map[string]string{"COGNITOBRIDGE_B": "2", "COGNITOBRIDGE_A": "1"})
	// THEN
	if first != second {
		t.Fatal("Of returned two different constructs for one pool")
	}
	if got := strings.Join(first.Behaviours(), ","); got != "linking,proofing" {
		t.Errorf("Behaviours() = %q", got)
	}
	if got := *first.Node().Path(); got != "Test/Auth/PoolPreSignUp" {
		t.Errorf("path = %q, want it next to the pool", got)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(1))
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(1))
	tmpl.ResourceCountIs(jsii.String("AWS::Logs::LogGroup"), jsii.Number(1))
	tmpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Runtime":       "provided.al2023",
		"Architectures": []interface{}{"arm64"},
		"Handler":       "bootstrap",
		"MemorySize":    128,
		"Timeout":       5,
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvPreSignUpBehaviours: "linking,proofing",
			"COGNITOBRIDGE_A":               "1",
			"COGNITOBRIDGE_B":               "2",
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]interface{}{"RetentionInDays": 30})
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
		"LambdaConfig": map[string]interface{}{
			"PreSignUp": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^AuthPoolPreSignUpFunction")), "Arn"}},
		},
	})
	// No managed policy on the role.
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]interface{}{"ManagedPolicyArns": assertions.Match_Absent()})
}

func TestPoolsDoNotShare(t *testing.T) {
	stack, pool := newPool()
	other := awscognito.NewUserPool(stack, jsii.String("Other"), nil)
	props := prebuilt(t)
	if Of(pool, props) == Of(other, props) {
		t.Fatal("two pools share a pre sign-up function")
	}
	assertions.Template_FromStack(stack, nil).ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(2))
}

// TestImportedPool: a pool that lives outside the app gets the trigger from
// the pooltriggers custom resource (CDK cannot add one to an imported pool).
func TestImportedPool(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Imported"), nil)
	imported := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String("eu-west-1_abc"))
	Of(imported, prebuilt(t)).AddBehaviour("linking", nil)
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("Custom::CognitoPoolTriggers"), map[string]interface{}{
		"UserPoolId": "eu-west-1_abc",
		"Triggers": []interface{}{map[string]interface{}{
			"Operation": "PreSignUp",
			"LambdaArn": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("PoolPreSignUpFunction")), "Arn"}},
		}},
	})
}

func TestRefusals(t *testing.T) {
	_, pool := newPool()
	p := Of(pool, prebuilt(t))
	p.AddBehaviour("linking", map[string]string{"K": "v"})

	cdktest.MustPanic(t, `expected behaviour "linking" to be added once per user pool`, func() { p.AddBehaviour("linking", nil) })
	cdktest.MustPanic(t, `expected K to keep its value "v" for behaviour "other", received "w"`, func() { p.AddBehaviour("other", map[string]string{"K": "w"}) })
	cdktest.MustPanic(t, "the construct owns it", func() {
		p.AddBehaviour("other", map[string]string{contract.EnvPreSignUpBehaviours: "x"})
	})
	cdktest.MustPanic(t, "expected a behaviour name", func() { p.AddBehaviour("a,b", nil) })
	if got := p.Behaviours(); len(got) != 1 {
		t.Errorf("a refused behaviour was kept: %q", got)
	}

	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Imported"), nil)
	taken := awscognito.NewUserPool(stack, jsii.String("Taken"), nil)
	constructs.NewConstruct(stack, jsii.String("TakenPreSignUp"))
	cdktest.MustPanic(t, `expected the id "TakenPreSignUp" next to the user pool to be free`, func() { Of(taken, nil) })
}
