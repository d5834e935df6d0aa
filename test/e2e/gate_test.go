package e2e

// End to end: the transaction step-up gate (RFC 9470) through the real
// binaries. The token-mode authorizer (lambdas/cmd/transaction-authorizer),
// the step-up gate (lambdas/cmd/transaction-gate) and the sample backend
// (lambdas/cmd/transaction-echo) each run as a process against a Runtime
// API of its own (test/runtimeapi). The gate reaches the backend through
// the real AWS SDK (Lambda Invoke, AWS_ENDPOINT_URL_LAMBDA) at a loopback
// FAKE of the Lambda Invoke REST API written below from the Invoke API
// reference, which hands the event to the echo binary. A small FAKE of API
// Gateway's HTTP API glue (authorizer first, then the integration with the
// authorizer's context) drives them, and a loopback key set stands in for
// the user pool's JWKS.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/runtimeapi"
)

// Binaries of the transaction step-up (lambdas/cmd/<name>).
const (
	binTxAuthorizer = "transaction-authorizer"
	binTxGate       = "transaction-gate"
	binTxEcho       = "transaction-echo"
)

// invokeRaw hands payload to f and returns its response bytes (isErr: the
// runtime posted an error document).
func (f *function) invokeRaw(tb testing.TB, payload []byte, deadline time.Duration) (out []byte, isErr bool) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline+5*time.Second)
	defer cancel()
	out, isErr, err := f.api.Invoke(ctx, payload, deadline)
	if err != nil {
		tb.Fatalf("%s: invoke: %v\n%s", f.name, err, f.output(tb))
	}
	return out, isErr
}

// txPool is a user pool's key set on loopback, and the tokens it signs.
type txPool struct {
	srv    *httptest.Server
	key    *rsa.PrivateKey
	client string
}

const txPoolPath = "/us-east-1_GateE2E01"

func newTxPool(t *testing.T) *txPool {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &txPool{key: key, client: "3gate2e2client00000000000"}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != txPoolPath+"/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "gate-1", Algorithm: "RS256", Use: "sig"}}})
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *txPool) issuer() string { return p.srv.URL + txPoolPath }

// accessToken is a Cognito-shaped access token of sub; stepUpAt zero means
// no step-up claims (an ordinary sign-in or a refresh).
func (p *txPool) accessToken(t *testing.T, sub string, stepUpAt time.Time, reason string) string {
	t.Helper()
	now := time.Now()
	claims := map[string]any{
		"sub": sub, "iss": p.issuer(), "client_id": p.client, "token_use": "access",
		"scope": "aws.cognito.signin.user.admin", "auth_time": now.Add(-time.Minute).Unix(),
		"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "j-" + sub, "username": "bob",
	}
	if !stepUpAt.IsZero() {
		claims[contract.ClaimStepUpAt] = stepUpAt.Unix()
		claims[contract.ClaimStepUpReason] = reason
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: p.key, KeyID: "gate-1"}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := jws.CompactSerialize()
	return s
}

// lambdaServiceFake is a FAKE of the AWS Lambda Invoke REST API, written
// from the Invoke API reference (not from any emulator):
//
//	POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=]
//	     X-Amz-Invocation-Type: RequestResponse (default) | Event | DryRun
//	     body: the payload
//	200  body: the function's response; X-Amz-Executed-Version; when the
//	     function failed, X-Amz-Function-Error: Unhandled and the error
//	     document as body ("The status code in the API response doesn't
//	     reflect function errors")
//	404  ResourceNotFoundException (X-Amzn-ErrorType), JSON {"Type","message"}
//
// Functions are looked up by name or ARN; only RequestResponse is served
// (the gate uses nothing else), any other type is 400.
type lambdaServiceFake struct {
	srv *httptest.Server
	mu  sync.Mutex
	// functions by name: the handler of one invocation.
	functions map[string]func(payload []byte) (out []byte, failed bool)
	calls     []lambdaCall
}

type lambdaCall struct {
	function, invocationType, authorization string
	payload                                 []byte
}

func newLambdaServiceFake(t *testing.T) *lambdaServiceFake {
	t.Helper()
	l := &lambdaServiceFake{functions: map[string]func([]byte) ([]byte, bool){}}
	l.srv = httptest.NewServer(http.HandlerFunc(l.serve))
	t.Cleanup(l.srv.Close)
	return l
}

func (l *lambdaServiceFake) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/2015-03-31/functions/")
	name, ok2 := strings.CutSuffix(rest, "/invocations")
	if !ok || !ok2 || r.Method != http.MethodPost {
		lambdaError(w, 404, "ResourceNotFoundException", "unknown path")
		return
	}
	payload, _ := io.ReadAll(io.LimitReader(r.Body, runtimeapi.MaxPayload+1))
	typ := r.Header.Get("X-Amz-Invocation-Type")
	l.mu.Lock()
	l.calls = append(l.calls, lambdaCall{function: name, invocationType: typ, authorization: r.Header.Get("Authorization"), payload: payload})
	fn := l.functions[name]
	l.mu.Unlock()
	if typ != "" && typ != "RequestResponse" {
		lambdaError(w, 400, "InvalidParameterValueException", "this fake serves RequestResponse only")
		return
	}
	if fn == nil {
		lambdaError(w, 404, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	out, failed := fn(payload)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	if failed {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
	}
	w.WriteHeader(200)
	_, _ = w.Write(out)
}

func lambdaError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
}

func (l *lambdaServiceFake) callsTo(name string) []lambdaCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []lambdaCall
	for _, c := range l.calls {
		if c.function == name {
			out = append(out, c)
		}
	}
	return out
}

// httpResponse is what the client of the API receives.
type httpResponse struct {
	status  int
	headers map[string]string
	body    string
}

// httpAPIFake is a FAKE of API Gateway's HTTP API for one route with a
// Lambda authorizer (simple responses, payload 2.0, never cached) and a
// Lambda integration (payload 2.0): a missing Authorization header is 401
// {"message":"Unauthorized"} without calling the authorizer, a deny is 403
// {"message":"Forbidden"}, an allow passes the authorizer's context to the
// integration as requestContext.authorizer.lambda, and the integration's
// response is what the client receives.
type httpAPIFake struct {
	authorizer, integration *function
	routeKey                string
	requests                int
	lastEvent               []byte
}

func (a *httpAPIFake) call(t *testing.T, authorization, body string) httpResponse {
	t.Helper()
	a.requests++
	method, path, _ := strings.Cut(a.routeKey, " ")
	requestID := fmt.Sprintf("gate-e2e-%d", a.requests)
	if authorization == "" {
		return httpResponse{status: 401, body: `{"message":"Unauthorized"}`}
	}
	authEvent := events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST", RouteKey: a.routeKey, RawPath: path,
		RouteArn:       "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/" + method + path,
		IdentitySource: []string{authorization},
		Headers:        map[string]string{"authorization": authorization, "content-type": "application/json"},
	}
	authEvent.RequestContext.RequestID = requestID
	authEvent.RequestContext.RouteKey = a.routeKey
	authEvent.RequestContext.HTTP.Method = method
	authEvent.RequestContext.HTTP.Path = path
	raw, _ := json.Marshal(authEvent)
	out, isErr := a.authorizer.invokeRaw(t, raw, 5*time.Second)
	var allow struct {
		IsAuthorized bool           `json:"isAuthorized"`
		Context      map[string]any `json:"context"`
	}
	if isErr || json.Unmarshal(out, &allow) != nil {
		return httpResponse{status: 500, body: `{"message":"Internal Server Error"}`}
	}
	if !allow.IsAuthorized {
		return httpResponse{status: 403, body: `{"message":"Forbidden"}`}
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: a.routeKey, RawPath: path,
		Headers: map[string]string{"authorization": authorization, "content-type": "application/json"},
		Body:    body,
	}
	ev.RequestContext.RequestID = requestID
	ev.RequestContext.RouteKey = a.routeKey
	ev.RequestContext.HTTP.Method = method
	ev.RequestContext.HTTP.Path = path
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: allow.Context}
	raw, _ = json.Marshal(ev)
	a.lastEvent = raw
	out, isErr = a.integration.invokeRaw(t, raw, 10*time.Second)
	return proxyResponse(out, isErr)
}

// proxyResponse is what API Gateway answers for the integration's output:
// its proxy response, or a 500 when the function failed or answered
// something else.
func proxyResponse(out []byte, isErr bool) httpResponse {
	var resp struct {
		StatusCode *int              `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	}
	if isErr || json.Unmarshal(out, &resp) != nil || resp.StatusCode == nil {
		return httpResponse{status: 500, body: `{"message":"Internal Server Error"}`}
	}
	return httpResponse{status: *resp.StatusCode, headers: resp.Headers, body: resp.Body}
}

const txBackendARN = "arn:aws:lambda:us-east-1:123456789012:function:cognitobridge-payments"

// txStack runs the three binaries and the fakes for POST /payments.
type txStack struct {
	pool    *txPool
	lambda  *lambdaServiceFake
	echo    *function
	authz   *function
	gate    *function
	api     *httpAPIFake
	started time.Duration
}

func newTxStack(t *testing.T, backend string) *txStack {
	t.Helper()
	s := &txStack{pool: newTxPool(t), lambda: newLambdaServiceFake(t)}
	binary(t, binTxGate) // build outside the start-up time
	start := time.Now()
	s.echo = startFunction(t, binTxEcho, nil)
	echoInvoke := func(payload []byte) ([]byte, bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
		defer cancel()
		out, isErr, err := s.echo.api.Invoke(ctx, payload, 3*time.Second)
		if err != nil {
			return []byte(`{"errorMessage":"` + err.Error() + `","errorType":"Runtime.ExitError"}`), true
		}
		return out, isErr
	}
	s.lambda.functions[txBackendARN] = echoInvoke
	s.lambda.functions["cognitobridge-broken"] = func([]byte) ([]byte, bool) {
		return []byte(`{"errorMessage":"connection to ledger db://admin:hunter2@10.0.0.5 refused","errorType":"Error"}`), true
	}
	s.lambda.functions["cognitobridge-slow"] = func(p []byte) ([]byte, bool) {
		time.Sleep(3 * time.Second)
		return echoInvoke(p)
	}
	s.authz = startFunction(t, binTxAuthorizer, map[string]string{
		contract.EnvTokenIssuer:    s.pool.issuer(),
		contract.EnvTokenClientID:  s.pool.client,
		contract.EnvAuthorizerMode: contract.AuthorizerModeToken,
	})
	s.gate = startFunction(t, binTxGate, map[string]string{
		contract.EnvGateBackend:         backend,
		contract.EnvStepUpMaxAgeSeconds: "300",
		contract.EnvRequiredReasons:     `["high_value_transaction"]`,
		contract.EnvGateAcrValues:       `["urn:cognitobridge:stepup"]`,
		"AWS_ENDPOINT_URL_LAMBDA":       s.lambda.srv.URL,
	})
	s.started = time.Since(start)
	s.api = &httpAPIFake{authorizer: s.authz, integration: s.gate, routeKey: "POST /payments"}
	return s
}

const (
	txBob   = "0d6e3a6c-0000-4000-8000-00000000b0b0"
	txAlice = "6f1c2c3e-0000-4000-8000-000000000001"
	// wantChallenge is the exact header of a stale step-up on this stack.
	wantChallenge = `Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age=300, acr_values="urn:cognitobridge:stepup"`
)

// TestStepUpGateRFC9470: through the real binaries, a high-value call with
// a stale, missing or wrong-reason step-up gets RFC 9470's challenge and
// never reaches the backend; the client steps up and retries once; the
// fresh call reaches the backend once, with the event unchanged, and its
// response comes back as the backend wrote it.
func TestStepUpGateRFC9470(t *testing.T) {
	s := newTxStack(t, txBackendARN)
	t.Logf("three processes spawned in %v", s.started)
	const payment = `{"amount":"125.00","currency":"EUR","to":"DE89370400440532013000"}`

	// A token from this morning's step-up: 401, exact header, no backend.
	begin := time.Now()
	stale := s.pool.accessToken(t, txBob, time.Now().Add(-2*time.Hour), "high_value_transaction")
	resp := s.api.call(t, "Bearer "+stale, payment)
	t.Logf("stale step-up answered in %v", time.Since(begin))
	if resp.status != 401 || resp.headers["WWW-Authenticate"] != wantChallenge || resp.headers["Cache-Control"] != "no-store" {
		t.Fatalf("stale step-up: %d %v %s", resp.status, resp.headers, resp.body)
	}
	var body struct {
		Error         string   `json:"error"`
		MaxAge        int      `json:"max_age"`
		AcrValues     string   `json:"acr_values"`
		StepUpReasons []string `json:"stepup_reasons"`
	}
	if err := json.Unmarshal([]byte(resp.body), &body); err != nil || body.Error != "insufficient_user_authentication" || body.MaxAge != 300 ||
		body.AcrValues != "urn:cognitobridge:stepup" || len(body.StepUpReasons) != 1 || body.StepUpReasons[0] != "high_value_transaction" {
		t.Fatalf("challenge body %s (%v)", resp.body, err)
	}

	// An ordinary sign-in's token (no step-up claims) and a step-up for
	// another reason: the same challenge, other descriptions.
	plain := s.pool.accessToken(t, txBob, time.Time{}, "")
	if r := s.api.call(t, "Bearer "+plain, payment); r.status != 401 ||
		r.headers["WWW-Authenticate"] != `Bearer error="insufficient_user_authentication", error_description="A step-up authentication is required", max_age=300, acr_values="urn:cognitobridge:stepup"` {
		t.Fatalf("no step-up: %d %v", r.status, r.headers)
	}
	signIn := s.pool.accessToken(t, txBob, time.Now().Add(-10*time.Second), contract.StepUpReasonSignIn)
	if r := s.api.call(t, "Bearer "+signIn, payment); r.status != 401 || !strings.Contains(r.headers["WWW-Authenticate"], `error_description="A step-up authentication for this transaction is required"`) {
		t.Fatalf("wrong reason: %d %v", r.status, r.headers)
	}
	// A bad token never gets as far as the gate: the authorizer's deny is
	// API Gateway's bare 403, a missing header its 401.
	if r := s.api.call(t, "Bearer "+stale[:len(stale)-4]+"AAAA", payment); r.status != 403 || r.headers != nil {
		t.Fatalf("forged token: %+v", r)
	}
	if r := s.api.call(t, "", payment); r.status != 401 || r.headers["WWW-Authenticate"] != "" {
		t.Fatalf("no token: %+v", r)
	}
	if n := len(s.lambda.callsTo(txBackendARN)); n != 0 {
		t.Fatalf("backend invoked %d times without a fresh step-up", n)
	}

	// The client's side: on 401 with insufficient_user_authentication it
	// steps up with the reason the body names and retries once.
	begin = time.Now()
	resp = s.api.call(t, "Bearer "+stale, payment)
	if resp.status == 401 && strings.Contains(resp.headers["WWW-Authenticate"], `error="insufficient_user_authentication"`) {
		freshToken := s.pool.accessToken(t, txBob, time.Now(), body.StepUpReasons[0]) // the step-up sign-in
		resp = s.api.call(t, "Bearer "+freshToken, payment)
	}
	t.Logf("challenge, step-up and retry answered in %v (binaries warm)", time.Since(begin))
	if resp.status != 200 || resp.headers["content-type"] != "application/json" || resp.headers["cache-control"] != "no-store" {
		t.Fatalf("fresh step-up: %+v", resp)
	}
	var echo struct {
		OK       bool   `json:"ok"`
		Sub      string `json:"sub"`
		Route    string `json:"route"`
		StepUpAt int64  `json:"stepupAt"`
	}
	if err := json.Unmarshal([]byte(resp.body), &echo); err != nil || !echo.OK || echo.Sub != txBob || echo.Route != "POST /payments" || echo.StepUpAt == 0 {
		t.Fatalf("backend answer %s (%v)", resp.body, err)
	}
	calls := s.lambda.callsTo(txBackendARN)
	if len(calls) != 1 {
		t.Fatalf("backend invocations = %d, want 1", len(calls))
	}
	if !bytes.Equal(calls[0].payload, s.api.lastEvent) || calls[0].invocationType != "RequestResponse" ||
		!strings.HasPrefix(calls[0].authorization, "AWS4-HMAC-SHA256 Credential=test/") {
		t.Fatalf("invocation: type %q, auth %q, same event %v", calls[0].invocationType, calls[0].authorization, bytes.Equal(calls[0].payload, s.api.lastEvent))
	}

	// Alice's token without a step-up of her own, right after bob's.
	if r := s.api.call(t, "Bearer "+s.pool.accessToken(t, txAlice, time.Time{}, ""), payment); r.status != 401 {
		t.Fatalf("alice: %+v", r)
	}

	// One JSON line per request with its reason; no token in any log.
	gateReasons := strings.Join(s.gate.decisions(t), ",")
	if want := "stepup_stale,no_stepup,reason_mismatch,stepup_stale,ok,no_stepup"; gateReasons != want {
		t.Fatalf("gate reasons = %s, want %s", gateReasons, want)
	}
	authReasons := strings.Join(s.authz.decisions(t), ",")
	if want := "jwks_fetched,ok,ok,ok,token_invalid,ok,ok,ok"; authReasons != want {
		t.Fatalf("authorizer reasons = %s, want %s", authReasons, want)
	}
	for _, f := range []*function{s.gate, s.authz, s.echo} {
		out := f.output(t)
		for _, tok := range []string{stale, plain, signIn} {
			for _, part := range strings.Split(tok, ".") {
				if strings.Contains(out, part) {
					t.Fatalf("%s logged part of a token", f.name)
				}
			}
		}
		if strings.Contains(out, "DE89370400440532013000") {
			t.Fatalf("%s logged the request body", f.name)
		}
	}
}

// TestStepUpGateBackendFailures: a failing, missing or slow backend is a
// 5xx without details, after exactly one invocation (no retry).
func TestStepUpGateBackendFailures(t *testing.T) {
	for _, tc := range []struct {
		backend string
		status  int
		reason  string
	}{
		{"cognitobridge-broken", 502, "backend_error"},
		{"cognitobridge-missing", 502, "backend_unavailable"},
		{"cognitobridge-slow", 504, "backend_timeout"},
	} {
		t.Run(tc.backend, func(t *testing.T) {
			s := newTxStack(t, tc.backend)
			tok := s.pool.accessToken(t, txBob, time.Now(), "high_value_transaction")
			begin := time.Now()
			r := s.callWithDeadline(t, "Bearer "+tok, 2*time.Second)
			if r.status != tc.status || strings.Contains(r.body, "hunter2") || strings.Contains(r.body, "cognitobridge-") || r.headers["WWW-Authenticate"] != "" {
				t.Fatalf("%+v", r)
			}
			if tc.reason == "backend_timeout" && time.Since(begin) > 2*time.Second {
				t.Fatalf("504 after %v, past the gate's own deadline", time.Since(begin))
			}
			if n := len(s.lambda.callsTo(tc.backend)); n != 1 {
				t.Fatalf("invocations = %d, want 1", n)
			}
			if got := strings.Join(s.gate.decisions(t), ","); got != tc.reason {
				t.Fatalf("gate reasons = %s", got)
			}
			if strings.Contains(s.gate.output(t), "hunter2") {
				t.Fatal("backend error details logged")
			}
		})
	}
}

// callWithDeadline is api.call with the gate's Lambda deadline set to d.
func (s *txStack) callWithDeadline(t *testing.T, authorization string, d time.Duration) httpResponse {
	t.Helper()
	out, isErr := s.authz.invokeRaw(t, mustJSON(t, events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST", RouteKey: "POST /payments",
		Headers: map[string]string{"authorization": authorization},
	}), 5*time.Second)
	var allow struct {
		IsAuthorized bool           `json:"isAuthorized"`
		Context      map[string]any `json:"context"`
	}
	if isErr || json.Unmarshal(out, &allow) != nil || !allow.IsAuthorized {
		t.Fatalf("authorizer: %s", out)
	}
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /payments", Body: `{}`}
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: allow.Context}
	out, isErr = s.gate.invokeRaw(t, mustJSON(t, ev), d)
	var resp struct {
		StatusCode int               `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	}
	if isErr || json.Unmarshal(out, &resp) != nil {
		t.Fatalf("gate: %s", out)
	}
	return httpResponse{status: resp.StatusCode, headers: resp.Headers, body: resp.Body}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
