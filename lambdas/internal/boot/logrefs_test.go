package boot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/mototest"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
)

// The deployment key comes from Secrets Manager (moto here) through the
// same start-up path the commands use; two deployments (two secrets) give
// the same user two different references.
func TestLogRefsFromSecretsManager(t *testing.T) {
	endpoint := mototest.Start(t)
	buf, _ := capture(t)
	t.Cleanup(func() { logref.Use(logref.NewKeyring(nil, 0)) })
	cfg := aws.Config{Region: motoserver.Region, Credentials: motoserver.Credentials, BaseEndpoint: aws.String(endpoint)}
	sm := secretsmanager.NewFromConfig(cfg)
	ctx := context.Background()
	arns := map[string]string{}
	for name, value := range map[string]string{"one": strings.Repeat("1", 40), "two": strings.Repeat("2", 40)} {
		out, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("logref-" + name), SecretString: aws.String(value)})
		if err != nil {
			t.Fatal(err)
		}
		arns[name] = aws.ToString(out.ARN)
	}
	load := func() (aws.Config, error) { return cfg, nil }
	env := func(arn string) func(string) string {
		return func(k string) string {
			if k == contract.EnvLogRefKeySecretARN {
				return arn
			}
			return ""
		}
	}
	one := installLogRefs(env(arns["one"]), load)
	refOne := logref.Ref("pool", "alice@example.com")
	two := installLogRefs(env(arns["two"]), load)
	refTwo := logref.Ref("pool", "alice@example.com")
	if one == nil || !one.Keyed() || !two.Keyed() || logref.Current() != two {
		t.Fatal("keyrings not loaded and installed")
	}
	if refOne != logref.RefWithKey([]byte(strings.Repeat("1", 40)), "pool", "alice@example.com") || refOne == refTwo || strings.HasPrefix(refTwo, logref.ProcessPrefix) {
		t.Fatalf("refs %q %q", refOne, refTwo)
	}
	if buf.Len() != 0 {
		t.Fatalf("logged on success: %s", buf)
	}

	// A missing secret: one warning, the process key meanwhile, no value.
	missing := installLogRefs(env("arn:aws:secretsmanager:us-east-1:123456789012:secret:nope"), load)
	if missing == nil || missing.Keyed() || !strings.HasPrefix(logref.Ref("pool", "alice@example.com"), logref.ProcessPrefix) {
		t.Fatal("missing key: want the process key")
	}
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil || line["msg"] != "log reference key unavailable" || line["reason"] != "secret_unavailable" {
		t.Fatalf("log %q", buf)
	}
	if strings.Contains(buf.String(), strings.Repeat("1", 40)) {
		t.Fatal("key value logged")
	}
	// Not configured: nothing installed, nothing logged.
	buf.Reset()
	if k := installLogRefs(func(string) string { return "" }, load); k != nil || buf.Len() != 0 {
		t.Fatal("unconfigured start must do nothing")
	}
}
