package motoserver

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// DynamoDB returns a DynamoDB client for a moto endpoint, with moto's static
// credentials and a few retries.
func DynamoDB(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:           Region,
		BaseEndpoint:     aws.String(endpoint),
		Credentials:      Credentials,
		RetryMaxAttempts: 2,
	})
}

// CreateStepUpTable creates a table in the step-up table's layout (what the
// StepUp construct creates: a string partition key contract.RecordPartitionKey,
// on demand) and returns its name.
func CreateStepUpTable(tb testing.TB, client *dynamodb.Client, name string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(contract.RecordPartitionKey), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(contract.RecordPartitionKey), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		tb.Fatalf("moto CreateTable %s: %v", name, err)
	}
	return name
}
