// Package gofn creates the Go Lambda functions of the constructs, all by one
// recipe: provided.al2023 on arm64 with the executable bootstrap, an explicit
// log group with a retention, and a role of the function's own whose only
// policy lets it write to that log group (no AWSLambdaBasicExecutionRole
// managed policy, so no rights on any other log group).
package gofn

import (
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/gobuild"
	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Defaults of Props.
const (
	DefaultMemorySize     = 128
	DefaultTimeoutSeconds = 5
	DefaultLogRetention   = awslogs.RetentionDays_ONE_MONTH
)

// Props configures one function.
type Props struct {
	// Import path of the handler's main package, built with gobuild when
	// Code is nil.
	ImportPath string
	// Prebuilt code: a provided.al2023 arm64 bundle whose executable is
	// named bootstrap.
	// Default: - gobuild.Code(ImportPath).
	Code awslambda.Code
	// Description of the function.
	Description string
	// Description of the role.
	// Default: - Description.
	RoleDescription string
	// Memory in MiB.
	// Default: DefaultMemorySize.
	MemorySize *float64
	// Default: awscdk.Duration_Seconds(DefaultTimeoutSeconds).
	Timeout awscdk.Duration
	// Retention of the log group.
	// Default: DefaultLogRetention.
	LogRetention awslogs.RetentionDays
	// Environment variables (values may be CDK string tokens).
	// Default: - none.
	Environment map[string]string
}

// New creates, in scope, the log group <prefix>Logs, the role <prefix>Role
// (with the log group's write grant as its default policy) and the function
// <prefix>Function, in that order.
func New(scope constructs.Construct, prefix string, p Props) (awslambda.Function, awsiam.Role, awslogs.LogGroup) {
	code := p.Code
	if code == nil {
		code = gobuild.Code(p.ImportPath)
	}
	retention := p.LogRetention
	if retention == "" {
		retention = DefaultLogRetention
	}
	roleDescription := p.RoleDescription
	if roleDescription == "" {
		roleDescription = p.Description
	}
	memory := p.MemorySize
	if memory == nil {
		memory = jsii.Number(DefaultMemorySize)
	}
	timeout := p.Timeout
	if timeout == nil {
		timeout = awscdk.Duration_Seconds(jsii.Number(DefaultTimeoutSeconds))
	}

	logs := awslogs.NewLogGroup(scope, jsii.String(prefix+"Logs"), &awslogs.LogGroupProps{Retention: retention})
	role := awsiam.NewRole(scope, jsii.String(prefix+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(roleDescription),
	})
	logs.GrantWrite(role)

	env := make(map[string]*string, len(p.Environment))
	for k, v := range p.Environment {
		env[k] = jsii.String(v)
	}
	fn := awslambda.NewFunction(scope, jsii.String(prefix+"Function"), &awslambda.FunctionProps{
		Description:  jsii.String(p.Description),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String(gobuild.BinaryName),
		Code:         code,
		MemorySize:   memory,
		Timeout:      timeout,
		Environment:  &env,
		Role:         role,
		LogGroup:     logs,
	})
	// What constructs/monitoring watches (node metadata: the cloud
	// assembly's manifest, not the template).
	if i := strings.LastIndex(p.ImportPath, "/lambdas/cmd/"); i >= 0 {
		fn.Node().AddMetadata(jsii.String(contract.MetadataHandlerCommand), p.ImportPath[i+len("/lambdas/cmd/"):], nil)
	}
	return fn, role, logs
}

// EnvNumber renders v as an environment value; a number token becomes a
// string token, which CloudFormation resolves.
func EnvNumber(v float64) string {
	if propcheck.IsTokenNumber(v) {
		return *awscdk.Token_AsString(v, nil)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
