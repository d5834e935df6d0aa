// Command stepup-verify is the VerifyAuthChallengeResponse trigger of the OIDC
// step-up: it only wires configuration, clients and the handler.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/cognitobridge/cognitobridge/lambdas/clientassert"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup/recordhook"
)

func main() {
	// User references in the logs: HMAC under the deployment's key.
	boot.LogRefs()
	cfg := boot.Must(stepup.ConfigFromEnv(os.Getenv))
	table := strings.TrimSpace(os.Getenv(contract.EnvStepUpTable))
	window := boot.Must(steprecord.WindowFromEnv(os.Getenv))
	awsCfg := boot.AWS()
	var secrets stepup.SecretSource
	if cfg.SecretARN != "" {
		secrets = boot.Secrets(awsCfg, cfg.SecretARN, cfg.SecretTTL)
	}
	if table == "" {
		// Without the table there is no enrollment: the step-up would prove
		// only an email or user name the user may be able to change.
		boot.Fail(boot.MsgConfigInvalid, fmt.Errorf("%s: expected the step-up table name, received nothing", contract.EnvStepUpTable))
	}
	// A passed step-up is held to the user's enrollment and recorded for the
	// pre token generation guard.
	rec := recordhook.New(steprecord.New(dynamodb.NewFromConfig(awsCfg), table, window))
	// The challenge kind is chosen here, once: a face session of the
	// enrolled identity, or a provider's ID token.
	newHandler := stepup.NewVerifyHandler
	if cfg.Provider == contract.ProviderBlockIDSession {
		newHandler = stepup.NewSessionVerifyHandler
	}
	h := newHandler(cfg, secrets, stepup.NewHTTPClient(cfg.Budget), rec)
	h.Logger = boot.Logger
	if a := cfg.ClientAssertion; cfg.TokenAuthMethod == contract.TokenAuthPrivateKeyJWT {
		// private_key_jwt: the KMS key signs each client assertion; there is
		// no secret.
		h.Signer = &clientassert.Signer{KMS: kms.NewFromConfig(awsCfg), KeyARN: a.KeyARN, KID: a.KID, Alg: a.Alg}
	}
	lambda.Start(h.Handle)
}
