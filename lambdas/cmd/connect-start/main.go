// Command connect-start is POST /connect/start of the connect capability
// (API Gateway HTTP API v2 behind the pool's JWT authorizer): it returns
// the provider's authorize URL for the signed-in user and keeps state,
// nonce and PKCE verifier in the connect table (see package connect). It
// only wires configuration and the clients; a bad configuration stops the
// start.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognitobridge/cognitobridge/lambdas/connect"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
)

func main() {
	cfg := boot.Must(connect.ConfigFromEnv(os.Getenv))
	boot.LogRefs()
	store := &connect.Store{API: dynamodb.NewFromConfig(boot.AWS()), Table: cfg.Table}
	h := boot.Must(connect.NewStartHandler(cfg, store, nil))
	h.Logger = boot.Logger
	lambda.Start(h.Handle)
}
