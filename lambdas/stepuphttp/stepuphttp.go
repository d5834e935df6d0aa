// Package stepuphttp is the one-invocation form of the transaction step-up
// for Go backends: net/http middleware and an aws-lambda-go handler wrapper
// that check the step-up claims of a route behind an HTTP API's JWT
// authorizer (the pool's ordinary Cognito authorizer) and answer RFC 9470's
// 401 insufficient_user_authentication challenge themselves.
//
// The contract is the step-up gate's (lambdas/transactiongate), and so is
// the code: the freshness rule and the challenge are package stepupclaim's.
//
//   - API Gateway's JWT authorizer has checked the access token (signature
//     against the pool's key set, iss, exp, client_id among the route's
//     audience) and put its claims in requestContext.authorizer.jwt.claims,
//     as strings;
//   - the guard requires token_use "access" and client_id equal to
//     Config.ClientID (the authorizer's audience may list other clients of
//     the pool, whose tokens carry no step-up of this one), and a sub;
//   - fresh (contract.ClaimStepUpAt within MaxAge, not in the future,
//     contract.ClaimStepUpReason one of RequiredReasons): the backend runs;
//   - missing, stale, future or wrong reason: 401 with WWW-Authenticate:
//     Bearer error="insufficient_user_authentication",
//     error_description="…", max_age=<MaxAge seconds>[, acr_values="…"],
//     Cache-Control: no-store and the gate's JSON body; the backend never
//     runs;
//   - a token of another client or not an access token: 403; no JWT claims
//     at all (the route is not behind a JWT authorizer: a wiring mistake):
//     500. Neither runs the backend.
//
// Use it when the backend is a Go Lambda function: one invocation per call
// (the JWT authorizer runs in API Gateway, not in a Lambda), where the gate
// costs three (token-mode authorizer, gate, backend). Keep the gate for
// backends in other languages or not behind Lambda. One JSON log line per
// request (an EMF document: Handler contract.HandlerTransactionMiddleware);
// never the token or the body.
package stepuphttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognitobridge/cognitobridge/lambdas/authorizer/stepupclaim"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/emf"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
)

// Reason is the code logged for one request.
type Reason string

// Reasons. Only ReasonOK runs the backend.
const (
	ReasonOK             Reason = Reason(stepupclaim.Fresh)
	ReasonNoStepUp       Reason = Reason(stepupclaim.Missing)
	ReasonStepUpStale    Reason = Reason(stepupclaim.Stale)
	ReasonStepUpFuture   Reason = Reason(stepupclaim.Future)
	ReasonReasonMismatch Reason = Reason(stepupclaim.ReasonMismatch)
	// ReasonWrongClient: the token is another app client's (403).
	ReasonWrongClient Reason = "wrong_client"
	// ReasonNotAccessToken: token_use is not "access" (403).
	ReasonNotAccessToken Reason = "not_access_token"
	// ReasonNoAuthorizerContext: no JWT claims with a sub (500).
	ReasonNoAuthorizerContext Reason = "no_authorizer_context"
	// ReasonInternalError: the backend panicked (500).
	ReasonInternalError Reason = "internal_error"
)

// MaxSub bounds the sub claim (Cognito's are UUIDs).
const MaxSub = 128

// Config is the guard's configuration.
type Config struct {
	// ClientID is the app client whose access tokens are accepted.
	// Required.
	ClientID string
	// Policy is the route's step-up rule; its zero value is the default
	// rule without acr_values.
	stepupclaim.Policy
}

// ConfigFromEnv reads Config from contract.EnvTokenClientID,
// contract.EnvStepUpMaxAgeSeconds, contract.EnvRequiredReasons and
// contract.EnvGateAcrValues (what the transaction construct's
// AddMiddlewareRoutes sets on the backend).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	policy, err := stepupclaim.ReadPolicy(getenv)
	if err != nil {
		return Config{}, err
	}
	cfg := Config{ClientID: strings.TrimSpace(getenv(contract.EnvTokenClientID)), Policy: policy}
	return cfg, cfg.normalize()
}

func (c *Config) normalize() error {
	var errs []error
	if c.ClientID == "" || len(c.ClientID) > 128 || strings.ContainsAny(c.ClientID, " \t\r\n") {
		errs = append(errs, fmt.Errorf("%s: expected an app client id, received %q", contract.EnvTokenClientID, logref.Clip(c.ClientID)))
	}
	errs = append(errs, c.Policy.Normalize())
	return errors.Join(errs...)
}

// Decision is the guard's verdict on one request's claims.
type Decision struct {
	// Reason is ReasonOK (run the backend) or why not.
	Reason Reason
	// Sub is the token's user, when there was one: act for this user only.
	Sub string
	// StepUpAt is the step-up's time (epoch seconds), 0 when absent.
	StepUpAt int64
	// StepUpReason is the step-up's reason, when valid.
	StepUpReason string
}

// Decide applies the contract to a JWT authorizer's claims (nil: none) at
// now.
func (c Config) Decide(claims map[string]string, now time.Time) Decision {
	sub := claims["sub"]
	if claims == nil || sub == "" || len(sub) > MaxSub {
		return Decision{Reason: ReasonNoAuthorizerContext}
	}
	if claims["token_use"] != "access" {
		return Decision{Reason: ReasonNotAccessToken}
	}
	if claims["client_id"] != c.ClientID {
		return Decision{Reason: ReasonWrongClient}
	}
	at, ok := int64(0), false
	if v, present := claims[contract.ClaimStepUpAt]; present {
		at, ok = stepupclaim.EpochSeconds(json.RawMessage(v)) // API Gateway passes numbers as their digits
	}
	why := ""
	if v, present := claims[contract.ClaimStepUpReason]; present {
		raw, _ := json.Marshal(v) // a string always marshals
		why = stepupclaim.Reason(raw)
	}
	d := Decision{Sub: sub, StepUpAt: at, StepUpReason: why}
	d.Reason = Reason(c.Policy.Check(at, ok, why, now))
	return d
}

// Answer is the guard's own HTTP answer to a refused request.
type Answer struct {
	Status  int
	Headers map[string]string
	Body    string
}

// Refusal is the answer to a decision that is not ReasonOK: the RFC 9470
// challenge (the gate's, byte for byte) for a step-up that is not fresh,
// 403 for a token of another client, 500 without claims.
func (c Config) Refusal(r Reason) Answer {
	if stepupclaim.IsChallenge(stepupclaim.Result(r)) {
		status, headers, body := c.Policy.Challenge(stepupclaim.Result(r))
		return Answer{Status: status, Headers: headers, Body: body}
	}
	status, msg := 500, "Internal Server Error"
	if r == ReasonWrongClient || r == ReasonNotAccessToken {
		status, msg = 403, "Forbidden"
	}
	body, _ := json.Marshal(map[string]string{"message": msg})
	return Answer{Status: status, Headers: map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"}, Body: string(body)}
}

// Guard checks requests and logs one line per request.
type Guard struct {
	cfg Config
	// Logger receives one JSON line per request. Default: JSON to stderr.
	Logger *slog.Logger
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// New validates cfg and returns a guard.
func New(cfg Config) (*Guard, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	return &Guard{cfg: cfg, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}, nil
}

// Config returns the normalized configuration.
func (g *Guard) Config() Config { return g.cfg }

func (g *Guard) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// HandlerFunc is an aws-lambda-go handler of HTTP API (payload 2.0) events.
type HandlerFunc func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Wrap is the aws-lambda-go form: lambda.Start(guard.Wrap(next)). next runs
// only with a fresh step-up of the configured client, and ctx carries the
// Decision (FromContext). A panic in next is a 500, logged.
func (g *Guard) Wrap(next HandlerFunc) HandlerFunc {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
		start := time.Now()
		var claims map[string]string
		if a := req.RequestContext.Authorizer; a != nil && a.JWT != nil {
			claims = a.JWT.Claims
		}
		d := g.cfg.Decide(claims, g.now())
		status := 0
		defer func() {
			if r := recover(); r != nil {
				d.Reason, err = ReasonInternalError, nil
				resp = toResponse(g.cfg.Refusal(ReasonInternalError))
			}
			if status == 0 {
				status = resp.StatusCode
			}
			g.log(ctx, d, req.RouteKey, req.RequestContext.RequestID, status, start)
		}()
		if d.Reason != ReasonOK {
			resp = toResponse(g.cfg.Refusal(d.Reason))
			return resp, nil
		}
		return next(WithDecision(ctx, d), req)
	}
}

func toResponse(a Answer) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{StatusCode: a.Status, Headers: a.Headers, Body: a.Body}
}

type decisionKey struct{}
type claimsKey struct{}

// WithDecision returns ctx carrying d.
func WithDecision(ctx context.Context, d Decision) context.Context {
	return context.WithValue(ctx, decisionKey{}, d)
}

// FromContext is the Decision of a request that passed the guard.
func FromContext(ctx context.Context) (Decision, bool) {
	d, ok := ctx.Value(decisionKey{}).(Decision)
	return d, ok && d.Reason == ReasonOK
}

// WithClaims returns ctx carrying a JWT authorizer's claims, for the
// net/http middleware: Lambda does it (from the event), and so must any
// other adapter that runs the handler behind API Gateway. Never fill it
// from a request header a client can send.
func WithClaims(ctx context.Context, claims map[string]string) context.Context {
	return context.WithValue(ctx, claimsKey{}, claims)
}

func claimsFrom(ctx context.Context) map[string]string {
	c, _ := ctx.Value(claimsKey{}).(map[string]string)
	return c
}

func (g *Guard) log(ctx context.Context, d Decision, routeKey, requestID string, status int, start time.Time) {
	if g == nil || g.Logger == nil {
		return
	}
	level := emf.Level(status >= 500, d.Reason != ReasonOK)
	attrs := []slog.Attr{
		slog.String("trigger", contract.HandlerTransactionMiddleware),
		slog.String("reason", string(d.Reason)),
		slog.Int("status", status),
		slog.String("routeKey", logref.Clip(routeKey)),
		slog.String("requestId", logref.Clip(requestID)),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
	}
	if d.Sub != "" {
		attrs = append(attrs, slog.String("user", logref.Ref(d.Sub)))
	}
	if d.StepUpAt > 0 {
		attrs = append(attrs, slog.Int64("stepupAge_s", g.now().Unix()-d.StepUpAt))
	}
	attrs = append(attrs, emf.Decision(contract.HandlerTransactionMiddleware, string(d.Reason), level, start)...)
	g.Logger.LogAttrs(ctx, level, "transaction step-up middleware", attrs...)
}
