package transaction

// The authorizer, the step-up gate and the sample backend are built from their main packages
// by import path, in the module that uses this construct (see
// internal/gobuild). Importing their dependencies here makes `go get` and
// `go mod tidy` of that module record them in its go.sum, so the synth-time
// build never fails with "missing go.sum entry" (test/consumer_test.go).
import (
	_ "github.com/aws/aws-lambda-go/lambda"
	_ "github.com/aws/aws-sdk-go-v2/service/lambda"
	_ "github.com/coreos/go-oidc/v3/oidc"

	_ "github.com/cognitobridge/cognitobridge/lambdas/authorizer"
	_ "github.com/cognitobridge/cognitobridge/lambdas/stepuphttp"
	_ "github.com/cognitobridge/cognitobridge/lambdas/transactiongate"
)
