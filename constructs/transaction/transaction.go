// Package transaction protects high-value API routes (a payment, a change of
// payout account) with a transaction step-up: such a route accepts only an
// access token of the step-up pool and app client whose session passed the
// OIDC step-up within a window (default 5 minutes) for one of the route's
// reasons (default "high_value_transaction"). Ordinary routes keep the
// ordinary Cognito JWT authorizer.
//
// How it works. The StepUp's guard (a Pre Token Generation trigger on event
// version V2_0) issues tokens only when it consumes a fresh step-up record,
// that is on a real step-up sign-in, and then adds two claims to the access
// token: cognitobridge:stepup_at (epoch seconds of the passed step-up) and
// cognitobridge:stepup_reason (the reason the client named in the sign-in's
// clientMetadata "stepup_reason", if allowed, else "sign_in"). The
// HighValueAuthorizer is a Lambda authorizer (HTTP API, simple responses,
// results never cached) that verifies the token's signature against the
// pool's key set, its issuer, expiry, token_use "access" and client_id, then
// the two claims. Refreshed tokens carry no step-up claims (Cognito runs the
// trigger again on refresh and the guard adds nothing then), so a high-value
// call needs a fresh step-up sign-in within the window; a pool whose guard
// runs on V1_0 (Lite plan) cannot carry them at all and is refused at synth.
//
// The proof travels in the token rather than in a lookup by the authorizer:
// the record is consumed at issuance anyway, and a claim costs no read per
// request. The integration gets the user from the authorizer's context
// (requestContext.authorizer.lambda.sub) and must act for that user only.
//
// Client side (Amplify v6): sign in again with the step-up and name the
// reason at the custom challenge answer, e.g. confirmSignIn({
// challengeResponse, options: { clientMetadata: { stepup_reason:
// 'high_value_transaction' } } }), then call the route with the new access
// token.
package transaction

import (
	"encoding/json"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Import paths of the handler main packages, built when no prebuilt code is
// given (from the current working directory, through the user's go.mod).
const (
	AuthorizerHandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/transaction-authorizer"
	EchoHandlerPackage       = "github.com/cognitobridge/cognitobridge/lambdas/cmd/transaction-echo"
)

// TransactionStepUp holds the authorizers of an HTTP API whose high-value
// routes need a recent step-up.
type TransactionStepUp interface {
	constructs.Construct
	// HighValueAuthorizer accepts only access tokens of the pool and client
	// with a step-up within Window for one of RequiredReasons. For
	// high-value routes.
	HighValueAuthorizer() awsapigatewayv2.IHttpRouteAuthorizer
	// StandardAuthorizer is the ordinary Cognito JWT authorizer of the pool
	// and client (any valid token of the client). For low-value routes.
	StandardAuthorizer() awsapigatewayv2.IHttpRouteAuthorizer
	// AuthorizerFunction is the Lambda behind HighValueAuthorizer.
	AuthorizerFunction() awslambda.IFunction
	// HttpApi is the given or created API.
	HttpApi() awsapigatewayv2.HttpApi
	// AccessLogs is the created API's access log group, or nil when the API
	// was given.
	AccessLogs() awslogs.ILogGroup
	// UserPool and Client are the pool and app client whose tokens are accepted.
	UserPool() awscognito.IUserPool
	Client() awscognito.IUserPoolClient
}

type transactionStepUp struct {
	constructs.Construct
	highValue, standard awsapigatewayv2.IHttpRouteAuthorizer
	fn                  awslambda.Function
	api                 awsapigatewayv2.HttpApi
	accessLogs          awslogs.LogGroup
	pool                awscognito.IUserPool
	client              awscognito.IUserPoolClient
}

func (t *transactionStepUp) HighValueAuthorizer() awsapigatewayv2.IHttpRouteAuthorizer {
	return t.highValue
}
func (t *transactionStepUp) StandardAuthorizer() awsapigatewayv2.IHttpRouteAuthorizer {
	return t.standard
}
func (t *transactionStepUp) AuthorizerFunction() awslambda.IFunction { return t.fn }
func (t *transactionStepUp) HttpApi() awsapigatewayv2.HttpApi        { return t.api }
func (t *transactionStepUp) AccessLogs() awslogs.ILogGroup {
	if t.accessLogs == nil {
		return nil // a typed nil inside the interface would not compare to nil
	}
	return t.accessLogs
}
func (t *transactionStepUp) UserPool() awscognito.IUserPool     { return t.pool }
func (t *transactionStepUp) Client() awscognito.IUserPoolClient { return t.client }

// NewTransactionStepUp creates the high-value authorizer (and the API when
// none is given). It panics with a descriptive message when props are
// invalid.
func NewTransactionStepUp(scope constructs.Construct, id *string, props *TransactionStepUpProps) TransactionStepUp {
	if err := props.validate(); err != nil {
		panic("transaction: " + err.Error())
	}
	this := constructs.NewConstruct(scope, id)
	t := &transactionStepUp{Construct: this, pool: props.UserPool, client: props.Client}
	if props.StepUp != nil {
		t.pool = props.StepUp.UserPool()
		if t.client == nil {
			t.client = props.StepUp.Client()
		}
	}

	required := DefaultRequiredReasons
	if props.RequiredReasons != nil {
		required = derefAll(props.RequiredReasons)
	}
	if props.StepUp != nil {
		// The guard must stamp every reason a route requires.
		allow := slices.Clone(required)
		if props.AllowedReasons != nil {
			allow = append(allow, derefAll(props.AllowedReasons)...)
		}
		props.StepUp.AllowStepUpReasons(jsii.Strings(allow...))
	}

	retention := props.LogRetention
	if retention == "" {
		retention = awslogs.RetentionDays_ONE_MONTH
	}
	windowSeconds := float64(DefaultWindowSeconds)
	if props.Window != nil {
		windowSeconds = *props.Window.ToSeconds(nil)
	}
	reasonsJSON, _ := json.Marshal(required) // []string always marshals
	stack := awscdk.Stack_Of(this)
	// The pool's issuer, as Cognito writes it into iss (and as CDK's
	// HttpUserPoolAuthorizer configures it): the region of the pool.
	issuer := awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("https://cognito-idp."), t.pool.Env().Region, jsii.String("."), stack.UrlSuffix(), jsii.String("/"), t.pool.UserPoolId(),
	})
	t.fn, _, _ = gofn.New(this, "Authorizer", gofn.Props{
		ImportPath: AuthorizerHandlerPackage,
		Code:       props.Code,
		Environment: map[string]string{
			contract.EnvTokenIssuer:         *issuer,
			contract.EnvTokenClientID:       *t.client.UserPoolClientId(),
			contract.EnvStepUpMaxAgeSeconds: gofn.EnvNumber(windowSeconds),
			contract.EnvRequiredReasons:     string(reasonsJSON),
		},
		MemorySize:   props.MemorySize,
		Timeout:      props.Timeout,
		LogRetention: retention,
		Description:  "cognitobridge transaction step-up authorizer: access tokens of the pool and client with a recent step-up only",
	})

	t.api = props.HttpApi
	if t.api == nil {
		t.api, t.accessLogs = newHttpAPI(this, retention)
	}

	// Results are never cached: a cached allow would outlive the window.
	t.highValue = awsapigatewayv2authorizers.NewHttpLambdaAuthorizer(jsii.String(*this.Node().Id()+"HighValue"), t.fn, &awsapigatewayv2authorizers.HttpLambdaAuthorizerProps{
		AuthorizerName:  jsii.String(*this.Node().Id() + "HighValue"),
		IdentitySource:  jsii.Strings("$request.header.Authorization"),
		ResponseTypes:   &[]awsapigatewayv2authorizers.HttpLambdaResponseType{awsapigatewayv2authorizers.HttpLambdaResponseType_SIMPLE},
		ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(0)),
	})
	t.standard = awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(jsii.String(*this.Node().Id()+"Standard"), t.pool, &awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{
		AuthorizerName:  jsii.String(*this.Node().Id() + "Standard"),
		UserPoolClients: &[]awscognito.IUserPoolClient{t.client},
		UserPoolRegion:  t.pool.Env().Region,
	})
	return t
}

// newHttpAPI creates an HTTP API whose default stage writes JSON access
// logs (without headers, so no token reaches them).
func newHttpAPI(scope constructs.Construct, retention awslogs.RetentionDays) (awsapigatewayv2.HttpApi, awslogs.LogGroup) {
	api := awsapigatewayv2.NewHttpApi(scope, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		Description:        jsii.String("cognitobridge API: high-value routes need a recent step-up"),
		CreateDefaultStage: jsii.Bool(true),
	})
	logs := awslogs.NewLogGroup(scope, jsii.String("AccessLogs"), &awslogs.LogGroupProps{Retention: retention})
	format, _ := json.Marshal(map[string]string{
		"requestId":        "$context.requestId",
		"ip":               "$context.identity.sourceIp",
		"requestTime":      "$context.requestTime",
		"httpMethod":       "$context.httpMethod",
		"routeKey":         "$context.routeKey",
		"status":           "$context.status",
		"protocol":         "$context.protocol",
		"responseLength":   "$context.responseLength",
		"authorizerError":  "$context.authorizer.error",
		"integrationError": "$context.integrationErrorMessage",
	})
	stage, _ := api.DefaultStage().Node().DefaultChild().(awsapigatewayv2.CfnStage)
	if stage == nil {
		panic("transaction: expected the default stage of the created HTTP API to be a CfnStage")
	}
	stage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: logs.LogGroupArn(),
		Format:         jsii.String(string(format)),
	})
	return api, logs
}

// EchoFunctionProps configures NewEchoFunction.
type EchoFunctionProps struct {
	// Retention of the function's log group.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// Prebuilt code (provided.al2023 arm64, executable bootstrap).
	// Default: - built from lambdas/cmd/transaction-echo.
	Code awslambda.Code
}

// NewEchoFunction is a tiny sample backend for trying the authorizers: it
// answers {"ok":true,"sub":…} with the user the route's authorizer put in
// the request context (see lambdas/authorizer.Echo). 128 MB, 3 s, arm64.
func NewEchoFunction(scope constructs.Construct, id *string, props *EchoFunctionProps) awslambda.Function {
	if props == nil {
		props = &EchoFunctionProps{}
	}
	this := constructs.NewConstruct(scope, id)
	fn, _, _ := gofn.New(this, "Echo", gofn.Props{
		ImportPath:   EchoHandlerPackage,
		Code:         props.Code,
		Timeout:      awscdk.Duration_Seconds(jsii.Number(3)),
		LogRetention: props.LogRetention,
		Description:  "cognitobridge sample backend: echoes the user the route's authorizer allowed",
	})
	return fn
}

func derefAll(l *[]*string) []string {
	out := make([]string, 0, len(*l))
	for _, s := range *l {
		if !slices.Contains(out, *s) {
			out = append(out, *s)
		}
	}
	return out
}
