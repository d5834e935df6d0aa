package transaction_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/stepup"
	"github.com/cognitobridge/cognitobridge/constructs/transaction"
)

// An ordinary and a high-value route (the docs' example, compiled by go
// test). POST /payments answers RFC 9470's 401 challenge without a fresh
// step-up; the backend sees only requests that passed one.
func ExampleNewTransactionStepUp() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("App"), nil)
	su := stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{
		Provider: &stepup.Provider{BlockID: &stepup.BlockIDProvider{}},
	})
	// snippet:transaction
	tx := transaction.NewTransactionStepUp(stack, jsii.String("Tx"), &transaction.TransactionStepUpProps{
		StepUp: su,
		Window: awscdk.Duration_Minutes(jsii.Number(5)),
	})
	yourFunction := transaction.NewEchoFunction(stack, jsii.String("Echo"), nil)
	tx.HttpApi().AddRoutes(&awsapigatewayv2.AddRoutesOptions{ // ordinary route: any token of the pool
		Path: jsii.String("/balance"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Balance"), yourFunction, nil),
		Authorizer:  tx.StandardAuthorizer(),
	})
	tx.AddHighValueRoutes(jsii.String("Payments"), &transaction.HighValueRoutesOptions{ // high-value route
		Path: jsii.String("/payments"), Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Backend: yourFunction,
	})
	// end snippet
}
