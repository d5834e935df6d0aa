package pooltriggers

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/constructs/internal/gobuild"
	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	rp "github.com/cognitobridge/cognitobridge/lambdas/pooltriggers/resourceprops"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

const (
	testPoolID  = "eu-west-1_AbC123"
	testPoolArn = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/" + testPoolID
)

// fixture is a stack in eu-west-1 with an imported pool and three trigger
// functions built the way this library builds its own (stub code).
type fixture struct {
	stack                 awscdk.Stack
	pool                  awscognito.IUserPool
	define, create, guard awslambda.Function
	code                  awslambda.Code
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Test"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	code := cdktest.StubCode(t)
	fn := func(name string) awslambda.Function {
		f, _, _ := gofn.New(stack, name, gofn.Props{Code: code, Description: name})
		return f
	}
	return &fixture{
		stack:  stack,
		pool:   awscognito.UserPool_FromUserPoolId(stack, jsii.String("Existing"), jsii.String(testPoolID)),
		define: fn("Define"), create: fn("Create"), guard: fn("Guard"),
		code: code,
	}
}

func getAtt(prefix string) interface{} {
	return map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^" + prefix)), "Arn"}}
}

// arnOf matches the pool's ARN as CDK renders it (the partition is a
// pseudo parameter).
func arnOf() interface{} {
	return map[string]interface{}{"Fn::Join": []interface{}{"", []interface{}{
		"arn:", map[string]interface{}{"Ref": "AWS::Partition"}, ":cognito-idp:eu-west-1:123456789012:userpool/" + testPoolID,
	}}}
}

func TestImportedPoolGetsOneCustomResource(t *testing.T) {
	// GIVEN an imported pool and three functions
	f := newFixture(t)
	// WHEN
	p := NewPoolTriggers(f.stack, jsii.String("Triggers"), &PoolTriggersProps{
		UserPool: f.pool,
		Code:     f.code,
		Triggers: []*Trigger{
			{Operation: awscognito.UserPoolOperation_PRE_TOKEN_GENERATION_CONFIG(), Function: f.guard, LambdaVersion: awscognito.LambdaVersion_V2_0},
			{Operation: awscognito.UserPoolOperation_DEFINE_AUTH_CHALLENGE(), Function: f.define},
		},
	})
	p.AddTrigger(&Trigger{Operation: awscognito.UserPoolOperation_CREATE_AUTH_CHALLENGE(), Function: f.create})
	// The same function on a second trigger: one more slot, no second permission.
	p.AddTrigger(&Trigger{Operation: awscognito.UserPoolOperation_VERIFY_AUTH_CHALLENGE_RESPONSE(), Function: f.define})
	// THEN
	tmpl := assertions.Template_FromStack(f.stack, nil)
	tmpl.ResourceCountIs(jsii.String(rp.ResourceType), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String(rp.ResourceType), map[string]interface{}{
		"ServiceToken":   getAtt("TriggersFunction"),
		"ServiceTimeout": fmt.Sprint(ServiceTimeoutSeconds), // CDK renders it as a string
		rp.UserPoolID:    testPoolID,
		// Sorted by operation, whatever the order of the calls.
		rp.Triggers: []interface{}{
			map[string]interface{}{rp.Operation: rp.OpCreateAuthChallenge, rp.LambdaArn: getAtt("Create"), rp.LambdaVersion: assertions.Match_Absent()},
			map[string]interface{}{rp.Operation: rp.OpDefineAuthChallenge, rp.LambdaArn: getAtt("Define"), rp.LambdaVersion: assertions.Match_Absent()},
			map[string]interface{}{rp.Operation: rp.OpPreTokenGeneration, rp.LambdaArn: getAtt("Guard"), rp.LambdaVersion: "V2_0"},
			map[string]interface{}{rp.Operation: rp.OpVerifyAuthChallengeResponse, rp.LambdaArn: getAtt("Define"), rp.LambdaVersion: assertions.Match_Absent()},
		},
	})
	// The custom resource's function, built like the others.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Description":   assertions.Match_StringLikeRegexp(jsii.String("^cognitobridge pool triggers")),
		"Runtime":       "provided.al2023",
		"Architectures": []interface{}{"arm64"},
		"Handler":       "bootstrap",
		"MemorySize":    MemorySize,
		"Timeout":       TimeoutSeconds,
		// Its origin checks: its own stack (the pseudo parameter, no
		// cycle) and exactly the stack's pairs, sorted like the property.
		"Environment": map[string]interface{}{"Variables": assertions.Match_ObjectLike(&map[string]interface{}{
			rp.EnvStackID: map[string]interface{}{"Ref": "AWS::StackId"},
			rp.EnvAllowedTriggers: map[string]interface{}{"Fn::Join": []interface{}{"", []interface{}{
				rp.OpCreateAuthChallenge + "=", getAtt("Create"),
				"," + rp.OpDefineAuthChallenge + "=", getAtt("Define"),
				"," + rp.OpPreTokenGeneration + "=", getAtt("Guard"),
				"," + rp.OpVerifyAuthChallengeResponse + "=", getAtt("Define"),
			}}},
		})},
	})
	// Its rights: this pool only, no iam:PassRole without SmsRole.
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]interface{}{
		"Roles": []interface{}{map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^TriggersRole"))}},
		"PolicyDocument": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{map[string]interface{}{
			"Effect":   "Allow",
			"Action":   []interface{}{"cognito-idp:DescribeUserPool", "cognito-idp:UpdateUserPool", "cognito-idp:TagResource", "cognito-idp:UntagResource"},
			"Resource": arnOf(),
		}})},
	})
	policies := cdktest.Resources(t, tmpl, "AWS::IAM::Policy")
	raw, _ := json.Marshal(policies)
	if strings.Contains(string(raw), "iam:PassRole") {
		t.Errorf("iam:PassRole granted without SmsRole: %s", raw)
	}
	// Cognito may invoke each function, from this pool only: one
	// permission per function, and the resource waits for them.
	perms := cdktest.Resources(t, tmpl, "AWS::Lambda::Permission")
	if len(perms) != 3 {
		t.Fatalf("%d permissions, want 3 (one per function)", len(perms))
	}
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]interface{}{
		"Action":       "lambda:InvokeFunction",
		"FunctionName": getAtt("Define"),
		"Principal":    "cognito-idp.amazonaws.com",
		"SourceArn":    arnOf(),
	})
	crs := cdktest.Resources(t, tmpl, rp.ResourceType)
	for _, cr := range crs {
		deps, _ := json.Marshal(cr["DependsOn"])
		for id := range perms {
			if !strings.Contains(string(deps), `"`+id+`"`) {
				t.Errorf("custom resource does not depend on permission %s: %s", id, deps)
			}
		}
	}
	if got := len(p.Triggers()); got != 4 {
		t.Errorf("Triggers() has %d", got)
	}
	if p.UserPool() != f.pool || p.Function() == nil || p.Role() == nil || p.Resource() == nil {
		t.Error("accessors")
	}
}

func TestSmsRoleGetsPassRoleForCognitoOnly(t *testing.T) {
	f := newFixture(t)
	sms := awsiam.Role_FromRoleArn(f.stack, jsii.String("Sms"), jsii.String("arn:aws:iam::123456789012:role/their-sms-role"), nil)
	NewPoolTriggers(f.stack, jsii.String("Triggers"), &PoolTriggersProps{UserPool: f.pool, Code: f.code, SmsRole: sms,
		Triggers: []*Trigger{{Operation: awscognito.UserPoolOperation_PRE_SIGN_UP(), Function: f.define}}})
	assertions.Template_FromStack(f.stack, nil).HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]interface{}{
		"PolicyDocument": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{map[string]interface{}{
			"Effect":    "Allow",
			"Action":    "iam:PassRole",
			"Resource":  "arn:aws:iam::123456789012:role/their-sms-role",
			"Condition": map[string]interface{}{"StringEquals": map[string]interface{}{"iam:PassedToService": "cognito-idp.amazonaws.com"}},
		}})},
	})
}

func TestAttach(t *testing.T) {
	t.Run("imported pool: one resource per pool, however many calls and imports", func(t *testing.T) {
		f := newFixture(t)
		// The default Code would build the handler; Of creates with
		// defaults, so create the pool's resource first with stub code.
		NewPoolTriggers(f.stack, jsii.String("Triggers"), &PoolTriggersProps{UserPool: f.pool, Code: f.code})
		a := Attach(f.pool, awscognito.UserPoolOperation_DEFINE_AUTH_CHALLENGE(), f.define, "")
		again := awscognito.UserPool_FromUserPoolId(f.stack, jsii.String("SamePoolAgain"), jsii.String(testPoolID))
		b := Attach(again, awscognito.UserPoolOperation_PRE_TOKEN_GENERATION(), f.guard, awscognito.LambdaVersion_V3_0)
		if a == nil || a != b || a != Of(f.pool) {
			t.Fatal("Attach returned different resources for one pool")
		}
		tmpl := assertions.Template_FromStack(f.stack, nil)
		tmpl.ResourceCountIs(jsii.String(rp.ResourceType), jsii.Number(1))
		tmpl.HasResourceProperties(jsii.String(rp.ResourceType), map[string]interface{}{rp.Triggers: []interface{}{
			map[string]interface{}{rp.Operation: rp.OpDefineAuthChallenge, rp.LambdaArn: getAtt("Define")},
			map[string]interface{}{rp.Operation: rp.OpPreTokenGeneration, rp.LambdaArn: getAtt("Guard"), rp.LambdaVersion: "V3_0"},
		}})
		cdktest.MustPanic(t, "expected each trigger once per user pool (Cognito allows one function per trigger), received PreTokenGeneration again", func() {
			Attach(f.pool, awscognito.UserPoolOperation_PRE_TOKEN_GENERATION_CONFIG(), f.define, "")
		})
	})
	t.Run("Of creates the resource next to the pool", func(t *testing.T) {
		f := newFixture(t)
		scope := constructs.NewConstruct(f.stack, jsii.String("Auth"))
		pool := awscognito.UserPool_FromUserPoolArn(scope, jsii.String("Pool"), jsii.String(testPoolArn))
		p := Of(pool)
		if got := *p.Node().Path(); got != "Test/Auth/PoolTriggers" {
			t.Errorf("path %q", got)
		}
		if Of(pool) != p {
			t.Error("Of created a second resource")
		}
	})
	t.Run("a pool of this app gets the trigger through AddTrigger", func(t *testing.T) {
		f := newFixture(t)
		pool := awscognito.NewUserPool(f.stack, jsii.String("Own"), nil)
		if p := Attach(pool, awscognito.UserPoolOperation_PRE_TOKEN_GENERATION_CONFIG(), f.guard, awscognito.LambdaVersion_V2_0); p != nil {
			t.Error("Attach returned a custom resource for a pool of this app")
		}
		tmpl := assertions.Template_FromStack(f.stack, nil)
		tmpl.ResourceCountIs(jsii.String(rp.ResourceType), jsii.Number(0))
		tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
			"LambdaConfig": map[string]interface{}{"PreTokenGenerationConfig": map[string]interface{}{"LambdaArn": getAtt("Guard"), "LambdaVersion": "V2_0"}},
		})
	})
}

func TestRefusals(t *testing.T) {
	f := newFixture(t)
	op := awscognito.UserPoolOperation_PRE_SIGN_UP()
	for _, c := range []struct {
		name  string
		props *PoolTriggersProps
		want  string
	}{
		{"nil props", nil, "expected props to be set, received nil"},
		{"nil pool", &PoolTriggersProps{}, "expected UserPool to be set, received nil"},
		{"pool of this app", &PoolTriggersProps{UserPool: awscognito.NewUserPool(f.stack, jsii.String("Own"), nil)},
			"expected UserPool to be an imported pool (awscognito.UserPool_FromUserPoolId or FromUserPoolArn), received a pool of this app"},
		{"bad pool id", &PoolTriggersProps{UserPool: awscognito.UserPool_FromUserPoolId(f.stack, jsii.String("Bad"), jsii.String("my pool"))},
			`expected UserPool's id to be a user pool id such as eu-west-1_AbC123, received "my pool"`},
		{"pool of another region", &PoolTriggersProps{UserPool: awscognito.UserPool_FromUserPoolId(f.stack, jsii.String("Us"), jsii.String("us-east-1_Abc"))},
			"expected UserPool to be in the stack's region eu-west-1, received pool us-east-1_Abc"},
		{"nil trigger", &PoolTriggersProps{UserPool: f.pool, Triggers: []*Trigger{nil}}, "expected Triggers[0] to be set, received nil"},
		{"nil operation", &PoolTriggersProps{UserPool: f.pool, Triggers: []*Trigger{{Function: f.define}}}, "expected Triggers[0].Operation to be set, received nil"},
		{"unsupported operation", &PoolTriggersProps{UserPool: f.pool, Triggers: []*Trigger{{Operation: awscognito.UserPoolOperation_CUSTOM_SMS_SENDER(), Function: f.define}}},
			`expected Triggers[0].Operation to be one of ["CreateAuthChallenge"`},
		{"nil function", &PoolTriggersProps{UserPool: f.pool, Triggers: []*Trigger{{Operation: op}}}, "expected Triggers[0].Function to be set, received nil"},
		{"version on another trigger", &PoolTriggersProps{UserPool: f.pool, Triggers: []*Trigger{{Operation: op, Function: f.define, LambdaVersion: awscognito.LambdaVersion_V2_0}}},
			`expected Triggers[0].LambdaVersion only for pre token generation, received "V2_0" for PreSignUp`},
		{"unknown version", &PoolTriggersProps{UserPool: f.pool, Triggers: []*Trigger{{Operation: awscognito.UserPoolOperation_PRE_TOKEN_GENERATION_CONFIG(), Function: f.guard, LambdaVersion: "V9_0"}}},
			`expected Triggers[0].LambdaVersion to be one of ["V1_0" "V2_0" "V3_0"], received "V9_0"`},
		{"one trigger twice", &PoolTriggersProps{UserPool: f.pool, Triggers: []*Trigger{{Operation: op, Function: f.define}, {Operation: op, Function: f.create}}},
			"expected each trigger once per user pool (Cognito allows one function per trigger), received PreSignUp again"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cdktest.MustPanic(t, "pooltriggers: "+c.want, func() { NewPoolTriggers(f.stack, jsii.String("T"+fmt.Sprint(len(c.name))), c.props) })
		})
	}

	p := NewPoolTriggers(f.stack, jsii.String("Triggers"), &PoolTriggersProps{UserPool: f.pool, Code: f.code})
	cdktest.MustPanic(t, "expected one PoolTriggers per user pool (two would race on UpdateUserPool), received a second for the pool of Test/Triggers", func() {
		NewPoolTriggers(f.stack, jsii.String("Second"), &PoolTriggersProps{UserPool: f.pool, Code: f.code})
	})
	cdktest.MustPanic(t, "pooltriggers: expected trigger to be set, received nil", func() { p.AddTrigger(nil) })
	if len(p.Triggers()) != 0 {
		t.Error("a refused trigger was kept")
	}

	taken := awscognito.UserPool_FromUserPoolId(f.stack, jsii.String("Taken"), jsii.String("eu-west-1_Taken"))
	constructs.NewConstruct(f.stack, jsii.String("TakenTriggers"))
	cdktest.MustPanic(t, `expected the id "TakenTriggers" next to the user pool to be free`, func() { Of(taken) })
}

func TestEnvironmentAgnosticStack(t *testing.T) {
	stack := cdktest.NewStack()
	pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String("ap-south-1_Xyz"))
	fn, _, _ := gofn.New(stack, "Fn", gofn.Props{Code: cdktest.StubCode(t), Description: "fn"})
	NewPoolTriggers(stack, jsii.String("Triggers"), &PoolTriggersProps{UserPool: pool, Code: cdktest.StubCode(t),
		Triggers: []*Trigger{{Operation: awscognito.UserPoolOperation_USER_MIGRATION(), Function: fn}}})
	// The region is a token: not compared, and the grants name the pool in the deployment's region.
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]interface{}{
		"SourceArn": map[string]interface{}{"Fn::Join": []interface{}{"", assertions.Match_ArrayWith(&[]interface{}{map[string]interface{}{"Ref": "AWS::Region"}})}},
	})
}

func TestOperationNames(t *testing.T) {
	for _, c := range []struct {
		op   awscognito.UserPoolOperation
		want string
	}{
		{awscognito.UserPoolOperation_PRE_SIGN_UP(), rp.OpPreSignUp},
		{awscognito.UserPoolOperation_PRE_AUTHENTICATION(), rp.OpPreAuthentication},
		{awscognito.UserPoolOperation_POST_AUTHENTICATION(), rp.OpPostAuthentication},
		{awscognito.UserPoolOperation_POST_CONFIRMATION(), rp.OpPostConfirmation},
		{awscognito.UserPoolOperation_CUSTOM_MESSAGE(), rp.OpCustomMessage},
		{awscognito.UserPoolOperation_DEFINE_AUTH_CHALLENGE(), rp.OpDefineAuthChallenge},
		{awscognito.UserPoolOperation_CREATE_AUTH_CHALLENGE(), rp.OpCreateAuthChallenge},
		{awscognito.UserPoolOperation_VERIFY_AUTH_CHALLENGE_RESPONSE(), rp.OpVerifyAuthChallengeResponse},
		{awscognito.UserPoolOperation_PRE_TOKEN_GENERATION(), rp.OpPreTokenGeneration},
		{awscognito.UserPoolOperation_PRE_TOKEN_GENERATION_CONFIG(), rp.OpPreTokenGeneration},
		{awscognito.UserPoolOperation_USER_MIGRATION(), rp.OpUserMigration},
		{awscognito.UserPoolOperation_CUSTOM_EMAIL_SENDER(), ""},
		{awscognito.UserPoolOperation_CUSTOM_SMS_SENDER(), ""},
		{awscognito.UserPoolOperation_Of(jsii.String("somethingNew")), ""},
		{nil, ""},
	} {
		if got := Operation(c.op); got != c.want {
			t.Errorf("Operation(%v) = %q, want %q", c.op, got, c.want)
		}
	}
}

// TestNoUnsuppressedNagFinding runs cdk-nag's AwsSolutions pack over a
// stack with the resource and trigger functions built like the library's.
func TestNoUnsuppressedNagFinding(t *testing.T) {
	f := newFixture(t)
	awscdk.Aspects_Of(f.stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	sms := awsiam.Role_FromRoleArn(f.stack, jsii.String("Sms"), jsii.String("arn:aws:iam::123456789012:role/their-sms-role"), nil)
	NewPoolTriggers(f.stack, jsii.String("Triggers"), &PoolTriggersProps{UserPool: f.pool, Code: f.code, SmsRole: sms, Triggers: []*Trigger{
		{Operation: awscognito.UserPoolOperation_DEFINE_AUTH_CHALLENGE(), Function: f.define},
		{Operation: awscognito.UserPoolOperation_PRE_TOKEN_GENERATION_CONFIG(), Function: f.guard, LambdaVersion: awscognito.LambdaVersion_V2_0},
	}})
	assertions.Template_FromStack(f.stack, nil)
	nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	annotations := assertions.Annotations_FromStack(f.stack)
	for _, m := range *annotations.FindError(jsii.String("*"), nag) {
		t.Errorf("cdk-nag error: %s", show(m))
	}
	for _, m := range *annotations.FindWarning(jsii.String("*"), nag) {
		t.Errorf("cdk-nag warning: %s", show(m))
	}
}

// TestBuildsTheHandler synthesizes with the default Code: the handler is
// built from HandlerPackage for linux/arm64 with the local Go toolchain.
func TestBuildsTheHandler(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: cross-builds the handler")
	}
	dir, err := gobuild.Build(HandlerPackage)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, gobuild.BinaryName)); err != nil || st.Mode()&0o111 == 0 {
		t.Fatalf("no executable bootstrap: %v", err)
	}
	stack := cdktest.NewStack()
	NewPoolTriggers(stack, jsii.String("Triggers"), &PoolTriggersProps{
		UserPool: awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String(testPoolID)),
	})
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Code": map[string]interface{}{"S3Key": assertions.Match_StringLikeRegexp(jsii.String(`^[0-9a-f]{64}\.zip$`))},
	})
}

func show(m interface{}) string {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Sprint(m)
	}
	return string(b)
}

// TestNagQuerySeesFindings guards the query above: the same query must see
// the finding of a function with the AWS managed basic execution policy.
func TestNagQuerySeesFindings(t *testing.T) {
	stack := cdktest.NewStack()
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	awslambda.NewFunction(stack, jsii.String("Plain"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_PROVIDED_AL2023(), Handler: jsii.String("bootstrap"), Code: cdktest.StubCode(t),
	})
	assertions.Template_FromStack(stack, nil)
	if errs := assertions.Annotations_FromStack(stack).FindError(jsii.String("*"),
		assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-IAM4.*"))); len(*errs) == 0 {
		t.Fatal("cdk-nag reported nothing for a function with a managed policy")
	}
}

// TestCfnLint lints the synthesized template with cfn-lint (preinstalled on
// the project's machines; required in CI).
func TestCfnLint(t *testing.T) {
	cdktest.CfnLintPath(t) // before the synth
	f := newFixture(t)
	sms := awsiam.Role_FromRoleArn(f.stack, jsii.String("Sms"), jsii.String("arn:aws:iam::123456789012:role/their-sms-role"), nil)
	NewPoolTriggers(f.stack, jsii.String("Triggers"), &PoolTriggersProps{UserPool: f.pool, Code: f.code, SmsRole: sms, Triggers: []*Trigger{
		{Operation: awscognito.UserPoolOperation_DEFINE_AUTH_CHALLENGE(), Function: f.define},
		{Operation: awscognito.UserPoolOperation_PRE_TOKEN_GENERATION_CONFIG(), Function: f.guard, LambdaVersion: awscognito.LambdaVersion_V2_0},
	}})
	cdktest.CfnLint(t, f.stack)
}
