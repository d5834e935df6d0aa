package transaction_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/stepup"
	"github.com/cognitobridge/cognitobridge/constructs/transaction"
)

// An ordinary and a high-value route (the README's example, compiled by go
// test).
func ExampleNewTransactionStepUp() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("App"), nil)
	su := stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{
		Provider: &stepup.Provider{BlockID: &stepup.BlockIDProvider{}},
	})
	tx := transaction.NewTransactionStepUp(stack, jsii.String("Tx"), &transaction.TransactionStepUpProps{
		StepUp: su,
		Window: awscdk.Duration_Minutes(jsii.Number(5)),
	})
	backend := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Backend"),
		transaction.NewEchoFunction(stack, jsii.String("Echo"), nil), nil)
	tx.HttpApi().AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path: jsii.String("/balance"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: backend, Authorizer: tx.StandardAuthorizer(),
	})
	tx.HttpApi().AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path: jsii.String("/payments"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Integration: backend, Authorizer: tx.HighValueAuthorizer(),
	})
}
