// Package steprecordtest gives tests a real DynamoDB client on a private
// moto_server with a step-up record table created in the contract layout.
package steprecordtest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
)

// Client returns a DynamoDB client for endpoint with moto's static
// credentials and a few retries.
func Client(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:           motoserver.Region,
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      motoserver.Credentials,
		RetryMaxAttempts: 2,
	})
}

// MotoTable starts moto_server (see motoserver.Start: skipped, or fatal when
// CI=true, without it) and creates a record table; it returns the client
// and the table name.
func MotoTable(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	client := Client(motoserver.Start(t))
	const table = "cognitobridge-stepup"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(contract.RecordPartitionKey), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(contract.RecordPartitionKey), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	return client, table
}
