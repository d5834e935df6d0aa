package proofing_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/proofing"
)

// Identity proofing on a new pool (the docs' example, compiled by go
// test).
func ExampleNewProofing() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("App"), nil)
	// snippet:proofing
	p := proofing.NewProofing(stack, jsii.String("Proofing"), &proofing.ProofingProps{
		IDVBaseURL:    jsii.String("https://acme.1kosmos.net/docuverify"),
		DocumentTypes: &[]*string{jsii.String("dl"), jsii.String("passport")},
		Liveness:      jsii.String("passive"),
	})
	_ = p.CallbackURL()
	// end snippet
}
