// Command stepup-guard is the Pre Token Generation trigger of a step-up
// pool: tokens are issued only after a recorded, fresh OIDC step-up (see
// package guard). It only wires configuration, the client and the handler.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognitobridge/cognitobridge/lambdas/guard"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg, err := guard.ConfigFromEnv(os.Getenv)
	if err != nil {
		logger.Error("configuration invalid", "reason", "config_invalid", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logger.Error("AWS configuration unavailable", "reason", "config_invalid", "error", err.Error())
		os.Exit(1)
	}
	store := steprecord.New(dynamodb.NewFromConfig(awsCfg), cfg.Table, cfg.Window)
	h := guard.New(store, cfg.Window)
	h.Reasons = cfg.Reasons
	h.Logger = logger
	lambda.Start(h.Handle)
}
