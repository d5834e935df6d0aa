package pooltriggers_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/pooltriggers"
)

// Triggers on a pool created outside the app (the docs' example,
// compiled by go test; not run, since it builds the handler).
func ExampleNewPoolTriggers() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("App"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")},
	})
	// snippet:pooltriggers
	pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Existing"), jsii.String("eu-west-1_AbC123"))
	define := awslambda.Function_FromFunctionName(stack, jsii.String("Define"), jsii.String("my-define-auth-challenge"))
	guard := awslambda.Function_FromFunctionName(stack, jsii.String("Guard"), jsii.String("my-pre-token-generation"))

	pooltriggers.NewPoolTriggers(stack, jsii.String("Triggers"), &pooltriggers.PoolTriggersProps{
		UserPool: pool,
		Triggers: []*pooltriggers.Trigger{
			{Operation: awscognito.UserPoolOperation_DEFINE_AUTH_CHALLENGE(), Function: define},
			{Operation: awscognito.UserPoolOperation_PRE_TOKEN_GENERATION_CONFIG(), Function: guard, LambdaVersion: awscognito.LambdaVersion_V2_0},
		},
	})
	// Or, from a construct that works with any pool (one resource per pool):
	//   pooltriggers.Attach(pool, awscognito.UserPoolOperation_CREATE_AUTH_CHALLENGE(), createFn, "")
	// end snippet
	app.Synth(nil)
}
