package authorizer

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func tokenMode(c *Config) { c.Mode = contract.AuthorizerModeToken }

// TestTokenModeMatrix: in token mode every check of the token itself
// refuses exactly as in step_up mode, while the step-up, whatever its
// state, is only passed on (the gate judges it): a token without a usable
// claim is authorized with no stepup_at in the context.
func TestTokenModeMatrix(t *testing.T) {
	p := newJWKSPeer(t)
	iss := p.issuer()
	with := bearers(t, p)
	fresh := now0.Add(-31 * time.Second).Unix()
	for _, tc := range []struct {
		name       string
		header     string
		want       Reason
		wantAt     any // context stepup_at, nil: absent
		wantReason any // context stepup_reason, nil: absent
	}{
		{"fresh step-up", with(func(map[string]any) {}), ReasonOK, fresh, "high_value_transaction"},
		{"no step-up claims", with(func(c map[string]any) {
			delete(c, contract.ClaimStepUpAt)
			delete(c, contract.ClaimStepUpReason)
		}), ReasonOK, nil, nil},
		{"stale step-up", with(func(c map[string]any) { c[contract.ClaimStepUpAt] = now0.Add(-time.Hour).Unix() }), ReasonOK, now0.Add(-time.Hour).Unix(), "high_value_transaction"},
		{"future step-up", with(func(c map[string]any) { c[contract.ClaimStepUpAt] = now0.Add(time.Hour).Unix() }), ReasonOK, now0.Add(time.Hour).Unix(), "high_value_transaction"},
		{"reason sign_in", with(func(c map[string]any) { c[contract.ClaimStepUpReason] = contract.StepUpReasonSignIn }), ReasonOK, fresh, "sign_in"},
		{"malformed step-up time", with(func(c map[string]any) { c[contract.ClaimStepUpAt] = "soon" }), ReasonOK, nil, "high_value_transaction"},
		{"malformed reason", with(func(c map[string]any) { c[contract.ClaimStepUpReason] = "Bad Reason" }), ReasonOK, fresh, nil},
		{"reason not a string", with(func(c map[string]any) { c[contract.ClaimStepUpReason] = 7 }), ReasonOK, fresh, nil},
		{"no token", "", ReasonNoToken, nil, nil},
		{"malformed", "Bearer a.b", ReasonTokenInvalid, nil, nil},
		{"expired", with(func(c map[string]any) { c["exp"] = now0.Add(-time.Second).Unix() }), ReasonTokenExpired, nil, nil},
		{"wrong issuer", with(func(c map[string]any) { c["iss"] = otherPool }), ReasonWrongIssuer, nil, nil},
		{"wrong client", with(func(c map[string]any) { c["client_id"] = "2other98765432" }), ReasonWrongClient, nil, nil},
		{"ID token", with(func(c map[string]any) { c["token_use"] = "id"; c["aud"] = client; delete(c, "client_id") }), ReasonNotAccessToken, nil, nil},
		{"another key", "Bearer " + sign(t, otherKey, "pool-1", accessClaimsFor(iss, bob)), ReasonTokenInvalid, nil, nil},
		{"no sub", with(func(c map[string]any) { delete(c, "sub") }), ReasonTokenInvalid, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, logs := newHandler(t, p, tokenMode)
			resp, err := h.Handle(context.Background(), request(tc.header))
			if err != nil {
				t.Fatal(err)
			}
			var line map[string]any
			if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
				t.Fatalf("log: %v: %s", err, logs)
			}
			if line["reason"] != string(tc.want) || line["mode"] != "token" {
				t.Fatalf("log reason %v mode %v, want %s token", line["reason"], line["mode"], tc.want)
			}
			if resp.IsAuthorized != (tc.want == ReasonOK) {
				t.Fatalf("isAuthorized = %v", resp.IsAuthorized)
			}
			if tc.want != ReasonOK {
				if resp.Context != nil {
					t.Fatalf("refusal carries context %v", resp.Context)
				}
				return
			}
			if resp.Context[contract.AuthorizerContextSub] != bob {
				t.Fatalf("sub = %v", resp.Context[contract.AuthorizerContextSub])
			}
			if got, ok := resp.Context[contract.AuthorizerContextStepUpAt]; tc.wantAt == nil && ok || tc.wantAt != nil && got != tc.wantAt {
				t.Fatalf("stepup_at = %v (present %v), want %v", got, ok, tc.wantAt)
			}
			if got, ok := resp.Context[contract.AuthorizerContextStepUpReason]; tc.wantReason == nil && ok || tc.wantReason != nil && got != tc.wantReason {
				t.Fatalf("stepup_reason = %v (present %v), want %v", got, ok, tc.wantReason)
			}
		})
	}
}

// TestTokenModeContract: the simple response API Gateway receives in token
// mode, byte for byte, through aws-lambda-go's handler.
func TestTokenModeContract(t *testing.T) {
	p := newJWKSPeer(t)
	h, _ := newHandler(t, p, tokenMode)
	invoke := func(token string) string {
		t.Helper()
		out, err := lambda.NewHandler(h.Handle).Invoke(context.Background(),
			[]byte(strings.ReplaceAll(httpAPIAuthorizerEvent, "AUTHORIZATION", "Bearer "+token)))
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	c := accessClaimsFor(p.issuer(), bob)
	c[contract.ClaimStepUpAt] = now0.Add(-time.Hour).Unix()
	want := fmt.Sprintf(`{"isAuthorized":true,"context":{"stepup_at":%d,"stepup_reason":"high_value_transaction","sub":"%s"}}`, now0.Add(-time.Hour).Unix(), bob)
	if got := invoke(sign(t, poolKey, "pool-1", c)); got != want {
		t.Fatalf("stale step-up = %s\nwant %s", got, want)
	}
	delete(c, contract.ClaimStepUpAt)
	delete(c, contract.ClaimStepUpReason)
	if got := invoke(sign(t, poolKey, "pool-1", c)); got != `{"isAuthorized":true,"context":{"sub":"`+bob+`"}}` {
		t.Fatalf("no step-up = %s", got)
	}
	c["client_id"] = "2other98765432"
	if got := invoke(sign(t, poolKey, "pool-1", c)); got != `{"isAuthorized":false}` {
		t.Fatalf("wrong client = %s", got)
	}
}

func TestModeConfig(t *testing.T) {
	env := func(mode string) func(string) string {
		m := map[string]string{
			contract.EnvTokenIssuer:    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC",
			contract.EnvTokenClientID:  client,
			contract.EnvAuthorizerMode: mode,
		}
		return func(k string) string { return m[k] }
	}
	for mode, want := range map[string]string{"": "step_up", "step_up": "step_up", " token ": "token"} {
		cfg, err := ConfigFromEnv(env(mode))
		if err != nil || cfg.Mode != want {
			t.Errorf("mode %q: %q, %v; want %q", mode, cfg.Mode, err, want)
		}
	}
	for _, bad := range []string{"Token", "gate", "stepup"} {
		if _, err := ConfigFromEnv(env(bad)); err == nil || !strings.Contains(err.Error(), contract.EnvAuthorizerMode) {
			t.Errorf("mode %q accepted (%v)", bad, err)
		}
	}
}
