package stepup_test

// Integration suite: the real Create and Verify handlers, invoked through
// lambda.NewHandler with JSON events shaped like Cognito's, drive a sign-in
// against a real OpenID Provider on loopback (test/oidcpeer, zitadel): Create
// → browser leg at the provider (BrowserLogin) → Verify. The handlers are
// configured from the environment twice: as a generic OIDC provider
// (discovery, scopes "openid email", email binding) and BlockID-shaped
// (explicit endpoints, secret carrying clientId/tenantDns/community, claim
// "username" bound to the Cognito userName).
//
// Every refusal is checked on both sides: answerCorrect=false in the
// response JSON and the reason code of the handler's JSON decision line.
// Every log line written (handler Logger and slog.Default) is checked for
// secrets, codes, tokens, state/nonce/verifier and raw answers.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/mototest"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/secretcache"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
	"github.com/cognitobridge/cognitobridge/test/syncbuf"
)

// ---------------------------------------------------------------------------
// Log capture and hygiene

// sensitive is a set of values that must never appear in a log line, each
// with a label that is printed instead of the value.
type sensitive struct {
	mu   sync.Mutex
	vals map[string]string // value -> label
}

func (s *sensitive) add(label string, vals ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.vals == nil {
		s.vals = map[string]string{}
	}
	for _, v := range vals {
		if len(v) >= 6 { // shorter strings match by accident
			s.vals[v] = label
		}
	}
	if s != &allSensitive {
		allSensitive.add(label, vals...)
	}
}

// leaks returns the labels of the sensitive values found in logs, plus
// "JWT" when a JWT prefix is present.
func (s *sensitive) leaks(logs string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for v, label := range s.vals {
		if strings.Contains(logs, v) {
			out = append(out, label)
		}
	}
	if strings.Contains(logs, "eyJ") {
		out = append(out, `JWT ("eyJ")`)
	}
	return out
}

var (
	// defaultLogs receives everything logged through slog.Default by any
	// package in this test binary (the provider's request log included).
	defaultLogs  syncbuf.Buffer
	allSensitive sensitive
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewJSONHandler(&defaultLogs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	code := m.Run()
	if leaks := allSensitive.leaks(defaultLogs.String()); len(leaks) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: slog.Default output contains: %v\n", leaks)
		code = 1
	}
	os.Exit(code)
}

// ---------------------------------------------------------------------------
// Users

type opUser struct{ name, password string }

var (
	alice = opUser{"alice", "alice-pw"}
	bob   = opUser{"bob", "bob-pw"}
	carol = opUser{"carol", "carol-pw"}
)

var peerUsers = []oidcpeer.User{
	{Username: "alice", Password: "alice-pw", Email: "Alice@Example.com", EmailVerified: true, ACR: "liveID push"},
	{Username: "bob", Password: "bob-pw", Email: "bob@example.com", EmailVerified: true, ACR: "liveID push"},
	// carol's provider account does not vouch for her email.
	{Username: "carol", Password: "carol-pw", Email: "carol@example.com", EmailVerified: false, ACR: "liveID push"},
}

// cognitoUser is a user of the pool as Cognito describes it to triggers.
type cognitoUser struct {
	userName string
	attrs    map[string]string
}

func cognito(name string) cognitoUser {
	subs := map[string]string{
		"alice": "6f1c2a8e-1b0a-4e57-9a3b-1c2d3e4f5a60",
		"bob":   "0b7e3c52-9d4f-4a3e-8c11-2f3e4d5c6b70",
		"carol": "a2d4f6e8-3c5b-4d7a-9e1f-0a1b2c3d4e80",
	}
	return cognitoUser{userName: name, attrs: map[string]string{
		"sub":                 subs[name],
		"email":               name + "@example.com",
		"email_verified":      "true",
		"cognito:user_status": "CONFIRMED",
	}}
}

// ---------------------------------------------------------------------------
// Rig: one provider, one Create and one Verify handler, one log buffer.

type mode string

const (
	modeOIDC    mode = "oidc"
	modeBlockID mode = "blockid"
)

const (
	poolID     = "eu-west-1_AbCdEf123"
	appClient  = "3ijbtbhcj26r52ls46ae3p6v1m"
	secretARN  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cognitobridge-stepup-AbCdEf"
	tenantDNS  = "tenant.example.com"
	community  = "community"
	lambdaTime = 5 * time.Second // what Cognito gives a trigger
)

type rigOptions struct {
	mode mode
	// env overrides or adds configuration keys ("" deletes a key).
	env map[string]string
	// secrets builds the secret sources of Create and Verify from the
	// provider secret JSON; default: static.
	secrets func(r *rig, secretJSON string) (create, verify stepup.SecretSource)
	// productionClient gives Verify the client it builds itself (nil
	// httpClient), without the token tap.
	productionClient bool
}

type rig struct {
	t       *testing.T
	peer    *oidcpeer.Peer
	mode    mode
	cfg     stepup.Config
	secret  string // client secret the provider was started with
	create  lambda.Handler
	verify  lambda.Handler
	logs    *syncbuf.Buffer
	sens    *sensitive
	tapSeen atomic.Int32 // token responses the tap recorded
}

func randomString(prefix string) string {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

func (r *rig) secretJSON(clientSecret string) string {
	s := contract.ProviderSecret{ClientSecret: clientSecret}
	if r.mode == modeBlockID {
		s.ClientID, s.TenantDNS, s.Community = r.peer.ClientID(), tenantDNS, community
	}
	b, err := json.Marshal(s)
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	if o.mode == "" {
		o.mode = modeOIDC
	}
	r := &rig{t: t, mode: o.mode, secret: randomString("cs-"), logs: &syncbuf.Buffer{}, sens: &sensitive{}}
	r.sens.add("client secret", r.secret)
	r.peer = oidcpeer.Start(t, oidcpeer.Options{ClientSecret: r.secret, Users: peerUsers})

	env := map[string]string{
		contract.EnvSecretARN: secretARN,
		contract.EnvIssuer:    r.peer.Issuer(),
	}
	switch o.mode {
	case modeOIDC:
		env[contract.EnvProvider] = contract.ProviderOIDC
		env[contract.EnvClientID] = r.peer.ClientID()
		env[contract.EnvRedirectURI] = r.peer.RedirectURI()
		env[contract.EnvScopes] = "openid email"
	case modeBlockID:
		// BlockID derives the redirect URI https://{tenantDns}/admin/{community}/post_stepup,
		// which is the peer's default; endpoints point at the peer instead
		// of https://{tenantDns}/oauth2/community/{community}/v1/.
		env[contract.EnvProvider] = contract.ProviderBlockID
		env[contract.EnvAuthorizeURL] = r.peer.AuthorizeURL()
		env[contract.EnvTokenURL] = r.peer.TokenURL()
		env[contract.EnvJWKSURL] = r.peer.JWKSURL()
		env[contract.EnvACRValues] = `["liveID push"]`
	}
	for k, v := range o.env {
		env[k] = v
	}
	cfg, err := stepup.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("ConfigFromEnv: %v", err)
	}
	r.cfg = cfg

	secretJSON := r.secretJSON(r.secret)
	cs, vs := stepup.StaticSecret(mustSecret(t, secretJSON)), stepup.StaticSecret(mustSecret(t, secretJSON))
	if o.secrets != nil {
		cs, vs = o.secrets(r, secretJSON)
	}
	logger := slog.New(slog.NewJSONHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	// The Verify client is the handler's own (NewHTTPClient: budget
	// timeout, no redirects) with a tap that records what the token
	// endpoint returned, so the log check knows every token the handler saw.
	base := &http.Transport{Proxy: nil}
	t.Cleanup(base.CloseIdleConnections)
	vc := stepup.NewHTTPClient(cfg.Budget)
	vc.Transport = &tokenTap{base: base, record: r.recordTokenResponse}
	if o.productionClient {
		vc = nil
	}

	ch := stepup.NewCreateHandler(cfg, cs, nil)
	ch.Logger = logger
	vh := stepup.NewVerifyHandler(cfg, vs, vc, stepup.BindingOnly{})
	vh.Logger = logger
	r.create, r.verify = lambda.NewHandler(ch.Handle), lambda.NewHandler(vh.Handle)

	t.Cleanup(func() {
		logs := r.logs.String()
		if strings.TrimSpace(logs) == "" {
			t.Errorf("handlers logged nothing")
		}
		if leaks := r.sens.leaks(logs); len(leaks) > 0 {
			t.Errorf("handler log lines contain: %v", leaks)
		}
	})
	return r
}

func mustSecret(t *testing.T, s string) contract.ProviderSecret {
	t.Helper()
	var ps contract.ProviderSecret
	if err := json.Unmarshal([]byte(s), &ps); err != nil {
		t.Fatal(err)
	}
	return ps
}

// tokenTap records the body of every token endpoint response.
type tokenTap struct {
	base   http.RoundTripper
	record func(body []byte)
}

func (tt *tokenTap) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := tt.base.RoundTrip(req)
	if err != nil || req.URL.Path != oidcpeer.PathToken {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	tt.record(body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func (r *rig) recordTokenResponse(body []byte) {
	r.tapSeen.Add(1)
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return
	}
	for _, k := range []string{"id_token", "access_token", "refresh_token"} {
		if s, ok := m[k].(string); ok {
			r.sens.add(k, s)
			if parts := strings.Split(s, "."); len(parts) == 3 {
				r.sens.add(k+" payload", parts[1])
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Cognito-shaped events

type challenge struct {
	pub, priv map[string]string
}

func (r *rig) invoke(h lambda.Handler, ev map[string]any) ([]byte, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), lambdaTime)
	defer cancel()
	return h.Invoke(ctx, payload)
}

func header(trigger string, u cognitoUser) map[string]any {
	return map[string]any{
		"version":       "1",
		"region":        "eu-west-1",
		"userPoolId":    poolID,
		"userName":      u.userName,
		"callerContext": map[string]any{"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": appClient},
		"triggerSource": trigger,
	}
}

// createChallenge runs CreateAuthChallenge after SRP_A and PASSWORD_VERIFIER.
func (r *rig) createChallenge(u cognitoUser, userNotFound bool) challenge {
	r.t.Helper()
	attrs := u.attrs
	if userNotFound {
		attrs = map[string]string{}
	}
	ev := header("CreateAuthChallenge_Authentication", u)
	ev["request"] = map[string]any{
		"userAttributes": attrs,
		"challengeName":  "CUSTOM_CHALLENGE",
		"session": []map[string]any{
			{"challengeName": "SRP_A", "challengeResult": true, "challengeMetadata": nil},
			{"challengeName": "PASSWORD_VERIFIER", "challengeResult": true, "challengeMetadata": nil},
		},
		"userNotFound": userNotFound,
	}
	ev["response"] = map[string]any{"publicChallengeParameters": nil, "privateChallengeParameters": nil, "challengeMetadata": nil}
	out, err := r.invoke(r.create, ev)
	if err != nil {
		r.t.Fatalf("Create: %v", err)
	}
	var got struct {
		Response struct {
			Pub  map[string]string `json:"publicChallengeParameters"`
			Priv map[string]string `json:"privateChallengeParameters"`
			Meta string            `json:"challengeMetadata"`
		} `json:"response"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		r.t.Fatalf("Create response: %v", err)
	}
	c := challenge{pub: got.Response.Pub, priv: got.Response.Priv}
	if c.pub[contract.PublicAuthorizeURL] == "" || c.priv[contract.PrivateState] == "" || got.Response.Meta != contract.ChallengeMetadata {
		r.t.Fatalf("Create response incomplete: public keys %d, private keys %d, metadata %q", len(c.pub), len(c.priv), got.Response.Meta)
	}
	r.sens.add("state", c.priv[contract.PrivateState])
	r.sens.add("nonce", c.priv[contract.PrivateNonce])
	r.sens.add("codeVerifier", c.priv[contract.PrivateCodeVerifier])
	r.sens.add("authorize URL", c.pub[contract.PublicAuthorizeURL])
	return c
}

// login is the browser leg: the user signs in at the provider and the
// redirect back carries the code and state.
func (r *rig) login(c challenge, u opUser) (code, state string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, state, err := r.peer.BrowserLogin(ctx, c.pub[contract.PublicAuthorizeURL], u.name, u.password)
	if err != nil {
		r.t.Fatalf("BrowserLogin(%s): %v", u.name, err)
	}
	if state != c.pub[contract.PublicState] {
		r.t.Fatalf("redirect state differs from the challenge's public state")
	}
	r.sens.add("authorization code", code)
	return code, state
}

// answerString is the challengeAnswer a client sends: a JSON string.
func answerString(code, state string) json.RawMessage {
	return stepup.AnswerJSON(code, state)
}

// rawString wraps s as a JSON string (the client's answer text).
func rawString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

type verdict struct {
	correct bool
	reason  string
	took    time.Duration
}

// verifyAnswer runs VerifyAuthChallengeResponse and returns answerCorrect
// from the response JSON and the reason code from the decision log line.
func (r *rig) verifyAnswer(u cognitoUser, c challenge, answer json.RawMessage, userNotFound bool) verdict {
	r.t.Helper()
	r.sens.add("raw answer", string(answer))
	var s string
	if json.Unmarshal(answer, &s) == nil {
		r.sens.add("answer text", s)
	}
	attrs := u.attrs
	if userNotFound {
		attrs = map[string]string{}
	}
	ev := header("VerifyAuthChallengeResponse_Authentication", u)
	ev["request"] = map[string]any{
		"userAttributes":             attrs,
		"privateChallengeParameters": c.priv,
		"challengeAnswer":            answer,
		"userNotFound":               userNotFound,
	}
	ev["response"] = map[string]any{"answerCorrect": nil}
	before := len(decisionLines(r.logs.String(), "verify"))
	start := time.Now()
	out, err := r.invoke(r.verify, ev)
	took := time.Since(start)
	if err != nil {
		r.t.Fatalf("Verify returned an error (it must answer instead): %v", err)
	}
	var got struct {
		UserName string `json:"userName"`
		Response struct {
			AnswerCorrect *bool `json:"answerCorrect"`
		} `json:"response"`
	}
	if err := json.Unmarshal(out, &got); err != nil || got.Response.AnswerCorrect == nil {
		r.t.Fatalf("Verify response has no answerCorrect boolean (%v)", err)
	}
	if got.UserName != u.userName {
		r.t.Fatalf("Verify response does not echo the event")
	}
	lines := decisionLines(r.logs.String(), "verify")
	if len(lines) != before+1 {
		r.t.Fatalf("want exactly one verify decision line per invocation, got %d new", len(lines)-before)
	}
	return verdict{correct: *got.Response.AnswerCorrect, reason: lines[len(lines)-1], took: took}
}

// decisionLines returns the reason of every decision line of trigger.
func decisionLines(logs, trigger string) []string {
	var out []string
	for _, line := range strings.Split(logs, "\n") {
		if line == "" {
			continue
		}
		var m struct {
			Msg     string `json:"msg"`
			Trigger string `json:"trigger"`
			Reason  string `json:"reason"`
		}
		if json.Unmarshal([]byte(line), &m) == nil && m.Msg == "stepup decision" && m.Trigger == trigger {
			out = append(out, m.Reason)
		}
	}
	return out
}

func (r *rig) tokenCalls() int { return r.peer.Calls()[oidcpeer.EndpointToken] }

func expect(t *testing.T, v verdict, want stepup.Reason) {
	t.Helper()
	if want == stepup.ReasonOK {
		if !v.correct || v.reason != string(stepup.ReasonOK) {
			t.Fatalf("answerCorrect=%v reason=%s, want true/ok", v.correct, v.reason)
		}
		return
	}
	if v.correct {
		t.Fatalf("answerCorrect=true, want refusal %s", want)
	}
	if v.reason != string(want) {
		t.Fatalf("reason = %s, want %s", v.reason, want)
	}
}

// ---------------------------------------------------------------------------
// The table

type verifyCase struct {
	name string
	mode mode
	env  map[string]string
	// setup runs after Create and before the browser leg.
	setup func(r *rig)
	// who signs in at the provider, and who Cognito says is signing in.
	login   opUser
	cognito cognitoUser
	// answer builds the challengeAnswer from the browser leg's result.
	answer       func(code, state string) json.RawMessage
	userNotFound bool
	want         stepup.Reason
	// tokenCalls is the number of token endpoint requests the Verify
	// makes; -1 skips the check.
	tokenCalls int
}

func TestIntegrationVerify(t *testing.T) {
	t.Parallel()
	expClaim := func(delta time.Duration) func(map[string]any) {
		return func(c map[string]any) {
			now := time.Now()
			c["iat"] = json.Number(fmt.Sprint(now.Add(delta - time.Hour).Unix()))
			c["exp"] = json.Number(fmt.Sprint(now.Add(delta).Unix()))
		}
	}
	mutate := func(f func(r *rig) func(string) string) func(r *rig) {
		return func(r *rig) { r.peer.SetTokenMutator(f(r)) }
	}
	resign := func(edit func(map[string]any)) func(r *rig) {
		return mutate(func(r *rig) func(string) string { return r.peer.ResignWithClaims(edit) })
	}
	emailUnverified := cognito("alice")
	emailUnverified.attrs["email_verified"] = "false"
	big := strings.Repeat("A", 5*1024)

	cases := []verifyCase{
		{name: "oidc/happy", want: stepup.ReasonOK, tokenCalls: 1},
		{name: "blockid/happy", mode: modeBlockID, want: stepup.ReasonOK, tokenCalls: 1,
			env: map[string]string{contract.EnvRequiredACR: `["liveID push"]`}},
		{name: "oidc/happy resigned by a published key", setup: resign(nil), want: stepup.ReasonOK, tokenCalls: 1},
		{name: "oidc/client_secret_post", env: map[string]string{contract.EnvTokenAuthMethod: contract.TokenAuthPost}, want: stepup.ReasonOK, tokenCalls: 1},

		{name: "oidc/forged signature", setup: mutate(func(r *rig) func(string) string { return r.peer.ForgeSignature() }), want: stepup.ReasonIDTokenInvalid, tokenCalls: 1},
		{name: "blockid/forged signature", mode: modeBlockID, setup: mutate(func(r *rig) func(string) string { return r.peer.ForgeSignature() }), want: stepup.ReasonIDTokenInvalid, tokenCalls: 1},
		{name: "oidc/alg none", setup: mutate(func(r *rig) func(string) string { return r.peer.AlgNone() }), want: stepup.ReasonIDTokenInvalid, tokenCalls: 1},
		{name: "oidc/HS256 keyed with public key PEM", setup: mutate(func(r *rig) func(string) string { return r.peer.HS256WithPublicKey(oidcpeer.KeyPEM) }), want: stepup.ReasonIDTokenInvalid, tokenCalls: 1},
		{name: "oidc/HS256 keyed with public key DER", setup: mutate(func(r *rig) func(string) string { return r.peer.HS256WithPublicKey(oidcpeer.KeyDER) }), want: stepup.ReasonIDTokenInvalid, tokenCalls: 1},
		{name: "oidc/HS256 keyed with public key JWK", setup: mutate(func(r *rig) func(string) string { return r.peer.HS256WithPublicKey(oidcpeer.KeyJWK) }), want: stepup.ReasonIDTokenInvalid, tokenCalls: 1},
		{name: "blockid/HS256 keyed with public key JWK", mode: modeBlockID, setup: mutate(func(r *rig) func(string) string { return r.peer.HS256WithPublicKey(oidcpeer.KeyJWK) }), want: stepup.ReasonIDTokenInvalid, tokenCalls: 1},
		{name: "oidc/wrong issuer", setup: resign(func(c map[string]any) { c["iss"] = "https://evil.example.com" }), want: stepup.ReasonIDTokenInvalid, tokenCalls: 1},
		{name: "oidc/wrong audience", setup: resign(func(c map[string]any) { c["aud"] = []string{"another-client"}; delete(c, "azp") }), want: stepup.ReasonIDTokenInvalid, tokenCalls: 1},
		{name: "oidc/extra audience without azp", setup: resign(func(c map[string]any) {
			switch a := c["aud"].(type) {
			case []any:
				c["aud"] = append(a, "another-client")
			case string:
				c["aud"] = []any{a, "another-client"}
			}
			delete(c, "azp")
		}), want: stepup.ReasonIDTokenInvalid, tokenCalls: 1},
		{name: "oidc/expired", setup: resign(expClaim(-time.Hour)), want: stepup.ReasonIDTokenInvalid, tokenCalls: 1},
		{name: "oidc/nonce mismatch", setup: resign(func(c map[string]any) { c["nonce"] = "another-sessions-nonce" }), want: stepup.ReasonNonceMismatch, tokenCalls: 1},
		{name: "oidc/nonce missing", setup: resign(func(c map[string]any) { delete(c, "nonce") }), want: stepup.ReasonNonceMismatch, tokenCalls: 1},
		{name: "blockid/username claim rewritten", mode: modeBlockID, setup: resign(func(c map[string]any) { c["username"] = "mallory" }), want: stepup.ReasonBindingMismatch, tokenCalls: 1},

		{name: "oidc/state mismatch", answer: func(code, _ string) json.RawMessage { return answerString(code, randomString("st-")) }, want: stepup.ReasonStateMismatch, tokenCalls: 0},
		{name: "oidc/token of another user", login: bob, want: stepup.ReasonBindingMismatch, tokenCalls: 1},
		{name: "blockid/token of another user", mode: modeBlockID, login: bob, want: stepup.ReasonBindingMismatch, tokenCalls: 1},
		{name: "oidc/cognito email_verified false", cognito: emailUnverified, want: stepup.ReasonEmailNotVerified, tokenCalls: 1},
		// zitadel omits email_verified when false (omitempty), so the
		// provider's "false" is put into the token explicitly here.
		{name: "oidc/provider email_verified false", login: carol, cognito: cognito("carol"),
			setup: resign(func(c map[string]any) { c["email_verified"] = false }), want: stepup.ReasonEmailNotVerified, tokenCalls: 1},
		// As the real OP sends it for an address it has not verified: no
		// email_verified claim at all. Silence is not verification.
		{name: "oidc/provider email_verified absent", login: carol, cognito: cognito("carol"), want: stepup.ReasonEmailNotVerified, tokenCalls: 1},
		{name: "oidc/provider email_verified \"false\"", login: carol, cognito: cognito("carol"),
			setup: resign(func(c map[string]any) { c["email_verified"] = "false" }), want: stepup.ReasonEmailNotVerified, tokenCalls: 1},
		{name: "blockid/acr below required", mode: modeBlockID, env: map[string]string{contract.EnvRequiredACR: `["liveID push"]`},
			setup: func(r *rig) { r.peer.SetUserACR("alice", "otp email") }, want: stepup.ReasonACRInsufficient, tokenCalls: 1},
		{name: "oidc/acr absent but required", env: map[string]string{contract.EnvRequiredACR: `["liveID push"]`},
			setup: func(r *rig) { r.peer.SetUserACR("alice", "") }, want: stepup.ReasonACRInsufficient, tokenCalls: 1},

		{name: "answer/not JSON", answer: func(string, string) json.RawMessage { return rawString("not json at all") }, want: stepup.ReasonAnswerMalformed},
		{name: "answer/JSON array", answer: func(code, state string) json.RawMessage {
			b, _ := json.Marshal([]string{code, state})
			return rawString(string(b))
		}, want: stepup.ReasonAnswerMalformed},
		{name: "answer/missing code", answer: func(_, state string) json.RawMessage {
			return rawString(`{"state":` + string(rawString(state)) + `}`)
		}, want: stepup.ReasonAnswerMalformed},
		{name: "answer/empty state", answer: func(code, _ string) json.RawMessage { return answerString(code, "") }, want: stepup.ReasonAnswerMalformed},
		{name: "answer/5 KB oversize", answer: func(code, state string) json.RawMessage { return answerString(code+big, state) }, want: stepup.ReasonAnswerTooLarge},
		{name: "answer/object not string", answer: func(code, state string) json.RawMessage {
			b, _ := json.Marshal(contract.Answer{Code: code, State: state})
			return b
		}, want: stepup.ReasonAnswerMalformed},
		{name: "answer/number", answer: func(string, string) json.RawMessage { return json.RawMessage(`42`) }, want: stepup.ReasonAnswerMalformed},
		{name: "answer/null", answer: func(string, string) json.RawMessage { return json.RawMessage(`null`) }, want: stepup.ReasonAnswerMalformed},

		{name: "oidc/token endpoint 500", setup: func(r *rig) { r.peer.SetTokenEndpointFault(oidcpeer.Fault{Kind: oidcpeer.FaultHTTP500}) }, want: stepup.ReasonTokenExchangeFailed, tokenCalls: 1},
		{name: "oidc/userNotFound", userNotFound: true, want: stepup.ReasonUserNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOptions{mode: tc.mode, env: tc.env})
			u := tc.cognito
			if u.userName == "" {
				u = cognito("alice")
			}
			login := tc.login
			if login.name == "" {
				login = alice
			}
			c := r.createChallenge(u, tc.userNotFound)
			if tc.setup != nil {
				tc.setup(r)
			}
			code, state := r.login(c, login)
			answer := answerString(code, state)
			if tc.answer != nil {
				answer = tc.answer(code, state)
			}
			before := r.tokenCalls()
			v := r.verifyAnswer(u, c, answer, tc.userNotFound)
			expect(t, v, tc.want)
			if tc.want == stepup.ReasonOK && r.tapSeen.Load() == 0 {
				t.Errorf("token tap saw no token response: the log check would miss the tokens")
			}
			if tc.tokenCalls >= 0 {
				if got := r.tokenCalls() - before; got != tc.tokenCalls {
					t.Errorf("token endpoint calls = %d, want %d", got, tc.tokenCalls)
				}
			}
		})
	}
}

// TestIntegrationReplayedCode presents the same code twice: the second
// Verify is refused because the provider refuses the reused code.
func TestIntegrationReplayedCode(t *testing.T) {
	t.Parallel()
	for _, m := range []mode{modeOIDC, modeBlockID} {
		t.Run(string(m), func(t *testing.T) {
			t.Parallel()
			r := newRig(t, rigOptions{mode: m})
			u := cognito("alice")
			c := r.createChallenge(u, false)
			code, state := r.login(c, alice)
			expect(t, r.verifyAnswer(u, c, answerString(code, state), false), stepup.ReasonOK)
			expect(t, r.verifyAnswer(u, c, answerString(code, state), false), stepup.ReasonTokenExchangeFailed)
			if got := r.tokenCalls(); got != 2 {
				t.Errorf("token endpoint calls = %d, want 2 (the provider must see and refuse the reuse)", got)
			}
		})
	}
}

// TestIntegrationHangingTokenEndpoint: a token endpoint that never answers
// makes Verify refuse within Cognito's 5 s, and within the configured
// budget. Verify uses its own HTTP client here, as in production.
func TestIntegrationHangingTokenEndpoint(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		budget   string
		min, max time.Duration
	}{
		{"default budget", "", 3500 * time.Millisecond, lambdaTime},
		{"budget 1s", "1000", 900 * time.Millisecond, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			if tc.budget != "" {
				env[contract.EnvBudgetMillis] = tc.budget
			}
			r := newRig(t, rigOptions{env: env, productionClient: true})
			u := cognito("alice")
			c := r.createChallenge(u, false)
			code, state := r.login(c, alice)
			r.peer.SetTokenEndpointFault(oidcpeer.Fault{Kind: oidcpeer.FaultHang})
			v := r.verifyAnswer(u, c, answerString(code, state), false)
			expect(t, v, stepup.ReasonDeadlineExceeded)
			t.Logf("hanging token endpoint, %s: Verify returned after %v", tc.name, v.took.Round(time.Millisecond))
			if v.took >= tc.max || v.took < tc.min {
				t.Errorf("Verify took %v, want in [%v, %v)", v.took, tc.min, tc.max)
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Secret rotation

// fakeSM is a Secrets Manager stand-in for secretcache: one secret whose
// value the test changes, with a GetSecretValue counter.
type fakeSM struct {
	mu    sync.Mutex
	value string
	gets  int
}

func (f *fakeSM) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	return &secretsmanager.GetSecretValueOutput{ARN: in.SecretId, SecretString: aws.String(f.value)}, nil
}

func (f *fakeSM) set(v string) {
	f.mu.Lock()
	f.value = v
	f.mu.Unlock()
}

func (f *fakeSM) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets
}

func TestIntegrationSecretRotation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		storeFollows bool // the secret store gets the rotated value
		want         stepup.Reason
	}{
		{"store updated: refetch once, retry once", true, stepup.ReasonOK},
		{"store stale: refused, no loop", false, stepup.ReasonTokenExchangeFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sm := &fakeSM{}
			r := newRig(t, rigOptions{secrets: func(r *rig, secretJSON string) (stepup.SecretSource, stepup.SecretSource) {
				sm.set(secretJSON)
				// Create and Verify are separate functions: separate caches.
				return secretcache.New(sm, secretARN, time.Hour), secretcache.New(sm, secretARN, time.Hour)
			}})
			u := cognito("alice")

			// Warm the caches with the current secret.
			c := r.createChallenge(u, false)
			code, state := r.login(c, alice)
			expect(t, r.verifyAnswer(u, c, answerString(code, state), false), stepup.ReasonOK)
			if got := sm.count(); got != 2 {
				t.Fatalf("GetSecretValue calls after warm-up = %d, want 2 (one per function)", got)
			}

			rotated := randomString("cs-rotated-")
			r.sens.add("rotated client secret", rotated)
			r.peer.RotateClientSecret(rotated)
			if tc.storeFollows {
				sm.set(r.secretJSON(rotated))
			}
			for round := 0; round < 2; round++ {
				c = r.createChallenge(u, false)
				code, state = r.login(c, alice)
				gets, tokens := sm.count(), r.tokenCalls()
				v := r.verifyAnswer(u, c, answerString(code, state), false)
				if round == 0 || !tc.storeFollows {
					expect(t, v, tc.want)
					if got := r.tokenCalls() - tokens; got != 2 {
						t.Errorf("round %d: token calls = %d, want 2 (invalid_client, one retry)", round, got)
					}
					if got := sm.count() - gets; got != 1 {
						t.Errorf("round %d: GetSecretValue calls = %d, want 1 refetch", round, got)
					}
				} else {
					// The refreshed value is cached again.
					expect(t, v, stepup.ReasonOK)
					if got, gotGets := r.tokenCalls()-tokens, sm.count()-gets; got != 1 || gotGets != 0 {
						t.Errorf("after refresh: token calls = %d, GetSecretValue = %d, want 1 and 0", got, gotGets)
					}
				}
			}
		})
	}
}

// ---------------------------------------------------------------------------
// Secrets Manager through moto_server with the real SDK client

// countingTransport counts Secrets Manager GetSecretValue requests.
type countingTransport struct {
	base http.RoundTripper
	gets atomic.Int32
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("X-Amz-Target") == "secretsmanager.GetSecretValue" {
		c.gets.Add(1)
	}
	return c.base.RoundTrip(req)
}

func TestIntegrationSecretsManagerMoto(t *testing.T) {
	t.Parallel()
	endpoint := mototest.Start(t)
	base := &http.Transport{Proxy: nil}
	t.Cleanup(base.CloseIdleConnections)
	admin := mototest.SecretsManager(endpoint, &http.Client{Transport: base})
	createCount, verifyCount := &countingTransport{base: base}, &countingTransport{base: base}

	var arn string
	r := newRig(t, rigOptions{secrets: func(r *rig, secretJSON string) (stepup.SecretSource, stepup.SecretSource) {
		out, err := admin.CreateSecret(context.Background(), &secretsmanager.CreateSecretInput{
			Name: aws.String("cognitobridge/stepup"), SecretString: aws.String(secretJSON),
		})
		if err != nil {
			t.Fatalf("CreateSecret: %v", err)
		}
		arn = aws.ToString(out.ARN)
		ttl := r.cfg.SecretTTL // the default, 300 s
		return secretcache.New(mototest.SecretsManager(endpoint, &http.Client{Transport: createCount}), arn, ttl),
			secretcache.New(mototest.SecretsManager(endpoint, &http.Client{Transport: verifyCount}), arn, ttl)
	}})
	u := cognito("alice")
	const n = 20
	for i := 0; i < n; i++ {
		c := r.createChallenge(u, false)
		code, state := r.login(c, alice)
		expect(t, r.verifyAnswer(u, c, answerString(code, state), false), stepup.ReasonOK)
	}
	if got := verifyCount.gets.Load(); got != 1 {
		t.Errorf("%d verifies cost %d GetSecretValue calls in Verify, want 1", n, got)
	}
	if got := createCount.gets.Load(); got != 1 {
		t.Errorf("%d creates cost %d GetSecretValue calls in Create, want 1", n, got)
	}

	// Rotation through Secrets Manager: the provider and the secret change,
	// Verify refetches exactly once.
	rotated := randomString("cs-rotated-")
	r.sens.add("rotated client secret", rotated)
	if _, err := admin.PutSecretValue(context.Background(), &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(arn), SecretString: aws.String(r.secretJSON(rotated)),
	}); err != nil {
		t.Fatalf("PutSecretValue: %v", err)
	}
	r.peer.RotateClientSecret(rotated)
	c := r.createChallenge(u, false)
	code, state := r.login(c, alice)
	tokens := r.tokenCalls()
	expect(t, r.verifyAnswer(u, c, answerString(code, state), false), stepup.ReasonOK)
	if got := r.tokenCalls() - tokens; got != 2 {
		t.Errorf("token calls after rotation = %d, want 2", got)
	}
	if got := verifyCount.gets.Load(); got != 2 {
		t.Errorf("GetSecretValue calls in Verify after rotation = %d, want 2", got)
	}
}
