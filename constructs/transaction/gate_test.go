package transaction

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func prefixed(prefix string) func(string, map[string]interface{}) bool {
	return func(id string, _ map[string]interface{}) bool { return strings.HasPrefix(id, prefix) }
}

func envOf(fn map[string]interface{}) map[string]interface{} {
	return fn["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
}

func TestHighValueRoutesBehindTheGate(t *testing.T) {
	// GIVEN a step-up pool, a backend and a transaction step-up with acr
	// values
	stack := cdktest.NewStack()
	su := newStepUp(t, stack, nil)
	tx := NewTransactionStepUp(stack, jsii.String("Tx"), &TransactionStepUpProps{
		StepUp: su, Code: cdktest.StubCode(t), GateCode: cdktest.StubCode(t),
		AcrValues: jsii.Strings("urn:example:acr:face"),
	})
	payments := NewEchoFunction(stack, jsii.String("Payments"), &EchoFunctionProps{Code: cdktest.StubCode(t)})
	other := NewEchoFunction(stack, jsii.String("Other"), &EchoFunctionProps{Code: cdktest.StubCode(t)})
	if tx.GateFunction(payments) != nil {
		t.Fatal("gate before any integration")
	}
	// WHEN two routes go to one backend through the gate
	routes := tx.AddHighValueRoutes(jsii.String("Payments"), &HighValueRoutesOptions{
		Path: jsii.String("/payments"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST}, Backend: payments,
	})
	tx.HttpApi().AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path: jsii.String("/payouts"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_PUT},
		Integration: tx.HighValueIntegration(jsii.String("Payouts"), payments), Authorizer: tx.GateAuthorizer(),
	})
	// THEN
	if routes == nil || len(*routes) != 1 || tx.GateFunction(payments) == nil || tx.GateFunction(other) != nil || tx.GateAuthorizerFunction() == nil {
		t.Fatal("routes or accessors")
	}
	tmpl := assertions.Template_FromStack(stack, nil)

	// One gate for the backend, reused.
	gateID, gate := only(t, tmpl, "AWS::Lambda::Function", prefixed("TxGates"))
	if !strings.HasPrefix(gateID, "TxGatesPaymentsFunction") {
		t.Errorf("gate id %s", gateID)
	}
	for k, want := range map[string]interface{}{"Runtime": "provided.al2023", "Handler": "bootstrap", "MemorySize": float64(128), "Timeout": float64(30)} {
		if gate[k] != want {
			t.Errorf("gate %s = %v, want %v", k, gate[k], want)
		}
	}
	env := envOf(gate)
	backend, _ := json.Marshal(env[contract.EnvGateBackend])
	if !strings.HasPrefix(string(backend), `{"Fn::GetAtt":["PaymentsEchoFunction`) || !strings.HasSuffix(string(backend), `"Arn"]}`) ||
		env[contract.EnvStepUpMaxAgeSeconds] != "300" || env[contract.EnvRequiredReasons] != `["high_value_transaction"]` ||
		env[contract.EnvGateAcrValues] != `["urn:example:acr:face"]` || env[contract.EnvLogRefKeySecretARN] == nil || len(env) != 5 {
		t.Errorf("gate env = %v", env)
	}

	// The gate's role may write its logs and invoke that backend, nothing
	// else (no ":*" over the backend's versions).
	_, policy := only(t, tmpl, "AWS::IAM::Policy", prefixed("TxGatesPaymentsRoleDefaultPolicy"))
	raw, _ := json.Marshal(policy["PolicyDocument"])
	var doc struct {
		Statement []struct {
			Action   interface{}
			Effect   string
			Resource interface{}
		}
	}
	_ = json.Unmarshal(raw, &doc)
	invokes := 0
	for _, st := range doc.Statement {
		a, _ := json.Marshal(st.Action)
		r, _ := json.Marshal(st.Resource)
		switch {
		case strings.Contains(string(a), "lambda:"):
			invokes++
			if string(a) != `"lambda:InvokeFunction"` || !strings.HasPrefix(string(r), `{"Fn::GetAtt":["PaymentsEchoFunction`) || strings.Contains(string(r), "*") {
				t.Errorf("invoke statement %s on %s", a, r)
			}
		case strings.Contains(string(a), "logs:"):
			if !strings.Contains(string(r), "TxGatesPaymentsLogs") {
				t.Errorf("logs statement on %s", r)
			}
		case strings.Contains(string(a), "secretsmanager:GetSecretValue"):
			// The stack's log reference key only.
			if !strings.Contains(string(r), "CognitobridgeLogRefKey") {
				t.Errorf("secret read on %s", r)
			}
		default:
			t.Errorf("unexpected statement %s on %s", a, r)
		}
	}
	if invokes != 1 {
		t.Errorf("invoke statements = %d in %s", invokes, raw)
	}

	// The token-mode authorizer: token checks only, never cached.
	_, authFn := only(t, tmpl, "AWS::Lambda::Function", prefixed("TxGateAuthorizerFunction"))
	aenv := envOf(authFn)
	if aenv[contract.EnvAuthorizerMode] != "token" || aenv[contract.EnvTokenIssuer] == nil || aenv[contract.EnvTokenClientID] == nil || len(aenv) != 4 {
		t.Errorf("gate authorizer env = %v", aenv)
	}
	authorizerID, _ := only(t, tmpl, "AWS::ApiGatewayV2::Authorizer", func(_ string, p map[string]interface{}) bool { return p["Name"] == "TxGate" })
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Authorizer"), map[string]interface{}{
		"Name": "TxGate", "AuthorizerType": "REQUEST", "AuthorizerResultTtlInSeconds": 0, "EnableSimpleResponses": true,
		"AuthorizerPayloadFormatVersion": "2.0", "IdentitySource": []interface{}{"$request.header.Authorization"},
		"AuthorizerUri": map[string]interface{}{"Fn::Join": assertions.Match_ArrayWith(&[]interface{}{
			assertions.Match_ArrayWith(&[]interface{}{map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^TxGateAuthorizerFunction")), "Arn"}}}),
		})},
	})

	// Both routes: the gate authorizer, an integration whose URI is the gate.
	for _, key := range []string{"POST /payments", "PUT /payouts"} {
		_, route := only(t, tmpl, "AWS::ApiGatewayV2::Route", func(_ string, p map[string]interface{}) bool { return p["RouteKey"] == key })
		if route["AuthorizationType"] != "CUSTOM" || route["AuthorizerId"].(map[string]interface{})["Ref"] != authorizerID {
			t.Errorf("%s: %v", key, route)
		}
		target, _ := json.Marshal(route["Target"])
		integrationID := strings.Split(strings.Split(string(target), `{"Ref":"`)[1], `"`)[0]
		integration := cdktest.Resources(t, tmpl, "AWS::ApiGatewayV2::Integration")[integrationID]["Properties"].(map[string]interface{})
		uri, _ := json.Marshal(integration["IntegrationUri"])
		if integration["IntegrationType"] != "AWS_PROXY" || integration["PayloadFormatVersion"] != "2.0" || !strings.Contains(string(uri), `"TxGatesPaymentsFunction`) {
			t.Errorf("%s integration = %v", key, integration)
		}
	}
	// API Gateway may invoke the gate (per route) and the backend is not
	// wired to the API at all.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]interface{}{
		"Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com",
		"FunctionName": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^TxGatesPaymentsFunction")), "Arn"}},
	})
	for id, p := range cdktest.Resources(t, tmpl, "AWS::Lambda::Permission") {
		if fn, _ := json.Marshal(p["Properties"].(map[string]interface{})["FunctionName"]); strings.Contains(string(fn), "PaymentsEchoFunction") {
			t.Errorf("%s lets API Gateway invoke the backend directly", id)
		}
	}
	for id := range cdktest.Resources(t, tmpl, "AWS::Lambda::Function") {
		if strings.HasPrefix(id, "TxAuthorizerFunction") {
			t.Errorf("unused step_up-mode authorizer %s", id)
		}
	}
}

func TestGateOptionsAndDefaults(t *testing.T) {
	stack := cdktest.NewStack()
	su := newStepUp(t, stack, nil)
	tx := NewTransactionStepUp(stack, jsii.String("Tx"), &TransactionStepUpProps{
		StepUp: su, Code: cdktest.StubCode(t), GateCode: cdktest.StubCode(t),
		Window: awscdk.Duration_Seconds(jsii.Number(90)), RequiredReasons: jsii.Strings("payout_change"),
		GateTimeout: awscdk.Duration_Seconds(jsii.Number(12)), MemorySize: jsii.Number(256),
	})
	backend := awslambda.Function_FromFunctionArn(stack, jsii.String("Imported"), jsii.String("arn:aws:lambda:us-east-1:123456789012:function:payouts"))
	tx.AddHighValueRoutes(jsii.String("Payouts"), &HighValueRoutesOptions{Path: jsii.String("/payouts"), Backend: backend})
	tx.HttpApi().AddRoutes(&awsapigatewayv2.AddRoutesOptions{ // both authorizers on one API
		Path: jsii.String("/limits"), Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Limits"), backend, nil),
		Authorizer: tx.HighValueAuthorizer(),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	_, stepUpFn := only(t, tmpl, "AWS::Lambda::Function", prefixed("TxAuthorizerFunction"))
	if env := envOf(stepUpFn); env[contract.EnvAuthorizerMode] != nil || len(env) != 5 || env[contract.EnvStepUpMaxAgeSeconds] != "90" {
		t.Errorf("the HighValueAuthorizer's env = %v", env)
	}
	_, tokenFn := only(t, tmpl, "AWS::Lambda::Function", prefixed("TxGateAuthorizerFunction"))
	if env := envOf(tokenFn); env[contract.EnvAuthorizerMode] != "token" || len(env) != 4 {
		t.Errorf("the GateAuthorizer's env = %v", env)
	}
	_, gate := only(t, tmpl, "AWS::Lambda::Function", prefixed("TxGates"))
	env := envOf(gate)
	if gate["Timeout"] != float64(12) || gate["MemorySize"] != float64(256) || env[contract.EnvStepUpMaxAgeSeconds] != "90" ||
		env[contract.EnvRequiredReasons] != `["payout_change"]` || env[contract.EnvGateBackend] != "arn:aws:lambda:us-east-1:123456789012:function:payouts" {
		t.Errorf("gate = %v", gate)
	}
	if _, ok := env[contract.EnvGateAcrValues]; ok {
		t.Error("acr values without AcrValues")
	}
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]interface{}{"RouteKey": "ANY /payouts", "AuthorizationType": "CUSTOM"})
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]interface{}{
		"PolicyDocument": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{map[string]interface{}{
			"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:payouts",
		}})},
	})
}

// TestNothingUntilUsed: functions are created when first asked for: no
// authorizer function, gate authorizer or gate for an API without routes,
// and an app with only gated routes has no step_up-mode authorizer.
func TestNothingUntilUsed(t *testing.T) {
	stack := cdktest.NewStack()
	NewTransactionStepUp(stack, jsii.String("Tx"), &TransactionStepUpProps{StepUp: newStepUp(t, stack, nil), Code: cdktest.StubCode(t)})
	base := len(cdktest.Resources(t, assertions.Template_FromStack(stack, nil), "AWS::Lambda::Function"))

	stack = cdktest.NewStack()
	tx := NewTransactionStepUp(stack, jsii.String("Tx"), &TransactionStepUpProps{StepUp: newStepUp(t, stack, nil), Code: cdktest.StubCode(t), GateCode: cdktest.StubCode(t)})
	tx.AddHighValueRoutes(jsii.String("Pay"), &HighValueRoutesOptions{Path: jsii.String("/pay"), Backend: NewEchoFunction(stack, jsii.String("E"), &EchoFunctionProps{Code: cdktest.StubCode(t)})})
	fns := cdktest.Resources(t, assertions.Template_FromStack(stack, nil), "AWS::Lambda::Function")
	if len(fns) != base+3 {
		t.Errorf("functions = %d, want the StepUp's %d + gate authorizer, gate, echo", len(fns), base)
	}
	for id := range fns {
		if strings.HasPrefix(id, "Tx") && !strings.HasPrefix(id, "TxGate") {
			t.Errorf("unused function %s", id)
		}
	}
}

func TestGatePanics(t *testing.T) {
	setup := func(t *testing.T) (awscdk.Stack, TransactionStepUp) {
		stack := cdktest.NewStack()
		tx := NewTransactionStepUp(stack, jsii.String("Tx"), &TransactionStepUpProps{StepUp: newStepUp(t, stack, nil), Code: cdktest.StubCode(t), GateCode: cdktest.StubCode(t)})
		return stack, tx
	}
	t.Run("nil backend", func(t *testing.T) {
		_, tx := setup(t)
		cdktest.MustPanic(t, "transaction: expected a backend function for HighValueIntegration Pay, received nil", func() { tx.HighValueIntegration(jsii.String("Pay"), nil) })
	})
	t.Run("nil id", func(t *testing.T) {
		stack, tx := setup(t)
		fn := NewEchoFunction(stack, jsii.String("E"), &EchoFunctionProps{Code: cdktest.StubCode(t)})
		cdktest.MustPanic(t, "transaction: expected an id for HighValueIntegration", func() { tx.HighValueIntegration(nil, fn) })
	})
	t.Run("id reused for another backend", func(t *testing.T) {
		stack, tx := setup(t)
		a := NewEchoFunction(stack, jsii.String("A"), &EchoFunctionProps{Code: cdktest.StubCode(t)})
		b := NewEchoFunction(stack, jsii.String("B"), &EchoFunctionProps{Code: cdktest.StubCode(t)})
		tx.HighValueIntegration(jsii.String("Pay"), a)
		cdktest.MustPanic(t, "transaction: expected a new id for another backend", func() { tx.HighValueIntegration(jsii.String("Pay"), b) })
	})
	t.Run("routes without backend", func(t *testing.T) {
		_, tx := setup(t)
		cdktest.MustPanic(t, "expected AddHighValueRoutes options with Path and Backend", func() {
			tx.AddHighValueRoutes(jsii.String("Pay"), &HighValueRoutesOptions{Path: jsii.String("/pay")})
		})
	})
	for _, c := range []struct {
		name   string
		mutate func(*TransactionStepUpProps)
		want   string
	}{
		{"acr with a space", func(p *TransactionStepUpProps) { p.AcrValues = jsii.Strings("liveID push") }, `expected AcrValues[0] to be 1 to 128 printable ASCII characters without space, '"' or '\', received "liveID push"`},
		{"acr with a quote", func(p *TransactionStepUpProps) { p.AcrValues = jsii.Strings("ok", `a"b`) }, `expected AcrValues[1]`},
		{"acr empty list", func(p *TransactionStepUpProps) { p.AcrValues = &[]*string{} }, "expected AcrValues to hold at least one value or be nil, received []"},
		{"gate timeout", func(p *TransactionStepUpProps) { p.GateTimeout = awscdk.Duration_Seconds(jsii.Number(31)) }, "expected GateTimeout to be whole seconds between 1 and 30, received 31 seconds"},
	} {
		t.Run(c.name, func(t *testing.T) {
			stack := cdktest.NewStack()
			p := &TransactionStepUpProps{StepUp: newStepUp(t, stack, nil), Code: cdktest.StubCode(t)}
			c.mutate(p)
			cdktest.MustPanic(t, "transaction: "+c.want, func() { NewTransactionStepUp(stack, jsii.String("Tx"), p) })
		})
	}
}
