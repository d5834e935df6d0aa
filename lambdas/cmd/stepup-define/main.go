// Command stepup-define is the DefineAuthChallenge trigger of the OIDC
// step-up: it only wires configuration and the handler.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	cfg, err := stepup.DefineConfigFromEnv(os.Getenv)
	if err != nil {
		logger.Error("configuration invalid", "reason", "config_invalid", "error", err.Error())
		os.Exit(1)
	}
	h := stepup.NewDefineHandler(cfg)
	h.Logger = logger
	lambda.Start(h.Handle)
}
