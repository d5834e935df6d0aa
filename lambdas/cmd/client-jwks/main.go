// Command client-jwks is the CloudFormation custom resource that publishes
// the public JWKs of the private_key_jwt signing keys (package clientjwks),
// and, where COGNITOBRIDGE_JWKS is set, the jwks_uri function that serves
// that set (a Lambda function URL; public keys only). It only wires.
package main

import (
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/cognitobridge/cognitobridge/lambdas/clientjwks"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/boot"
)

func main() {
	if set := strings.TrimSpace(os.Getenv(contract.EnvJWKS)); set != "" {
		lambda.Start(boot.Must(clientjwks.NewURLHandler(set)).Serve)
		return
	}
	awsCfg := boot.AWS()
	h := &clientjwks.Handler{KMS: kms.NewFromConfig(awsCfg), Region: awsCfg.Region, Logger: boot.Logger}
	lambda.Start(h.Serve)
}
