// Command stepup-create is the CreateAuthChallenge trigger of the OIDC
// step-up: it only wires configuration, clients and the handler.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

func main() {
	cfg := boot.Must(stepup.ConfigFromEnv(os.Getenv))
	secrets := boot.Secrets(boot.AWS(), cfg.SecretARN, cfg.SecretTTL)
	h := stepup.NewCreateHandler(cfg, secrets, stepup.NewHTTPClient(cfg.Budget))
	h.Logger = boot.Logger
	lambda.Start(h.Handle)
}
