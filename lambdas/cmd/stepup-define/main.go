// Command stepup-define is the DefineAuthChallenge trigger of the OIDC
// step-up: it only wires configuration and the handler.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

func main() {
	// User references in the logs: HMAC under the deployment's key.
	boot.LogRefs()
	h := stepup.NewDefineHandler(boot.Must(stepup.DefineConfigFromEnv(os.Getenv)))
	h.Logger = boot.Logger
	lambda.Start(h.Handle)
}
