package secretcache

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/mototest"
)

// TestCacheAgainstMoto drives the real SDK client against moto_server on
// loopback (motoserver fails the test in CI when moto_server is missing).
func TestCacheAgainstMoto(t *testing.T) {
	client := mototest.SecretsManager(mototest.Start(t), nil)
	ctx := context.Background()
	created, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("stepup"), SecretString: aws.String(`{"clientSecret":"one"}`)})
	if err != nil {
		t.Fatal(err)
	}
	c := New(client, aws.ToString(created.ARN), time.Hour)
	if v, err := c.Value(ctx); err != nil || v != `{"clientSecret":"one"}` {
		t.Fatalf("Value = %q, %v", v, err)
	}
	if _, err := client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: created.ARN, SecretString: aws.String(`{"clientSecret":"two"}`)}); err != nil {
		t.Fatal(err)
	}
	if v, _ := c.Value(ctx); v != `{"clientSecret":"one"}` {
		t.Fatalf("within TTL got %q", v)
	}
	c.Invalidate()
	if v, _ := c.Value(ctx); v != `{"clientSecret":"two"}` {
		t.Fatalf("after Invalidate got %q", v)
	}
	missing := New(client, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:missing", time.Hour)
	if _, err := missing.Value(ctx); err == nil {
		t.Fatal("missing secret: want error")
	}
}
