// Command stepup-guard is the Pre Token Generation trigger of a step-up
// pool: tokens are issued only after a recorded, fresh OIDC step-up (see
// package guard). It only wires configuration, the client and the handler.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognitobridge/cognitobridge/lambdas/guard"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
)

func main() {
	cfg := boot.Must(guard.ConfigFromEnv(os.Getenv))
	store := steprecord.New(dynamodb.NewFromConfig(boot.AWS()), cfg.Table, cfg.Window)
	h := guard.New(store, cfg.Window)
	h.Reasons = cfg.Reasons
	h.Logger = boot.Logger
	lambda.Start(h.Handle)
}
