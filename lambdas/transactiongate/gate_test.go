package transactiongate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/cognitobridge/cognitobridge/lambdas/authorizer/stepupclaim"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

var now0 = time.Unix(1_700_000_000, 0)

const (
	bob         = "0d6e3a6c-0000-4000-8000-00000000b0b0"
	backendARN  = "arn:aws:lambda:us-east-1:123456789012:function:payments"
	wantDefault = `Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age=300`
)

// fakeBackend is an Invoker that records each call and answers with out.
type fakeBackend struct {
	mu    sync.Mutex
	calls []*lambda.InvokeInput
	out   *lambda.InvokeOutput
	err   error
	wait  bool // block until ctx ends
}

func (f *fakeBackend) Invoke(ctx context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.mu.Lock()
	f.calls = append(f.calls, in)
	f.mu.Unlock()
	if f.wait {
		<-ctx.Done()
		return nil, fmt.Errorf("operation error Lambda: Invoke, %w", ctx.Err())
	}
	return f.out, f.err
}

func (f *fakeBackend) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func okBackend(payload string) *fakeBackend {
	return &fakeBackend{out: &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(payload), ExecutedVersion: aws.String("$LATEST")}}
}

func newGate(t testing.TB, b Invoker, mutate func(*Config)) (*Handler, *bytes.Buffer) {
	t.Helper()
	cfg := Config{Backend: backendARN}
	if mutate != nil {
		mutate(&cfg)
	}
	h, err := New(cfg, b)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	h.Now = func() time.Time { return now0 }
	return h, &logs
}

// authz is an authorizer context as the token-mode authorizer writes it.
func authz(kv ...any) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	for i := 0; i+1 < len(kv); i += 2 {
		b, _ := json.Marshal(kv[i+1])
		m[kv[i].(string)] = b
	}
	return m
}

func TestDecide(t *testing.T) {
	cfg := Config{Backend: backendARN}
	if err := cfg.normalize(); err != nil {
		t.Fatal(err)
	}
	at := func(d time.Duration) int64 { return now0.Add(d).Unix() }
	const hv = "high_value_transaction"
	for _, tc := range []struct {
		name string
		ctx  map[string]json.RawMessage
		want Reason
	}{
		{"fresh", authz("sub", bob, "stepup_at", at(-30*time.Second), "stepup_reason", hv), ReasonOK},
		{"fresh, time as digit string", authz("sub", bob, "stepup_at", fmt.Sprint(at(-30*time.Second)), "stepup_reason", hv), ReasonOK},
		{"exactly the window", authz("sub", bob, "stepup_at", at(-5*time.Minute), "stepup_reason", hv), ReasonOK},
		{"within clock skew ahead", authz("sub", bob, "stepup_at", at(5*time.Second), "stepup_reason", hv), ReasonOK},
		{"no step-up (ordinary sign-in or refresh)", authz("sub", bob), ReasonNoStepUp},
		{"no step-up time, reason only", authz("sub", bob, "stepup_reason", hv), ReasonNoStepUp},
		{"step-up time null", authz("sub", bob, "stepup_at", nil, "stepup_reason", hv), ReasonNoStepUp},
		{"step-up time fractional", authz("sub", bob, "stepup_at", 1.7e9+0.5, "stepup_reason", hv), ReasonNoStepUp},
		{"step-up time zero", authz("sub", bob, "stepup_at", 0, "stepup_reason", hv), ReasonNoStepUp},
		{"step-up time boolean", authz("sub", bob, "stepup_at", true, "stepup_reason", hv), ReasonNoStepUp},
		{"stale by one second", authz("sub", bob, "stepup_at", at(-5*time.Minute-time.Second), "stepup_reason", hv), ReasonStepUpStale},
		{"stale by a day", authz("sub", bob, "stepup_at", at(-24*time.Hour), "stepup_reason", hv), ReasonStepUpStale},
		{"in the future", authz("sub", bob, "stepup_at", at(6*time.Second), "stepup_reason", hv), ReasonStepUpFuture},
		{"reason sign_in", authz("sub", bob, "stepup_at", at(-time.Second), "stepup_reason", "sign_in"), ReasonReasonMismatch},
		{"reason missing", authz("sub", bob, "stepup_at", at(-time.Second)), ReasonReasonMismatch},
		{"reason other case", authz("sub", bob, "stepup_at", at(-time.Second), "stepup_reason", "HIGH_VALUE_TRANSACTION"), ReasonReasonMismatch},
		{"reason as list", authz("sub", bob, "stepup_at", at(-time.Second), "stepup_reason", []string{hv}), ReasonReasonMismatch},
		{"no authorizer context (route without the token authorizer)", nil, ReasonNoAuthorizerContext},
		{"empty authorizer context", authz(), ReasonNoAuthorizerContext},
		{"fresh claims but no sub", authz("stepup_at", at(-time.Second), "stepup_reason", hv), ReasonNoAuthorizerContext},
		{"empty sub", authz("sub", "", "stepup_at", at(-time.Second), "stepup_reason", hv), ReasonNoAuthorizerContext},
		{"sub not a string", authz("sub", 7, "stepup_at", at(-time.Second), "stepup_reason", hv), ReasonNoAuthorizerContext},
		{"oversized sub", authz("sub", strings.Repeat("a", MaxSub+1), "stepup_at", at(-time.Second), "stepup_reason", hv), ReasonNoAuthorizerContext},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := cfg.Decide(tc.ctx, now0)
			if d.Reason != tc.want {
				t.Fatalf("Decide = %s, want %s", d.Reason, tc.want)
			}
		})
	}

	// A configured window and reasons.
	cfg = Config{Backend: backendARN, Policy: stepupclaim.Policy{MaxAge: 20 * time.Second, RequiredReasons: []string{"payout_change"}}}
	if err := cfg.normalize(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		age    time.Duration
		reason string
		want   Reason
	}{
		{10 * time.Second, "payout_change", ReasonOK},
		{21 * time.Second, "payout_change", ReasonStepUpStale},
		{10 * time.Second, hv, ReasonReasonMismatch},
	} {
		if d := cfg.Decide(authz("sub", bob, "stepup_at", at(-tc.age), "stepup_reason", tc.reason), now0); d.Reason != tc.want {
			t.Errorf("age %v reason %s: %s, want %s", tc.age, tc.reason, d.Reason, tc.want)
		}
	}
}

// TestChallengeHeaderExact pins the WWW-Authenticate value byte for byte:
// RFC 9470 section 3 on RFC 6750's Bearer scheme (auth-params separated by
// ", ", error and error_description as quoted-strings, max_age as a token,
// acr_values as a quoted, space-separated list).
func TestChallengeHeaderExact(t *testing.T) {
	for _, tc := range []struct {
		reason Reason
		mutate func(*Config)
		want   string
	}{
		{ReasonStepUpStale, nil, wantDefault},
		{ReasonNoStepUp, nil, `Bearer error="insufficient_user_authentication", error_description="A step-up authentication is required", max_age=300`},
		{ReasonStepUpFuture, nil, `Bearer error="insufficient_user_authentication", error_description="A step-up authentication is required", max_age=300`},
		{ReasonReasonMismatch, nil, `Bearer error="insufficient_user_authentication", error_description="A step-up authentication for this transaction is required", max_age=300`},
		{ReasonStepUpStale, func(c *Config) { c.MaxAge = 60 * time.Second }, `Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age=60`},
		{ReasonNoStepUp, func(c *Config) {
			c.MaxAge = time.Hour
			c.AcrValues = []string{"urn:example:acr:face", "liveID"}
		}, `Bearer error="insufficient_user_authentication", error_description="A step-up authentication is required", max_age=3600, acr_values="urn:example:acr:face liveID"`},
	} {
		h, _ := newGate(t, okBackend(`{}`), tc.mutate)
		resp := h.Config().Challenge(tc.reason)
		if got := resp.Headers["WWW-Authenticate"]; got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.reason, got, tc.want)
		}
		if resp.StatusCode != 401 || resp.Headers["Cache-Control"] != "no-store" || resp.Headers["Content-Type"] != "application/json" || len(resp.Headers) != 3 {
			t.Errorf("%s: response %+v", tc.reason, resp)
		}
		var body ChallengeBody
		if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
			t.Fatal(err)
		}
		cfg := h.Config()
		if body.Error != contract.ErrorInsufficientUserAuthentication || !strings.Contains(tc.want, `error_description="`+body.ErrorDescription+`"`) ||
			body.MaxAge != int64(cfg.MaxAge/time.Second) || body.AcrValues != strings.Join(cfg.AcrValues, " ") ||
			strings.Join(body.StepUpReasons, ",") != strings.Join(cfg.RequiredReasons, ",") {
			t.Errorf("%s: body %s", tc.reason, resp.Body)
		}
	}
	// Without acr values the body has no acr_values member at all.
	h, _ := newGate(t, okBackend(`{}`), nil)
	if got := h.Config().Challenge(ReasonStepUpStale).Body; got != `{"error":"insufficient_user_authentication","error_description":"More recent authentication is required","max_age":300,"stepup_reasons":["high_value_transaction"]}` {
		t.Errorf("body = %s", got)
	}
}

// event is an HTTP API payload format 2.0 event of POST /payments whose
// authorizer context is ctx (nil: no authorizer).
func event(ctx map[string]any) json.RawMessage {
	req := events.APIGatewayV2HTTPRequest{
		Version:  "2.0",
		RouteKey: "POST /payments",
		RawPath:  "/payments",
		Headers:  map[string]string{"authorization": "Bearer eyJTOKEN.eyJCLAIMS.SIG", "content-type": "application/json"},
		Body:     `{"amount":"125.00","currency":"EUR","to":"DE89370400440532013000"}`,
	}
	req.RequestContext.RequestID = "req-1"
	req.RequestContext.RouteKey = "POST /payments"
	req.RequestContext.HTTP.Method = "POST"
	req.RequestContext.HTTP.Path = "/payments"
	if ctx != nil {
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: ctx}
	}
	b, _ := json.Marshal(req)
	return b
}

func fresh() map[string]any {
	return map[string]any{"sub": bob, "stepup_at": now0.Add(-30 * time.Second).Unix(), "stepup_reason": "high_value_transaction"}
}

func decode(t *testing.T, raw json.RawMessage) events.APIGatewayV2HTTPResponse {
	t.Helper()
	var r events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("response %s: %v", raw, err)
	}
	return r
}

func logLine(t *testing.T, logs *bytes.Buffer) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one log line, got %d: %s", len(lines), logs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestHandleRelaysFreshStepUp: a fresh step-up reaches the backend with the
// very same event, once, RequestResponse, and the backend's payload comes
// back unchanged.
func TestHandleRelaysFreshStepUp(t *testing.T) {
	const payload = `{"statusCode":201,"headers":{"content-type":"application/json","x-payment":"p-1"},"cookies":["a=b; Secure"],"body":"eyJvayI6dHJ1ZX0=","isBase64Encoded":true}`
	b := okBackend(payload)
	h, logs := newGate(t, b, nil)
	ev := event(fresh())
	out, err := h.Handle(context.Background(), ev)
	if err != nil || string(out) != payload {
		t.Fatalf("Handle = %s, %v", out, err)
	}
	if b.count() != 1 {
		t.Fatalf("backend calls = %d", b.count())
	}
	in := b.calls[0]
	if aws.ToString(in.FunctionName) != backendARN || in.InvocationType != types.InvocationTypeRequestResponse || !bytes.Equal(in.Payload, ev) ||
		in.Qualifier != nil || in.ClientContext != nil || in.LogType != "" {
		t.Fatalf("invoke input = %+v", in)
	}
	line := logLine(t, logs)
	if line["reason"] != "ok" || line["status"] != float64(201) || line["level"] != "INFO" || line["stepupAge_s"] != float64(30) ||
		line["routeKey"] != "POST /payments" || line["requestId"] != "req-1" || line["user"] == bob || line["user"] == "" {
		t.Fatalf("log = %v", line)
	}
	if strings.Contains(logs.String(), "eyJTOKEN") || strings.Contains(logs.String(), "125.00") || strings.Contains(logs.String(), bob) {
		t.Fatalf("log holds the token, the body or the sub: %s", logs)
	}
}

// TestHandleChallenges: every way the step-up falls short is the 401
// challenge, and the backend is never invoked.
func TestHandleChallenges(t *testing.T) {
	for name, tc := range map[string]struct {
		ctx  map[string]any
		want Reason
	}{
		"none":   {map[string]any{"sub": bob}, ReasonNoStepUp},
		"stale":  {map[string]any{"sub": bob, "stepup_at": now0.Add(-time.Hour).Unix(), "stepup_reason": "high_value_transaction"}, ReasonStepUpStale},
		"future": {map[string]any{"sub": bob, "stepup_at": now0.Add(time.Hour).Unix(), "stepup_reason": "high_value_transaction"}, ReasonStepUpFuture},
		"reason": {map[string]any{"sub": bob, "stepup_at": now0.Unix(), "stepup_reason": "sign_in"}, ReasonReasonMismatch},
	} {
		t.Run(name, func(t *testing.T) {
			b := okBackend(`{"statusCode":200}`)
			h, logs := newGate(t, b, nil)
			resp := decode(t, must(h.Handle(context.Background(), event(tc.ctx))))
			if resp.StatusCode != 401 || !strings.HasPrefix(resp.Headers["WWW-Authenticate"], `Bearer error="insufficient_user_authentication", error_description="`) ||
				!strings.HasSuffix(resp.Headers["WWW-Authenticate"], `, max_age=300`) || resp.Headers["Cache-Control"] != "no-store" {
				t.Fatalf("response = %+v", resp)
			}
			if b.count() != 0 {
				t.Fatal("backend invoked without a fresh step-up")
			}
			if line := logLine(t, logs); line["reason"] != string(tc.want) || line["status"] != float64(401) || line["level"] != "WARN" {
				t.Fatalf("log = %v", line)
			}
		})
	}
}

func must(out json.RawMessage, err error) json.RawMessage {
	if err != nil {
		panic(err)
	}
	return out
}

// TestHandleFailsClosed: wiring mistakes, odd events and every backend
// failure are 5xx without details, and only a fresh step-up ever reaches
// the backend.
func TestHandleFailsClosed(t *testing.T) {
	jwtEvent := func() json.RawMessage {
		var m map[string]any
		_ = json.Unmarshal(event(nil), &m)
		m["requestContext"].(map[string]any)["authorizer"] = map[string]any{"jwt": map[string]any{"claims": map[string]any{
			"sub": bob, "cognitobridge:stepup_at": fmt.Sprint(now0.Unix()), "cognitobridge:stepup_reason": "high_value_transaction",
		}}}
		b, _ := json.Marshal(m)
		return b
	}
	v1 := func() json.RawMessage {
		var m map[string]any
		_ = json.Unmarshal(event(fresh()), &m)
		m["version"] = "1.0"
		b, _ := json.Marshal(m)
		return b
	}
	for _, tc := range []struct {
		name    string
		ev      json.RawMessage
		backend *fakeBackend
		status  int
		reason  Reason
		invoked bool
	}{
		{"route without authorizer", event(nil), okBackend(`{}`), 500, ReasonNoAuthorizerContext, false},
		{"route behind the JWT authorizer", jwtEvent(), okBackend(`{}`), 500, ReasonNoAuthorizerContext, false},
		{"payload format 1.0", v1(), okBackend(`{}`), 500, ReasonEventInvalid, false},
		{"not an object", json.RawMessage(`[1,2]`), okBackend(`{}`), 500, ReasonEventInvalid, false},
		{"null", json.RawMessage(`null`), okBackend(`{}`), 500, ReasonEventInvalid, false},
		{"backend function error", event(fresh()), &fakeBackend{out: &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"),
			Payload: []byte(`{"errorMessage":"db password is hunter2","errorType":"Error"}`)}}, 502, ReasonBackendError, true},
		{"backend invoke failed", event(fresh()), &fakeBackend{err: &types.ResourceNotFoundException{Message: aws.String("Function not found: arn:aws:lambda:…")}}, 502, ReasonBackendUnavailable, true},
		{"backend throttled", event(fresh()), &fakeBackend{err: &types.TooManyRequestsException{Message: aws.String("Rate exceeded")}}, 502, ReasonBackendUnavailable, true},
		{"backend not JSON", event(fresh()), okBackend(`<html>`), 502, ReasonBackendInvalidResponse, true},
		{"backend empty", event(fresh()), okBackend(``), 502, ReasonBackendInvalidResponse, true},
		{"backend odd status", event(fresh()), &fakeBackend{out: &lambda.InvokeOutput{StatusCode: 202, Payload: []byte(`{}`)}}, 502, ReasonBackendUnavailable, true},
		{"backend nil output", event(fresh()), &fakeBackend{}, 502, ReasonBackendUnavailable, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, logs := newGate(t, tc.backend, nil)
			resp := decode(t, must(h.Handle(context.Background(), tc.ev)))
			if resp.StatusCode != tc.status || resp.Headers["WWW-Authenticate"] != "" || resp.Headers["Cache-Control"] != "no-store" ||
				!strings.HasPrefix(resp.Body, `{"message":"`) || strings.Contains(resp.Body, "hunter2") || strings.Contains(resp.Body, "arn:") {
				t.Fatalf("response = %+v", resp)
			}
			if (tc.backend.count() == 1) != tc.invoked || tc.backend.count() > 1 {
				t.Fatalf("backend calls = %d, want invoked=%v", tc.backend.count(), tc.invoked)
			}
			if line := logLine(t, logs); line["reason"] != string(tc.reason) || line["status"] != float64(tc.status) || line["level"] != "ERROR" {
				t.Fatalf("log = %v", line)
			}
			if strings.Contains(logs.String(), "hunter2") {
				t.Fatal("backend error details logged")
			}
		})
	}
}

// TestHandleBackendTimeout: a backend slower than the gate's own deadline
// is cut off BackendMargin before it, answered 504.
func TestHandleBackendTimeout(t *testing.T) {
	b := &fakeBackend{wait: true}
	h, logs := newGate(t, b, nil)
	ctx, cancel := context.WithTimeout(context.Background(), BackendMargin+200*time.Millisecond)
	defer cancel()
	start := time.Now()
	resp := decode(t, must(h.Handle(ctx, event(fresh()))))
	if resp.StatusCode != 504 || time.Since(start) > BackendMargin+150*time.Millisecond+time.Second {
		t.Fatalf("response %+v after %v", resp, time.Since(start))
	}
	if ctx.Err() != nil {
		t.Fatal("the gate answered only after its own deadline")
	}
	if line := logLine(t, logs); line["reason"] != string(ReasonBackendTimeout) {
		t.Fatalf("log = %v", line)
	}
}

func TestPanicAndNil(t *testing.T) {
	h, logs := newGate(t, panicky{}, nil)
	resp := decode(t, must(h.Handle(context.Background(), event(fresh()))))
	if resp.StatusCode != 500 || logLine(t, logs)["reason"] != string(ReasonInternalError) {
		t.Fatalf("panic: %+v %s", resp, logs)
	}
	var nilGate *Handler
	if resp := decode(t, must(nilGate.Handle(context.Background(), event(fresh())))); resp.StatusCode != 500 {
		t.Fatalf("nil gate: %+v", resp)
	}
	if _, err := New(Config{Backend: backendARN}, nil); err == nil {
		t.Fatal("nil backend accepted")
	}
}

type panicky struct{}

func (panicky) Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	panic("boom")
}

func TestConfigFromEnv(t *testing.T) {
	base := map[string]string{contract.EnvGateBackend: backendARN}
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	cfg, err := ConfigFromEnv(env())
	if err != nil || cfg.Backend != backendARN || cfg.MaxAge != 5*time.Minute || strings.Join(cfg.RequiredReasons, ",") != "high_value_transaction" || cfg.AcrValues != nil {
		t.Fatalf("defaults = %+v, %v", cfg, err)
	}
	cfg, err = ConfigFromEnv(env(contract.EnvStepUpMaxAgeSeconds, "60", contract.EnvRequiredReasons, `["payout_change"]`,
		contract.EnvGateAcrValues, `["urn:acr:face","liveID"]`, contract.EnvGateBackend, "payments"))
	if err != nil || cfg.MaxAge != time.Minute || cfg.RequiredReasons[0] != "payout_change" || strings.Join(cfg.AcrValues, " ") != "urn:acr:face liveID" || cfg.Backend != "payments" {
		t.Fatalf("configured = %+v, %v", cfg, err)
	}
	for _, bad := range [][]string{
		{contract.EnvGateBackend, ""},
		{contract.EnvGateBackend, "pay ments"},
		{contract.EnvGateBackend, strings.Repeat("f", 257)},
		{contract.EnvStepUpMaxAgeSeconds, "0"},
		{contract.EnvStepUpMaxAgeSeconds, "3601"},
		{contract.EnvRequiredReasons, `[]`},
		{contract.EnvRequiredReasons, `["Bad"]`},
		{contract.EnvGateAcrValues, `"liveID"`},
		{contract.EnvGateAcrValues, `null`},
		{contract.EnvGateAcrValues, `["liveID push"]`},
		{contract.EnvGateAcrValues, `["a\"b"]`},
		{contract.EnvGateAcrValues, `["a\\b"]`},
		{contract.EnvGateAcrValues, `[""]`},
		{contract.EnvGateAcrValues, `["é"]`},
	} {
		if _, err := ConfigFromEnv(env(bad...)); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
	if _, err := New(Config{Backend: backendARN, Policy: stepupclaim.Policy{MaxAge: 1500 * time.Millisecond}}, okBackend(`{}`)); err == nil {
		t.Error("fractional window accepted")
	}
}
