package stepup_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/stepup"
)

// A BlockID step-up on a user pool the app already has (the docs'
// example; compiled by go test so it cannot drift from the API).
func ExampleNewStepUp() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("App"), nil)
	// snippet:stepup-own-pool
	pool := awscognito.NewUserPool(stack, jsii.String("Pool"), &awscognito.UserPoolProps{})

	su := stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{
		UserPool: pool,
		Provider: &stepup.Provider{BlockID: &stepup.BlockIDProvider{
			AcrValues: &[]*string{jsii.String("liveID push")},
		}},
	})
	_ = su.Client()
	// end snippet
}

// The BlockID verification-session step-up (a LiveID face match with
// liveness, fetched server side) on a pool the app already has. Users must
// be enrolled first (cognitobridge-enroll pre-enroll, or an earlier BlockID
// OIDC step-up with the same issuer); docs/verification-session.md.
func ExampleNewStepUp_blockIDSession() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("App"), nil)
	pool := awscognito.NewUserPool(stack, jsii.String("Pool"), &awscognito.UserPoolProps{})

	// snippet:stepup-blockid-session
	su := stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{
		UserPool: pool,
		// API key, tenant and community become NoEcho parameters
		// (StepUpApiKey, StepUpTenantDns, StepUpCommunity) stored only in
		// Secrets Manager. Or pass Secret: an existing ISecret holding
		// {"apiKey", "tenantDns", "community"}.
		Provider: &stepup.Provider{BlockIDSession: &stepup.BlockIDSessionProvider{
			Reason:         jsii.String("high_value_transaction"),
			SessionTimeout: awscdk.Duration_Minutes(jsii.Number(3)),
		}},
	})
	_ = su.StepUpTable() // where the enrollments live (-table of cognitobridge-enroll)
	// end snippet
}
