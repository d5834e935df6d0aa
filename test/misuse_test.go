package test

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
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/federation"
	"github.com/cognitobridge/cognitobridge/constructs/linking"
	"github.com/cognitobridge/cognitobridge/constructs/stepup"
)

// misuseStack is a stack of a consumer app (region known, as a user's
// deployed stack has it) for the misuse table.
func misuseStack(region string) awscdk.Stack {
	app := awscdk.NewApp(nil)
	var env *awscdk.Environment
	if region != "" {
		env = &awscdk.Environment{Account: jsii.String("111122223333"), Region: jsii.String(region)}
	}
	return awscdk.NewStack(app, jsii.String("Consumer"), &awscdk.StackProps{Env: env})
}

// stubCode is a stand-in handler bundle, so the table needs no go build.
func stubCode(t *testing.T) awslambda.Code {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return awslambda.Code_FromAsset(jsii.String(dir), nil)
}

func stubStepUpCode(t *testing.T) *stepup.StepUpCode {
	c := stubCode(t)
	return &stepup.StepUpCode{Define: c, Create: c, Verify: c, Guard: c}
}

// consumerPool is a user's own pool, as docs/consumer.md writes it.
func consumerPool(stack awscdk.Stack, id string, props *awscognito.UserPoolProps) awscognito.UserPool {
	if props == nil {
		props = &awscognito.UserPoolProps{
			AutoVerify:   &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
			KeepOriginal: &awscognito.KeepOriginalAttrs{Email: jsii.Bool(true)},
		}
	}
	props.RemovalPolicy = awscdk.RemovalPolicy_DESTROY
	return awscognito.NewUserPool(stack, jsii.String(id), props)
}

// webClient meets docs/stepup.md's requirements for a protected client.
func webClient(pool awscognito.UserPool, id string) awscognito.UserPoolClient {
	return pool.AddClient(jsii.String(id), &awscognito.UserPoolClientOptions{
		GenerateSecret: jsii.Bool(false), PreventUserExistenceErrors: jsii.Bool(true),
		AuthFlows: &awscognito.AuthFlow{Custom: jsii.Bool(true)}, DisableOAuth: jsii.Bool(true),
		WriteAttributes: awscognito.NewClientAttributes().WithStandardAttributes(stepup.DefaultClientWriteAttributesMask()),
	})
}

func oidcProvider() *stepup.Provider {
	return &stepup.Provider{OIDC: &stepup.OIDCProvider{
		Issuer: jsii.String("https://idp.example.com"), ClientID: jsii.String("web"),
		RedirectURI: jsii.String("https://app.example.com/stepup"),
	}}
}

// misuse is one row of issue 16's table: what the user wrote, and the
// library's own message (each part must appear; a "WARNING " prefix means a
// warning annotation instead of a synth error).
type misuse struct {
	name  string
	build func(t *testing.T)
	want  []string
}

// TestConsumerMisusesStopAtSynth plays the mistakes a user made writing a
// CDK app from the docs alone (issue 16): each stops at synth with the
// library's own message naming the offending resource and the fix, or
// leaves a warning annotation where the construct cannot see enough.
func TestConsumerMisusesStopAtSynth(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds a dozen stacks through jsii")
	}
	var stack awscdk.Stack
	rows := []misuse{
		{"protected client with USER_SRP_AUTH and USER_PASSWORD_AUTH under ALWAYS", func(t *testing.T) {
			stack = misuseStack("")
			pool := consumerPool(stack, "Pool", nil)
			web := pool.AddClient(jsii.String("Web"), &awscognito.UserPoolClientOptions{
				AuthFlows: &awscognito.AuthFlow{UserSrp: jsii.Bool(true), UserPassword: jsii.Bool(true)}, DisableOAuth: jsii.Bool(true),
			})
			stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{Provider: oidcProvider(), UserPool: pool,
				CreateClient: jsii.Bool(false), ProtectedClients: &[]awscognito.IUserPoolClient{web}, Code: stubStepUpCode(t)})
		}, []string{"stepup: expected ProtectedClients[0] (Consumer/Pool/Web)", "ALLOW_USER_PASSWORD_AUTH, ALLOW_USER_SRP_AUTH",
			"AuthFlows: &awscognito.AuthFlow{Custom: jsii.Bool(true)}", `"If you keep your own app client"`}},
		{"protected client without AuthFlows (Cognito's default allows USER_SRP_AUTH)", func(t *testing.T) {
			stack = misuseStack("")
			pool := consumerPool(stack, "Pool", nil)
			web := pool.AddClient(jsii.String("Web"), &awscognito.UserPoolClientOptions{DisableOAuth: jsii.Bool(true)})
			stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{Provider: oidcProvider(), UserPool: pool,
				CreateClient: jsii.Bool(false), ProtectedClients: &[]awscognito.IUserPoolClient{web}, Code: stubStepUpCode(t)})
		}, []string{"ProtectedClients[0] (Consumer/Pool/Web)", "received no AuthFlows", "ALLOW_USER_SRP_AUTH"}},
		{"protected client with a client secret", func(t *testing.T) {
			stack = misuseStack("")
			pool := consumerPool(stack, "Pool", nil)
			web := pool.AddClient(jsii.String("Web"), &awscognito.UserPoolClientOptions{
				GenerateSecret: jsii.Bool(true), AuthFlows: &awscognito.AuthFlow{Custom: jsii.Bool(true)}, DisableOAuth: jsii.Bool(true),
			})
			stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{Provider: oidcProvider(), UserPool: pool,
				CreateClient: jsii.Bool(false), ProtectedClients: &[]awscognito.IUserPoolClient{web}, Code: stubStepUpCode(t),
				Policy: stepup.StepUpPolicy_ON_DEMAND})
		}, []string{"ProtectedClients[0] (Consumer/Pool/Web) to have no client secret", "GenerateSecret: jsii.Bool(false)"}},
		{"protected client with OAuth on (CDK's default) under ALWAYS", func(t *testing.T) {
			stack = misuseStack("")
			pool := consumerPool(stack, "Pool", nil)
			web := pool.AddClient(jsii.String("Web"), &awscognito.UserPoolClientOptions{AuthFlows: &awscognito.AuthFlow{Custom: jsii.Bool(true)}})
			stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{Provider: oidcProvider(), UserPool: pool,
				CreateClient: jsii.Bool(false), ProtectedClients: &[]awscognito.IUserPoolClient{web}, Code: stubStepUpCode(t)})
		}, []string{"ProtectedClients[0] (Consumer/Pool/Web) to have OAuth off", "DisableOAuth: jsii.Bool(true)"}},
		{"a protected client of another pool", func(t *testing.T) {
			stack = misuseStack("")
			pool := consumerPool(stack, "Pool", nil)
			other := consumerPool(stack, "OtherPool", nil)
			web := webClient(other, "Web")
			stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{Provider: oidcProvider(), UserPool: pool,
				ProtectedClients: &[]awscognito.IUserPoolClient{web}, Code: stubStepUpCode(t)})
		}, []string{"ProtectedClients[0] (Consumer/OtherPool/Web) to be an app client of the step-up's user pool Consumer/Pool", "a StepUp on its own pool"}},
		{"a pool whose LambdaTriggers.PreTokenGeneration is set", func(t *testing.T) {
			stack = misuseStack("")
			custom := awslambda.NewFunction(stack, jsii.String("TokenCustomizer"), &awslambda.FunctionProps{
				Runtime: awslambda.Runtime_PROVIDED_AL2023(), Handler: jsii.String("bootstrap"), Code: stubCode(t),
			})
			pool := consumerPool(stack, "Pool", &awscognito.UserPoolProps{
				AutoVerify: &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)}, KeepOriginal: &awscognito.KeepOriginalAttrs{Email: jsii.Bool(true)},
				LambdaTriggers: &awscognito.UserPoolTriggers{PreTokenGeneration: custom},
			})
			stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{Provider: oidcProvider(), UserPool: pool, Code: stubStepUpCode(t)})
		}, []string{"pooltriggers: expected the PreTokenGeneration trigger of user pool Consumer/Pool to be free for Consumer/PoolPreTokenGeneration/Function",
			"held by Consumer/TokenCustomizer", "constructs/pretokengen", "ServerSideGuard=false"}},
		{"a Define trigger already on the pool", func(t *testing.T) {
			stack = misuseStack("")
			define := awslambda.NewFunction(stack, jsii.String("MyDefine"), &awslambda.FunctionProps{
				Runtime: awslambda.Runtime_PROVIDED_AL2023(), Handler: jsii.String("bootstrap"), Code: stubCode(t),
			})
			pool := consumerPool(stack, "Pool", nil)
			pool.AddTrigger(awscognito.UserPoolOperation_DEFINE_AUTH_CHALLENGE(), define, "")
			stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{Provider: oidcProvider(), UserPool: pool, Code: stubStepUpCode(t)})
		}, []string{"expected the DefineAuthChallenge trigger of user pool Consumer/Pool to be free for Consumer/StepUp/DefineFunction",
			"held by Consumer/MyDefine", "one custom authentication flow"}},
		{"two StepUps on one pool", func(t *testing.T) {
			stack = misuseStack("")
			pool := consumerPool(stack, "Pool", nil)
			stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{Provider: oidcProvider(), UserPool: pool, Code: stubStepUpCode(t)})
			stepup.NewStepUp(stack, jsii.String("StepUp2"), &stepup.StepUpProps{Provider: oidcProvider(), UserPool: pool, Code: stubStepUpCode(t)})
		}, []string{"stepup: expected one StepUp per user pool", "Consumer/StepUp2", "of Consumer/StepUp:", "ProtectedClients"}},
		{"two StepUps on the pool the first one created", func(t *testing.T) {
			stack = misuseStack("")
			first := stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{Provider: oidcProvider(), Code: stubStepUpCode(t)})
			stepup.NewStepUp(stack, jsii.String("StepUp2"), &stepup.StepUpProps{Provider: oidcProvider(), UserPool: first.UserPool(), Code: stubStepUpCode(t)})
		}, []string{"stepup: expected one StepUp per user pool", "Consumer/StepUp2"}},
		{"FeaturePlan_LITE on your pool with the default V2_0 guard", func(t *testing.T) {
			stack = misuseStack("")
			pool := consumerPool(stack, "Pool", &awscognito.UserPoolProps{FeaturePlan: awscognito.FeaturePlan_LITE,
				AutoVerify: &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)}, KeepOriginal: &awscognito.KeepOriginalAttrs{Email: jsii.Bool(true)}})
			stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{Provider: oidcProvider(), UserPool: pool, Code: stubStepUpCode(t)})
		}, []string{"stepup: expected GuardLambdaVersion V1_0 on user pool Consumer/Pool, whose FeaturePlan is LITE", "awscognito.LambdaVersion_V1_0"}},
		{"FeaturePlan_LITE on the created pool with the default V2_0 guard", func(t *testing.T) {
			stack = misuseStack("")
			stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{Provider: oidcProvider(), FeaturePlan: awscognito.FeaturePlan_LITE, Code: stubStepUpCode(t)})
		}, []string{"stepup: expected GuardLambdaVersion V1_0 with FeaturePlan LITE"}},
		{"an imported pool of us-east-1 under a StepUp in an eu-west-1 stack", func(t *testing.T) {
			stack = misuseStack("eu-west-1")
			pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String("us-east-1_AbCdEf123"))
			web := awscognito.UserPoolClient_FromUserPoolClientId(stack, jsii.String("Web"), jsii.String("webclient0000000000000000001"))
			stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{Provider: oidcProvider(), UserPool: pool,
				CreateClient: jsii.Bool(false), ProtectedClients: &[]awscognito.IUserPoolClient{web}, Code: stubStepUpCode(t)})
		}, []string{"expected UserPool to be in the stack's region eu-west-1, received pool us-east-1_AbCdEf123", "(imported as Consumer/Pool)", "StackProps.Env"}},
		{"an imported pool of us-east-1 under Federation and Linking in an eu-west-1 stack", func(t *testing.T) {
			stack = misuseStack("eu-west-1")
			pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String("us-east-1_AbCdEf123"))
			fed := federation.NewFederation(stack, jsii.String("Mosaic"), &federation.FederationProps{
				UserPool:     pool,
				Provider:     &federation.Provider{Mosaic: &federation.MosaicProvider{ClientID: jsii.String("mosaic-client-id")}},
				CallbackURLs: &[]*string{jsii.String("https://app.example.com/callback")}, LogoutURLs: &[]*string{jsii.String("https://app.example.com/")},
				DomainPrefix: jsii.String("acme-login"),
			})
			linking.NewLinking(stack, jsii.String("Linking"), &linking.LinkingProps{UserPool: pool, ProviderNames: &[]*string{fed.ProviderName()}, Code: stubCode(t)})
		}, []string{"expected UserPool to be in the stack's region eu-west-1, received pool us-east-1_AbCdEf123"}},
		{"an imported pool of us-east-1 under Federation alone in an eu-west-1 stack", func(t *testing.T) {
			stack = misuseStack("eu-west-1")
			pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Pool"), jsii.String("us-east-1_AbCdEf123"))
			federation.NewFederation(stack, jsii.String("Mosaic"), &federation.FederationProps{
				UserPool:     pool,
				Provider:     &federation.Provider{Mosaic: &federation.MosaicProvider{ClientID: jsii.String("mosaic-client-id")}},
				CallbackURLs: &[]*string{jsii.String("https://app.example.com/callback")}, LogoutURLs: &[]*string{jsii.String("https://app.example.com/")},
				DomainPrefix: jsii.String("acme-login"),
			})
		}, []string{"federation: expected UserPool to be in the stack's region eu-west-1, received pool us-east-1_AbCdEf123", "(imported as Consumer/Pool)"}},
		{"a pool you bring without KeepOriginal for email", func(t *testing.T) {
			stack = misuseStack("")
			pool := consumerPool(stack, "Pool", &awscognito.UserPoolProps{AutoVerify: &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)}})
			stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{Provider: oidcProvider(), UserPool: pool, Code: stubStepUpCode(t)})
		}, []string{"WARNING user pool Consumer/Pool keeps no original email until a change is verified", "KeepOriginal: &awscognito.KeepOriginalAttrs{Email: jsii.Bool(true)}",
			stepup.WarningKeepOriginalEmail}},
		{"an imported protected client (its flows cannot be read)", func(t *testing.T) {
			stack = misuseStack("")
			pool := consumerPool(stack, "Pool", nil)
			web := awscognito.UserPoolClient_FromUserPoolClientId(stack, jsii.String("Web"), jsii.String("webclient0000000000000000001"))
			stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{Provider: oidcProvider(), UserPool: pool,
				CreateClient: jsii.Bool(false), ProtectedClients: &[]awscognito.IUserPoolClient{web}, Code: stubStepUpCode(t)})
		}, []string{"WARNING ProtectedClients[0] (Consumer/Web) is imported", "cannot be checked at synth", "ALLOW_CUSTOM_AUTH", stepup.WarningUncheckedClient}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			warning := strings.HasPrefix(row.want[0], "WARNING ")
			msg := func() (msg string) {
				defer func() {
					if r := recover(); r != nil {
						msg = fmt.Sprint(r)
					}
				}()
				row.build(t)
				if warning {
					return warnings(t, stack)
				}
				return ""
			}()
			if msg == "" {
				t.Fatalf("synthesized without a message; want one containing %q", row.want)
			}
			for _, w := range row.want {
				if !strings.Contains(msg, strings.TrimPrefix(w, "WARNING ")) {
					t.Errorf("message does not contain %q:\n%s", w, msg)
				}
			}
		})
	}
}

// warnings returns the stack's warning annotations with their ids, one a
// line.
func warnings(t *testing.T, stack awscdk.Stack) string {
	t.Helper()
	var out []string
	for _, m := range *assertions.Annotations_FromStack(stack).FindWarning(jsii.String("*"), assertions.Match_AnyValue()) {
		var msg struct {
			ID    string `json:"id"`
			Entry struct {
				Data string `json:"data"`
			} `json:"entry"`
		}
		raw, err := json.Marshal(m)
		if err == nil {
			err = json.Unmarshal(raw, &msg)
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, msg.ID+": "+msg.Entry.Data)
	}
	return strings.Join(out, "\n")
}
