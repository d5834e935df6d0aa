// Command proofing-callback is the identity proofing callback endpoint
// (POST /proofing/callback, API Gateway HTTP API v2): it authenticates the
// provider's signed notification, fetches the result from the provider's
// API and grants the assurance to a user with a verified email (see package
// proofing). It only wires configuration and clients; a bad configuration
// stops the start.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/proofing"
)

func main() {
	cfg := boot.Must(proofing.HandlerConfigFromEnv(os.Getenv))
	awsCfg := boot.AWS()
	boot.LogRefs()
	secret := boot.Must(proofing.SecretFromEnv(os.Getenv, secretsmanager.NewFromConfig(awsCfg)))
	idv := boot.Must(proofing.BlockIDFromEnv(os.Getenv, secret))
	docKey := boot.Must(proofing.DocumentKeyFromEnv(os.Getenv, secretsmanager.NewFromConfig(awsCfg)))
	maxAccounts := boot.Must(proofing.MaxAccountsFromEnv(os.Getenv))
	store := &proofing.Store{API: dynamodb.NewFromConfig(awsCfg), Table: cfg.Table}
	h := boot.Must(proofing.NewCallbackHandler(idv, store, cognitoidentityprovider.NewFromConfig(awsCfg), secret, docKey, maxAccounts, cfg))
	h.Logger = boot.Logger
	lambda.Start(h.Handle)
}
