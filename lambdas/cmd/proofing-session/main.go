// Command proofing-session is the identity proofing session endpoint
// (POST /proofing/session, API Gateway HTTP API v2): it hands the session
// URL to the client holding the sign-up's handle once the user's email is
// verified (see package proofing). It only wires configuration and the
// clients.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/proofing"
)

func main() {
	cfg := boot.Must(proofing.HandlerConfigFromEnv(os.Getenv))
	awsCfg := boot.AWS()
	boot.LogRefs()
	store := &proofing.Store{API: dynamodb.NewFromConfig(awsCfg), Table: cfg.Table}
	h := boot.Must(proofing.NewSessionHandler(store, cognitoidentityprovider.NewFromConfig(awsCfg), cfg))
	h.Logger = boot.Logger
	lambda.Start(h.Handle)
}
