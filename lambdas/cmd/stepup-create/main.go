// Command stepup-create is the CreateAuthChallenge trigger of the OIDC
// step-up: it only wires configuration, clients and the handler.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

func main() {
	// User references in the logs: HMAC under the deployment's key.
	boot.LogRefs()
	cfg := boot.Must(stepup.ConfigFromEnv(os.Getenv))
	awsCfg := boot.AWS()
	var secrets stepup.SecretSource // private_key_jwt: none
	if cfg.SecretARN != "" {
		secrets = boot.Secrets(awsCfg, cfg.SecretARN, cfg.SecretTTL)
	}
	h := stepup.NewCreateHandler(cfg, secrets, stepup.NewHTTPClient(cfg.Budget))
	h.Logger = boot.Logger
	if cfg.Provider == contract.ProviderBlockIDSession {
		// The verification-session kind starts the session for the user's
		// enrolled provider identity: Create reads the enrollment.
		table := strings.TrimSpace(os.Getenv(contract.EnvStepUpTable))
		if table == "" {
			boot.Fail(boot.MsgConfigInvalid, fmt.Errorf("%s: expected the step-up table name (provider %s), received nothing", contract.EnvStepUpTable, contract.ProviderBlockIDSession))
		}
		h.Enrollments = steprecord.New(dynamodb.NewFromConfig(awsCfg), table, 0)
	}
	lambda.Start(h.Handle)
}
