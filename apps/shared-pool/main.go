// Command shared-pool synthesizes the shared-pool sample app: one user pool
// with several app clients and capabilities (see apps/stacks).
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/apps/stacks"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stacks.NewSharedPoolStack(app, stacks.SharedPoolStackID, nil)
	app.Synth(nil)
}
