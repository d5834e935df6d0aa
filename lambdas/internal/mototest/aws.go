package mototest

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/test/motoserver"
)

// StepUpTableName is the table StepUpTable creates.
const StepUpTableName = "cognitobridge-stepup"

// Start skips the test under -short (starting moto_server is what -short
// leaves out) and otherwise starts a private moto_server (motoserver.Start:
// skipped, or fatal when CI=true, without it); it returns the endpoint.
func Start(tb testing.TB) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("-short: starts moto_server")
	}
	return motoserver.Start(tb)
}

// StepUpTable starts moto_server (see Start) and creates a table in the
// step-up table's layout; it returns the DynamoDB client and the table name.
func StepUpTable(tb testing.TB) (*dynamodb.Client, string) {
	tb.Helper()
	client := motoserver.DynamoDB(Start(tb))
	return client, motoserver.CreateStepUpTable(tb, client, StepUpTableName)
}

// SecretsManager returns a Secrets Manager client for endpoint with moto's
// credentials; hc may be nil for the SDK's default HTTP client.
func SecretsManager(endpoint string, hc *http.Client) *secretsmanager.Client {
	o := secretsmanager.Options{
		Region:       motoserver.Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  motoserver.Credentials,
	}
	if hc != nil {
		o.HTTPClient = hc
	}
	return secretsmanager.New(o)
}
