package stepup

// JSON contract tests: each handler through lambda.NewHandler(...).Invoke
// with events shaped like the ones Cognito sends.

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// cognitoEvent is a trigger event as Cognito sends it for the pool's
// alice: the shared header, then the trigger's request and response.
func cognitoEvent(trigger, request, response string) string {
	return `{
  "version": "1",
  "region": "eu-west-1",
  "userPoolId": "eu-west-1_Example",
  "userName": "alice",
  "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "3ijbtbhcj26r52ls46ae3p6v1m"},
  "triggerSource": "` + trigger + `",
  "request": ` + request + `,
  "response": ` + response + `
}`
}

var defineEventJSON = cognitoEvent("DefineAuthChallenge_Authentication", `{
    "userAttributes": {"sub": "c0ffee", "email_verified": "true", "cognito:user_status": "CONFIRMED", "email": "alice@example.com"},
    "session": [
      {"challengeName": "SRP_A", "challengeResult": true, "challengeMetadata": null},
      {"challengeName": "PASSWORD_VERIFIER", "challengeResult": true, "challengeMetadata": null}
      %s
    ],
    "userNotFound": false
  }`,
	`{"challengeName": null, "issueTokens": null, "failAuthentication": null}`)

func decodeObj(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("response is not JSON: %v: %s", err, b)
	}
	return m
}

func TestContractDefine(t *testing.T) {
	h := NewDefineHandler(DefineConfig{MaxAttempts: 3})
	h.Logger = slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	inv := lambda.NewHandler(h.Handle)
	cases := []struct {
		extra string
		want  map[string]any
	}{
		{"", map[string]any{"challengeName": "CUSTOM_CHALLENGE", "issueTokens": false, "failAuthentication": false}},
		{`,{"challengeName": "CUSTOM_CHALLENGE", "challengeResult": true, "challengeMetadata": "` + contract.ChallengeMetadata + `"}`,
			map[string]any{"challengeName": "", "issueTokens": true, "failAuthentication": false}},
		{`,{"challengeName": "CUSTOM_CHALLENGE", "challengeResult": true, "challengeMetadata": "OTHER"}`,
			map[string]any{"challengeName": "", "issueTokens": false, "failAuthentication": true}},
	}
	for _, tc := range cases {
		out, err := inv.Invoke(context.Background(), []byte(strings.Replace(defineEventJSON, "%s", tc.extra, 1)))
		if err != nil {
			t.Fatal(err)
		}
		m := decodeObj(t, out)
		resp := m["response"].(map[string]any)
		for k, v := range tc.want {
			if resp[k] != v {
				t.Fatalf("response.%s = %v, want %v (%s)", k, resp[k], v, out)
			}
		}
		if m["userPoolId"] != "eu-west-1_Example" || m["triggerSource"] != "DefineAuthChallenge_Authentication" {
			t.Fatalf("event header not echoed: %s", out)
		}
	}
	// userNotFound and an empty session (a client skipping the password)
	ev := strings.Replace(strings.Replace(defineEventJSON, "%s", "", 1), `"userNotFound": false`, `"userNotFound": true`, 1)
	ev = strings.Replace(ev, `{"challengeName": "SRP_A", "challengeResult": true, "challengeMetadata": null},
      {"challengeName": "PASSWORD_VERIFIER", "challengeResult": true, "challengeMetadata": null}`, "", 1)
	out, err := inv.Invoke(context.Background(), []byte(ev))
	if err != nil {
		t.Fatal(err)
	}
	if resp := decodeObj(t, out)["response"].(map[string]any); resp["failAuthentication"] != true {
		t.Fatalf("empty session must fail: %s", out)
	}
}

var createEventJSON = cognitoEvent("CreateAuthChallenge_Authentication", `{
    "userAttributes": {"sub": "c0ffee", "email_verified": "true", "email": "alice@example.com"},
    "challengeName": "%s",
    "session": [
      {"challengeName": "SRP_A", "challengeResult": true, "challengeMetadata": null},
      {"challengeName": "PASSWORD_VERIFIER", "challengeResult": true, "challengeMetadata": null}
    ],
    "userNotFound": false
  }`,
	`{"publicChallengeParameters": null, "privateChallengeParameters": null, "challengeMetadata": null}`)

func TestContractCreate(t *testing.T) {
	h := NewCreateHandler(mustConfig(t, blockIDEnv()), StaticSecret(blockIDSecret), &http.Client{Transport: noNetwork{t}})
	h.Logger = slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	inv := lambda.NewHandler(h.Handle)
	out, err := inv.Invoke(context.Background(), []byte(strings.Replace(createEventJSON, "%s", "CUSTOM_CHALLENGE", 1)))
	if err != nil {
		t.Fatal(err)
	}
	resp := decodeObj(t, out)["response"].(map[string]any)
	if resp["challengeMetadata"] != contract.ChallengeMetadata {
		t.Fatalf("challengeMetadata: %s", out)
	}
	pub := resp["publicChallengeParameters"].(map[string]any)
	priv := resp["privateChallengeParameters"].(map[string]any)
	for _, k := range []string{contract.PublicAuthorizeURL, contract.PublicProvider, contract.PublicClientID, contract.PublicState, contract.PublicTenantDNS, contract.PublicCommunity, contract.PublicACR} {
		if s, _ := pub[k].(string); s == "" {
			t.Fatalf("public %s missing: %s", k, out)
		}
	}
	for _, k := range []string{contract.PrivateState, contract.PrivateNonce, contract.PrivateCodeVerifier} {
		if s, _ := priv[k].(string); s == "" {
			t.Fatalf("private %s missing", k)
		}
	}
	_, err = inv.Invoke(context.Background(), []byte(strings.Replace(createEventJSON, "%s", "PASSWORD_VERIFIER", 1)))
	if err == nil || strings.Contains(err.Error(), "PASSWORD_VERIFIER") {
		t.Fatalf("want a generic error, got %v", err)
	}
}

var verifyEventJSON = cognitoEvent("VerifyAuthChallengeResponse_Authentication", `{
    "userAttributes": {"sub": "c0ffee", "email_verified": "true", "email": "alice@example.com"},
    "privateChallengeParameters": %s,
    "challengeAnswer": %s,
    "userNotFound": %s
  }`,
	`{"answerCorrect": null}`)

func TestContractVerify(t *testing.T) {
	op := newTestOP(t)
	cfg := mustConfig(t, baseEnv(op))
	quiet := slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	c := NewCreateHandler(cfg, StaticSecret(secretOf(testClientSecret)), nil)
	c.Logger = quiet
	h := NewVerifyHandler(cfg, StaticSecret(secretOf(testClientSecret)), nil, BindingOnly{})
	h.Logger = quiet
	inv := lambda.NewHandler(h.Handle)

	run := func(answer func(code, state string) string, notFound string) bool {
		t.Helper()
		cev, err := c.Handle(context.Background(), CreateEvent{Header: Header{UserName: "alice"}, Request: CreateRequest{ChallengeName: ChallengeCustom}})
		if err != nil {
			t.Fatal(err)
		}
		pub := cev.Response.PublicChallengeParameters
		code := op.authorize(pub[contract.PublicAuthorizeURL], aliceClaims())
		priv, _ := json.Marshal(cev.Response.PrivateChallengeParameters)
		ev := strings.Replace(verifyEventJSON, "%s", string(priv), 1)
		ev = strings.Replace(ev, "%s", answer(code, pub[contract.PublicState]), 1)
		ev = strings.Replace(ev, "%s", notFound, 1)
		out, err := inv.Invoke(context.Background(), []byte(ev))
		if err != nil {
			t.Fatalf("Verify must not return an error: %v", err)
		}
		v, ok := decodeObj(t, out)["response"].(map[string]any)["answerCorrect"].(bool)
		if !ok {
			t.Fatalf("answerCorrect is not a bool: %s", out)
		}
		return v
	}
	good := func(code, state string) string { return string(AnswerJSON(code, state)) }
	if !run(good, "false") {
		t.Fatal("valid answer refused")
	}
	if run(good, "true") {
		t.Fatal("userNotFound accepted")
	}
	if run(func(code, state string) string { return `{"code":"` + code + `","state":"` + state + `"}` }, "false") {
		t.Fatal("non-string answer accepted")
	}
	if run(func(string, string) string { return `null` }, "false") {
		t.Fatal("null answer accepted")
	}
	if run(func(code, _ string) string { return string(AnswerJSON(code, "fixed-state")) }, "false") {
		t.Fatal("wrong state accepted")
	}
}
