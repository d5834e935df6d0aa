// Command connect-disconnect is POST /connect/disconnect of the connect
// capability (API Gateway HTTP API v2 behind the pool's JWT authorizer): it
// removes the signed-in user's identity of the provider with
// AdminDisableProviderForUser (see package connect). It only wires
// configuration and the clients; a bad configuration stops the start.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/cognitobridge/cognitobridge/lambdas/connect"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
)

func main() {
	cfg := boot.Must(connect.ConfigFromEnv(os.Getenv))
	boot.LogRefs()
	awsCfg := boot.AWS()
	store := &connect.Store{API: dynamodb.NewFromConfig(awsCfg), Table: cfg.Table}
	h := boot.Must(connect.NewDisconnectHandler(cfg, store, cognitoidentityprovider.NewFromConfig(awsCfg), eventbridge.NewFromConfig(awsCfg)))
	h.Logger = boot.Logger
	lambda.Start(h.Handle)
}
