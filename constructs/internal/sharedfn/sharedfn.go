// Package sharedfn owns the one function of a user pool trigger that
// several capabilities share (Cognito runs one Lambda function per trigger):
// pre sign-up (package presignup) and pre token generation (package
// pretokengen). A capability asks Of for the pool's function, which is
// created (and the trigger added) the first time, and adds its behaviour:
// a name appended to the function's behaviour list and its environment.
//
// The function never refers to the pool (handlers take the pool id from the
// event), so a capability that grants it rights on the pool must attach them
// as a separate awsiam.Policy: the pool depends on the function through its
// trigger, and a role default policy naming the pool would close a cycle.
package sharedfn

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
)

// Settings of a trigger function. Cognito gives a trigger 5 seconds, fixed.
const (
	MemorySize     = 128
	TimeoutSeconds = 5
)

// Kind describes one shared trigger.
type Kind struct {
	// Name prefixes panic messages ("presignup").
	Name string
	// IDSuffix is appended to the pool's construct id to name the
	// function's construct, which lives next to the pool.
	IDSuffix string
	// HandlerPackage is the main package built into the function.
	HandlerPackage string
	// BehavioursEnv is the environment key of the behaviour list.
	BehavioursEnv string
	// Description and RoleDescription describe the function and its role.
	Description, RoleDescription string
	// Attach adds the trigger to the pool, once, when the function is made
	// (pooltriggers.Attach: AddTrigger on a pool of this app, the custom
	// resource on an imported one).
	Attach func(pool awscognito.IUserPool, fn awslambda.Function)
	// Variant must be the same for every Of of one pool (e.g. the pre token
	// generation event version the trigger was added with).
	Variant string
}

// Props configure the function; they only apply when Of creates it.
type Props struct {
	// Code is prebuilt handler code (provided.al2023, arm64, bootstrap).
	// Default: built from Kind.HandlerPackage with the local Go toolchain.
	Code awslambda.Code
	// LogRetention of the function's log group. Default: one month.
	LogRetention awslogs.RetentionDays
}

// Fn is a pool's shared trigger function and the behaviours it runs.
type Fn struct {
	constructs.Construct
	kind       Kind
	fn         awslambda.Function
	role       awsiam.Role
	behaviours []string
	env        map[string]string
}

// registry maps the construct jsii returns from the tree to its Go state.
var (
	mu       sync.Mutex
	registry = map[constructs.IConstruct]*Fn{}
)

var behaviourName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

// Of returns kind's function of pool, creating it and adding the trigger the
// first time.
func Of(kind Kind, pool awscognito.IUserPool, props *Props) *Fn {
	if pool == nil {
		panic(fmt.Sprintf("%s: expected a user pool, received nil", kind.Name))
	}
	scope, ok := pool.Node().Scope().(constructs.Construct)
	if !ok {
		panic(fmt.Sprintf("%s: expected the user pool's scope to be a construct, received %T", kind.Name, pool.Node().Scope()))
	}
	id := *pool.Node().Id() + kind.IDSuffix

	mu.Lock()
	defer mu.Unlock()
	if found := scope.Node().TryFindChild(jsii.String(id)); found != nil {
		if p, ok := registry[found]; ok {
			if p.kind.Variant != kind.Variant {
				panic(fmt.Sprintf("%s: expected every capability on the pool to ask for %q, received %q", kind.Name, p.kind.Variant, kind.Variant))
			}
			return p
		}
		panic(fmt.Sprintf("%s: expected the id %q next to the user pool to be free or this package's construct, received another construct at %s", kind.Name, id, *found.Node().Path()))
	}
	if props == nil {
		props = &Props{}
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	p := &Fn{Construct: this, kind: kind, env: map[string]string{}}
	// Its own role, whose only policy writes to its log group (see gofn).
	p.fn, p.role, _ = gofn.New(this, "", gofn.Props{
		ImportPath:      kind.HandlerPackage,
		Code:            props.Code,
		Description:     kind.Description,
		RoleDescription: kind.RoleDescription,
		MemorySize:      jsii.Number(MemorySize),
		Timeout:         awscdk.Duration_Seconds(jsii.Number(TimeoutSeconds)),
		LogRetention:    props.LogRetention,
		Environment:     map[string]string{kind.BehavioursEnv: ""},
	})
	kind.Attach(pool, p.fn)
	registry[p.Construct] = p
	return p
}

// Function is the trigger function.
func (p *Fn) Function() awslambda.Function { return p.fn }

// Role is the function's own role.
func (p *Fn) Role() awsiam.Role { return p.role }

// Behaviours are the behaviour names, in execution order.
func (p *Fn) Behaviours() []string { return slices.Clone(p.behaviours) }

// AddBehaviour appends a behaviour and sets its environment. It panics when
// the behaviour is already there, or when a key is already set to another
// value.
func (p *Fn) AddBehaviour(name string, env map[string]string) {
	if err := p.checkBehaviour(name, env); err != nil {
		panic(p.kind.Name + ": " + err.Error())
	}
	p.behaviours = append(p.behaviours, name)
	p.fn.AddEnvironment(jsii.String(p.kind.BehavioursEnv), jsii.String(strings.Join(p.behaviours, ",")), nil)
	for _, k := range slices.Sorted(maps.Keys(env)) {
		p.env[k] = env[k]
		p.fn.AddEnvironment(jsii.String(k), jsii.String(env[k]), nil)
	}
}

// checkBehaviour is AddBehaviour's validation, without side effects.
func (p *Fn) checkBehaviour(name string, env map[string]string) error {
	if !behaviourName.MatchString(name) {
		return fmt.Errorf("expected a behaviour name of lower-case letters, digits, '-' or '_', received %q", name)
	}
	if slices.Contains(p.behaviours, name) {
		return fmt.Errorf("expected behaviour %q to be added once per user pool, received it again (already: %q)", name, p.behaviours)
	}
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if k == p.kind.BehavioursEnv {
			return fmt.Errorf("expected behaviour %q not to set %s (the construct owns it), received it", name, k)
		}
		if old, ok := p.env[k]; ok && old != env[k] {
			return fmt.Errorf("expected %s to keep its value %q for behaviour %q, received %q", k, old, name, env[k])
		}
	}
	return nil
}
