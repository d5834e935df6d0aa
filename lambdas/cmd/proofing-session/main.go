// Command proofing-session is the identity proofing session endpoint
// (POST /proofing/session, API Gateway HTTP API v2): it hands the session
// URL to the client holding the sign-up's handle (see package proofing).
// It only wires configuration and the client.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/proofing"
)

func main() {
	cfg := boot.Must(proofing.HandlerConfigFromEnv(os.Getenv))
	store := &proofing.Store{API: dynamodb.NewFromConfig(boot.AWS()), Table: cfg.Table}
	h := boot.Must(proofing.NewSessionHandler(store, cfg))
	h.Logger = boot.Logger
	lambda.Start(h.Handle)
}
