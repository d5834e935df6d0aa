package connect_test

import (
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/lambdas/connect"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// keyEnv is baseEnv with private_key_jwt: the key, no secret.
func keyEnv() map[string]string {
	env := baseEnv()
	delete(env, contract.EnvSecretARN)
	env[contract.EnvTokenAuthMethod] = contract.TokenAuthPrivateKeyJWT
	env[contract.EnvClientAssertionKey] = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	env[contract.EnvClientAssertionKID] = "kid-1"
	return env
}

func TestConfigFromEnvPrivateKeyJWT(t *testing.T) {
	c, err := connect.ConfigFromEnv(func(k string) string { return keyEnv()[k] })
	if err != nil {
		t.Fatal(err)
	}
	if a := c.ClientAssertion; !c.KeyMode() || a.Alg != contract.ClientAssertionRS256 || a.Audience != contract.AudienceTokenEndpoint || a.KID != "kid-1" {
		t.Fatalf("private_key_jwt defaults %+v", c)
	}
	wantRefused(t, keyEnv, []envCase{
		{contract.EnvClientAssertionKey, "", contract.EnvClientAssertionKey},
		{contract.EnvClientAssertionKey, "alias/mine", contract.EnvClientAssertionKey},
		{contract.EnvClientAssertionKID, "", contract.EnvClientAssertionKID},
		{contract.EnvClientAssertionAlg, "HS256", contract.EnvClientAssertionAlg},
		{contract.EnvClientAssertionAudience, "both", contract.EnvClientAssertionAudience},
		// A secret beside the key: nothing would read it, and it must not exist.
		{contract.EnvSecretARN, "arn:aws:secretsmanager:us-east-1:123456789012:secret:mosaic-AbCdEf", contract.EnvSecretARN},
	})
	// Every problem at once.
	env := keyEnv()
	env[contract.EnvClientAssertionKey], env[contract.EnvClientAssertionAlg] = "", "none"
	_, err = connect.ConfigFromEnv(func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), contract.EnvClientAssertionKey) || !strings.Contains(err.Error(), contract.EnvClientAssertionAlg) {
		t.Fatalf("want both problems, got %v", err)
	}
}
