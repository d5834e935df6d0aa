package stepup_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/stepup"
)

// A BlockID step-up on a user pool the app already has (the README's
// example; compiled by go test so it cannot drift from the API).
func ExampleNewStepUp() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("App"), nil)
	pool := awscognito.NewUserPool(stack, jsii.String("Pool"), &awscognito.UserPoolProps{})

	su := stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{
		UserPool: pool,
		Provider: &stepup.Provider{BlockID: &stepup.BlockIDProvider{
			AcrValues: &[]*string{jsii.String("liveID push")},
		}},
	})
	_ = su.Client()
}
