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
// Telling the client (RFC 9470). An HTTP API Lambda authorizer can only
// allow or deny, and API Gateway answers a deny with its own bare 403
// {"message":"Forbidden"}: no header can be added, so the
// HighValueAuthorizer cannot say "step up". HighValueIntegration can: it
// puts a step-up gate function (lambdas/cmd/transaction-gate) in front of
// the backend, as the route's integration, behind the GateAuthorizer (the
// same authorizer in token mode: it checks the token, not the step-up, and
// passes the step-up claims on). The gate answers a missing, stale or
// wrong-reason step-up with 401 and WWW-Authenticate: Bearer
// error="insufficient_user_authentication", error_description="…",
// max_age=<Window seconds>[, acr_values="…"], and invokes the backend with
// the same event when the step-up is fresh, relaying its response as it
// is. AddHighValueRoutes wires both. A gate on a route without the
// GateAuthorizer (or with the HighValueAuthorizer, whose context carries
// the same claims) never invokes its backend without a fresh step-up: with
// no authorizer context it answers 500.
//
// Client side (Amplify v6): sign in again with the step-up and name the
// reason at the custom challenge answer, e.g. confirmSignIn({
// challengeResponse, options: { clientMetadata: { stepup_reason:
// 'high_value_transaction' } } }), then call the route with the new access
// token.
package transaction

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/constructs/internal/httpapi"
	"github.com/cognitobridge/cognitobridge/constructs/internal/logkey"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Import paths of the handler main packages, built when no prebuilt code is
// given (from the current working directory, through the user's go.mod).
const (
	AuthorizerHandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/transaction-authorizer"
	GateHandlerPackage       = "github.com/cognitobridge/cognitobridge/lambdas/cmd/transaction-gate"
	EchoHandlerPackage       = "github.com/cognitobridge/cognitobridge/lambdas/cmd/transaction-echo"
)

// TransactionStepUp holds the authorizers of an HTTP API whose high-value
// routes need a recent step-up.
type TransactionStepUp interface {
	constructs.Construct
	// HighValueAuthorizer accepts only access tokens of the pool and client
	// with a step-up within Window for one of RequiredReasons. For
	// high-value routes whose clients need no step-up signal: API Gateway
	// answers every refusal, a stale step-up included, with its bare 403
	// {"message":"Forbidden"} (401 without an Authorization header). Prefer
	// AddHighValueRoutes (RFC 9470's 401 challenge) for Lambda backends;
	// this one suits any integration type (HTTP, private) and costs one
	// function invocation less per request. Created on first use.
	HighValueAuthorizer() awsapigatewayv2.IHttpRouteAuthorizer
	// GateAuthorizer is the authorizer of routes whose integration is a
	// HighValueIntegration: the same function in token mode, it checks the
	// access token (signature against the pool's key set, issuer, expiry,
	// token_use "access", client_id) but not the step-up, and passes sub,
	// stepup_at and stepup_reason to the integration. Created on first use.
	// Its refusals (a bad token) are API Gateway's bare 403.
	GateAuthorizer() awsapigatewayv2.IHttpRouteAuthorizer
	// GateAuthorizerFunction is the Lambda behind GateAuthorizer. Created on
	// first use.
	GateAuthorizerFunction() awslambda.IFunction
	// HighValueIntegration puts backend behind a step-up gate: a function
	// of its own (one per backend, reused by later calls) that is the
	// route's Lambda integration (payload format 2.0). Without a fresh
	// step-up (Window, RequiredReasons) it answers 401 with
	// WWW-Authenticate: Bearer error="insufficient_user_authentication",
	// error_description="…", max_age=<Window seconds>[, acr_values="…"]
	// (AcrValues), Cache-Control: no-store and a JSON body with the same
	// error; with one it invokes backend (Invoke, RequestResponse, the same
	// event, at most once) and relays its response unchanged; a backend
	// failure is 502 (504 past GateTimeout), without details. The gate's
	// role may invoke backend only. Use it with GateAuthorizer on the route
	// (AddHighValueRoutes does both). id names the integration and, on
	// first use for backend, the gate function; it must be unique in this
	// construct. backend must live in the stack's account.
	HighValueIntegration(id *string, backend awslambda.IFunction) awsapigatewayv2.HttpRouteIntegration
	// AddHighValueRoutes adds routes to HttpApi for options.Path and
	// options.Methods whose authorizer is GateAuthorizer and whose
	// integration is HighValueIntegration(id, options.Backend).
	AddHighValueRoutes(id *string, options *HighValueRoutesOptions) *[]awsapigatewayv2.HttpRoute
	// GateFunction is the step-up gate in front of backend, or nil when no
	// HighValueIntegration was made for it.
	GateFunction(backend awslambda.IFunction) awslambda.IFunction
	// StandardAuthorizer is the ordinary Cognito JWT authorizer of the pool
	// and client (any valid token of the client). For low-value routes.
	StandardAuthorizer() awsapigatewayv2.IHttpRouteAuthorizer
	// AuthorizerFunction is the Lambda behind HighValueAuthorizer. Created
	// on first use (of either).
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

// HighValueRoutesOptions are the routes AddHighValueRoutes adds.
type HighValueRoutesOptions struct {
	// The path of the routes, e.g. "/payments".
	Path *string
	// The methods of the routes.
	// Default: [awsapigatewayv2.HttpMethod_ANY].
	Methods *[]awsapigatewayv2.HttpMethod
	// The backend function the step-up gate invokes when the step-up is
	// fresh. Required.
	Backend awslambda.IFunction
}

type transactionStepUp struct {
	constructs.Construct
	highValue, standard awsapigatewayv2.IHttpRouteAuthorizer
	fn                  awslambda.Function
	api                 awsapigatewayv2.HttpApi
	accessLogs          awslogs.LogGroup
	pool                awscognito.IUserPool
	client              awscognito.IUserPoolClient

	// What the lazily created gate authorizer and gates are made of.
	props         TransactionStepUpProps
	authorizerEnv map[string]string
	gateEnv       map[string]string
	retention     awslogs.RetentionDays

	gateAuthorizer   awsapigatewayv2.IHttpRouteAuthorizer
	gateAuthorizerFn awslambda.Function
	gateScope        constructs.Construct
	gates            map[string]awslambda.Function // by the backend's node address
	gateIDs          map[string]string             // integration id -> backend's node address
}

func (t *transactionStepUp) HighValueAuthorizer() awsapigatewayv2.IHttpRouteAuthorizer {
	t.ensureHighValueAuthorizer()
	return t.highValue
}
func (t *transactionStepUp) StandardAuthorizer() awsapigatewayv2.IHttpRouteAuthorizer {
	return t.standard
}
func (t *transactionStepUp) AuthorizerFunction() awslambda.IFunction {
	t.ensureHighValueAuthorizer()
	return t.fn
}

// ensureHighValueAuthorizer creates the step_up-mode authorizer function
// and its HTTP API authorizer once (an app whose high-value routes all go
// through the gate deploys no unused function).
func (t *transactionStepUp) ensureHighValueAuthorizer() {
	if t.highValue != nil {
		return
	}
	t.fn, t.highValue = t.newLambdaAuthorizer("Authorizer", "HighValue", maps.Clone(t.authorizerEnv),
		"cognitobridge transaction step-up authorizer: access tokens of the pool and client with a recent step-up only")
}

func (t *transactionStepUp) GateAuthorizer() awsapigatewayv2.IHttpRouteAuthorizer {
	t.ensureGateAuthorizer()
	return t.gateAuthorizer
}

func (t *transactionStepUp) GateAuthorizerFunction() awslambda.IFunction {
	t.ensureGateAuthorizer()
	return t.gateAuthorizerFn
}

// ensureGateAuthorizer creates the token-mode authorizer function and its
// HTTP API authorizer once.
func (t *transactionStepUp) ensureGateAuthorizer() {
	if t.gateAuthorizer != nil {
		return
	}
	env := maps.Clone(t.authorizerEnv)
	env[contract.EnvAuthorizerMode] = contract.AuthorizerModeToken
	delete(env, contract.EnvStepUpMaxAgeSeconds) // the gate's to judge
	delete(env, contract.EnvRequiredReasons)
	// Never cached, as the HighValueAuthorizer: the context carries the
	// step-up claims of this very token.
	t.gateAuthorizerFn, t.gateAuthorizer = t.newLambdaAuthorizer("GateAuthorizer", "Gate", env,
		"cognitobridge transaction authorizer, token mode: access tokens of the pool and client; the step-up gate judges the step-up")
}

// newLambdaAuthorizer creates the authorizer function fnID and its HTTP API
// authorizer, named after this construct and suffix, with results never
// cached: an allow must not outlive the token's step-up.
func (t *transactionStepUp) newLambdaAuthorizer(fnID, suffix string, env map[string]string, description string) (awslambda.Function, awsapigatewayv2.IHttpRouteAuthorizer) {
	fn, _, _ := gofn.New(t.Construct, fnID, gofn.Props{
		ImportPath:   AuthorizerHandlerPackage,
		Code:         t.props.Code,
		Environment:  env,
		MemorySize:   t.props.MemorySize,
		Timeout:      t.props.Timeout,
		LogRetention: t.retention,
		Description:  description,
	})
	logkey.Attach(fn)
	id := jsii.String(*t.Node().Id() + suffix)
	return fn, awsapigatewayv2authorizers.NewHttpLambdaAuthorizer(id, fn, &awsapigatewayv2authorizers.HttpLambdaAuthorizerProps{
		AuthorizerName:  id,
		IdentitySource:  jsii.Strings("$request.header.Authorization"),
		ResponseTypes:   &[]awsapigatewayv2authorizers.HttpLambdaResponseType{awsapigatewayv2authorizers.HttpLambdaResponseType_SIMPLE},
		ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(0)),
	})
}

func (t *transactionStepUp) HighValueIntegration(id *string, backend awslambda.IFunction) awsapigatewayv2.HttpRouteIntegration {
	if id == nil || *id == "" {
		panic("transaction: expected an id for HighValueIntegration, received nil")
	}
	if backend == nil {
		panic("transaction: expected a backend function for HighValueIntegration " + *id + ", received nil")
	}
	addr := *backend.Node().Addr()
	if prev, ok := t.gateIDs[*id]; ok && prev != addr {
		panic("transaction: expected a new id for another backend, received HighValueIntegration id " + *id + " again")
	}
	t.gateIDs[*id] = addr
	gate := t.gates[addr]
	if gate == nil {
		env := maps.Clone(t.gateEnv)
		env[contract.EnvGateBackend] = *backend.FunctionArn()
		var role awsiam.Role
		if t.gateScope == nil {
			t.gateScope = constructs.NewConstruct(t.Construct, jsii.String("Gates"))
		}
		gate, role, _ = gofn.New(t.gateScope, *id, gofn.Props{
			ImportPath:   GateHandlerPackage,
			Code:         t.props.GateCode,
			Environment:  env,
			MemorySize:   t.props.MemorySize,
			Timeout:      t.gateTimeout(),
			LogRetention: t.retention,
			Description:  "cognitobridge step-up gate: RFC 9470 challenge without a fresh step-up, else the backend's own response",
		})
		logkey.Attach(gate)
		// Only this backend, unqualified or the version/alias it names (no
		// ":*" wildcard over its versions).
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("lambda:InvokeFunction"),
			Resources: &[]*string{backend.FunctionArn()},
		}))
		t.gates[addr] = gate
	}
	return awsapigatewayv2integrations.NewHttpLambdaIntegration(id, gate, &awsapigatewayv2integrations.HttpLambdaIntegrationProps{
		PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
	})
}

func (t *transactionStepUp) AddHighValueRoutes(id *string, options *HighValueRoutesOptions) *[]awsapigatewayv2.HttpRoute {
	if options == nil || options.Path == nil || options.Backend == nil {
		panic("transaction: expected AddHighValueRoutes options with Path and Backend, received none")
	}
	return addRoutes(t.api, options.Path, options.Methods, t.HighValueIntegration(id, options.Backend), t.GateAuthorizer())
}

func (t *transactionStepUp) GateFunction(backend awslambda.IFunction) awslambda.IFunction {
	if backend == nil {
		return nil
	}
	if gate, ok := t.gates[*backend.Node().Addr()]; ok {
		return gate
	}
	return nil
}

func (t *transactionStepUp) gateTimeout() awscdk.Duration {
	if t.props.GateTimeout != nil {
		return t.props.GateTimeout
	}
	return awscdk.Duration_Seconds(jsii.Number(DefaultGateTimeoutSeconds))
}
func (t *transactionStepUp) HttpApi() awsapigatewayv2.HttpApi { return t.api }
func (t *transactionStepUp) AccessLogs() awslogs.ILogGroup {
	if t.accessLogs == nil {
		return nil // a typed nil inside the interface would not compare to nil
	}
	return t.accessLogs
}
func (t *transactionStepUp) UserPool() awscognito.IUserPool     { return t.pool }
func (t *transactionStepUp) Client() awscognito.IUserPoolClient { return t.client }

// NewTransactionStepUp creates the API when none is given and the standard
// authorizer, and adds RequiredReasons (and AllowedReasons) to the StepUp
// guard's allow-list; the authorizer functions and the step-up gates are
// created when first asked for (HighValueAuthorizer, GateAuthorizer,
// HighValueIntegration, AddHighValueRoutes). It panics with a descriptive
// message when props are invalid.
func NewTransactionStepUp(scope constructs.Construct, id *string, props *TransactionStepUpProps) TransactionStepUp {
	if err := props.validate(); err != nil {
		panic("transaction: " + err.Error())
	}
	this := constructs.NewConstruct(scope, id)
	t := &transactionStepUp{Construct: this, pool: props.UserPool, client: props.Client, props: *props,
		gates: map[string]awslambda.Function{}, gateIDs: map[string]string{}}
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
	t.retention = retention
	t.authorizerEnv = map[string]string{
		contract.EnvTokenIssuer:         *issuer,
		contract.EnvTokenClientID:       *t.client.UserPoolClientId(),
		contract.EnvStepUpMaxAgeSeconds: gofn.EnvNumber(windowSeconds),
		contract.EnvRequiredReasons:     string(reasonsJSON),
	}
	t.gateEnv = map[string]string{
		contract.EnvStepUpMaxAgeSeconds: gofn.EnvNumber(windowSeconds),
		contract.EnvRequiredReasons:     string(reasonsJSON),
	}
	if props.AcrValues != nil {
		acrJSON, _ := json.Marshal(derefAll(props.AcrValues)) // []string always marshals
		t.gateEnv[contract.EnvGateAcrValues] = string(acrJSON)
	}
	t.api = props.HttpApi
	if t.api == nil {
		t.api, t.accessLogs = httpapi.New(this, httpapi.Props{
			Owner:        "transaction",
			Description:  "cognitobridge API: high-value routes need a recent step-up",
			LogRetention: retention, RateLimit: props.ThrottleRateLimit, DefaultRateLimit: DefaultThrottleRateLimit,
			BurstLimit: props.ThrottleBurstLimit, LogAuthorizerError: true,
		})
	}
	t.standard = awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(jsii.String(*this.Node().Id()+"Standard"), t.pool, &awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{
		AuthorizerName:  jsii.String(*this.Node().Id() + "Standard"),
		UserPoolClients: &[]awscognito.IUserPoolClient{t.client},
		UserPoolRegion:  t.pool.Env().Region,
	})
	return t
}

// DefaultThrottleRateLimit is the created API's steady-state rate per
// second (TransactionStepUpProps.ThrottleRateLimit).
const DefaultThrottleRateLimit = 50

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
	return newSampleBackend(scope, id, props, "Echo", EchoHandlerPackage,
		"cognitobridge sample backend: echoes the user the route's authorizer allowed")
}

// newSampleBackend creates, in a construct id of its own, the sample
// backend fnID built from importPath: 128 MB, 3 s, arm64.
func newSampleBackend(scope constructs.Construct, id *string, props *EchoFunctionProps, fnID, importPath, description string) awslambda.Function {
	if props == nil {
		props = &EchoFunctionProps{}
	}
	this := constructs.NewConstruct(scope, id)
	fn, _, _ := gofn.New(this, fnID, gofn.Props{
		ImportPath:   importPath,
		Code:         props.Code,
		Timeout:      awscdk.Duration_Seconds(jsii.Number(3)),
		LogRetention: props.LogRetention,
		Description:  description,
	})
	return fn
}

// addRoutes routes path to integration behind authorizer, for methods or
// else every method.
func addRoutes(api awsapigatewayv2.HttpApi, path *string, methods *[]awsapigatewayv2.HttpMethod, integration awsapigatewayv2.HttpRouteIntegration, authorizer awsapigatewayv2.IHttpRouteAuthorizer) *[]awsapigatewayv2.HttpRoute {
	if methods == nil {
		methods = &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_ANY}
	}
	return api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        path,
		Methods:     methods,
		Integration: integration,
		Authorizer:  authorizer,
	})
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
