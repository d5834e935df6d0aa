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

// TestTransactionSample synthesizes the transaction-stepup sample with the
// real handler builds: no unsuppressed cdk-nag finding, the two routes on
// their authorizers, POST /payments through the step-up gate, no
// authorizer caching, the guard on V2_0.
func TestTransactionSample(t *testing.T) {
	stack := NewTransactionStepUpStack(awscdk.NewApp(nil), TransactionStepUpStackID, nil)
	if got := *stack.StackName(); got != TransactionStepUpStackID {
		t.Errorf("stack name = %q", got)
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	assertNoNagFindings(t, stack)

	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(8)) // Define, Create, Verify, pre token generation, gate authorizer, gate, echo, transfers
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
		"LambdaConfig": map[string]interface{}{"PreTokenGenerationConfig": map[string]interface{}{"LambdaArn": assertions.Match_AnyValue(), "LambdaVersion": "V2_0"}},
		"UserPoolTier": "ESSENTIALS",
	})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]interface{}{"RouteKey": "POST /payments", "AuthorizationType": "CUSTOM"})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]interface{}{"RouteKey": "GET /balance", "AuthorizationType": "JWT"})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]interface{}{"RouteKey": "POST /transfers", "AuthorizationType": "JWT"})
	tmpl.ResourceCountIs(jsii.String("AWS::ApiGatewayV2::Route"), jsii.Number(3))
	// POST /transfers: the one-invocation form; the Go backend checks the
	// step-up with the gate's window and reasons, for the page's client.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvTokenClientID:       map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^StepUpUserPoolClient"))},
			contract.EnvStepUpMaxAgeSeconds: "300",
			contract.EnvRequiredReasons:     `["high_value_transaction"]`,
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Authorizer"), map[string]interface{}{
		"AuthorizerType": "REQUEST", "AuthorizerResultTtlInSeconds": 0, "EnableSimpleResponses": true,
	})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]interface{}{
		"AccessLogSettings": map[string]interface{}{"DestinationArn": assertions.Match_AnyValue(), "Format": assertions.Match_AnyValue()},
	})
	// POST /payments: the token-mode authorizer, then the gate, whose role
	// may invoke the echo backend only.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{contract.EnvAuthorizerMode: contract.AuthorizerModeToken}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Timeout": 30,
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvGateBackend:         map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^BackendEchoFunction")), "Arn"}},
			contract.EnvStepUpMaxAgeSeconds: "300",
			contract.EnvRequiredReasons:     `["high_value_transaction"]`,
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]interface{}{
		"PolicyDocument": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{map[string]interface{}{
			"Action": "lambda:InvokeFunction", "Effect": "Allow",
			"Resource": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^BackendEchoFunction")), "Arn"}},
		}})},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Integration"), map[string]interface{}{
		"IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0",
		"IntegrationUri": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^TransactionsGatesPaymentsFunction")), "Arn"}},
	})
	tmpl.HasOutput(jsii.String("ApiUrl"), map[string]interface{}{})
	tmpl.HasParameter(jsii.String("ClientSecret"), map[string]interface{}{"NoEcho": true})

	// No function environment refers to a credential parameter.
	raw, _ := json.Marshal(tmpl.FindResources(jsii.String("AWS::Lambda::Function"), nil))
	if strings.Contains(string(raw), `"Ref":"ClientSecret"`) {
		t.Error("a function environment refers to the client secret parameter")
	}
}
