// Package transactiongate is the step-up gate of a high-value HTTP API
// route: the route's Lambda integration (payload format 2.0) that answers a
// request without a fresh step-up the standard way, OAuth 2.0 Step Up
// Authentication Challenge (RFC 9470, section 3), and hands every other
// request to the real backend function.
//
// Why an integration. An HTTP API Lambda authorizer can only allow or deny;
// a deny is API Gateway's own 403 {"message":"Forbidden"}, to which no
// header can be added (HTTP APIs have no gateway responses, and response
// parameter mapping applies to integration responses only). RFC 9470 needs
// 401 with a WWW-Authenticate header, so it must come from the integration.
//
// The route's authorizer is the transaction authorizer in token mode
// (package authorizer, contract.AuthorizerModeToken): it checks the access
// token (signature against the pool's key set, issuer, expiry, token_use,
// client_id) and passes sub and the step-up claims in its context, which API
// Gateway hands to the integration as requestContext.authorizer.lambda. The
// gate applies the freshness rule (package stepupclaim) to them:
//
//   - fresh (stepup_at within the window, not in the future, stepup_reason
//     one of the required reasons): the gate invokes the backend function
//     (Lambda Invoke, RequestResponse) with the very same event and relays
//     its response unchanged (statusCode, headers, cookies, body,
//     isBase64Encoded: the function's payload as it is); a function error,
//     an invalid payload or a failed invocation is 502 (504 when the
//     backend runs past the gate's own deadline), without details;
//   - missing, stale, future or wrong reason: 401 with
//     WWW-Authenticate: Bearer error="insufficient_user_authentication",
//     error_description="…", max_age=<window seconds>[, acr_values="…"],
//     Cache-Control: no-store and a JSON body with the same error;
//   - no authorizer context with a sub (the route is not behind the token
//     authorizer: a wiring mistake) or an event that is not an HTTP API 2.0
//     event: 500, and the backend is never invoked.
//
// The backend is invoked at most once per request (no SDK retries: a
// payment must not run twice because a response was lost). One JSON log
// line per request with a reason code; never the token, the event or a
// body.
package transactiongate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/cognitobridge/cognitobridge/lambdas/authorizer/stepupclaim"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/deadline"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/emf"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
)

// Reason is the code logged for one request.
type Reason string

// Reasons. ReasonOK: the backend was invoked and its response relayed.
const (
	ReasonOK             Reason = "ok"
	ReasonNoStepUp       Reason = Reason(stepupclaim.Missing)
	ReasonStepUpStale    Reason = Reason(stepupclaim.Stale)
	ReasonStepUpFuture   Reason = Reason(stepupclaim.Future)
	ReasonReasonMismatch Reason = Reason(stepupclaim.ReasonMismatch)
	// ReasonNoAuthorizerContext: no requestContext.authorizer.lambda with a
	// sub; the route is not behind the token authorizer (500).
	ReasonNoAuthorizerContext Reason = "no_authorizer_context"
	// ReasonEventInvalid: not an HTTP API payload format 2.0 event (500).
	ReasonEventInvalid Reason = "event_invalid"
	// ReasonBackendError: the backend function failed (502).
	ReasonBackendError Reason = "backend_error"
	// ReasonBackendUnavailable: the Invoke call failed (502).
	ReasonBackendUnavailable Reason = "backend_unavailable"
	// ReasonBackendInvalidResponse: the backend's payload is not JSON (502).
	ReasonBackendInvalidResponse Reason = "backend_invalid_response"
	// ReasonBackendTimeout: no answer before the gate's deadline (504).
	ReasonBackendTimeout Reason = "backend_timeout"
	// ReasonInternalError: anything else (500).
	ReasonInternalError Reason = "internal_error"
)

// Limits.
const (
	// BackendMargin is kept back from the gate's own deadline, so that it
	// can still answer 504 (and log) when the backend is slow.
	BackendMargin = 300 * time.Millisecond
	// MaxBackendTime bounds one backend invocation (HTTP API's integration
	// timeout is at most 30 s).
	MaxBackendTime = 30 * time.Second
	// MaxAcrValue bounds one advertised acr value.
	MaxAcrValue = contract.MaxAcrValue
	// MaxSub bounds the authorizer context's sub (Cognito's are UUIDs).
	MaxSub = 128
)

// Config is the gate's configuration.
type Config struct {
	// Backend is the name or ARN of the backend function. Required.
	Backend string
	// Policy is the route's step-up rule; its zero value is the default
	// rule without acr_values.
	stepupclaim.Policy
}

// ConfigFromEnv reads Config from contract.EnvGateBackend,
// contract.EnvStepUpMaxAgeSeconds, contract.EnvRequiredReasons and
// contract.EnvGateAcrValues, and validates it.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	policy, err := stepupclaim.ReadPolicy(getenv)
	if err != nil {
		return Config{}, err
	}
	cfg := Config{Backend: strings.TrimSpace(getenv(contract.EnvGateBackend)), Policy: policy}
	if err := cfg.normalize(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func (c *Config) normalize() error {
	var errs []error
	if c.Backend == "" || len(c.Backend) > 256 || strings.ContainsAny(c.Backend, " \t\r\n/") {
		errs = append(errs, fmt.Errorf("%s: expected a Lambda function name or ARN, received %q", contract.EnvGateBackend, logref.Clip(c.Backend)))
	}
	errs = append(errs, c.Policy.Normalize())
	return errors.Join(errs...)
}

// Decision is the gate's verdict on one event, before any backend call.
type Decision struct {
	// Reason is ReasonOK (fresh: invoke the backend) or why not.
	Reason Reason
	// Sub is the authorizer context's user, when there was one.
	Sub string
	// StepUpAt is the context's step-up time, 0 when absent.
	StepUpAt int64
}

// gateEvent is the part of an HTTP API payload format 2.0 event the gate
// reads.
type gateEvent struct {
	Version        string `json:"version"`
	RouteKey       string `json:"routeKey"`
	RequestContext struct {
		RequestID  string `json:"requestId"`
		Authorizer *struct {
			Lambda map[string]json.RawMessage `json:"lambda"`
		} `json:"authorizer"`
	} `json:"requestContext"`
}

// Decide applies the freshness rule to an authorizer context (the event's
// requestContext.authorizer.lambda; nil when absent) at now.
func (c Config) Decide(authorizerContext map[string]json.RawMessage, now time.Time) Decision {
	if authorizerContext == nil {
		return Decision{Reason: ReasonNoAuthorizerContext}
	}
	var sub string
	if err := json.Unmarshal(authorizerContext[contract.AuthorizerContextSub], &sub); err != nil || sub == "" || len(sub) > MaxSub {
		return Decision{Reason: ReasonNoAuthorizerContext}
	}
	at, ok := stepupclaim.EpochSeconds(authorizerContext[contract.AuthorizerContextStepUpAt])
	why := stepupclaim.Reason(authorizerContext[contract.AuthorizerContextStepUpReason])
	d := Decision{Sub: sub, StepUpAt: at}
	if r := c.Policy.Check(at, ok, why, now); r != stepupclaim.Fresh {
		d.Reason = Reason(r)
		return d
	}
	d.Reason = ReasonOK
	return d
}

// IsChallenge reports whether r is answered with the RFC 9470 challenge
// (stepupclaim.IsChallenge).
func IsChallenge(r Reason) bool { return stepupclaim.IsChallenge(stepupclaim.Result(r)) }

// WWWAuthenticate is stepupclaim.WWWAuthenticate, the challenge header the
// gate and the middleware (lambdas/stepuphttp) share.
func WWWAuthenticate(description string, maxAge time.Duration, acr []string) string {
	return stepupclaim.WWWAuthenticate(description, maxAge, acr)
}

// ChallengeBody is the JSON body of the 401 (stepupclaim.ChallengeBody).
type ChallengeBody = stepupclaim.ChallengeBody

// Response is the gate's own answer, in the HTTP API payload format 2.0
// response shape and exactly its documented members (aws-lambda-go's
// events.APIGatewayV2HTTPResponse adds multiValueHeaders and cookies).
type Response struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

// Challenge is the 401 answer for reason r (one of the challenge reasons):
// stepupclaim.Challenge for the gate's window, reasons and acr values.
func (c Config) Challenge(r Reason) Response {
	status, headers, body := c.Policy.Challenge(stepupclaim.Result(r))
	return Response{StatusCode: status, Headers: headers, Body: body}
}

// failure is a 5xx answer without details.
func failure(status int) Response {
	msg := map[int]string{500: "Internal Server Error", 502: "Bad Gateway", 504: "Gateway Timeout"}[status]
	body, _ := json.Marshal(map[string]string{"message": msg})
	return Response{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
		Body:       string(body),
	}
}

// Invoker is the one Lambda API call the gate makes (*lambda.Client).
type Invoker interface {
	Invoke(ctx context.Context, params *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

var _ Invoker = (*lambda.Client)(nil)

// BackendClient is the Lambda client the gate invokes its backend with:
// the default configuration (AWS_ENDPOINT_URL_LAMBDA, if set, replaces the
// endpoint) without retries, so that a backend runs at most once per
// request.
func BackendClient(cfg aws.Config) *lambda.Client {
	return lambda.NewFromConfig(cfg, func(o *lambda.Options) {
		o.RetryMaxAttempts = 1
	})
}

// Handler is the gate.
type Handler struct {
	cfg     Config
	backend Invoker
	// Logger receives one JSON line per request. Default: JSON to stderr.
	Logger *slog.Logger
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// New validates cfg and returns a gate over backend.
func New(cfg Config, backend Invoker) (*Handler, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	if backend == nil {
		return nil, errors.New("transactiongate: expected a backend invoker, received nil")
	}
	return &Handler{cfg: cfg, backend: backend, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}, nil
}

// Config returns the normalized configuration.
func (h *Handler) Config() Config { return h.cfg }

// Handle answers one HTTP API event: the challenge, a 5xx, or the backend's
// own response. It never returns an error and never panics out.
func (h *Handler) Handle(ctx context.Context, event json.RawMessage) (out json.RawMessage, err error) {
	start := time.Now()
	rec := logRecord{reason: ReasonInternalError, status: 500}
	defer func() {
		if r := recover(); r != nil {
			rec.reason, rec.status = ReasonInternalError, 500
			out = mustMarshal(failure(500))
		}
		err = nil
		h.log(ctx, rec, start)
	}()
	if h == nil || h.backend == nil {
		return mustMarshal(failure(500)), nil
	}
	var ev gateEvent
	if err := json.Unmarshal(event, &ev); err != nil || ev.Version != "2.0" {
		rec.reason = ReasonEventInvalid
		return mustMarshal(failure(500)), nil
	}
	rec.routeKey, rec.requestID = ev.RouteKey, ev.RequestContext.RequestID
	var authz map[string]json.RawMessage
	if ev.RequestContext.Authorizer != nil {
		authz = ev.RequestContext.Authorizer.Lambda
	}
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	d := h.cfg.Decide(authz, now)
	rec.reason, rec.sub = d.Reason, d.Sub
	if d.StepUpAt > 0 {
		rec.stepUpAge = now.Unix() - d.StepUpAt
		rec.hasAge = true
	}
	switch {
	case IsChallenge(d.Reason):
		rec.status = 401
		return mustMarshal(h.cfg.Challenge(d.Reason)), nil
	case d.Reason != ReasonOK:
		rec.status = 500
		return mustMarshal(failure(500)), nil
	}

	callCtx, cancel := deadline.Context(ctx, BackendMargin, MaxBackendTime)
	defer cancel()
	called := time.Now()
	res, err := h.backend.Invoke(callCtx, &lambda.InvokeInput{
		FunctionName:   aws.String(h.cfg.Backend),
		InvocationType: types.InvocationTypeRequestResponse,
		Payload:        event,
	})
	rec.backendMillis, rec.invoked = time.Since(called).Milliseconds(), true
	switch {
	case err != nil && (errors.Is(err, context.DeadlineExceeded) || callCtx.Err() != nil):
		rec.reason, rec.status = ReasonBackendTimeout, 504
		return mustMarshal(failure(504)), nil
	case err != nil || res == nil || res.StatusCode != 200:
		rec.reason, rec.status = ReasonBackendUnavailable, 502
		return mustMarshal(failure(502)), nil
	case res.FunctionError != nil:
		rec.reason, rec.status = ReasonBackendError, 502
		return mustMarshal(failure(502)), nil
	case len(res.Payload) == 0 || !json.Valid(res.Payload):
		rec.reason, rec.status = ReasonBackendInvalidResponse, 502
		return mustMarshal(failure(502)), nil
	}
	rec.reason, rec.status = ReasonOK, backendStatus(res.Payload)
	return json.RawMessage(res.Payload), nil
}

// backendStatus is the relayed statusCode for the log (200 when the
// backend lets API Gateway infer it).
func backendStatus(payload []byte) int {
	var r struct {
		StatusCode *int `json:"statusCode"`
	}
	if json.Unmarshal(payload, &r) != nil || r.StatusCode == nil {
		return 200
	}
	return *r.StatusCode
}

func mustMarshal(r Response) json.RawMessage {
	b, _ := json.Marshal(r) // strings, ints and maps of strings always marshal
	return b
}

type logRecord struct {
	reason        Reason
	status        int
	routeKey      string
	requestID     string
	sub           string
	stepUpAge     int64
	hasAge        bool
	invoked       bool
	backendMillis int64
}

func (h *Handler) log(ctx context.Context, rec logRecord, start time.Time) {
	if h == nil || h.Logger == nil {
		return
	}
	level := emf.Level(rec.status >= 500, rec.reason != ReasonOK)
	attrs := []slog.Attr{
		slog.String("trigger", "transaction_gate"),
		slog.String("reason", string(rec.reason)),
		slog.Int("status", rec.status),
		slog.String("routeKey", logref.Clip(rec.routeKey)),
		slog.String("requestId", logref.Clip(rec.requestID)),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
	}
	if rec.sub != "" {
		attrs = append(attrs, slog.String("user", logref.Ref(rec.sub)))
	}
	if rec.hasAge {
		attrs = append(attrs, slog.Int64("stepupAge_s", rec.stepUpAge))
	}
	if rec.invoked {
		attrs = append(attrs, slog.Int64("backend_ms", rec.backendMillis))
	}
	attrs = append(attrs, emf.Decision(contract.HandlerTransactionGate, string(rec.reason), level, start)...)
	h.Logger.LogAttrs(ctx, level, "transaction step-up gate", attrs...)
}
