// Command transaction-echo is the sample backend of the transaction-stepup
// app: it answers {"ok":true,"sub":…} for the user an authorizer put in the
// request context (see authorizer.Echo). It only wires the handler.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognitobridge/cognitobridge/lambdas/authorizer"
)

func main() {
	lambda.Start(authorizer.Echo)
}
