// Command proofing-callback is the identity proofing callback endpoint
// (POST /proofing/callback, API Gateway HTTP API v2): it authenticates the
// provider's signed notification, fetches the result from the provider's
// API and confirms the user (see package proofing). It only wires
// configuration and clients; a bad configuration stops the start.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/proofing"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	fail := func(msg string, err error) {
		logger.Error(msg, "reason", "config_invalid", "error", err.Error())
		os.Exit(1)
	}
	cfg, err := proofing.HandlerConfigFromEnv(os.Getenv)
	if err != nil {
		fail("configuration invalid", err)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fail("AWS configuration unavailable", err)
	}
	secret, err := proofing.SecretFromEnv(os.Getenv, secretsmanager.NewFromConfig(awsCfg))
	if err != nil {
		fail("configuration invalid", err)
	}
	idv, err := proofing.BlockIDFromEnv(os.Getenv, secret)
	if err != nil {
		fail("configuration invalid", err)
	}
	store := &proofing.Store{API: dynamodb.NewFromConfig(awsCfg), Table: cfg.Table}
	h, err := proofing.NewCallbackHandler(idv, store, cognitoidentityprovider.NewFromConfig(awsCfg), secret, cfg)
	if err != nil {
		fail("configuration invalid", err)
	}
	h.Logger = logger
	lambda.Start(h.Handle)
}
