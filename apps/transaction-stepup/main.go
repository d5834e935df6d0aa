// Command transaction-stepup synthesizes the transaction-stepup sample app
// (see apps/stacks).
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/apps/stacks"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stacks.NewTransactionStepUpStack(app, stacks.TransactionStepUpStackID, nil)
	app.Synth(nil)
}
