// Command stepup-verify is the VerifyAuthChallengeResponse trigger of the OIDC
// step-up: it only wires configuration, clients and the handler.
package main

import (
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord/verifyhook"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

func main() {
	cfg := boot.Must(stepup.ConfigFromEnv(os.Getenv))
	table := strings.TrimSpace(os.Getenv(contract.EnvStepUpTable))
	window := boot.Must(steprecord.WindowFromEnv(os.Getenv))
	awsCfg := boot.AWS()
	secrets := boot.Secrets(awsCfg, cfg.SecretARN, cfg.SecretTTL)
	h := stepup.NewVerifyHandler(cfg, secrets, stepup.NewHTTPClient(cfg.Budget))
	h.Logger = boot.Logger
	if table != "" {
		// A passed step-up is recorded for the pre token generation guard.
		h.Hook = verifyhook.New(steprecord.New(dynamodb.NewFromConfig(awsCfg), table, window))
	}
	lambda.Start(h.Handle)
}
