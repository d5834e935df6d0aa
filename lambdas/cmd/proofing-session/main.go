// Command proofing-session is the identity proofing session endpoint
// (POST /proofing/session, API Gateway HTTP API v2): it hands the session
// URL to the client holding the sign-up's handle (see package proofing).
// It only wires configuration and the client.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

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
	h, err := proofing.NewSessionHandler(&proofing.Store{API: dynamodb.NewFromConfig(awsCfg), Table: cfg.Table}, cfg)
	if err != nil {
		fail("configuration invalid", err)
	}
	h.Logger = logger
	lambda.Start(h.Handle)
}
