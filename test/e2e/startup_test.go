package e2e

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// TestStartupMissingConfiguration: a binary whose configuration is
// incomplete exits non-zero before polling for events, with one JSON line
// naming the key, and no panic trace.
func TestStartupMissingConfiguration(t *testing.T) {
	full := map[string]string{
		contract.EnvProvider:    contract.ProviderOIDC,
		contract.EnvSecretARN:   "arn:aws:secretsmanager:us-east-1:123456789012:secret:stepup-AbCdEf",
		contract.EnvIssuer:      "https://idp.example.com",
		contract.EnvRedirectURI: "https://app.example.com/callback",
		contract.EnvClientID:    "client",
	}
	without := func(key string) map[string]string {
		m := map[string]string{}
		for k, v := range full {
			if k != key {
				m[k] = v
			}
		}
		return m
	}
	cases := []struct {
		bin  string
		env  map[string]string
		want string
	}{
		{binVerify, without(contract.EnvSecretARN), contract.EnvSecretARN},
		{binCreate, without(contract.EnvIssuer), contract.EnvIssuer},
		{binCreate, without(contract.EnvProvider), contract.EnvProvider},
		// Create counts each user's starts in the step-up table.
		{binCreate, full, contract.EnvStepUpTable},
		{binDefine, map[string]string{contract.EnvMaxAttempts: "zero"}, contract.EnvMaxAttempts},
	}
	for _, tc := range cases {
		t.Run(tc.bin+" "+tc.want, func(t *testing.T) {
			f := startFunction(t, tc.bin, tc.env)
			select {
			case <-f.proc.Exited():
			case <-time.After(10 * time.Second):
				t.Fatalf("%s kept running with %s missing", tc.bin, tc.want)
			}
			var exit *exec.ExitError
			if !errors.As(f.proc.Err(), &exit) || exit.ExitCode() == 0 {
				t.Fatalf("exit: %v, want a non-zero exit code", f.proc.Err())
			}
			out := f.output(t)
			if !strings.Contains(out, tc.want) || !strings.Contains(out, `"reason":"config_invalid"`) {
				t.Errorf("output does not name %s with reason config_invalid:\n%s", tc.want, out)
			}
			for _, bad := range []string{"panic", "goroutine ", ".go:"} {
				if strings.Contains(out, bad) {
					t.Errorf("output contains %q:\n%s", bad, out)
				}
			}
			if f.api.NextCalls() != 0 {
				t.Errorf("the runtime polled for events (%d) despite the invalid configuration", f.api.NextCalls())
			}
		})
	}
}
