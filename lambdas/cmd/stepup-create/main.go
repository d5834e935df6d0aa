// Command stepup-create is the CreateAuthChallenge trigger of the OIDC
// step-up: it only wires configuration, clients and the handler.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/secretcache"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg, err := stepup.ConfigFromEnv(os.Getenv)
	if err != nil {
		logger.Error("configuration invalid", "reason", "config_invalid", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logger.Error("AWS configuration unavailable", "reason", "config_invalid", "error", err.Error())
		os.Exit(1)
	}
	secrets := secretcache.New(secretsmanager.NewFromConfig(awsCfg), cfg.SecretARN, cfg.SecretTTL)
	h := stepup.NewCreateHandler(cfg, secrets, stepup.NewHTTPClient(cfg.Budget))
	h.Logger = logger
	lambda.Start(h.Handle)
}
