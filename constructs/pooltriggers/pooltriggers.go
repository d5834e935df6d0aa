// Package pooltriggers attaches this library's trigger functions to a user
// pool the CDK app does not own: a pool created in the console, by another
// stack or by another tool, which the app only has as
// awscognito.UserPool_FromUserPoolId (or FromUserPoolArn). CDK cannot add a
// trigger to such a pool, so a CloudFormation custom resource does it
// (lambdas/pooltriggers, built from lambdas/cmd/pool-triggers): it reads the
// pool's whole configuration, writes it back with only these triggers (and
// the pre token generation event version) changed, refuses a trigger that
// another function holds, and on delete empties the slots that still hold
// its functions.
//
// One PoolTriggers per pool: two resources writing one pool in the same
// deployment could overwrite each other's UpdateUserPool. Of returns the
// pool's PoolTriggers, creating it the first time, and Attach is the one
// call a capability needs for any pool: AddTrigger for a pool of this app,
// the custom resource for an imported one.
package pooltriggers

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	rp "github.com/cognitobridge/cognitobridge/lambdas/pooltriggers/resourceprops"
)

// HandlerPackage is the main package built into the custom resource's
// function.
const HandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/pool-triggers"

// Settings of the custom resource's function and resource.
const (
	MemorySize     = 128
	TimeoutSeconds = 60
	// ServiceTimeoutSeconds bounds how long CloudFormation waits for an
	// answer (its default is an hour). The handler answers well within
	// TimeoutSeconds; this only matters if the function dies unanswered.
	ServiceTimeoutSeconds = 300
)

// IDSuffix is appended to the pool's construct id to name the construct Of
// creates next to the pool.
const IDSuffix = "Triggers"

// Trigger is one trigger to attach.
type Trigger struct {
	// The trigger. Supported: PRE_SIGN_UP, PRE_AUTHENTICATION,
	// POST_AUTHENTICATION, POST_CONFIRMATION, CUSTOM_MESSAGE,
	// DEFINE_AUTH_CHALLENGE, CREATE_AUTH_CHALLENGE,
	// VERIFY_AUTH_CHALLENGE_RESPONSE, PRE_TOKEN_GENERATION (or
	// PRE_TOKEN_GENERATION_CONFIG, the same trigger) and USER_MIGRATION; not
	// the custom sender triggers. Required.
	Operation awscognito.UserPoolOperation
	// The function Cognito invokes. The construct grants
	// cognito-idp.amazonaws.com the right to invoke it from this pool only.
	// Required.
	Function awslambda.IFunction
	// Event version of the pre token generation trigger (V2_0 and V3_0
	// need the Essentials or Plus feature plan). Only for pre token
	// generation.
	// Default: awscognito.LambdaVersion_V1_0 for pre token generation.
	LambdaVersion awscognito.LambdaVersion
}

// PoolTriggersProps configures a PoolTriggers. Nil means the documented
// default.
type PoolTriggersProps struct {
	// The pool: an imported pool (awscognito.UserPool_FromUserPoolId or
	// FromUserPoolArn) in the stack's account and region. A pool of this
	// app takes its triggers with AddTrigger (see Attach), so it is refused.
	// Required.
	UserPool awscognito.IUserPool
	// The triggers to attach; more can be added with AddTrigger.
	// Default: - none yet.
	Triggers []*Trigger
	// The role the pool sends SMS with (its SmsConfiguration.SnsCallerArn).
	// The resource writes the SMS configuration back, and the AWS Service
	// Authorization Reference lists iam:PassRole among the actions
	// UpdateUserPool authorizes; with this set, the function's role may
	// pass this role, to cognito-idp.amazonaws.com only.
	// Default: - no iam:PassRole; on a pool with an SMS configuration the
	// update may then be denied, and the resource's error names the role.
	SmsRole awsiam.IRole
	// Prebuilt handler code: a provided.al2023 arm64 bundle whose executable
	// is named bootstrap.
	// Default: - built from lambdas/cmd/pool-triggers with the local Go toolchain.
	Code awslambda.Code
	// Retention of the function's log group.
	// Default: awslogs.RetentionDays_ONE_MONTH.
	LogRetention awslogs.RetentionDays
}

// PoolTriggers is the custom resource that holds the pool's triggers.
type PoolTriggers interface {
	constructs.Construct
	// UserPool is the pool the triggers are attached to.
	UserPool() awscognito.IUserPool
	// Resource is the custom resource (type Custom::CognitoPoolTriggers).
	// Depend on it when something needs the triggers in place.
	Resource() awscdk.CustomResource
	// Function is the custom resource's function.
	Function() awslambda.Function
	// Role is the function's role.
	Role() awsiam.Role
	// Triggers are the triggers attached, in the order added.
	Triggers() []*Trigger
	// AddTrigger attaches one more trigger. It panics when the trigger is
	// invalid or its operation is already attached by this resource.
	AddTrigger(t *Trigger)
}

type poolTriggers struct {
	constructs.Construct
	pool     awscognito.IUserPool
	resource awscdk.CustomResource
	fn       awslambda.Function
	role     awsiam.Role
	triggers []*Trigger
	// permissions by function address: one per function, whatever the
	// number of triggers it serves.
	permissions map[string]awslambda.CfnPermission
}

var (
	mu sync.Mutex
	// registry maps an app (its root construct, as jsii hands it back) and
	// a poolKey to the pool's PoolTriggers.
	registry = map[constructs.IConstruct]map[string]*poolTriggers{}
	poolID   = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
)

// poolKey identifies a pool within one app: by its id when it is a plain
// string (two imports of one pool are one pool), by its construct otherwise.
func poolKey(pool awscognito.IUserPool) string {
	if id := pool.UserPoolId(); id != nil && !propcheck.IsToken(id) {
		return "id|" + *id
	}
	return "node|" + *pool.Node().Addr()
}

// lookup returns the PoolTriggers of pool, or nil; the caller holds mu.
func lookup(pool awscognito.IUserPool) *poolTriggers {
	return registry[pool.Node().Root()][poolKey(pool)]
}

// Operation returns the resource's name of op (a Cognito LambdaConfigType
// field name), or "" when the resource does not support op.
func Operation(op awscognito.UserPoolOperation) string {
	if op == nil || op.OperationName() == nil {
		return ""
	}
	name := *op.OperationName()
	if name == "preTokenGenerationConfig" {
		name = "preTokenGeneration"
	}
	if name == "" {
		return ""
	}
	r := []rune(name)
	r[0] = unicode.ToUpper(r[0])
	if slices.Contains(rp.Operations, string(r)) {
		return string(r)
	}
	return ""
}

// checkTrigger validates t, field naming it in messages, against the
// operations already attached.
func checkTrigger(field string, t *Trigger, attached []*Trigger) error {
	if t == nil {
		return fmt.Errorf("expected %s to be set, received nil", field)
	}
	if t.Operation == nil {
		return fmt.Errorf("expected %s.Operation to be set, received nil", field)
	}
	op := Operation(t.Operation)
	if op == "" {
		return fmt.Errorf("expected %s.Operation to be one of %q (as awscognito.UserPoolOperation), received %s",
			field, rp.Operations, propcheck.Show(t.Operation.OperationName()))
	}
	if t.Function == nil {
		return fmt.Errorf("expected %s.Function to be set, received nil", field)
	}
	if t.LambdaVersion != "" {
		if op != rp.OpPreTokenGeneration {
			return fmt.Errorf("expected %s.LambdaVersion only for pre token generation, received %q for %s", field, t.LambdaVersion, op)
		}
		if !slices.Contains(rp.LambdaVersions, string(t.LambdaVersion)) {
			return fmt.Errorf("expected %s.LambdaVersion to be one of %q, received %q", field, rp.LambdaVersions, t.LambdaVersion)
		}
	}
	for _, a := range attached {
		if Operation(a.Operation) == op {
			return fmt.Errorf("expected each trigger once per user pool (Cognito allows one function per trigger), received %s again", op)
		}
	}
	return nil
}

// validate checks the props that do not need the construct tree.
func (p *PoolTriggersProps) validate() error {
	if p == nil {
		return fmt.Errorf("expected props to be set, received nil")
	}
	if p.UserPool == nil {
		return fmt.Errorf("expected UserPool to be set, received nil")
	}
	if _, owned := p.UserPool.(awscognito.UserPool); owned {
		return fmt.Errorf("expected UserPool to be an imported pool (awscognito.UserPool_FromUserPoolId or FromUserPoolArn), " +
			"received a pool of this app: add its triggers with its AddTrigger (pooltriggers.Attach does), which CloudFormation keeps in the pool's own LambdaConfig")
	}
	if id := p.UserPool.UserPoolId(); id != nil && !propcheck.IsToken(id) && !poolID.MatchString(*id) {
		return fmt.Errorf("expected UserPool's id to be a user pool id such as eu-west-1_AbC123, received %q", *id)
	}
	var seen []*Trigger
	for i, t := range p.Triggers {
		if err := checkTrigger(fmt.Sprintf("Triggers[%d]", i), t, seen); err != nil {
			return err
		}
		seen = append(seen, t)
	}
	return nil
}

// checkRegion requires a plain pool id to name the stack's region (when
// that is known at synth time): the function runs there and the grants
// name the pool's ARN in it.
func checkRegion(stack awscdk.Stack, pool awscognito.IUserPool) error {
	id, region := pool.UserPoolId(), stack.Region()
	if id == nil || propcheck.IsToken(id) || region == nil || propcheck.IsToken(region) {
		return nil
	}
	if prefix, _, _ := strings.Cut(*id, "_"); prefix != *region {
		return fmt.Errorf("expected UserPool to be in the stack's region %s, received pool %s", *region, *id)
	}
	return nil
}

// NewPoolTriggers creates the custom resource for an imported pool. It
// panics with a descriptive message when props are invalid, or when the
// pool already has a PoolTriggers in this app (use Of).
func NewPoolTriggers(scope constructs.Construct, id *string, props *PoolTriggersProps) PoolTriggers {
	if err := props.validate(); err != nil {
		panic("pooltriggers: " + err.Error())
	}
	if err := checkRegion(awscdk.Stack_Of(scope), props.UserPool); err != nil {
		panic("pooltriggers: " + err.Error())
	}
	mu.Lock()
	defer mu.Unlock()
	if existing := lookup(props.UserPool); existing != nil {
		panic(fmt.Sprintf("pooltriggers: expected one PoolTriggers per user pool (two would race on UpdateUserPool), received a second for the pool of %s: "+
			"add triggers to the first with pooltriggers.Of(pool).AddTrigger", *existing.Node().Path()))
	}
	p := newPoolTriggers(scope, *id, props)
	root := props.UserPool.Node().Root()
	if registry[root] == nil {
		registry[root] = map[string]*poolTriggers{}
	}
	registry[root][poolKey(props.UserPool)] = p
	return p
}

func newPoolTriggers(scope constructs.Construct, id string, props *PoolTriggersProps) *poolTriggers {
	this := constructs.NewConstruct(scope, jsii.String(id))
	p := &poolTriggers{Construct: this, pool: props.UserPool, permissions: map[string]awslambda.CfnPermission{}}

	p.fn, p.role, _ = gofn.New(this, "", gofn.Props{
		ImportPath:      HandlerPackage,
		Code:            props.Code,
		Description:     "cognitobridge pool triggers: attaches trigger functions to an existing user pool (CloudFormation custom resource)",
		RoleDescription: "cognitobridge pool triggers custom resource",
		MemorySize:      jsii.Number(MemorySize),
		Timeout:         awscdk.Duration_Seconds(jsii.Number(TimeoutSeconds)),
		LogRetention:    props.LogRetention,
	})
	// On this pool only. DescribeUserPool and UpdateUserPool are the calls;
	// TagResource and UntagResource because UpdateUserPool writes the
	// pool's tags back, and the AWS Service Authorization Reference lists
	// both among the actions the UpdateUserPool operation authorizes.
	p.role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect: awsiam.Effect_ALLOW,
		Actions: jsii.Strings("cognito-idp:DescribeUserPool", "cognito-idp:UpdateUserPool",
			"cognito-idp:TagResource", "cognito-idp:UntagResource"),
		Resources: &[]*string{props.UserPool.UserPoolArn()},
	}))
	if props.SmsRole != nil {
		p.role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Effect:     awsiam.Effect_ALLOW,
			Actions:    jsii.Strings("iam:PassRole"),
			Resources:  &[]*string{props.SmsRole.RoleArn()},
			Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"iam:PassedToService": "cognito-idp.amazonaws.com"}},
		}))
	}

	// What the function checks every request against (see
	// lambdas/pooltriggers.Origin): its own stack, by the pseudo parameter
	// (no resource referenced, no cycle), and the triggers it may attach
	// (set in add, as triggers are added).
	p.fn.AddEnvironment(jsii.String(rp.EnvStackID), awscdk.Aws_STACK_ID(), nil)
	p.fn.AddEnvironment(jsii.String(rp.EnvAllowedTriggers), jsii.String(""), nil)

	p.resource = awscdk.NewCustomResource(this, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken:   p.fn.FunctionArn(),
		ResourceType:   jsii.String(rp.ResourceType),
		ServiceTimeout: awscdk.Duration_Seconds(jsii.Number(ServiceTimeoutSeconds)),
		Properties: &map[string]interface{}{
			rp.UserPoolID: props.UserPool.UserPoolId(),
			rp.Triggers:   []interface{}{},
		},
	})
	for _, t := range props.Triggers {
		p.add(t)
	}
	return p
}

func (p *poolTriggers) UserPool() awscognito.IUserPool  { return p.pool }
func (p *poolTriggers) Resource() awscdk.CustomResource { return p.resource }
func (p *poolTriggers) Function() awslambda.Function    { return p.fn }
func (p *poolTriggers) Role() awsiam.Role               { return p.role }
func (p *poolTriggers) Triggers() []*Trigger            { return slices.Clone(p.triggers) }

func (p *poolTriggers) AddTrigger(t *Trigger) {
	if err := checkTrigger("trigger", t, p.triggers); err != nil {
		panic("pooltriggers: " + err.Error())
	}
	p.add(t)
}

// add records a valid trigger: the invoke permission of its function (once
// per function), then the resource's Triggers property, sorted by
// operation so that the template does not depend on the order of calls.
func (p *poolTriggers) add(t *Trigger) {
	op := Operation(t.Operation)
	p.triggers = append(p.triggers, t)
	addr := *t.Function.Node().Addr()
	if _, ok := p.permissions[addr]; !ok {
		perm := awslambda.NewCfnPermission(p.Construct, jsii.String("Invoke"+op), &awslambda.CfnPermissionProps{
			Action:       jsii.String("lambda:InvokeFunction"),
			FunctionName: t.Function.FunctionArn(),
			Principal:    jsii.String("cognito-idp.amazonaws.com"),
			SourceArn:    p.pool.UserPoolArn(),
		})
		p.permissions[addr] = perm
		// Cognito may invoke a trigger as soon as it is attached.
		p.resource.Node().AddDependency(perm)
	}

	sorted := slices.Clone(p.triggers)
	slices.SortFunc(sorted, func(a, b *Trigger) int { return strings.Compare(Operation(a.Operation), Operation(b.Operation)) })
	list := make([]interface{}, 0, len(sorted))
	allowed := make([]*string, 0, 2*len(sorted))
	for i, s := range sorted {
		sep := ","
		if i == 0 {
			sep = ""
		}
		allowed = append(allowed, jsii.String(sep+Operation(s.Operation)+"="), s.Function.FunctionArn())
		m := map[string]interface{}{
			rp.Operation: Operation(s.Operation),
			rp.LambdaArn: s.Function.FunctionArn(),
		}
		if Operation(s.Operation) == rp.OpPreTokenGeneration {
			version := string(s.LambdaVersion)
			if version == "" {
				version = rp.DefaultLambdaVersion
			}
			m[rp.LambdaVersion] = version
		}
		list = append(list, m)
	}
	cfn := p.resource.Node().DefaultChild().(awscdk.CfnResource)
	cfn.AddPropertyOverride(jsii.String(rp.Triggers), list)
	// The same pairs in the function's environment: the function attaches
	// nothing else, each function only to its own operation.
	p.fn.AddEnvironment(jsii.String(rp.EnvAllowedTriggers), awscdk.Fn_Join(jsii.String(""), &allowed), nil)
}

// Of returns the PoolTriggers of an imported pool, creating it with the
// default props next to the pool (in the pool's scope, id <pool id>Triggers)
// the first time. It panics for a pool of this app (use Attach) and when
// that id is taken by another construct.
func Of(pool awscognito.IUserPool) PoolTriggers {
	if pool == nil {
		panic("pooltriggers: expected a user pool, received nil")
	}
	mu.Lock()
	found := lookup(pool)
	mu.Unlock()
	if found != nil {
		return found
	}
	scope, ok := pool.Node().Scope().(constructs.Construct)
	if !ok {
		panic(fmt.Sprintf("pooltriggers: expected the user pool's scope to be a construct, received %T", pool.Node().Scope()))
	}
	id := *pool.Node().Id() + IDSuffix
	if taken := scope.Node().TryFindChild(jsii.String(id)); taken != nil {
		panic(fmt.Sprintf("pooltriggers: expected the id %q next to the user pool to be free, received another construct at %s", id, *taken.Node().Path()))
	}
	return NewPoolTriggers(scope, jsii.String(id), &PoolTriggersProps{UserPool: pool})
}

// Attach adds the trigger op → fn (with the pre token generation event
// version, or "") to pool, whichever kind of pool it is: a pool of this app
// gets it with its own AddTrigger (CloudFormation keeps it in the pool's
// LambdaConfig, and Attach returns nil, after CheckSlot); an imported pool gets it through
// its PoolTriggers custom resource (Of), which Attach returns. It panics
// on an invalid or repeated trigger.
func Attach(pool awscognito.IUserPool, op awscognito.UserPoolOperation, fn awslambda.IFunction, version awscognito.LambdaVersion) PoolTriggers {
	if owned, ok := pool.(awscognito.UserPool); ok {
		if err := CheckSlot(owned, op, fn); err != nil {
			panic("pooltriggers: " + err.Error())
		}
		owned.AddTrigger(op, fn, version)
		return nil
	}
	p := Of(pool)
	p.AddTrigger(&Trigger{Operation: op, Function: fn, LambdaVersion: version})
	return p
}
