// Package resourceprops holds the names the pool-triggers custom resource
// and its construct agree on: the resource type, the property keys and the
// trigger operations. It is the only package both sides import (see
// lambdas/contract for the same rule on the trigger functions).
//
// CloudFormation hands the properties to the function as JSON in which every
// scalar is a string, so every value here is a string.
package resourceprops

// ResourceType is the CloudFormation type of the custom resource.
const ResourceType = "Custom::CognitoPoolTriggers"

// Property keys of the custom resource.
const (
	// UserPoolID is the id of the user pool the triggers are attached to.
	UserPoolID = "UserPoolId"
	// Triggers is the list of Trigger objects.
	Triggers = "Triggers"
	// Operation, LambdaArn and LambdaVersion are the keys of one trigger.
	Operation     = "Operation"
	LambdaArn     = "LambdaArn"
	LambdaVersion = "LambdaVersion"
)

// Properties are the custom resource's properties (ServiceToken and any
// other key CloudFormation adds are ignored).
type Properties struct {
	UserPoolID string    `json:"UserPoolId"`
	Triggers   []Trigger `json:"Triggers"`
}

// Trigger is one trigger to attach.
type Trigger struct {
	// Operation is a field name of Cognito's LambdaConfigType (one of
	// Operations).
	Operation string `json:"Operation"`
	// LambdaArn is the function Cognito invokes.
	LambdaArn string `json:"LambdaArn"`
	// LambdaVersion is the event version of OpPreTokenGeneration (one of
	// LambdaVersions); empty means V1_0. Any other operation refuses it.
	LambdaVersion string `json:"LambdaVersion,omitempty"`
}

// The operations the resource attaches: Cognito LambdaConfigType field
// names. OpPreTokenGeneration sets both PreTokenGeneration and
// PreTokenGenerationConfig (Cognito requires the two ARNs to be equal).
// The sender triggers (CustomEmailSender, CustomSMSSender, which also need a
// KMS key) and InboundFederation are not supported.
const (
	OpPreSignUp                   = "PreSignUp"
	OpPreAuthentication           = "PreAuthentication"
	OpPostAuthentication          = "PostAuthentication"
	OpPostConfirmation            = "PostConfirmation"
	OpCustomMessage               = "CustomMessage"
	OpDefineAuthChallenge         = "DefineAuthChallenge"
	OpCreateAuthChallenge         = "CreateAuthChallenge"
	OpVerifyAuthChallengeResponse = "VerifyAuthChallengeResponse"
	OpPreTokenGeneration          = "PreTokenGeneration"
	OpUserMigration               = "UserMigration"
)

// Operations lists every supported operation, sorted.
var Operations = []string{
	OpCreateAuthChallenge,
	OpCustomMessage,
	OpDefineAuthChallenge,
	OpPostAuthentication,
	OpPostConfirmation,
	OpPreAuthentication,
	OpPreSignUp,
	OpPreTokenGeneration,
	OpUserMigration,
	OpVerifyAuthChallengeResponse,
}

// LambdaVersions are the event versions of OpPreTokenGeneration.
var LambdaVersions = []string{"V1_0", "V2_0", "V3_0"}

// DefaultLambdaVersion is the event version used when none is given.
const DefaultLambdaVersion = "V1_0"

// Environment of the custom resource's function: what it checks every
// request against (see lambdas/pooltriggers.Origin). Both are set by the
// construct; the function refuses to start without them.
const (
	// EnvStackID is the id (ARN) of the stack that created the function:
	// the pseudo parameter AWS::StackId, so no resource of the stack is
	// referenced and no cycle arises. A request of any other stack is
	// refused.
	EnvStackID = "COGNITOBRIDGE_POOLTRIGGERS_STACK_ID"
	// EnvAllowedTriggers lists the triggers the resource may attach, as
	// Operation=LambdaArn entries separated by commas (the functions this
	// stack attaches, each bound to its operation). A request naming any
	// other pair is refused, and an Update never releases a pair the list
	// holds.
	EnvAllowedTriggers = "COGNITOBRIDGE_POOLTRIGGERS_ALLOWED_TRIGGERS"
)
