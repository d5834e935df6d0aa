package stepup

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func TestConfigFromEnv(t *testing.T) {
	oidcBase := func() map[string]string {
		return map[string]string{
			contract.EnvProvider:    contract.ProviderOIDC,
			contract.EnvSecretARN:   "arn:x",
			contract.EnvIssuer:      "https://issuer.example/",
			contract.EnvRedirectURI: "https://app.example/cb",
		}
	}
	blockBase := func() map[string]string {
		return map[string]string{contract.EnvProvider: contract.ProviderBlockID, contract.EnvSecretARN: "arn:x"}
	}
	cases := []struct {
		name    string
		base    func() map[string]string
		set     map[string]string
		wantErr string // substring; "" = valid
		check   func(t *testing.T, c Config)
	}{
		{name: "oidc defaults", base: oidcBase, check: func(t *testing.T, c Config) {
			if c.Issuer != "https://issuer.example" || !slices.Equal(c.Scopes, []string{"openid"}) ||
				c.BindClaim != "email" || c.BindAttribute != "email" || c.BindMode != contract.BindModeEmail ||
				c.TokenAuthMethod != contract.TokenAuthBasic || !slices.Equal(c.IDTokenAlgs, []string{"RS256", "ES256", "PS256"}) ||
				c.SecretTTL != 300*time.Second || c.MaxAttempts != 3 || c.AllowPasswordless || c.Budget != 4*time.Second {
				t.Fatalf("defaults: %+v", c)
			}
		}},
		{name: "blockid defaults", base: blockBase, check: func(t *testing.T, c Config) {
			if c.BindClaim != "username" || c.BindAttribute != contract.BindAttributeUsername || c.BindMode != contract.BindModeExact || c.Issuer != "" {
				t.Fatalf("defaults: %+v", c)
			}
		}},
		{name: "all set", base: oidcBase, set: map[string]string{
			contract.EnvScopes: "openid email", contract.EnvACRValues: `["a b","c"]`, contract.EnvRequiredACR: `["a b"]`,
			contract.EnvTokenAuthMethod: contract.TokenAuthPost, contract.EnvIDTokenAlgs: "ES256, EdDSA",
			contract.EnvSecretTTLSeconds: "0", contract.EnvMaxAttempts: "5", contract.EnvAllowPasswordless: "true",
			contract.EnvBudgetMillis: "2500", contract.EnvTokenURL: "http://127.0.0.1:9/token", contract.EnvJWKSURL: "http://localhost:9/jwks",
			contract.EnvBindClaim: "preferred_username", contract.EnvBindAttribute: contract.BindAttributeUsername,
		}, check: func(t *testing.T, c Config) {
			if !slices.Equal(c.ACRValues, []string{"a b", "c"}) || !slices.Equal(c.RequiredACR, []string{"a b"}) ||
				c.TokenAuthMethod != contract.TokenAuthPost || !slices.Equal(c.IDTokenAlgs, []string{"ES256", "EdDSA"}) ||
				c.SecretTTL != 0 || c.MaxAttempts != 5 || !c.AllowPasswordless || c.Budget != 2500*time.Millisecond ||
				c.BindMode != contract.BindModeExact {
				t.Fatalf("parsed: %+v", c)
			}
		}},
		{name: "missing provider", base: func() map[string]string { return map[string]string{contract.EnvSecretARN: "arn:x"} }, wantErr: contract.EnvProvider},
		{name: "unknown provider", base: oidcBase, set: map[string]string{contract.EnvProvider: "okta"}, wantErr: contract.EnvProvider},
		{name: "missing secret", base: oidcBase, set: map[string]string{contract.EnvSecretARN: ""}, wantErr: contract.EnvSecretARN},
		{name: "oidc needs issuer", base: oidcBase, set: map[string]string{contract.EnvIssuer: ""}, wantErr: contract.EnvIssuer},
		{name: "oidc needs redirect", base: oidcBase, set: map[string]string{contract.EnvRedirectURI: ""}, wantErr: contract.EnvRedirectURI},
		{name: "http issuer refused", base: oidcBase, set: map[string]string{contract.EnvIssuer: "http://issuer.example"}, wantErr: contract.EnvIssuer},
		{name: "issuer with userinfo", base: oidcBase, set: map[string]string{contract.EnvIssuer: "https://u:p@issuer.example"}, wantErr: contract.EnvIssuer},
		{name: "token url ftp", base: oidcBase, set: map[string]string{contract.EnvTokenURL: "ftp://x/token"}, wantErr: contract.EnvTokenURL},
		{name: "redirect relative", base: oidcBase, set: map[string]string{contract.EnvRedirectURI: "/cb"}, wantErr: contract.EnvRedirectURI},
		{name: "scopes without openid", base: oidcBase, set: map[string]string{contract.EnvScopes: "email"}, wantErr: contract.EnvScopes},
		{name: "acr not json", base: oidcBase, set: map[string]string{contract.EnvACRValues: "liveID push"}, wantErr: contract.EnvACRValues},
		{name: "acr empty entry", base: oidcBase, set: map[string]string{contract.EnvACRValues: `[""]`}, wantErr: contract.EnvACRValues},
		{name: "blockid acr with quote", base: blockBase, set: map[string]string{contract.EnvACRValues: `["a'b"]`}, wantErr: contract.EnvACRValues},
		{name: "required acr bad", base: oidcBase, set: map[string]string{contract.EnvRequiredACR: `{"a":1}`}, wantErr: contract.EnvRequiredACR},
		{name: "bind mode unknown", base: oidcBase, set: map[string]string{contract.EnvBindMode: "fuzzy"}, wantErr: contract.EnvBindMode},
		{name: "email mode on username", base: blockBase, set: map[string]string{contract.EnvBindMode: contract.BindModeEmail}, wantErr: contract.EnvBindAttribute},
		{name: "auth method unknown", base: oidcBase, set: map[string]string{contract.EnvTokenAuthMethod: "client_secret_jwt"}, wantErr: contract.EnvTokenAuthMethod},
		{name: "private_key_jwt without key", base: oidcBase, set: map[string]string{contract.EnvTokenAuthMethod: "private_key_jwt"}, wantErr: contract.EnvClientAssertionKey},
		{name: "private_key_jwt bad alg", base: oidcBase, set: map[string]string{contract.EnvTokenAuthMethod: "private_key_jwt", contract.EnvClientAssertionAlg: "HS256"}, wantErr: contract.EnvClientAssertionAlg},
		{name: "private_key_jwt bad aud", base: oidcBase, set: map[string]string{contract.EnvTokenAuthMethod: "private_key_jwt", contract.EnvClientAssertionAudience: "both"}, wantErr: contract.EnvClientAssertionAudience},
		{name: "alg none", base: oidcBase, set: map[string]string{contract.EnvIDTokenAlgs: "RS256,none"}, wantErr: contract.EnvIDTokenAlgs},
		{name: "alg HS256", base: oidcBase, set: map[string]string{contract.EnvIDTokenAlgs: "HS256"}, wantErr: contract.EnvIDTokenAlgs},
		{name: "ttl negative", base: oidcBase, set: map[string]string{contract.EnvSecretTTLSeconds: "-1"}, wantErr: contract.EnvSecretTTLSeconds},
		{name: "ttl text", base: oidcBase, set: map[string]string{contract.EnvSecretTTLSeconds: "5m"}, wantErr: contract.EnvSecretTTLSeconds},
		{name: "attempts zero", base: oidcBase, set: map[string]string{contract.EnvMaxAttempts: "0"}, wantErr: contract.EnvMaxAttempts},
		{name: "attempts huge", base: oidcBase, set: map[string]string{contract.EnvMaxAttempts: "100"}, wantErr: contract.EnvMaxAttempts},
		{name: "passwordless junk", base: oidcBase, set: map[string]string{contract.EnvAllowPasswordless: "yes"}, wantErr: contract.EnvAllowPasswordless},
		{name: "budget above 4.7s", base: oidcBase, set: map[string]string{contract.EnvBudgetMillis: "5000"}, wantErr: contract.EnvBudgetMillis},
		{name: "budget tiny", base: oidcBase, set: map[string]string{contract.EnvBudgetMillis: "10"}, wantErr: contract.EnvBudgetMillis},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := tc.base()
			for k, v := range tc.set {
				env[k] = v
			}
			c, err := ConfigFromEnv(envFunc(env))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if tc.check != nil {
					tc.check(t, c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want mention of %s", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), "expected") {
				t.Fatalf("error lacks expected/received: %v", err)
			}
		})
	}
}

func TestDefineConfigFromEnv(t *testing.T) {
	c, err := DefineConfigFromEnv(envFunc(nil))
	if err != nil || c.MaxAttempts != 3 || c.AllowPasswordless || c.Policy != contract.PolicyAlways {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	c, err = DefineConfigFromEnv(envFunc(map[string]string{contract.EnvMaxAttempts: "1", contract.EnvAllowPasswordless: "false"}))
	if err != nil || c.MaxAttempts != 1 || c.AllowPasswordless {
		t.Fatalf("parsed: %+v %v", c, err)
	}
	if _, err := DefineConfigFromEnv(envFunc(map[string]string{contract.EnvMaxAttempts: "x"})); err == nil {
		t.Fatal("want error")
	}
}

func TestConfigFromEnvPrivateKeyJWT(t *testing.T) {
	env := map[string]string{
		contract.EnvProvider:           contract.ProviderOIDC,
		contract.EnvIssuer:             "https://op.example",
		contract.EnvRedirectURI:        "https://app.example/cb",
		contract.EnvClientID:           "client-1",
		contract.EnvTokenAuthMethod:    contract.TokenAuthPrivateKeyJWT,
		contract.EnvClientAssertionKey: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		contract.EnvClientAssertionKID: "kid-1",
	}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("no secret ARN is needed with private_key_jwt: %v", err)
	}
	if c.ClientAssertion.Alg != "RS256" || c.ClientAssertion.Audience != contract.AudienceTokenEndpoint || c.SecretARN != "" {
		t.Fatalf("defaults %+v", c.ClientAssertion)
	}
	env[contract.EnvProvider] = contract.ProviderBlockID
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), contract.EnvProvider) {
		t.Fatalf("blockid with private_key_jwt: %v", err)
	}
	env[contract.EnvProvider] = contract.ProviderOIDC
	delete(env, contract.EnvClientID)
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), contract.EnvClientID) {
		t.Fatalf("no client id: %v", err)
	}
}
