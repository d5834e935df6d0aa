package connect

// The functions are built from the handler main packages by import path in
// the module that uses this construct (see constructs/stepup/handlers.go):
// importing what they need keeps it in that module's go.sum.
import (
	_ "github.com/aws/aws-lambda-go/lambda"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	_ "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	_ "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	_ "github.com/aws/aws-sdk-go-v2/service/kms"
	_ "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	_ "github.com/cognitobridge/cognitobridge/lambdas/clientassert"
	_ "github.com/cognitobridge/cognitobridge/lambdas/clientjwks"
	_ "github.com/cognitobridge/cognitobridge/lambdas/connect"
)
