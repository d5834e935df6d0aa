package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
)

const region = motoserver.Region

// startMoto runs moto_server for the test (skipped without it, fatal when
// CI=true) and returns its endpoint.
func startMoto(tb testing.TB) string {
	tb.Helper()
	return motoserver.Start(tb)
}

// createTable creates a step-up table in moto and returns its name.
func createTable(tb testing.TB, endpoint, name string) string {
	tb.Helper()
	return motoserver.CreateStepUpTable(tb, motoserver.DynamoDB(endpoint), name)
}

// createRawSecret stores value as a new secret in moto and returns its ARN.
func createRawSecret(tb testing.TB, endpoint, name, value string) string {
	tb.Helper()
	client := secretsmanager.New(secretsmanager.Options{Region: region, BaseEndpoint: aws.String(endpoint), Credentials: motoserver.Credentials})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(value)})
	if err != nil {
		tb.Fatalf("moto CreateSecret: %v", err)
	}
	return aws.ToString(out.ARN)
}

// createSecret stores s as a new secret in moto through the real SDK and
// returns its ARN.
func createSecret(tb testing.TB, endpoint, name string, s contract.ProviderSecret) string {
	tb.Helper()
	client := secretsmanager.New(secretsmanager.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  motoserver.Credentials,
	})
	b, err := json.Marshal(s)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(string(b))})
	if err != nil {
		tb.Fatalf("moto CreateSecret: %v", err)
	}
	return aws.ToString(out.ARN)
}
