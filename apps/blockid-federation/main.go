// Command blockid-federation synthesizes the blockid-federation sample app (see apps/stacks).
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/apps/stacks"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stacks.NewBlockIDFederationStack(app, stacks.BlockIDFederationStackID, nil)
	app.Synth(nil)
}
