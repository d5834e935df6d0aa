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
)

// Defaults of TransactionStepUpProps.
const (
	// DefaultWindowSeconds is how old a step-up may be on a high-value route.
	DefaultWindowSeconds  = 300
	DefaultMemorySize     = gofn.DefaultMemorySize
	DefaultTimeoutSeconds = gofn.DefaultTimeoutSeconds
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

	// Memory of the authorizer function in MiB, 128 to 10240.
	// Default: 128.
	MemorySize *float64
	// Timeout of the authorizer function, 1 to 10 seconds.
	// Default: awscdk.Duration_Seconds(5).
	Timeout awscdk.Duration
	// Retention of the authorizer's (and the created API's access) log group.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
	// Prebuilt authorizer code: a provided.al2023 arm64 bundle whose
	// executable is named bootstrap.
	// Default: - built from lambdas/cmd/transaction-authorizer with the local Go toolchain.
	Code awslambda.Code
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
		propcheck.Range("MemorySize", p.MemorySize, 128, 10240, true),
	)
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
