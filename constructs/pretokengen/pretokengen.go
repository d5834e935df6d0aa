// Package pretokengen owns the single pre token generation function of a
// user pool. Cognito allows one Lambda function per trigger, so every
// capability that needs pre token generation (the step-up guard, later
// token customizations) adds a behaviour to the same function instead of
// taking the slot: Of returns the pool's function if it is already in the
// construct tree, and creates it (and adds the trigger, once) otherwise. The
// handler (lambdas/cmd/pretokengen) runs the behaviours named in
// contract.EnvPreTokenBehaviours, in that order; any refusal refuses the
// issuance.
//
// The function never refers to the pool (the handler takes the pool id
// from the event): rights on the pool go in a separate awsiam.Policy.
package pretokengen

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/cognitobridge/cognitobridge/constructs/internal/sharedfn"
	"github.com/cognitobridge/cognitobridge/constructs/pooltriggers"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// HandlerPackage is the main package built into the function.
const HandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/pretokengen"

// IDSuffix is appended to the pool's construct id to name the construct,
// which lives next to the pool (in the pool's scope).
const IDSuffix = "PreTokenGeneration"

// PreTokenGenerationProps configures the function. They only apply when Of
// creates it; a later Of for the same pool must ask for the same
// LambdaVersion and gets the existing function.
type PreTokenGenerationProps struct {
	// The event version of the trigger: V1_0 (the legacy PreTokenGeneration
	// setting: ID token only, any feature plan), V2_0 or V3_0 (access token
	// customization; the Essentials or Plus feature plan).
	// Default: awscognito.LambdaVersion_V2_0.
	LambdaVersion awscognito.LambdaVersion
	// Prebuilt handler code: a provided.al2023 arm64 bundle whose executable
	// is named bootstrap.
	// Default: - built from lambdas/cmd/pretokengen with the local Go toolchain.
	Code awslambda.Code
	// Retention of the function's log group.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
}

// PreTokenGeneration is the pool's pre token generation function and the
// behaviours it runs.
type PreTokenGeneration interface {
	constructs.Construct
	// Function is the trigger function.
	Function() awslambda.Function
	// Role is the function's own role. Attach rights on the pool as a
	// separate awsiam.Policy (see the package comment).
	Role() awsiam.Role
	// Behaviours are the behaviour names, in execution order.
	Behaviours() []string
	// AddBehaviour appends a behaviour and sets its environment. It panics
	// when the behaviour is already there, or when a key is already set to
	// another value.
	AddBehaviour(name string, env map[string]string)
}

var _ PreTokenGeneration = (*sharedfn.Fn)(nil)

// Of returns the pre token generation function of pool, creating it and
// adding the trigger the first time. The pool must be an
// awscognito.UserPool of this app, whose pre token generation trigger
// nothing else sets.
func Of(pool awscognito.IUserPool, props *PreTokenGenerationProps) PreTokenGeneration {
	if props == nil {
		props = &PreTokenGenerationProps{}
	}
	version := props.LambdaVersion
	if version == "" {
		version = awscognito.LambdaVersion_V2_0
	}
	kind := sharedfn.Kind{
		Name:            "pretokengen",
		IDSuffix:        IDSuffix,
		HandlerPackage:  HandlerPackage,
		BehavioursEnv:   contract.EnvPreTokenBehaviours,
		Description:     "cognitobridge pre token generation: runs the behaviours in " + contract.EnvPreTokenBehaviours,
		RoleDescription: "cognitobridge pre token generation trigger",
		Variant:         string(version),
		Attach: func(pool awscognito.IUserPool, fn awslambda.Function) {
			if version == awscognito.LambdaVersion_V1_0 {
				pooltriggers.Attach(pool, awscognito.UserPoolOperation_PRE_TOKEN_GENERATION(), fn, "")
				return
			}
			pooltriggers.Attach(pool, awscognito.UserPoolOperation_PRE_TOKEN_GENERATION_CONFIG(), fn, version)
		},
	}
	return sharedfn.Of(kind, pool, &sharedfn.Props{Code: props.Code, LogRetention: props.LogRetention})
}
