// Package stacks builds the sample apps' stacks, so the tiny main packages
// under apps/ and the cross-cutting tests synthesize exactly the same thing.
//
// Every stack is environment-agnostic (no lookups) and runs the cdk-nag
// AwsSolutions checks; each suppression carries its reason.
package stacks

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/cognitobridge/cognitobridge/constructs/monitoring"
	"github.com/cognitobridge/cognitobridge/constructs/stepup"
)

// Stack ids of the sample apps.
const (
	BlockIDStepUpStackID = "CognitoBridgeBlockIDStepUp"
	BiopassMFAStackID    = "CognitoBridgeBiopassMFA"
)

// App is one sample app: its name (the directory under apps/) and the
// function that adds its stack to an App.
type App struct {
	Name string
	New  func(scope constructs.Construct) awscdk.Stack
	// Dir is the directory under apps/ whose main synthesizes it.
	// Default: Name.
	Dir string
	// Context is the CDK context (cdk synth -c key=value) that makes
	// Dir's main synthesize this variant. Default: none.
	Context map[string]string
}

// NewStackFunc is the shape of every sample's constructor.
type NewStackFunc func(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack

// sample is the App that adds newStack's stack, with its stack id and no
// props, as the sample's main does.
func sample(name, id string, newStack NewStackFunc) App {
	return App{Name: name, New: func(scope constructs.Construct) awscdk.Stack {
		return newStack(scope, id, nil)
	}}
}

// Synth is a sample app's main: it adds the stack to an App (which reads
// the CDK CLI's context) and synthesizes it.
func Synth(newStack NewStackFunc, id string) {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	newStack(app, id, nil)
	app.Synth(nil)
}

// MainDir is the directory under apps/ of a's main package.
func (a App) MainDir() string {
	if a.Dir != "" {
		return a.Dir
	}
	return a.Name
}

// Apps lists every sample app, in a fixed order.
var Apps = []App{
	sample("blockid-stepup", BlockIDStepUpStackID, NewBlockIDStepUpStack),
	sample("biopass-mfa", BiopassMFAStackID, NewBiopassMFAStack),
}

// NewBlockIDStepUpStack is a user pool whose sign-in is the password (SRP)
// followed by a 1Kosmos BlockID step-up (LiveID push by default). The tenant,
// community, client id and client secret are NoEcho parameters named as in
// 1Kosmos' own template (TenantDns, Community, ClientId, ClientSecret) and
// land only in Secrets Manager.
func NewBlockIDStepUpStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	stack := newStack(scope, id, props, "cognitobridge sample: Cognito sign-in with a 1Kosmos BlockID step-up after the password")
	// snippet:blockid-stepup
	su := stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{
		Provider:        &stepup.Provider{BlockID: &stepup.BlockIDProvider{}},
		ParameterPrefix: jsii.String(""),
	})
	// end snippet
	finish(stack, su)
	monitor(stack)
	return stack
}

// NewBiopassMFAStack is a user pool whose sign-in is the password (SRP)
// followed by a Biopass face verification, bound to the user by email.
// Issuer, client id and redirect URI are plain parameters; the client secret
// is a NoEcho parameter stored in Secrets Manager.
func NewBiopassMFAStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	stack := newStack(scope, id, props, "cognitobridge sample: Cognito sign-in with Biopass face verification after the password")
	// snippet:biopass-mfa
	param := func(name, description, pattern string) *string { return stringParam(stack, name, description, pattern) }
	su := stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{
		Provider: &stepup.Provider{Biopass: &stepup.BiopassProvider{
			Issuer:      param("BiopassIssuer", "Biopass OIDC issuer URL (https)", "^https://\\S+$"),
			ClientID:    param("BiopassClientId", "Biopass OIDC client id", "^\\S+$"),
			RedirectURI: param("BiopassRedirectUri", "One of the Biopass application's allowed callback URLs (https)", "^https://\\S+$"),
		}},
		ParameterPrefix: jsii.String(""),
	})
	// end snippet
	finish(stack, su)
	monitor(stack)
	return stack
}

func newStack(scope constructs.Construct, id string, props *awscdk.StackProps, description string) awscdk.Stack {
	var p awscdk.StackProps
	if props != nil {
		p = *props
	}
	if p.Description == nil {
		p.Description = jsii.String(description)
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &p)
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return stack
}

// monitor adds the alarms and the dashboard of every cognitobridge
// function and table of the stack (created last: it finds what it watches),
// notifying a created topic (encrypted, TLS only).
func monitor(stack awscdk.Stack) monitoring.Monitoring {
	return monitoring.NewMonitoring(stack, jsii.String("Monitoring"), nil)
}

// finish adds the outputs a client needs and the app-level suppressions.
func finish(stack awscdk.Stack, su stepup.StepUp) {
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{
		Value:       su.UserPool().UserPoolId(),
		Description: jsii.String("Cognito user pool id"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{
		Value:       su.Client().UserPoolClientId(),
		Description: jsii.String("App client id (CUSTOM_AUTH with SRP: the password, then the step-up; tokens only after it)"),
	})
	sessionValidityOutput(stack, stepup.DefaultAuthSessionValidityMinutes)
	cdknag.NagSuppressions_AddResourceSuppressions(su.UserPool(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-COG8"),
		Reason: jsii.String("Sample on the Essentials feature plan to avoid Plus pricing: the provider step-up already " +
			"gates every sign-in with a strong second factor. Set StepUpProps.FeaturePlan to PLUS for threat protection."),
	}}, jsii.Bool(false))
}

// sessionValidityOutput is the page client's AuthSessionValidity in
// minutes: the page's wait at the provider ends before Cognito's session
// does (apps/webconfig reads it).
func sessionValidityOutput(stack awscdk.Stack, minutes int) {
	awscdk.NewCfnOutput(stack, jsii.String("AuthSessionValidity"), &awscdk.CfnOutputProps{
		Value:       jsii.String(strconv.Itoa(minutes)),
		Description: jsii.String("The page's app client: minutes a sign-in may take between the password and the step-up answer"),
	})
}

// allowPageOrigins lets the sample's web page, served from any origin, call
// api. Credentials travel in the Authorization header (or, for the proofing
// session, as the secret handle in the body), never in cookies, so no
// origin can ride on an ambient credential: any origin may call
// (AllowCredentials stays false). header is an extra request header the
// page sends ("" for none), expose a response header the page reads (the
// RFC 9470 challenge).
func allowPageOrigins(api awsapigatewayv2.HttpApi, methods []string, header, expose string) {
	cfn, ok := api.Node().DefaultChild().(awsapigatewayv2.CfnApi)
	if !ok {
		panic("stacks: expected the HTTP API's default child to be a CfnApi")
	}
	cors := &awsapigatewayv2.CfnApi_CorsProperty{
		AllowOrigins: jsii.Strings("*"),
		AllowMethods: jsii.Strings(methods...),
		AllowHeaders: jsii.Strings("content-type"),
		MaxAge:       jsii.Number(600),
	}
	if header != "" {
		cors.AllowHeaders = jsii.Strings(header, "content-type")
	}
	if expose != "" {
		cors.ExposeHeaders = jsii.Strings(expose)
	}
	cfn.SetCorsConfiguration(cors)
}
