// Command pool-triggers is the CloudFormation custom resource that attaches
// trigger functions to a user pool the CDK app does not own (see package
// pooltriggers). It only wires the Cognito client, the origin checks read
// from the environment and the handler; Handler.Serve answers
// CloudFormation's pre-signed ResponseURL (and nobody else's).
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/pooltriggers"
)

func main() {
	origin := boot.Must(pooltriggers.OriginFromEnv(os.Getenv))
	awsCfg := boot.AWS()
	h := &pooltriggers.Handler{
		Cognito: cognitoidentityprovider.NewFromConfig(awsCfg),
		Logger:  boot.Logger,
		Region:  awsCfg.Region,
		Origin:  origin,
	}
	lambda.Start(h.Serve)
}
