// Command stepup-create is the CreateAuthChallenge trigger of the OIDC
// step-up: it only wires configuration, clients and the handler.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/usercap"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

func main() {
	// User references in the logs: HMAC under the deployment's key.
	boot.LogRefs()
	cfg := boot.Must(stepup.ConfigFromEnv(os.Getenv))
	// Each user's starts are counted in the step-up table: Create needs it
	// for every provider kind.
	capCfg := boot.Must(stepup.UserCapConfigFromEnv(os.Getenv, cfg.Provider))
	awsCfg := boot.AWS()
	var secrets stepup.SecretSource // private_key_jwt: none
	if cfg.SecretARN != "" {
		secrets = boot.Secrets(awsCfg, cfg.SecretARN, cfg.SecretTTL)
	}
	db := dynamodb.NewFromConfig(awsCfg)
	// The challenge kind is chosen here, once. The verification-session
	// kind starts the session for the user's enrolled provider identity:
	// Create reads the enrollment.
	var h *stepup.CreateHandler
	if cfg.Provider == contract.ProviderBlockIDSession {
		h = stepup.NewSessionCreateHandler(cfg, secrets, stepup.NewHTTPClient(cfg.Budget), steprecord.New(db, capCfg.Table, 0))
	} else {
		h = stepup.NewCreateHandler(cfg, secrets, stepup.NewHTTPClient(cfg.Budget))
	}
	h.Logger = boot.Logger
	h.Cap = boot.Must(usercap.New(db, capCfg.Table, capCfg.Kind, capCfg.Max, capCfg.Window))
	lambda.Start(h.Handle)
}
