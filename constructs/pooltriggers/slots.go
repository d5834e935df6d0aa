package pooltriggers

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	jsiiruntime "github.com/aws/jsii-runtime-go/runtime"
)

// slotKeys are the LambdaConfig keys (as CDK's UserPool keeps them) that
// hold op's function. Pre token generation has two: the legacy
// PreTokenGeneration (V1_0) and PreTokenGenerationConfig.LambdaArn (V2_0,
// V3_0); AWS requires them to name the same function when both are set, so
// either one holds the slot.
func slotKeys(op awscognito.UserPoolOperation) []string {
	name := *op.OperationName()
	if name == "preTokenGeneration" || name == "preTokenGenerationConfig" {
		return []string{"preTokenGeneration", "preTokenGenerationConfig"}
	}
	return []string{name}
}

// CheckSlot returns an error naming the construct that holds op's trigger
// of pool (a pool of this app: its LambdaConfig as synthesized so far), and
// what to do, or nil when the slot is free. CDK itself only refuses a second
// AddTrigger of the same operation, with a message that names neither
// construct, and lets PreTokenGeneration and PreTokenGenerationConfig both
// be set (a deploy failure).
func CheckSlot(pool awscognito.UserPool, op awscognito.UserPoolOperation, fn awslambda.IFunction) error {
	cfn, ok := pool.Node().DefaultChild().(awscognito.CfnUserPool)
	if !ok || cfn == nil {
		return nil
	}
	stack := awscdk.Stack_Of(pool)
	// CDK's UserPool keeps LambdaConfig as a lazy value of its triggers;
	// the typed getter would turn it into an empty struct, so it is read
	// as the IResolvable it is and resolved.
	var lazy awscdk.IResolvable
	jsiiruntime.Get(cfn, "lambdaConfig", &lazy)
	if lazy == nil {
		return nil
	}
	config := ResolveMap(stack, stack.Resolve(lazy))
	if config == nil {
		return nil
	}
	for _, key := range slotKeys(op) {
		v, ok := config[key]
		if !ok || v == nil {
			continue
		}
		if m, isMap := v.(map[string]interface{}); isMap && key == "preTokenGenerationConfig" {
			v = m["lambdaArn"]
			if v == nil {
				continue
			}
		}
		holder := holderPath(stack, v)
		field := strings.ToUpper(key[:1]) + key[1:]
		return fmt.Errorf("expected the %s trigger of user pool %s to be free for %s, received it held by %s (Cognito runs one function per trigger). %s",
			field, *pool.Node().Path(), *fn.Node().Path(), holder, slotAdvice(key))
	}
	return nil
}

// slotAdvice says what to do when key's slot is taken.
func slotAdvice(key string) string {
	switch key {
	case "preTokenGeneration", "preTokenGenerationConfig":
		return "The pool's one pre token generation function is constructs/pretokengen's (pretokengen.Of(pool)), " +
			"whose behaviours (the step-up guard among them) run in order: remove the function from the pool's " +
			"LambdaTriggers.PreTokenGeneration (and from any AddTrigger); a token customization of your own becomes a " +
			"behaviour of lambdas/cmd/pretokengen, or keep your function and set StepUpProps.ServerSideGuard=false with your " +
			"function enforcing the step-up (docs/consumer.md, \"A trigger you already have\")"
	case "defineAuthChallenge", "createAuthChallenge", "verifyAuthChallengeResponse":
		return "A pool has one custom authentication flow: remove your custom-auth triggers from the pool's LambdaTriggers, " +
			"or put the step-up on another pool (docs/consumer.md, \"A trigger you already have\")"
	default:
		return "Remove it from the pool's LambdaTriggers (or its AddTrigger), or leave this capability off this pool " +
			"(docs/consumer.md, \"A trigger you already have\")"
	}
}

// holderPath is the construct path of the function a LambdaConfig value
// names: {"Fn::GetAtt": [logicalId, "Arn"]} for a function of this stack, a
// plain ARN otherwise.
func holderPath(stack awscdk.Stack, v interface{}) string {
	if s, ok := v.(string); ok {
		return "function " + s
	}
	m, ok := v.(map[string]interface{})
	if !ok {
		return fmt.Sprintf("%v", v)
	}
	att, _ := m["Fn::GetAtt"].([]interface{})
	if len(att) == 0 {
		raw, _ := json.Marshal(v)
		return string(raw)
	}
	logical, _ := att[0].(string)
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		el, ok := c.(awscdk.CfnElement)
		if !ok {
			continue
		}
		if id := stack.GetLogicalId(el); id != nil && *id == logical {
			return strings.TrimSuffix(*c.Node().Path(), "/Resource")
		}
	}
	return "the resource " + logical
}

// CheckRegion requires a pool imported by a plain id to name the region of
// the stack it is imported into, when that region is known at synth time:
// a user pool id starts with its region (eu-west-1_AbC123), and CDK builds
// the pool's ARN (every grant on it) in the stack's region. A pool of this
// app, an id given as a token and an environment-agnostic stack pass.
func CheckRegion(pool awscognito.IUserPool) error {
	if pool == nil {
		return nil
	}
	if _, owned := pool.(awscognito.UserPool); owned {
		return nil
	}
	if err := checkRegion(awscdk.Stack_Of(pool), pool); err != nil {
		return fmt.Errorf("%w (imported as %s): a user pool id starts with its region, and CDK builds the pool's ARN in the stack's region; "+
			"import the pool in a stack of its region (StackProps.Env), or fix the id", err, *pool.Node().Path())
	}
	return nil
}

// ResolveMap returns a CloudFormation property of this app (a jsii struct,
// a map or a token) as plain JSON values with its tokens resolved, keyed as
// the struct's JSON names; nil when unset or unreadable.
func ResolveMap(stack awscdk.Stack, v interface{}) map[string]interface{} {
	if isNil(v) {
		return nil
	}
	if s, ok := v.(*string); ok {
		v = stack.Resolve(*s)
		if isNil(v) {
			return nil
		}
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]interface{}
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	for k, x := range m {
		if s, ok := x.(string); ok && strings.Contains(s, "${Token[") {
			m[k] = plain(stack.Resolve(s))
		} else if sub, ok := x.(map[string]interface{}); ok {
			for k2, y := range sub {
				if s, ok := y.(string); ok && strings.Contains(s, "${Token[") {
					sub[k2] = plain(stack.Resolve(s))
				}
			}
		}
	}
	return m
}

// plain round-trips a resolved value through JSON.
func plain(v interface{}) interface{} {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out interface{}
	_ = json.Unmarshal(raw, &out)
	return out
}

// isNil reports a nil interface or a nil pointer, map or slice in it.
func isNil(v interface{}) bool {
	if v == nil {
		return true
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Ptr, reflect.Map, reflect.Slice, reflect.Interface:
		return r.IsNil()
	}
	return false
}
