// Command connect-callback is POST /connect/callback of the connect
// capability (API Gateway HTTP API v2 behind the pool's JWT authorizer): it
// exchanges the provider's code, verifies the ID token and links the
// provider identity to the signed-in user (see package connect). It only
// wires configuration and the clients; a bad configuration stops the start.
package main

import (
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/cognitobridge/cognitobridge/lambdas/clientassert"
	"github.com/cognitobridge/cognitobridge/lambdas/connect"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
)

func main() {
	cfg := boot.Must(connect.ConfigFromEnv(os.Getenv))
	if cfg.SecretARN == "" && !cfg.KeyMode() {
		boot.Fail(boot.MsgConfigInvalid, errors.New(contract.EnvSecretARN+": expected the ARN of the provider's client secret, received nothing"))
	}
	boot.LogRefs()
	awsCfg := boot.AWS()
	store := &connect.Store{API: dynamodb.NewFromConfig(awsCfg), Table: cfg.Table}
	var secrets connect.SecretSource
	if !cfg.KeyMode() {
		secrets = boot.Secrets(awsCfg, cfg.SecretARN, cfg.SecretTTL)
	}
	h := boot.Must(connect.NewCallbackHandler(cfg, store, cognitoidentityprovider.NewFromConfig(awsCfg), eventbridge.NewFromConfig(awsCfg),
		secrets, nil))
	h.Logger = boot.Logger
	if a := cfg.ClientAssertion; cfg.KeyMode() {
		// private_key_jwt: the KMS key signs each client assertion; there is
		// no secret.
		h.Signer = &clientassert.Signer{KMS: kms.NewFromConfig(awsCfg), KeyARN: a.KeyARN, KID: a.KID, Alg: a.Alg}
	}
	lambda.Start(h.Handle)
}
