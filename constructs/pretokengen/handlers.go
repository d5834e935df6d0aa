package pretokengen

// The function is built from HandlerPackage by import path in the module
// that uses this construct; importing the modules the handler needs makes
// that module's `go mod tidy` record them (see constructs/stepup/handlers.go
// and test/consumer_test.go).
import (
	_ "github.com/aws/aws-lambda-go/lambda"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	_ "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	_ "github.com/aws/aws-sdk-go-v2/service/ssm"

	_ "github.com/cognitobridge/cognitobridge/lambdas/assurance"
	_ "github.com/cognitobridge/cognitobridge/lambdas/guard"
	_ "github.com/cognitobridge/cognitobridge/lambdas/pretokengen"
)
