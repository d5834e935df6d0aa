package stepup

// The trigger functions are built from the handler main packages by import
// path, in the module that uses this construct (see internal/gobuild). That
// build needs the handlers' dependencies (aws-lambda-go, the AWS SDK with
// Secrets Manager and DynamoDB, go-oidc, ...) in the user's go.mod and
// go.sum. Importing the handler logic here makes `go get
// github.com/cognitobridge/cognitobridge/constructs/stepup` and `go mod tidy`
// record them, so the build never fails with "missing go.sum entry". The
// packages' code is not linked into a CDK app beyond their init, which only
// declares variables.
import (
	_ "github.com/cognitobridge/cognitobridge/lambdas/guard"
	_ "github.com/cognitobridge/cognitobridge/lambdas/stepup"
)
