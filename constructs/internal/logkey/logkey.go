// Package logkey gives the handler functions of a stack the deployment's
// log reference key: one Secrets Manager secret per stack with a generated
// value (it never appears in the template or a parameter), read by the
// functions through lambdas/internal/boot.LogRefs, which keys every user
// reference in their log lines with it (HMAC-SHA256, see
// lambdas/internal/logref). Without it a handler keys references with a
// random key of its own process: safe, but not correlatable across
// containers.
package logkey

import (
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/nag"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// ID is the secret's construct id at the root of the stack.
const ID = "CognitobridgeLogRefKey"

var (
	mu       sync.Mutex
	attached = map[awslambda.Function]bool{}
	// readers holds, per secret (the jsii object: a construct address
	// repeats across apps), the statement that denies every other
	// principal and the role ARNs it lets through.
	readers = map[awssecretsmanager.ISecret]*denyOthers{}
)

// denyOthers is the secret's resource policy statement: GetSecretValue is
// denied to every principal but the roles of the attached functions, like
// the provider secrets' policies (constructs/stepup, constructs/proofing).
type denyOthers struct {
	statement awsiam.PolicyStatement
	roles     []*string
}

// Of returns the stack's log reference key secret, created the first time.
func Of(scope constructs.Construct) awssecretsmanager.ISecret {
	stack := awscdk.Stack_Of(scope)
	mu.Lock()
	defer mu.Unlock()
	return of(stack)
}

func of(stack awscdk.Stack) awssecretsmanager.ISecret {
	if found := stack.Node().TryFindChild(jsii.String(ID)); found != nil {
		if s, ok := found.(awssecretsmanager.ISecret); ok {
			return s
		}
		panic("logkey: expected the id " + ID + " at the root of the stack to be the log reference key secret, received another construct")
	}
	secret := awssecretsmanager.NewSecret(stack, jsii.String(ID), &awssecretsmanager.SecretProps{
		Description: jsii.String("cognitobridge: key of the user references in the handlers' log lines (HMAC-SHA256); generated, never logged"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(64),
			ExcludePunctuation: jsii.Bool(true),
		},
	})
	nag.Suppress(secret, "AwsSolutions-SMG4",
		"The key only keys log references (HMAC-SHA256 of user names and emails). It can be rotated at any time with "+
			"PutSecretValue (the functions pick it up within 300 s); a rotation only breaks the correlation of log lines across "+
			"the rotation, so a scheduled rotation function adds nothing.")
	return secret
}

// Attach gives fn the key: contract.EnvLogRefKeySecretARN and read rights on
// the secret (on fn's role), and adds fn's role to the secret's resource
// policy, which denies GetSecretValue to every other principal (the
// functions that log read it, nobody else). Attaching the same function
// again does nothing.
func Attach(fn awslambda.Function) {
	stack := awscdk.Stack_Of(fn)
	mu.Lock()
	defer mu.Unlock()
	if attached[fn] {
		return
	}
	attached[fn] = true
	secret := of(stack)
	fn.AddEnvironment(jsii.String(contract.EnvLogRefKeySecretARN), secret.SecretArn(), nil)
	secret.GrantRead(fn, nil)
	if fn.Role() == nil {
		return
	}
	d := readers[secret]
	if d == nil {
		d = &denyOthers{statement: awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("DenyEveryoneButTheLoggingFunctions"),
			Effect:     awsiam.Effect_DENY,
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("secretsmanager:GetSecretValue"),
			Resources:  jsii.Strings("*"),
		})}
		readers[secret] = d
		secret.AddToResourcePolicy(d.statement)
	}
	d.roles = append(d.roles, fn.Role().RoleArn())
	// The same operator and key again: the last list wins (PolicyStatement
	// merges conditions by key), so the statement always names every
	// attached function.
	d.statement.AddCondition(jsii.String("StringNotEquals"), map[string]interface{}{"aws:PrincipalArn": d.roles})
}
