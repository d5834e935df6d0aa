package stepup

// The trigger functions are built from the handler main packages by import
// path, in the module that uses this construct (see internal/gobuild). That
// build needs every module the handlers import in the user's go.mod and
// go.sum. Importing them here makes `go get` and `go mod tidy` of a module
// that uses this construct record them, so the synth-time build never fails
// with "missing go.sum entry" (test/consumer_test.go proves it). Their code
// is not linked into a CDK app beyond package initialisation.
import (
	_ "github.com/aws/aws-lambda-go/lambda"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	_ "github.com/aws/aws-sdk-go-v2/service/kms"
	_ "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	_ "github.com/cognitobridge/cognitobridge/lambdas/clientjwks"
	_ "github.com/cognitobridge/cognitobridge/lambdas/guard"
	_ "github.com/cognitobridge/cognitobridge/lambdas/stepup"
)
