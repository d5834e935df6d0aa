// Command pool-triggers is the CloudFormation custom resource that attaches
// trigger functions to a user pool the CDK app does not own (see package
// pooltriggers). It only wires the Cognito client and the handler;
// cfn.LambdaWrap answers CloudFormation's pre-signed ResponseURL.
package main

import (
	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/pooltriggers"
)

func main() {
	awsCfg := boot.AWS()
	h := &pooltriggers.Handler{
		Cognito: cognitoidentityprovider.NewFromConfig(awsCfg),
		Logger:  boot.Logger,
		Region:  awsCfg.Region,
	}
	lambda.Start(cfn.LambdaWrap(h.Handle))
}
