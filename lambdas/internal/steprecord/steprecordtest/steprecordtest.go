// Package steprecordtest gives tests a real DynamoDB client on a private
// moto_server with a step-up record table created in the contract layout.
package steprecordtest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cognitobridge/cognitobridge/test/motoserver"
)

// Client returns a DynamoDB client for endpoint with moto's static
// credentials and a few retries.
func Client(endpoint string) *dynamodb.Client { return motoserver.DynamoDB(endpoint) }

// MotoTable starts moto_server (see motoserver.Start: skipped, or fatal when
// CI=true, without it) and creates a record table; it returns the client
// and the table name.
func MotoTable(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	client := Client(motoserver.Start(t))
	return client, motoserver.CreateStepUpTable(t, client, "cognitobridge-stepup")
}
