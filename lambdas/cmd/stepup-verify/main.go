// Command stepup-verify is the VerifyAuthChallengeResponse trigger of the OIDC
// step-up: it only wires configuration, clients and the handler.
package main

import (
	"context"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/secretcache"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord/verifyhook"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	fail := func(msg string, err error) {
		logger.Error(msg, "reason", "config_invalid", "error", err.Error())
		os.Exit(1)
	}
	cfg, err := stepup.ConfigFromEnv(os.Getenv)
	if err != nil {
		fail("configuration invalid", err)
	}
	table := strings.TrimSpace(os.Getenv(contract.EnvStepUpTable))
	window, err := steprecord.WindowFromEnv(os.Getenv)
	if err != nil {
		fail("configuration invalid", err)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fail("AWS configuration unavailable", err)
	}
	secrets := secretcache.New(secretsmanager.NewFromConfig(awsCfg), cfg.SecretARN, cfg.SecretTTL)
	h := stepup.NewVerifyHandler(cfg, secrets, stepup.NewHTTPClient(cfg.Budget))
	h.Logger = logger
	if table != "" {
		// A passed step-up is recorded for the pre token generation guard.
		h.Hook = verifyhook.New(steprecord.New(dynamodb.NewFromConfig(awsCfg), table, window))
	}
	lambda.Start(h.Handle)
}
