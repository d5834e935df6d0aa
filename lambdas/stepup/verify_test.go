package stepup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func envFunc(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func baseEnv(op *testOP) map[string]string {
	return map[string]string{
		contract.EnvProvider:    contract.ProviderOIDC,
		contract.EnvSecretARN:   "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x",
		contract.EnvIssuer:      op.issuer(),
		contract.EnvClientID:    testClientID,
		contract.EnvRedirectURI: testRedirect,
	}
}

func mustConfig(t testing.TB, env map[string]string) Config {
	t.Helper()
	cfg, err := ConfigFromEnv(envFunc(env))
	if err != nil {
		t.Fatalf("ConfigFromEnv: %v", err)
	}
	return cfg
}

func secretOf(s string) contract.ProviderSecret {
	return contract.ProviderSecret{ClientSecret: s}
}

// rotatingSecret yields old until Invalidate, then new.
type rotatingSecret struct {
	old, new    contract.ProviderSecret
	invalidated atomic.Bool
	calls       atomic.Int32
}

func (r *rotatingSecret) Value(ctx context.Context) (string, error) {
	r.calls.Add(1)
	s := r.old
	if r.invalidated.Load() {
		s = r.new
	}
	return StaticSecret(s).Value(ctx)
}
func (r *rotatingSecret) Invalidate() { r.invalidated.Store(true) }

type failingSecret struct{ panicking bool }

func (f failingSecret) Value(context.Context) (string, error) {
	if f.panicking {
		panic("boom")
	}
	return "", errors.New("unavailable")
}
func (failingSecret) Invalidate() {}

type rawSecret string

func (r rawSecret) Value(context.Context) (string, error) { return string(r), nil }
func (rawSecret) Invalidate()                             {}

type recorderFunc func(ctx context.Context, p Passed) (Reason, string)

func (f recorderFunc) Record(ctx context.Context, p Passed) (Reason, string) { return f(ctx, p) }

// enrolledAs is a recorder whose user is enrolled with issuer+sub: it
// passes that identity (and only with a well-formed binding hash), and
// refuses every other one.
func enrolledAs(sub string) Recorder {
	return recorderFunc(func(_ context.Context, p Passed) (Reason, string) {
		if len(p.BindingHash) != 64 {
			return ReasonRecordFailed, ""
		}
		if strings.HasPrefix(p.Identity.Issuer, "http://127.0.0.1:") && p.Identity.Subject == sub {
			return ReasonOK, "recorded"
		}
		return ReasonEnrollmentMismatch, "mismatch"
	})
}

// notEnrolled is a recorder of a user without enrollment: it passes what
// Passed.FirstUse allows.
var notEnrolled = recorderFunc(func(_ context.Context, p Passed) (Reason, string) {
	if p.FirstUse != ReasonOK {
		return p.FirstUse, "not_enrolled"
	}
	return ReasonOK, "enrolled"
})

func aliceClaims() map[string]any {
	return map[string]any{"email": "Alice@Example.com", "email_verified": true, "acr": "liveID push", "username": "alice", "auth_time": time.Now().Unix()}
}

func aliceAttrs() map[string]string {
	return map[string]string{"email": "alice@example.com", "email_verified": "true", "sub": "c0ffee"}
}

type verifyCase struct {
	name     string
	env      func(env map[string]string)
	op       func(op *testOP)
	secrets  func(op *testOP) SecretSource
	claims   func(c map[string]any)
	event    func(ev *VerifyEvent)
	recorder Recorder
	// createSecrets replaces the secret given to Create
	createSecrets SecretSource
	want          Reason
	calls         int32 // expected token endpoint calls; -1 = don't care
}

// runVerify drives Create -> (simulated browser at the OP) -> Verify.
func runVerify(t *testing.T, tc verifyCase) (Reason, *testOP) {
	t.Helper()
	op := newTestOP(t)
	env := baseEnv(op)
	if tc.env != nil {
		tc.env(env)
	}
	if tc.op != nil {
		tc.op(op)
	}
	cfg := mustConfig(t, env)
	var secrets SecretSource = StaticSecret(secretOf(testClientSecret))
	if tc.secrets != nil {
		secrets = tc.secrets(op)
	}
	quiet := slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	var createSecrets SecretSource = StaticSecret(secretOf(testClientSecret))
	if tc.createSecrets != nil {
		createSecrets = tc.createSecrets
	}
	create := NewCreateHandler(cfg, createSecrets, nil)
	create.Logger = quiet
	cev, err := create.Handle(context.Background(), CreateEvent{
		Header:  Header{UserPoolID: "eu-west-1_pool", UserName: "alice"},
		Request: CreateRequest{ChallengeName: ChallengeCustom, UserAttributes: aliceAttrs()},
	})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	claims := aliceClaims()
	if tc.claims != nil {
		tc.claims(claims)
	}
	pub, priv := cev.Response.PublicChallengeParameters, cev.Response.PrivateChallengeParameters
	code := op.authorize(pub[contract.PublicAuthorizeURL], claims)
	ev := VerifyEvent{
		Header: Header{UserPoolID: "eu-west-1_pool", UserName: "alice", TriggerSource: "VerifyAuthChallengeResponse_Authentication"},
		Request: VerifyRequest{
			UserAttributes:             aliceAttrs(),
			PrivateChallengeParameters: maps.Clone(priv),
			ChallengeAnswer:            AnswerJSON(code, pub[contract.PublicState]),
		},
	}
	if tc.event != nil {
		tc.event(&ev)
	}
	rec := tc.recorder
	if rec == nil {
		rec = BindingOnly{}
	}
	h := NewVerifyHandler(cfg, secrets, nil, rec)
	var logBuf bytes.Buffer
	h.Logger = slog.New(slog.NewJSONHandler(&logBuf, nil))
	out, err := h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("Handle returned error %v", err)
	}
	got := loggedReason(t, logBuf.String())
	if out.Response.AnswerCorrect != (got == ReasonOK) {
		t.Fatalf("AnswerCorrect = %v with reason %s", out.Response.AnswerCorrect, got)
	}
	assertNoLeak(t, logBuf.String(), testClientSecret, code, pub[contract.PublicState], priv[contract.PrivateNonce], priv[contract.PrivateCodeVerifier])
	return got, op
}

func TestVerify(t *testing.T) {
	_, other := keys(t)
	cases := []verifyCase{
		{name: "ok basic", want: ReasonOK, calls: 1},
		{name: "ok post", env: func(e map[string]string) { e[contract.EnvTokenAuthMethod] = contract.TokenAuthPost },
			op: func(op *testOP) { op.authMethod = contract.TokenAuthPost }, want: ReasonOK, calls: 1},
		{name: "auth method mismatch retried once", op: func(op *testOP) { op.authMethod = contract.TokenAuthPost },
			want: ReasonTokenExchangeFailed, calls: 2},
		{name: "rotated secret picked up", op: func(op *testOP) { op.clientSecret = "new-secret" },
			secrets: func(*testOP) SecretSource {
				return &rotatingSecret{old: secretOf(testClientSecret), new: secretOf("new-secret")}
			}, want: ReasonOK, calls: 2},
		{name: "secret from secret json wins client id", env: func(e map[string]string) { delete(e, contract.EnvClientID) },
			secrets: func(*testOP) SecretSource {
				return StaticSecret(contract.ProviderSecret{ClientSecret: testClientSecret, ClientID: testClientID})
			}, createSecrets: StaticSecret(contract.ProviderSecret{ClientSecret: testClientSecret, ClientID: testClientID}), want: ReasonOK, calls: -1},
		{name: "user not found", event: func(ev *VerifyEvent) { ev.Request.UserNotFound = true }, want: ReasonUserNotFound, calls: 0},
		{name: "answer not a string", event: func(ev *VerifyEvent) { ev.Request.ChallengeAnswer = json.RawMessage(`{"code":"c","state":"s"}`) }, want: ReasonAnswerMalformed, calls: 0},
		{name: "answer null", event: func(ev *VerifyEvent) { ev.Request.ChallengeAnswer = nil }, want: ReasonAnswerMalformed, calls: 0},
		{name: "answer too large", event: func(ev *VerifyEvent) {
			ev.Request.ChallengeAnswer = AnswerJSON(strings.Repeat("c", contract.MaxAnswerBytes), "s")
		}, want: ReasonAnswerTooLarge, calls: 0},
		{name: "state mismatch", event: func(ev *VerifyEvent) {
			ev.Request.PrivateChallengeParameters[contract.PrivateState] = "other-state"
		}, want: ReasonStateMismatch, calls: 0},
		{name: "private params missing", event: func(ev *VerifyEvent) {
			delete(ev.Request.PrivateChallengeParameters, contract.PrivateCodeVerifier)
		}, want: ReasonChallengeParamsBad, calls: 0},
		{name: "wrong pkce verifier", event: func(ev *VerifyEvent) {
			ev.Request.PrivateChallengeParameters[contract.PrivateCodeVerifier] = strings.Repeat("v", 43)
		}, want: ReasonTokenExchangeFailed, calls: -1},
		{name: "unknown code", event: func(ev *VerifyEvent) {
			var s string
			_ = json.Unmarshal(ev.Request.ChallengeAnswer, &s)
			var a contract.Answer
			_ = json.Unmarshal([]byte(s), &a)
			ev.Request.ChallengeAnswer = AnswerJSON("forged-code", a.State)
		}, want: ReasonTokenExchangeFailed, calls: -1},
		{name: "id token missing", op: func(op *testOP) { op.omitIDToken = true }, want: ReasonIDTokenMissing, calls: -1},
		{name: "signed by another key", op: func(op *testOP) {
			op.signWith = func(c map[string]any) string { return signRS256(op.t, other, "k1", c) }
		}, want: ReasonIDTokenInvalid, calls: -1},
		{name: "unknown kid", op: func(op *testOP) {
			op.signWith = func(c map[string]any) string { return signRS256(op.t, other, "k2", c) }
		}, want: ReasonIDTokenInvalid, calls: -1},
		{name: "HS256 with client secret", op: func(op *testOP) {
			op.signWith = func(c map[string]any) string {
				return signWithKey(op.t, jose.HS256, []byte(testClientSecret+testClientSecret), "k1", c)
			}
		}, want: ReasonIDTokenInvalid, calls: -1},
		{name: "alg none", op: func(op *testOP) { op.signWith = unsignedToken }, want: ReasonIDTokenInvalid, calls: -1},
		{name: "RS384 not in accepted algs", op: func(op *testOP) {
			op.signWith = func(c map[string]any) string { return signWithKey(op.t, jose.RS384, op.key, "k1", c) }
		}, want: ReasonIDTokenInvalid, calls: -1},
		{name: "wrong issuer", op: func(op *testOP) { op.mutate = func(c map[string]any) { c["iss"] = "https://evil.example" } }, want: ReasonIDTokenInvalid, calls: -1},
		{name: "wrong audience", op: func(op *testOP) { op.mutate = func(c map[string]any) { c["aud"] = "other-client" } }, want: ReasonIDTokenInvalid, calls: -1},
		{name: "multiple audiences without azp", op: func(op *testOP) {
			op.mutate = func(c map[string]any) { c["aud"] = []string{testClientID, "other"} }
		}, want: ReasonIDTokenInvalid, calls: -1},
		{name: "multiple audiences with azp", op: func(op *testOP) {
			op.mutate = func(c map[string]any) { c["aud"] = []string{testClientID, "other"}; c["azp"] = testClientID }
		}, want: ReasonOK, calls: -1},
		{name: "foreign azp", op: func(op *testOP) { op.mutate = func(c map[string]any) { c["azp"] = "other" } }, want: ReasonIDTokenInvalid, calls: -1},
		{name: "expired", op: func(op *testOP) {
			op.mutate = func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }
		}, want: ReasonIDTokenInvalid, calls: -1},
		{name: "nonce mismatch", op: func(op *testOP) { op.mutate = func(c map[string]any) { c["nonce"] = "other" } }, want: ReasonNonceMismatch, calls: -1},
		{name: "nonce missing", op: func(op *testOP) { op.mutate = func(c map[string]any) { delete(c, "nonce") } }, want: ReasonNonceMismatch, calls: -1},
		{name: "token of another person", claims: func(c map[string]any) { c["email"] = "mallory@example.com" }, want: ReasonBindingMismatch, calls: -1},
		{name: "kelvin sign email", event: func(ev *VerifyEvent) { ev.Request.UserAttributes["email"] = "alice@exampl\u212a.com" },
			claims: func(c map[string]any) { c["email"] = "alice@examplk.com" }, want: ReasonBindingMismatch, calls: -1},
		{name: "email with surrounding space", claims: func(c map[string]any) { c["email"] = " alice@example.com" }, want: ReasonBindingMismatch, calls: -1},
		{name: "email claim not a string", claims: func(c map[string]any) { c["email"] = []string{"alice@example.com"} }, want: ReasonBindingMismatch, calls: -1},
		{name: "email claim empty", claims: func(c map[string]any) { c["email"] = "" }, event: func(ev *VerifyEvent) { ev.Request.UserAttributes["email"] = "" }, want: ReasonBindingMismatch, calls: -1},
		{name: "cognito email unverified", event: func(ev *VerifyEvent) { ev.Request.UserAttributes["email_verified"] = "false" }, want: ReasonEmailNotVerified, calls: -1},
		{name: "token email unverified", claims: func(c map[string]any) { c["email_verified"] = false }, want: ReasonEmailNotVerified, calls: -1},
		{name: "token email_verified string false", claims: func(c map[string]any) { c["email_verified"] = "false" }, want: ReasonEmailNotVerified, calls: -1},
		{name: "token email_verified absent", claims: func(c map[string]any) { delete(c, "email_verified") }, want: ReasonEmailNotVerified, calls: -1},
		{name: "token email_verified string true", claims: func(c map[string]any) { c["email_verified"] = "true" }, want: ReasonOK, calls: -1},
		{name: "required acr met", env: func(e map[string]string) { e[contract.EnvRequiredACR] = `["liveID push","otp sms"]` }, want: ReasonOK, calls: -1},
		{name: "required acr not met", env: func(e map[string]string) { e[contract.EnvRequiredACR] = `["liveID push"]` },
			claims: func(c map[string]any) { c["acr"] = "otp email" }, want: ReasonACRInsufficient, calls: -1},
		{name: "required acr absent", env: func(e map[string]string) { e[contract.EnvRequiredACR] = `["liveID push"]` },
			claims: func(c map[string]any) { delete(c, "acr") }, want: ReasonACRInsufficient, calls: -1},
		{name: "exact username binding", env: func(e map[string]string) {
			e[contract.EnvBindClaim] = "username"
			e[contract.EnvBindAttribute] = contract.BindAttributeUsername
		}, want: ReasonOK, calls: -1},
		{name: "exact username binding is case sensitive", env: func(e map[string]string) {
			e[contract.EnvBindClaim] = "username"
			e[contract.EnvBindAttribute] = contract.BindAttributeUsername
		}, claims: func(c map[string]any) { c["username"] = "Alice" }, want: ReasonBindingMismatch, calls: -1},
		{name: "secret unavailable", secrets: func(*testOP) SecretSource { return failingSecret{} }, want: ReasonSecretUnavailable, calls: 0},
		{name: "secret without clientSecret", secrets: func(*testOP) SecretSource { return rawSecret(`{"clientId":"x"}`) }, want: ReasonSecretInvalid, calls: 0},
		{name: "secret not json", secrets: func(*testOP) SecretSource { return rawSecret(`hunter2`) }, want: ReasonSecretInvalid, calls: 0},
		{name: "secret source panics", secrets: func(*testOP) SecretSource { return failingSecret{panicking: true} }, want: ReasonInternalError, calls: 0},
		{name: "recorder failure fails closed", recorder: recorderFunc(func(context.Context, Passed) (Reason, string) { return ReasonRecordFailed, "" }), want: ReasonRecordFailed, calls: -1},
		{name: "enrolled identity passes whatever the email says", recorder: enrolledAs("person-1"),
			claims: func(c map[string]any) { c["email"] = "alice-new@example.com" }, want: ReasonOK, calls: -1},
		{name: "email rebind after enrollment refused", recorder: enrolledAs("person-1"),
			claims: func(c map[string]any) { c["sub"] = "mallory-at-idp"; c["email"] = "mallory@example.com" },
			event:  func(ev *VerifyEvent) { ev.Request.UserAttributes["email"] = "mallory@example.com" },
			want:   ReasonEnrollmentMismatch, calls: -1},
		{name: "first use enrolls when the binding holds", recorder: notEnrolled, want: ReasonOK, calls: -1},
		{name: "first use refused when the binding fails", recorder: notEnrolled,
			claims: func(c map[string]any) { c["email"] = "mallory@example.com" }, want: ReasonBindingMismatch, calls: -1},
		{name: "admin-only enrollment refuses a user nobody enrolled", recorder: notEnrolled,
			env: func(e map[string]string) { e[contract.EnvEnrollment] = contract.EnrollmentAdminOnly }, want: ReasonNotEnrolled, calls: -1},
		{name: "auth_time missing", claims: func(c map[string]any) { delete(c, "auth_time") }, want: ReasonAuthTimeMissing, calls: -1},
		{name: "auth_time not a number", claims: func(c map[string]any) { c["auth_time"] = "yesterday" }, want: ReasonAuthTimeMissing, calls: -1},
		{name: "auth_time of a warm session", claims: func(c map[string]any) { c["auth_time"] = time.Now().Add(-10 * time.Minute).Unix() }, want: ReasonAuthStale, calls: -1},
		{name: "auth_time within skew", claims: func(c map[string]any) { c["auth_time"] = time.Now().Add(-20 * time.Second).Unix() }, want: ReasonOK, calls: -1},
		{name: "auth_time beyond configured skew", env: func(e map[string]string) { e[contract.EnvAuthTimeSkewSeconds] = "5" },
			claims: func(c map[string]any) { c["auth_time"] = time.Now().Add(-20 * time.Second).Unix() }, want: ReasonAuthStale, calls: -1},
		{name: "fresh auth off accepts a token without auth_time", env: func(e map[string]string) { e[contract.EnvFreshAuth] = contract.FreshAuthOff },
			claims: func(c map[string]any) { delete(c, "auth_time") }, want: ReasonOK, calls: -1},
		{name: "created at missing", event: func(ev *VerifyEvent) { delete(ev.Request.PrivateChallengeParameters, contract.PrivateCreatedAt) }, want: ReasonChallengeParamsBad, calls: 0},
		{name: "binding hash missing", event: func(ev *VerifyEvent) { delete(ev.Request.PrivateChallengeParameters, contract.PrivateBindingHash) }, want: ReasonChallengeParamsBad, calls: 0},
		{name: "explicit endpoints skip discovery", op: func(op *testOP) { op.discoveryFail.Store(100) }, env: func(e map[string]string) {
			e[contract.EnvAuthorizeURL] = e[contract.EnvIssuer] + "/authorize"
			e[contract.EnvTokenURL] = e[contract.EnvIssuer] + "/token"
			e[contract.EnvJWKSURL] = e[contract.EnvIssuer] + "/jwks"
		}, want: ReasonOK, calls: -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, op := runVerify(t, tc)
			if got != tc.want {
				t.Fatalf("reason = %s, want %s", got, tc.want)
			}
			if tc.calls >= 0 && op.tokenCalls.Load() != tc.calls {
				t.Fatalf("token calls = %d, want %d", op.tokenCalls.Load(), tc.calls)
			}
		})
	}
}

// loggedReason returns the reason of the single decision line in logs.
func loggedReason(t *testing.T, logs string) Reason {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	if len(lines) != 1 {
		t.Fatalf("want exactly one log line, got %d: %q", len(lines), logs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatalf("log line is not JSON: %v", err)
	}
	for _, k := range []string{"level", "reason", "userPoolId", "user", "duration_ms", "trigger"} {
		if _, ok := m[k]; !ok {
			t.Fatalf("log line lacks %q: %s", k, lines[0])
		}
	}
	r, _ := m["reason"].(string)
	return Reason(r)
}

// assertNoLeak fails if any sensitive value appears in the logs.
func assertNoLeak(t *testing.T, logs string, values ...string) {
	t.Helper()
	for _, v := range values {
		if v != "" && strings.Contains(logs, v) {
			t.Fatalf("log leaks a sensitive value: %s", logs)
		}
	}
	if strings.Contains(logs, "alice") {
		t.Fatalf("log leaks the user name: %s", logs)
	}
}
