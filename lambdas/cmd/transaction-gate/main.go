// Command transaction-gate is the step-up gate of a high-value HTTP API
// route: the route's Lambda integration behind the token-mode transaction
// authorizer. It answers a missing or stale step-up with RFC 9470's 401
// challenge and relays every other request to the backend function (see
// package transactiongate). It only wires configuration and the handler.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/transactiongate"
)

func main() {
	// User references in the logs: HMAC under the deployment's key.
	boot.LogRefs()
	cfg := boot.Must(transactiongate.ConfigFromEnv(os.Getenv))
	h := boot.Must(transactiongate.New(cfg, transactiongate.BackendClient(boot.AWS())))
	h.Logger = boot.Logger
	lambda.Start(h.Handle)
}
