// Command identity-proofing synthesizes the identity-proofing sample app (see apps/stacks).
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/apps/stacks"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stacks.NewIdentityProofingStack(app, stacks.IdentityProofingStackID, nil)
	app.Synth(nil)
}
