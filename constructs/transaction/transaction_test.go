package transaction

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/constructs/stepup"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

func newStepUp(t *testing.T, stack awscdk.Stack, mutate func(*stepup.StepUpProps)) stepup.StepUp {
	t.Helper()
	code := cdktest.StubCode(t)
	p := &stepup.StepUpProps{
		Provider: &stepup.Provider{OIDC: &stepup.OIDCProvider{Issuer: jsii.String("https://idp.example.com"), RedirectURI: jsii.String("https://app.example.com/cb")}},
		Code:     &stepup.StepUpCode{Define: code, Create: code, Verify: code, Guard: code},
	}
	if mutate != nil {
		mutate(p)
	}
	return stepup.NewStepUp(stack, jsii.String("StepUp"), p)
}

func only(t *testing.T, tmpl assertions.Template, typ string, match func(id string, props map[string]interface{}) bool) (string, map[string]interface{}) {
	t.Helper()
	var ids []string
	var found map[string]interface{}
	for id, r := range cdktest.Resources(t, tmpl, typ) {
		p, _ := r["Properties"].(map[string]interface{})
		if match(id, p) {
			ids = append(ids, id)
			found = p
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%s matches: %v", typ, ids)
	}
	return ids[0], found
}

func TestTransactionStepUpWithDefaults(t *testing.T) {
	// GIVEN a step-up pool and an API with an ordinary and a high-value route
	stack := cdktest.NewStack()
	su := newStepUp(t, stack, nil)
	// WHEN
	tx := NewTransactionStepUp(stack, jsii.String("Tx"), &TransactionStepUpProps{StepUp: su, Code: cdktest.StubCode(t)})
	echo := NewEchoFunction(stack, jsii.String("Echo"), &EchoFunctionProps{Code: cdktest.StubCode(t)})
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Echo"), echo, nil)
	tx.HttpApi().AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path: jsii.String("/balance"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: integration, Authorizer: tx.StandardAuthorizer(),
	})
	tx.HttpApi().AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path: jsii.String("/payments"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Integration: integration, Authorizer: tx.HighValueAuthorizer(),
	})
	// THEN
	tmpl := assertions.Template_FromStack(stack, nil)

	// The created API's stage is throttled.
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]interface{}{
		"DefaultRouteSettings": map[string]interface{}{"ThrottlingRateLimit": DefaultThrottleRateLimit, "ThrottlingBurstLimit": 2 * DefaultThrottleRateLimit},
	})

	// The guard runs on V2_0 and allows the required reason.
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
		"LambdaConfig": map[string]interface{}{
			"PreTokenGenerationConfig": map[string]interface{}{
				"LambdaArn":     map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("PreTokenGenerationFunction")), "Arn"}},
				"LambdaVersion": "V2_0",
			},
		},
	})
	_, guard := only(t, tmpl, "AWS::Lambda::Function", func(id string, _ map[string]interface{}) bool {
		return strings.Contains(id, "PreTokenGenerationFunction") // the pool's one pre token generation function, the guard a behaviour of it
	})
	if got := guard["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})[contract.EnvStepUpReasons]; got != `["high_value_transaction"]` {
		t.Errorf("guard reasons = %v", got)
	}

	// The authorizer function.
	_, fn := only(t, tmpl, "AWS::Lambda::Function", func(id string, _ map[string]interface{}) bool { return strings.HasPrefix(id, "TxAuthorizerFunction") })
	for k, want := range map[string]interface{}{"Runtime": "provided.al2023", "Handler": "bootstrap", "MemorySize": float64(128), "Timeout": float64(5)} {
		if fn[k] != want {
			t.Errorf("authorizer %s = %v, want %v", k, fn[k], want)
		}
	}
	if a, _ := json.Marshal(fn["Architectures"]); string(a) != `["arm64"]` {
		t.Errorf("architectures = %s", a)
	}
	env := fn["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
	issuer, _ := json.Marshal(env[contract.EnvTokenIssuer])
	client, _ := json.Marshal(env[contract.EnvTokenClientID])
	if !strings.Contains(string(issuer), `"https://cognito-idp."`) || !strings.Contains(string(issuer), `{"Ref":"AWS::URLSuffix"}`) ||
		!strings.Contains(string(issuer), `{"Ref":"StepUpUserPool`) || !strings.HasPrefix(string(client), `{"Ref":"StepUpUserPoolClient`) ||
		env[contract.EnvStepUpMaxAgeSeconds] != "300" || env[contract.EnvRequiredReasons] != `["high_value_transaction"]` || len(env) != 5 {
		t.Errorf("authorizer env = %v", env)
	}
	// Its own role, no managed policies, logs only to its own group.
	_, role := only(t, tmpl, "AWS::IAM::Role", func(id string, _ map[string]interface{}) bool { return strings.HasPrefix(id, "TxAuthorizerRole") })
	if _, ok := role["ManagedPolicyArns"]; ok {
		t.Errorf("authorizer role has managed policies: %v", role)
	}
	roles := cdktest.Resources(t, tmpl, "AWS::IAM::Role")
	for id, r := range roles {
		if _, ok := r["Properties"].(map[string]interface{})["ManagedPolicyArns"]; ok {
			t.Errorf("%s has managed policies", id)
		}
	}

	// Authorizers: no result caching, simple responses, payload 2.0.
	highID, _ := only(t, tmpl, "AWS::ApiGatewayV2::Authorizer", func(_ string, p map[string]interface{}) bool { return p["AuthorizerType"] == "REQUEST" })
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Authorizer"), map[string]interface{}{
		"AuthorizerType":                 "REQUEST",
		"AuthorizerResultTtlInSeconds":   0,
		"EnableSimpleResponses":          true,
		"AuthorizerPayloadFormatVersion": "2.0",
		"IdentitySource":                 []interface{}{"$request.header.Authorization"},
		"AuthorizerUri":                  assertions.Match_AnyValue(),
	})
	standardID, std := only(t, tmpl, "AWS::ApiGatewayV2::Authorizer", func(_ string, p map[string]interface{}) bool { return p["AuthorizerType"] == "JWT" })
	aud, _ := json.Marshal(std["JwtConfiguration"])
	if !strings.Contains(string(aud), `"Audience":[{"Ref":"StepUpUserPoolClient`) || !strings.Contains(string(aud), "cognito-idp") {
		t.Errorf("JWT authorizer = %s", aud)
	}

	// Routes bound to the right authorizers.
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]interface{}{
		"RouteKey": "POST /payments", "AuthorizationType": "CUSTOM", "AuthorizerId": map[string]interface{}{"Ref": highID},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]interface{}{
		"RouteKey": "GET /balance", "AuthorizationType": "JWT", "AuthorizerId": map[string]interface{}{"Ref": standardID},
	})
	// API Gateway may invoke the authorizer.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]interface{}{
		"Action":       "lambda:InvokeFunction",
		"Principal":    "apigateway.amazonaws.com",
		"FunctionName": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^TxAuthorizerFunction")), "Arn"}},
	})
	// Access logging on the created API's stage.
	_, stage := only(t, tmpl, "AWS::ApiGatewayV2::Stage", func(string, map[string]interface{}) bool { return true })
	logs, _ := json.Marshal(stage["AccessLogSettings"])
	if !strings.Contains(string(logs), `"DestinationArn":{"Fn::GetAtt":["TxAccessLogs`) || !strings.Contains(string(logs), "$context.authorizer.error") ||
		strings.Contains(strings.ToLower(string(logs)), "authorization") {
		t.Errorf("access log settings = %s", logs)
	}
	if tx.AccessLogs() == nil || tx.AuthorizerFunction() == nil || tx.UserPool() == nil || tx.Client() == nil {
		t.Error("accessors nil")
	}
}

func TestWindowReasonsAndExistingAPI(t *testing.T) {
	stack := cdktest.NewStack()
	su := newStepUp(t, stack, func(p *stepup.StepUpProps) { p.StepUpReasons = jsii.Strings("sign_up_review") })
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), nil)
	tx := NewTransactionStepUp(stack, jsii.String("Payout"), &TransactionStepUpProps{
		StepUp:          su,
		HttpApi:         api,
		Window:          awscdk.Duration_Seconds(jsii.Number(60)),
		RequiredReasons: jsii.Strings("payout_change"),
		AllowedReasons:  jsii.Strings("high_value_transaction", "payout_change"),
		MemorySize:      jsii.Number(256),
		Code:            cdktest.StubCode(t),
	})
	tx.HighValueAuthorizer() // the authorizer function is created on first use
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"MemorySize": 256,
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvStepUpMaxAgeSeconds: "60",
			contract.EnvRequiredReasons:     `["payout_change"]`,
		}},
	})
	if got := strings.Join(su.StepUpReasons(), ","); got != "sign_up_review,payout_change,high_value_transaction" {
		t.Errorf("guard reasons = %s", got)
	}
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvStepUpReasons: `["sign_up_review","payout_change","high_value_transaction"]`,
		}},
	})
	if tx.HttpApi() != api || tx.AccessLogs() != nil {
		t.Error("given API not used, or access logs created for it")
	}
	tmpl.ResourceCountIs(jsii.String("AWS::Logs::LogGroup"), jsii.Number(5)) // 4 step-up functions + the authorizer
}

func TestExistingPoolAndClient(t *testing.T) {
	stack := cdktest.NewStack()
	pool := awscognito.NewUserPool(stack, jsii.String("Pool"), nil)
	client := pool.AddClient(jsii.String("Web"), nil)
	tx := NewTransactionStepUp(stack, jsii.String("Tx"), &TransactionStepUpProps{UserPool: pool, Client: client, Code: cdktest.StubCode(t)})
	tx.HttpApi().AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path: jsii.String("/payments"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Echo"), NewEchoFunction(stack, jsii.String("Echo"), &EchoFunctionProps{Code: cdktest.StubCode(t)}), nil),
		Authorizer:  tx.HighValueAuthorizer(),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvTokenClientID: map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^PoolWeb"))},
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Authorizer"), map[string]interface{}{"AuthorizerResultTtlInSeconds": 0})
}

func TestBadPropsPanic(t *testing.T) {
	for _, c := range []struct {
		name  string
		props func(t *testing.T, stack awscdk.Stack) *TransactionStepUpProps
		want  string
	}{
		{"nil props", func(*testing.T, awscdk.Stack) *TransactionStepUpProps { return nil }, "expected props with a StepUp or a UserPool and Client, received nil props"},
		{"neither", func(*testing.T, awscdk.Stack) *TransactionStepUpProps { return &TransactionStepUpProps{} }, "expected StepUp or UserPool to be set, received neither"},
		{"both", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			su := newStepUp(t, s, nil)
			return &TransactionStepUpProps{StepUp: su, UserPool: su.UserPool()}
		}, "expected either StepUp or UserPool, received both"},
		{"pool without client", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			return &TransactionStepUpProps{UserPool: awscognito.NewUserPool(s, jsii.String("P"), nil)}
		}, "expected Client with UserPool, received nil"},
		{"allowed reasons with pool", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			p := awscognito.NewUserPool(s, jsii.String("P"), nil)
			return &TransactionStepUpProps{UserPool: p, Client: p.AddClient(jsii.String("C"), nil), AllowedReasons: jsii.Strings("x")}
		}, "expected AllowedReasons only with StepUp"},
		{"step-up without guard", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			return &TransactionStepUpProps{StepUp: newStepUp(t, s, func(p *stepup.StepUpProps) { p.ServerSideGuard = jsii.Bool(false) })}
		}, "expected a StepUp with ServerSideGuard"},
		{"step-up on V1_0", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			return &TransactionStepUpProps{StepUp: newStepUp(t, s, func(p *stepup.StepUpProps) { p.GuardLambdaVersion = awscognito.LambdaVersion_V1_0 })}
		}, "expected a StepUp whose GuardLambdaVersion is V2_0 or V3_0"},
		{"step-up without client", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			return &TransactionStepUpProps{StepUp: newStepUp(t, s, func(p *stepup.StepUpProps) {
				p.CreateClient = jsii.Bool(false)
				p.ProtectedClients = &[]awscognito.IUserPoolClient{awscognito.UserPoolClient_FromUserPoolClientId(s, jsii.String("Web"), jsii.String("1example23456789"))}
			})}
		}, "expected Client with a StepUp that created no app client"},
		{"window zero", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			return &TransactionStepUpProps{StepUp: newStepUp(t, s, nil), Window: awscdk.Duration_Seconds(jsii.Number(0))}
		}, "expected Window to be whole seconds between 1 and 3600, received 0 seconds"},
		{"window too long", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			return &TransactionStepUpProps{StepUp: newStepUp(t, s, nil), Window: awscdk.Duration_Minutes(jsii.Number(61))}
		}, "received 3660 seconds"},
		{"window fraction", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			return &TransactionStepUpProps{StepUp: newStepUp(t, s, nil), Window: awscdk.Duration_Millis(jsii.Number(1500))}
		}, "received 1.5 seconds"},
		{"bad required reason", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			return &TransactionStepUpProps{StepUp: newStepUp(t, s, nil), RequiredReasons: jsii.Strings("Pay!")}
		}, `expected RequiredReasons[0] to be 1 to 64 characters of a-z, 0-9 and _, received "Pay!"`},
		{"empty required reasons", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			return &TransactionStepUpProps{StepUp: newStepUp(t, s, nil), RequiredReasons: &[]*string{}}
		}, "expected RequiredReasons to hold at least one value or be nil, received []"},
		{"throttle with a given API", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			return &TransactionStepUpProps{StepUp: newStepUp(t, s, nil), HttpApi: awsapigatewayv2.NewHttpApi(s, jsii.String("Api"), nil), ThrottleRateLimit: jsii.Number(5)}
		}, "expected ThrottleRateLimit and ThrottleBurstLimit only for a created API"},
		{"throttle rate", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			return &TransactionStepUpProps{StepUp: newStepUp(t, s, nil), ThrottleRateLimit: jsii.Number(0)}
		}, "expected ThrottleRateLimit to be a number between 1 and 10000, received 0"},
		{"throttle burst", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			return &TransactionStepUpProps{StepUp: newStepUp(t, s, nil), ThrottleBurstLimit: jsii.Number(1.5)}
		}, "expected ThrottleBurstLimit to be an integer between 1 and 20000, received 1.5"},
		{"memory", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			return &TransactionStepUpProps{StepUp: newStepUp(t, s, nil), MemorySize: jsii.Number(64)}
		}, "expected MemorySize to be an integer between 128 and 10240, received 64"},
		{"timeout", func(t *testing.T, s awscdk.Stack) *TransactionStepUpProps {
			return &TransactionStepUpProps{StepUp: newStepUp(t, s, nil), Timeout: awscdk.Duration_Seconds(jsii.Number(30))}
		}, "expected Timeout to be whole seconds between 1 and 10, received 30 seconds"},
	} {
		t.Run(c.name, func(t *testing.T) {
			stack := cdktest.NewStack()
			props := c.props(t, stack)
			got := func() (msg string) {
				defer func() {
					if r := recover(); r != nil {
						msg, _ = r.(string)
					}
				}()
				NewTransactionStepUp(stack, jsii.String("Tx"), props)
				return ""
			}()
			if !strings.HasPrefix(got, "transaction: ") || !strings.Contains(got, c.want) {
				t.Fatalf("panic %q does not contain %q", got, c.want)
			}
		})
	}
}
