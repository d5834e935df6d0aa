// Command biopass-mfa-key synthesizes the biopass-mfa sample with client
// authentication by a KMS key (private_key_jwt; see apps/stacks).
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/apps/stacks"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stacks.NewBiopassMFAKeyStack(app, stacks.BiopassMFAKeyStackID, nil)
	app.Synth(nil)
}
