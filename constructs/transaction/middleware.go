package transaction

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/logkey"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// TransfersHandlerPackage is the sample Go backend built with package
// stepuphttp (NewTransfersFunction).
const TransfersHandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/transaction-transfers"

// MiddlewareRoutesOptions are the routes AddMiddlewareRoutes adds.
type MiddlewareRoutesOptions struct {
	// The path of the routes, e.g. "/transfers".
	Path *string
	// The methods of the routes.
	// Default: [awsapigatewayv2.HttpMethod_ANY].
	Methods *[]awsapigatewayv2.HttpMethod
	// The Go backend: a function whose handler wraps its work with
	// lambdas/stepuphttp (Guard.Wrap, Guard.Lambda or Guard.Middleware with
	// stepuphttp.ConfigFromEnv). Required.
	Backend awslambda.Function
}

// AddMiddlewareRoutes is the one-invocation form of AddHighValueRoutes for
// Go backends: routes on the StandardAuthorizer (API Gateway's own JWT
// authorizer: no authorizer function, no gate) whose backend checks the
// step-up claims itself with lambdas/stepuphttp and answers RFC 9470's
// challenge, the gate's contract. It sets the backend's environment
// (contract.EnvTokenClientID, EnvStepUpMaxAgeSeconds, EnvRequiredReasons and
// EnvGateAcrValues: the construct's client, Window, RequiredReasons and
// AcrValues). A backend that does not use stepuphttp is not protected:
// use AddHighValueRoutes for any other backend.
func AddMiddlewareRoutes(t TransactionStepUp, id *string, options *MiddlewareRoutesOptions) *[]awsapigatewayv2.HttpRoute {
	tx, ok := t.(*transactionStepUp)
	if !ok {
		panic("transaction: expected a TransactionStepUp of NewTransactionStepUp for AddMiddlewareRoutes")
	}
	if id == nil || options == nil || options.Path == nil || options.Backend == nil {
		panic("transaction: expected an id and AddMiddlewareRoutes options with Path and Backend, received none")
	}
	env := map[string]string{contract.EnvTokenClientID: *tx.client.UserPoolClientId()}
	for k, v := range tx.gateEnv {
		env[k] = v
	}
	for _, k := range []string{contract.EnvTokenClientID, contract.EnvStepUpMaxAgeSeconds, contract.EnvRequiredReasons, contract.EnvGateAcrValues} {
		if v, ok := env[k]; ok {
			options.Backend.AddEnvironment(jsii.String(k), jsii.String(v), nil)
		}
	}
	return addRoutes(tx.api, options.Path, options.Methods, awsapigatewayv2integrations.NewHttpLambdaIntegration(id, options.Backend, &awsapigatewayv2integrations.HttpLambdaIntegrationProps{
		PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
	}), tx.standard)
}

// NewTransfersFunction is the sample Go backend of AddMiddlewareRoutes
// (lambdas/cmd/transaction-transfers): POST /transfers behind
// stepuphttp.Guard, answering {"ok":true,"sub":…} for the token's user.
// 128 MB, 3 s, arm64.
func NewTransfersFunction(scope constructs.Construct, id *string, props *EchoFunctionProps) awslambda.Function {
	fn := newSampleBackend(scope, id, props, "Transfers", TransfersHandlerPackage,
		"cognitobridge sample Go backend: checks the step-up itself (stepuphttp, one invocation per call)")
	logkey.Attach(fn)
	return fn
}
