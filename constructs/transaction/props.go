package transaction

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/constructs/stepup"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Defaults of TransactionStepUpProps.
const (
	// DefaultWindowSeconds is how old a step-up may be on a high-value route.
	DefaultWindowSeconds  = 300
	DefaultMemorySize     = gofn.DefaultMemorySize
	DefaultTimeoutSeconds = gofn.DefaultTimeoutSeconds
	// DefaultGateTimeoutSeconds is the step-up gate's timeout: HTTP API's
	// longest integration timeout (the gate waits for the backend).
	DefaultGateTimeoutSeconds = 30
)

// DefaultRequiredReasons are RequiredReasons when nil.
var DefaultRequiredReasons = []string{"high_value_transaction"}

// TransactionStepUpProps configures a TransactionStepUp. Nil means the
// documented default.
type TransactionStepUpProps struct {
	// The step-up whose pool and app client issue the tokens. Its guard
	// (ServerSideGuard, GuardLambdaVersion V2_0 or V3_0) stamps the step-up
	// claims; the construct adds RequiredReasons and AllowedReasons to its
	// allow-list. Set either StepUp or UserPool and Client.
	// Default: - UserPool and Client must be set.
	StepUp stepup.StepUp
	// The user pool, when StepUp is not set. Its Pre Token Generation
	// trigger must be a cognitobridge guard (lambdas/cmd/stepup-guard) on
	// event version V2_0 or V3_0, allowing the RequiredReasons: without it
	// no token carries the step-up claims and every high-value call is
	// refused.
	// Default: - StepUp.UserPool().
	UserPool awscognito.IUserPool
	// The app client whose access tokens are accepted (the token's
	// client_id). Required with UserPool; with StepUp it replaces
	// StepUp.Client() (for a StepUp with CreateClient false).
	// Default: - StepUp.Client().
	Client awscognito.IUserPoolClient
	// The HTTP API whose routes use the authorizers. When nil the construct
	// creates one whose default stage writes JSON access logs to a log group
	// of its own (LogRetention); a given API keeps its own logging.
	// Default: - a new HTTP API with access logging.
	HttpApi awsapigatewayv2.HttpApi
	// Steady-state requests per second the created API's default stage
	// accepts on every route (API Gateway answers 429 beyond it), from 1
	// to 10000. Only for a created API: a given HttpApi keeps its own
	// stage settings, so setting this with HttpApi is refused.
	// Default: 50.
	ThrottleRateLimit *float64
	// Requests the created API's default stage accepts in a burst above
	// the rate, from 1 to 20000. Only for a created API.
	// Default: - twice ThrottleRateLimit.
	ThrottleBurstLimit *float64

	// How old the step-up (claim cognitobridge:stepup_at) may be on a
	// high-value route, whole seconds from 1 second to 1 hour. Authorizer
	// results are never cached, so the window holds per request.
	// Default: awscdk.Duration_Minutes(5).
	Window awscdk.Duration
	// The step-up reasons a high-value route accepts (claim
	// cognitobridge:stepup_reason). They are added to the StepUp guard's
	// allow-list, so a client that names one in clientMetadata
	// ("stepup_reason") at its step-up sign-in gets it stamped. Values: 1 to
	// 64 characters of a-z, 0-9 and _.
	// Default: ["high_value_transaction"].
	RequiredReasons *[]*string
	// More reasons the StepUp's guard accepts from clients beyond
	// RequiredReasons (for other routes or APIs on the same pool). Only
	// with StepUp.
	// Default: - none beyond RequiredReasons.
	AllowedReasons *[]*string

	// Authentication context class references the step-up gate
	// (HighValueIntegration) advertises in its RFC 9470 challenge
	// (acr_values), in order of preference: each 1 to 128 printable ASCII
	// characters without space, '"' or '\'. Informational only: a Cognito
	// client cannot ask for an acr, and the StepUp's Create asks the
	// provider for the acr values it is configured with whatever the client
	// does; set them when your clients show or log them. (BlockID's
	// "liveID push" holds a space, which acr_values cannot carry as one
	// value.)
	// Default: - none: the challenge carries error, error_description and
	// max_age only.
	AcrValues *[]*string

	// Memory of each function the construct creates (the authorizers and
	// the step-up gates) in MiB, 128 to 10240.
	// Default: 128.
	MemorySize *float64
	// Timeout of the authorizer functions, 1 to 10 seconds.
	// Default: awscdk.Duration_Seconds(5).
	Timeout awscdk.Duration
	// Timeout of each step-up gate function, 1 to 30 seconds. The gate
	// waits for its backend, so give it more than the backend's own
	// timeout; it answers 504 itself 0.3 s before it runs out, and HTTP API
	// ends any integration after 30 seconds.
	// Default: awscdk.Duration_Seconds(30).
	GateTimeout awscdk.Duration
	// Retention of the log groups of the construct's functions (and of the
	// created API's access log).
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// Prebuilt authorizer code (both authorizers: the HighValueAuthorizer's
	// and the GateAuthorizer's function run it): a provided.al2023 arm64
	// bundle whose executable is named bootstrap.
	// Default: - built from lambdas/cmd/transaction-authorizer with the local Go toolchain.
	Code awslambda.Code
	// Prebuilt step-up gate code (provided.al2023 arm64, executable
	// bootstrap).
	// Default: - built from lambdas/cmd/transaction-gate with the local Go toolchain.
	GateCode awslambda.Code
}

// validate checks the props once, before anything is created.
func (p *TransactionStepUpProps) validate() error {
	if p == nil {
		return fmt.Errorf("expected props with a StepUp or a UserPool and Client, received nil props")
	}
	switch {
	case p.StepUp != nil && p.UserPool != nil:
		return fmt.Errorf("expected either StepUp or UserPool, received both")
	case p.StepUp == nil && p.UserPool == nil:
		return fmt.Errorf("expected StepUp or UserPool to be set, received neither")
	case p.StepUp == nil && p.Client == nil:
		return fmt.Errorf("expected Client with UserPool, received nil")
	case p.StepUp == nil && p.AllowedReasons != nil:
		return fmt.Errorf("expected AllowedReasons only with StepUp (the construct configures its guard), received it with UserPool")
	case p.HttpApi != nil && (p.ThrottleRateLimit != nil || p.ThrottleBurstLimit != nil):
		return fmt.Errorf("expected ThrottleRateLimit and ThrottleBurstLimit only for a created API, received them with HttpApi (throttle its stage where it is created)")
	}
	if p.StepUp != nil {
		switch v := p.StepUp.GuardLambdaVersion(); v {
		case awscognito.LambdaVersion_V2_0, awscognito.LambdaVersion_V3_0:
		case "":
			return fmt.Errorf("expected a StepUp with ServerSideGuard (its guard stamps the step-up claims), received ServerSideGuard=false")
		default:
			return fmt.Errorf("expected a StepUp whose GuardLambdaVersion is V2_0 or V3_0 (only they customize the access token), received %s", v)
		}
		if p.Client == nil && p.StepUp.Client() == nil {
			return fmt.Errorf("expected Client with a StepUp that created no app client (CreateClient false), received nil")
		}
	}
	return propcheck.First(
		stepup.CheckStepUpReasons("RequiredReasons", p.RequiredReasons),
		stepup.CheckStepUpReasons("AllowedReasons", p.AllowedReasons),
		checkDuration("Window", p.Window, 1, 3600),
		checkDuration("Timeout", p.Timeout, 1, 10),
		checkDuration("GateTimeout", p.GateTimeout, 1, 30),
		checkAcrValues(p.AcrValues),
		propcheck.Range("MemorySize", p.MemorySize, 128, 10240, true),
		propcheck.Range("ThrottleRateLimit", p.ThrottleRateLimit, 1, 10000, false),
		propcheck.Range("ThrottleBurstLimit", p.ThrottleBurstLimit, 1, 20000, true),
	)
}

// checkAcrValues requires at least one value when set, each a valid acr
// value (tokens are not checked).
func checkAcrValues(l *[]*string) error {
	if l == nil || propcheck.IsTokenList(l) {
		return nil
	}
	if len(*l) == 0 {
		return fmt.Errorf("expected AcrValues to hold at least one value or be nil, received []")
	}
	for i, v := range *l {
		if v == nil {
			return fmt.Errorf("expected AcrValues[%d] to be a string, received nil", i)
		}
		if propcheck.IsToken(v) {
			continue
		}
		if !contract.ValidAcrValue(*v) {
			return fmt.Errorf("expected AcrValues[%d] to be 1 to %d printable ASCII characters without space, '\"' or '\\', received %q", i, contract.MaxAcrValue, *v)
		}
	}
	return nil
}

// checkDuration requires whole seconds in [lo, hi]; tokens are not checked.
func checkDuration(field string, d awscdk.Duration, lo, hi float64) error {
	if d == nil {
		return nil
	}
	ms := *d.ToMilliseconds(nil)
	if propcheck.IsTokenNumber(ms) {
		return nil
	}
	if ms < lo*1000 || ms > hi*1000 || ms != float64(int64(ms/1000))*1000 {
		return fmt.Errorf("expected %s to be whole seconds between %g and %g, received %g seconds", field, lo, hi, ms/1000)
	}
	return nil
}
