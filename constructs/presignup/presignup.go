// Package presignup owns the single Pre sign-up function of a user pool.
//
// Cognito allows one Lambda function per trigger, so every capability that
// needs the pre sign-up trigger (account linking, identity proofing, …) adds a
// behaviour to the same function instead of creating its own: Of returns the
// pool's function if it is already in the construct tree, and creates it (and
// adds the PRE_SIGN_UP trigger, once) otherwise. The handler
// (lambdas/cmd/presignup) runs the behaviours named in
// contract.EnvPreSignUpBehaviours, in that order.
//
// The function never refers to the pool (the handler takes the pool id from
// the event), so a capability that grants it rights on the pool must attach
// them as a separate awsiam.Policy: the pool depends on the function through
// its trigger, and a role default policy naming the pool would close a cycle.
package presignup

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
const HandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/presignup"

// Settings of the function. Cognito gives a trigger 5 seconds, fixed.
const (
	MemorySize     = sharedfn.MemorySize
	TimeoutSeconds = sharedfn.TimeoutSeconds
)

// IDSuffix is appended to the pool's construct id to name the pre sign-up
// construct, which lives next to the pool (in the pool's scope).
const IDSuffix = "PreSignUp"

// PreSignUpProps configures the function. They only apply when Of creates
// it; a later Of for the same pool returns the existing function unchanged.
type PreSignUpProps struct {
	// Prebuilt handler code: a provided.al2023 arm64 bundle whose executable
	// is named bootstrap.
	// Default: - built from lambdas/cmd/presignup with the local Go toolchain.
	Code awslambda.Code
	// Retention of the function's log group.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
}

// PreSignUp is the pool's pre sign-up function and the behaviours it runs.
type PreSignUp interface {
	constructs.Construct
	// Function is the pre sign-up trigger function.
	Function() awslambda.Function
	// Role is the function's own role. Attach rights on the pool as a
	// separate awsiam.Policy (see the package comment).
	Role() awsiam.Role
	// Behaviours are the behaviour names, in execution order.
	Behaviours() []string
	// AddBehaviour appends a behaviour and sets its environment. It panics
	// when the behaviour is already there, or when a key is already set
	// to another value.
	AddBehaviour(name string, env map[string]string)
}

var _ PreSignUp = (*sharedfn.Fn)(nil)

var kind = sharedfn.Kind{
	Name:            "presignup",
	IDSuffix:        IDSuffix,
	HandlerPackage:  HandlerPackage,
	BehavioursEnv:   contract.EnvPreSignUpBehaviours,
	Description:     "cognitobridge pre sign-up: runs the behaviours in " + contract.EnvPreSignUpBehaviours,
	RoleDescription: "cognitobridge pre sign-up trigger",
	Attach: func(pool awscognito.IUserPool, fn awslambda.Function) {
		pooltriggers.Attach(pool, awscognito.UserPoolOperation_PRE_SIGN_UP(), fn, "")
	},
}

// Of returns the pre sign-up function of pool, creating it and adding the
// PRE_SIGN_UP trigger the first time. The pool must be an
// awscognito.UserPool of this app (CDK cannot add a trigger to an imported
// pool), and its PreSignUp trigger must not be set by anything else.
func Of(pool awscognito.IUserPool, props *PreSignUpProps) PreSignUp {
	if props == nil {
		props = &PreSignUpProps{}
	}
	return sharedfn.Of(kind, pool, &sharedfn.Props{Code: props.Code, LogRetention: props.LogRetention})
}
