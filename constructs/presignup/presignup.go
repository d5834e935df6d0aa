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
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// HandlerPackage is the main package built into the function.
const HandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/presignup"

// Settings of the function. Cognito gives a trigger 5 seconds, fixed.
const (
	MemorySize     = 128
	TimeoutSeconds = 5
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

type preSignUp struct {
	constructs.Construct
	fn         awslambda.Function
	role       awsiam.Role
	behaviours []string
	env        map[string]string
}

// registry maps the construct jsii returns from the tree to its Go state: a
// construct found with TryFindChild comes back as the same jsii proxy value
// that NewConstruct returned, but not as the struct that wraps it.
var (
	mu       sync.Mutex
	registry = map[constructs.IConstruct]*preSignUp{}
)

var behaviourName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// Of returns the pre sign-up function of pool, creating it and adding the
// PRE_SIGN_UP trigger the first time. The pool must be an
// awscognito.UserPool of this app (CDK cannot add a trigger to an imported
// pool), and its PreSignUp trigger must not be set by anything else.
func Of(pool awscognito.IUserPool, props *PreSignUpProps) PreSignUp {
	concrete, ok := pool.(awscognito.UserPool)
	if pool == nil || !ok {
		panic(fmt.Sprintf("presignup: expected the user pool to be an awscognito.UserPool (CDK cannot add a trigger to an imported pool), received %T", pool))
	}
	scope, ok := pool.Node().Scope().(constructs.Construct)
	if !ok {
		panic(fmt.Sprintf("presignup: expected the user pool's scope to be a construct, received %T", pool.Node().Scope()))
	}
	id := *pool.Node().Id() + IDSuffix

	mu.Lock()
	defer mu.Unlock()
	if found := scope.Node().TryFindChild(jsii.String(id)); found != nil {
		if p, ok := registry[found]; ok {
			return p
		}
		panic(fmt.Sprintf("presignup: expected the id %q next to the user pool to be free or this package's pre sign-up construct, received another construct at %s", id, *found.Node().Path()))
	}
	if props == nil {
		props = &PreSignUpProps{}
	}
	p := newPreSignUp(scope, id, props)
	concrete.AddTrigger(awscognito.UserPoolOperation_PRE_SIGN_UP(), p.fn, "")
	registry[p.Construct] = p
	return p
}

func newPreSignUp(scope constructs.Construct, id string, props *PreSignUpProps) *preSignUp {
	this := constructs.NewConstruct(scope, jsii.String(id))
	p := &preSignUp{Construct: this, env: map[string]string{}}

	// Its own role, whose only policy writes to its log group (see gofn).
	p.fn, p.role, _ = gofn.New(this, "", gofn.Props{
		ImportPath:      HandlerPackage,
		Code:            props.Code,
		Description:     "cognitobridge pre sign-up: runs the behaviours in " + contract.EnvPreSignUpBehaviours,
		RoleDescription: "cognitobridge pre sign-up trigger",
		MemorySize:      jsii.Number(MemorySize),
		Timeout:         awscdk.Duration_Seconds(jsii.Number(TimeoutSeconds)),
		LogRetention:    props.LogRetention,
		Environment:     map[string]string{contract.EnvPreSignUpBehaviours: ""},
	})
	return p
}

func (p *preSignUp) Function() awslambda.Function { return p.fn }
func (p *preSignUp) Role() awsiam.Role            { return p.role }
func (p *preSignUp) Behaviours() []string         { return slices.Clone(p.behaviours) }

func (p *preSignUp) AddBehaviour(name string, env map[string]string) {
	if err := p.checkBehaviour(name, env); err != nil {
		panic("presignup: " + err.Error())
	}
	p.behaviours = append(p.behaviours, name)
	p.fn.AddEnvironment(jsii.String(contract.EnvPreSignUpBehaviours), jsii.String(strings.Join(p.behaviours, ",")), nil)
	for _, k := range slices.Sorted(maps.Keys(env)) {
		p.env[k] = env[k]
		p.fn.AddEnvironment(jsii.String(k), jsii.String(env[k]), nil)
	}
}

// checkBehaviour is AddBehaviour's validation, without side effects.
func (p *preSignUp) checkBehaviour(name string, env map[string]string) error {
	if !behaviourName.MatchString(name) {
		return fmt.Errorf("expected a behaviour name of lower-case letters, digits, '-' or '_', received %q", name)
	}
	if slices.Contains(p.behaviours, name) {
		return fmt.Errorf("expected behaviour %q to be added once per user pool, received it again (already: %q)", name, p.behaviours)
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if k == contract.EnvPreSignUpBehaviours {
			return fmt.Errorf("expected behaviour %q not to set %s (the construct owns it), received it", name, k)
		}
		if old, ok := p.env[k]; ok && old != env[k] {
			return fmt.Errorf("expected %s to keep its value %q for behaviour %q, received %q", k, old, name, env[k])
		}
	}
	return nil
}
