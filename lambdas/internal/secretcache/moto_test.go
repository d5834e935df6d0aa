package secretcache

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// TestCacheAgainstMoto drives the real SDK client against moto_server on
// loopback; skipped when moto_server is not installed or -short is set.
func TestCacheAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(endpoint + "/moto-api/")
		if err == nil {
			_ = resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Skip("moto_server did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	client := secretsmanager.New(secretsmanager.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		}),
	})
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
