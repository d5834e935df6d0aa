package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/stepup"
	"github.com/cognitobridge/cognitobridge/constructs/transaction"
)

// TransactionStepUpStackID is the stack id of the transaction-stepup sample.
const TransactionStepUpStackID = "CognitoBridgeTransactionStepUp"

// Registered here rather than in stacks.go, so the transaction sample lives
// in one file.
func init() {
	Apps = append(Apps, sample("transaction-stepup", TransactionStepUpStackID, NewTransactionStepUpStack))
}

// NewTransactionStepUpStack is a step-up pool (the password, then, on
// demand, any OpenID Provider) in front of an HTTP API with an ordinary route, GET
// /balance (the Cognito JWT authorizer: any token of the app client), and a
// high-value route, POST /payments (the token-mode transaction authorizer,
// then the step-up gate: without a step-up that passed within 5 minutes for
// the reason "high_value_transaction" it answers RFC 9470's 401
// insufficient_user_authentication challenge, with one it invokes the
// backend). Both routes reach a small echo function that answers with the
// authorized user. The provider's issuer, client id and redirect URI are
// plain parameters; its client secret is a NoEcho parameter stored in
// Secrets Manager.
func NewTransactionStepUpStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	stack := newStack(scope, id, props, "cognitobridge sample: high-value API routes that need a recent OIDC step-up")
	param := func(name, description, pattern string) *string { return stringParam(stack, name, description, pattern) }
	su := stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{
		Provider: &stepup.Provider{OIDC: &stepup.OIDCProvider{
			Issuer:      param("OidcIssuer", "Step-up OpenID Provider issuer URL (https)", "^https://\\S+$"),
			ClientID:    param("OidcClientId", "Step-up OpenID Provider client id", "^\\S+$"),
			RedirectURI: param("OidcRedirectUri", "Redirect URI registered at the OpenID Provider (https)", "^https://\\S+$"),
		}},
		ParameterPrefix: jsii.String(""),
		// On demand: the password alone gives ordinary tokens (GET
		// /balance); a sign-in that names the reason high_value_transaction
		// passes the provider, and only its tokens pass POST /payments.
		Policy: stepup.StepUpPolicy_ON_DEMAND,
	})
	// snippet:transaction-stepup
	tx := transaction.NewTransactionStepUp(stack, jsii.String("Transactions"), &transaction.TransactionStepUpProps{
		StepUp: su,
	})
	backend := transaction.NewEchoFunction(stack, jsii.String("Backend"), nil)
	tx.HttpApi().AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String("/balance"),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Echo"), backend, nil),
		Authorizer:  tx.StandardAuthorizer(),
	})
	tx.AddHighValueRoutes(jsii.String("Payments"), &transaction.HighValueRoutesOptions{
		Path:    jsii.String("/payments"),
		Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Backend: backend,
	})
	// end snippet
	// snippet:transaction-middleware
	// The one-invocation form for a Go backend: the pool's JWT authorizer,
	// and the backend checks the step-up itself (lambdas/stepuphttp).
	transaction.AddMiddlewareRoutes(tx, jsii.String("Transfers"), &transaction.MiddlewareRoutesOptions{
		Path:    jsii.String("/transfers"),
		Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Backend: transaction.NewTransfersFunction(stack, jsii.String("TransfersBackend"), nil),
	})
	// end snippet
	allowPageOrigins(tx.HttpApi(), []string{"GET", "POST"}, "authorization", "www-authenticate")
	finish(stack, su)
	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Value:       tx.HttpApi().ApiEndpoint(),
		Description: jsii.String("HTTP API: GET /balance (any token of the client), POST /payments and POST /transfers (a step-up within 5 minutes, else 401 insufficient_user_authentication)"),
	})
	monitor(stack)
	return stack
}
