// Command transaction-authorizer is the API Gateway HTTP API Lambda
// authorizer of high-value routes: it allows only access tokens of the
// configured pool and client whose step-up is recent (see package
// authorizer). It only wires configuration and the handler.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognitobridge/cognitobridge/lambdas/authorizer"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
)

func main() {
	// User references in the logs: HMAC under the deployment's key.
	boot.LogRefs()
	cfg := boot.Must(authorizer.ConfigFromEnv(os.Getenv))
	h := boot.Must(authorizer.New(cfg, nil))
	h.Logger = boot.Logger
	lambda.Start(h.Handle)
}
