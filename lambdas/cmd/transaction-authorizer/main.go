// Command transaction-authorizer is the API Gateway HTTP API Lambda
// authorizer of high-value routes: it allows only access tokens of the
// configured pool and client whose step-up is recent (see package
// authorizer). It only wires configuration and the handler.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognitobridge/cognitobridge/lambdas/authorizer"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg, err := authorizer.ConfigFromEnv(os.Getenv)
	if err != nil {
		logger.Error("configuration invalid", "reason", "config_invalid", "error", err.Error())
		os.Exit(1)
	}
	h, err := authorizer.New(cfg, nil)
	if err != nil {
		logger.Error("configuration invalid", "reason", "config_invalid", "error", err.Error())
		os.Exit(1)
	}
	h.Logger = logger
	lambda.Start(h.Handle)
}
