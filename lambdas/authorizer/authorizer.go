// Package authorizer is the transaction step-up authorizer: an API Gateway
// HTTP API (v2) Lambda authorizer, simple-response format, for high-value
// routes (a payment, a change of payout account).
//
// It authorizes a request only when its `Authorization: Bearer <token>`
// header carries an access token of this user pool and app client whose
// session passed the OIDC step-up recently:
//
//   - the signature checks against the pool's key set
//     (https://cognito-idp.{region}.amazonaws.com/{poolId}/.well-known/jwks.json;
//     RS256 only), cached by package keyset: a token with an unknown kid
//     makes it download the key set at most once per
//     keyset.DefaultMinInterval, so strangers sending random kids cannot
//     make the authorizer call the endpoint on every request;
//   - iss is the pool's issuer, exp is in the future, token_use is
//     "access" and client_id is the configured app client;
//   - contract.ClaimStepUpAt is at most MaxAge old (default 5 minutes) and
//     not more than ClockSkew in the future;
//   - contract.ClaimStepUpReason is one of the route's RequiredReasons
//     (default ["high_value_transaction"]).
//
// The step-up claims are added at token generation by the step-up guard
// (package guard) when it consumes a fresh step-up record, on a Pre Token
// Generation V2_0/V3_0 trigger only. A refreshed token carries none, and
// neither does a token of a pool whose trigger is V1_0: both are refused, so
// a high-value call needs a fresh step-up sign-in. The proof lives in the
// token, so the authorizer needs no per-request lookup; results must not be
// cached by API Gateway (a cached allow would outlive the window), which the
// transaction construct ensures (ResultsCacheTtl 0).
//
// On success the context carries contract.AuthorizerContextSub,
// contract.AuthorizerContextStepUpAt and contract.AuthorizerContextStepUpReason:
// the integration must act for that sub only (never for a user named in the
// path or body). Every refusal is isAuthorized=false and one JSON log line
// with a reason code; the token is never logged. API Gateway answers such a
// refusal with its own bare 403 {"message":"Forbidden"}: an HTTP API
// authorizer can add no header, so it cannot send RFC 9470's challenge.
//
// Token mode (Config.Mode contract.AuthorizerModeToken, the construct's
// GateAuthorizer) checks the token exactly as above but not the step-up: it
// authorizes every valid access token of the pool and client and passes the
// step-up claims it carries, if any, in the same context keys. The route's
// integration is then the step-up gate (package transactiongate), which
// applies the same freshness rule (package stepupclaim) and answers a stale
// or missing step-up with 401 and WWW-Authenticate: Bearer
// error="insufficient_user_authentication" (RFC 9470).
package authorizer

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/cognitobridge/cognitobridge/lambdas/authorizer/stepupclaim"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/emf"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/keyset"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
)

// Reason is the code logged for one decision.
type Reason string

// Reasons. Only ReasonOK authorizes.
const (
	ReasonOK             Reason = "ok"
	ReasonNoToken        Reason = "no_token"
	ReasonTokenInvalid   Reason = "token_invalid"
	ReasonTokenExpired   Reason = "token_expired"
	ReasonWrongIssuer    Reason = "wrong_issuer"
	ReasonWrongClient    Reason = "wrong_client"
	ReasonNotAccessToken Reason = "not_access_token"
	ReasonNoStepUp       Reason = Reason(stepupclaim.Missing)
	ReasonStepUpStale    Reason = Reason(stepupclaim.Stale)
	ReasonStepUpFuture   Reason = Reason(stepupclaim.Future)
	ReasonReasonMismatch Reason = Reason(stepupclaim.ReasonMismatch)
	ReasonInternalError  Reason = "internal_error"
)

// Limits and defaults.
const (
	// DefaultMaxAge is how old a step-up may be on a high-value route.
	DefaultMaxAge = stepupclaim.DefaultMaxAge
	// MaxMaxAge caps Config.MaxAge.
	MaxMaxAge = stepupclaim.MaxMaxAge
	// ClockSkew is how far in the future stepup_at and iat may be (clock
	// skew between Cognito, the guard and this function).
	ClockSkew = stepupclaim.ClockSkew
	// MaxTokenBytes bounds the bearer token parsed (Cognito access tokens
	// are a few KiB even with many groups).
	MaxTokenBytes = 16 << 10
	// FetchTimeout bounds one key set download.
	FetchTimeout = 3 * time.Second
)

// DefaultRequiredReasons is RequiredReasons when none are configured.
var DefaultRequiredReasons = stepupclaim.DefaultRequiredReasons

// Config is the authorizer's configuration.
type Config struct {
	// Issuer is the user pool's issuer,
	// https://cognito-idp.{region}.amazonaws.com/{userPoolId}. Required.
	Issuer string
	// JWKSURL is the key set URL. Default: Issuer + "/.well-known/jwks.json".
	JWKSURL string
	// ClientID is the app client whose access tokens are accepted. Required.
	ClientID string
	// MaxAge is how old stepup_at may be, 1 s to 1 h. Default: DefaultMaxAge.
	MaxAge time.Duration
	// RequiredReasons: stepup_reason must be one of them. Default:
	// DefaultRequiredReasons.
	RequiredReasons []string
	// Mode is contract.AuthorizerModeStepUp (check the token and the
	// step-up) or contract.AuthorizerModeToken (check the token only and
	// pass its step-up claims on; MaxAge and RequiredReasons are then
	// unused). Default: contract.AuthorizerModeStepUp.
	Mode string
}

// ConfigFromEnv reads Config from the contract.EnvToken*,
// contract.EnvStepUpMaxAgeSeconds and contract.EnvRequiredReasons keys and
// validates it.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		Issuer:   strings.TrimSpace(getenv(contract.EnvTokenIssuer)),
		JWKSURL:  strings.TrimSpace(getenv(contract.EnvTokenJWKSURL)),
		ClientID: strings.TrimSpace(getenv(contract.EnvTokenClientID)),
		Mode:     strings.TrimSpace(getenv(contract.EnvAuthorizerMode)),
	}
	var err error
	if cfg.MaxAge, err = stepupclaim.ParseMaxAge(getenv(contract.EnvStepUpMaxAgeSeconds)); err != nil {
		return Config{}, err
	}
	if cfg.RequiredReasons, err = stepupclaim.ParseReasons(getenv(contract.EnvRequiredReasons)); err != nil {
		return Config{}, err
	}
	if err := cfg.normalize(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// normalize fills the defaults and validates.
func (c *Config) normalize() error {
	if err := checkURL(contract.EnvTokenIssuer, c.Issuer); err != nil {
		return err
	}
	c.Issuer = strings.TrimSuffix(c.Issuer, "/")
	if c.JWKSURL == "" {
		c.JWKSURL = c.Issuer + "/.well-known/jwks.json"
	}
	if err := checkURL(contract.EnvTokenJWKSURL, c.JWKSURL); err != nil {
		return err
	}
	if c.ClientID == "" || len(c.ClientID) > 128 {
		return fmt.Errorf("%s: expected an app client id, received %q", contract.EnvTokenClientID, clip(c.ClientID))
	}
	if c.MaxAge == 0 {
		c.MaxAge = DefaultMaxAge
	}
	if c.MaxAge < time.Second || c.MaxAge > MaxMaxAge {
		return fmt.Errorf("%s: expected 1 s to 1 h, received %v", contract.EnvStepUpMaxAgeSeconds, c.MaxAge)
	}
	if c.RequiredReasons == nil {
		c.RequiredReasons = append([]string(nil), DefaultRequiredReasons...)
	}
	if err := stepupclaim.CheckReasons(c.RequiredReasons); err != nil {
		return err
	}
	switch c.Mode {
	case "":
		c.Mode = contract.AuthorizerModeStepUp
	case contract.AuthorizerModeStepUp, contract.AuthorizerModeToken:
	default:
		return fmt.Errorf("%s: expected %q or %q, received %q", contract.EnvAuthorizerMode, contract.AuthorizerModeStepUp, contract.AuthorizerModeToken, clip(c.Mode))
	}
	return nil
}

// checkURL requires an absolute https URL (http only on a loopback host,
// for tests).
func checkURL(key, s string) error {
	u, err := url.Parse(s)
	ok := err == nil && u.Host != "" && u.User == nil && u.RawQuery == "" && u.Fragment == "" &&
		(u.Scheme == "https" || u.Scheme == "http" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1"))
	if !ok {
		return fmt.Errorf("%s: expected an absolute https URL, received %q", key, clip(s))
	}
	return nil
}

// Handler is the Lambda authorizer.
type Handler struct {
	cfg      Config
	verifier *oidc.IDTokenVerifier
	// keys is the pool's key set behind verifier (nil when the handler is
	// built over another oidc.KeySet, as the fuzz test does).
	keys *keyset.Set
	// Logger receives one JSON line per decision. Default: JSON to stderr.
	Logger *slog.Logger
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// New validates cfg and returns a handler whose key set is fetched with
// client on first use and cached (nil client: an http.Client with
// FetchTimeout that follows no redirect: the pool's key set URL answers
// directly, and a redirect is a failed fetch). A token with a key id not in the cache makes it fetch again
// only when the last attempt is keyset.DefaultMinInterval old; a failed
// fetch keeps the last good keys. Fetches are logged as JSON to stderr
// with reason codes keyset.ReasonFetched and keyset.ReasonFetchFailed.
func New(cfg Config, client *http.Client) (*Handler, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	if client == nil {
		client = &http.Client{
			Timeout:       FetchTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	keys := keyset.New(cfg.JWKSURL, client)
	keys.FetchTimeout = FetchTimeout
	keys.Algorithms = []jose.SignatureAlgorithm{jose.RS256}
	keys.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil)).With(slog.String("trigger", "transaction_authorizer"))
	h := newWithKeySet(cfg, keys)
	h.keys = keys
	return h, nil
}

// newWithKeySet builds the handler over keys (cfg already normalized).
func newWithKeySet(cfg Config, keys oidc.KeySet) *Handler {
	h := &Handler{cfg: cfg, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
	// go-oidc checks the signature (RS256 only: Cognito's algorithm);
	// issuer, expiry and audience are checked below, where each refusal gets
	// its own reason code (an access token has client_id, not aud).
	h.verifier = oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{
		SkipClientIDCheck:    true,
		SkipIssuerCheck:      true,
		SkipExpiryCheck:      true,
		SupportedSigningAlgs: []string{oidc.RS256},
	})
	return h
}

// Config returns the normalized configuration.
func (h *Handler) Config() Config { return h.cfg }

// Decision is the outcome for one request.
type Decision struct {
	Reason Reason
	// Sub, StepUpAt and StepUpReason are set when Reason is ReasonOK (in
	// token mode StepUpAt is 0 and StepUpReason "" when the token carries
	// no usable step-up claim).
	Sub          string
	StepUpAt     int64
	StepUpReason string
}

// Handle answers one authorizer request. It never returns an error (API
// Gateway would answer 500) and never panics out.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2CustomAuthorizerV2Request) (resp events.APIGatewayV2CustomAuthorizerSimpleResponse, err error) {
	start := time.Now()
	d := Decision{Reason: ReasonInternalError}
	defer func() {
		if r := recover(); r != nil {
			d = Decision{Reason: ReasonInternalError}
		}
		if d.Reason != ReasonOK {
			resp, err = events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: false}, nil
		}
		h.log(ctx, d, req, start)
	}()
	header, n := authorizationHeader(req.Headers)
	switch n {
	case 0:
		d = Decision{Reason: ReasonNoToken}
	case 1:
		d = h.Decide(ctx, header)
	default:
		d = Decision{Reason: ReasonTokenInvalid}
	}
	if d.Reason != ReasonOK {
		return resp, nil
	}
	ctxOut := map[string]interface{}{contract.AuthorizerContextSub: d.Sub}
	if d.StepUpAt > 0 {
		ctxOut[contract.AuthorizerContextStepUpAt] = d.StepUpAt
	}
	if d.StepUpReason != "" {
		ctxOut[contract.AuthorizerContextStepUpReason] = d.StepUpReason
	}
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: true, Context: ctxOut}, nil
}

// authorizationHeader finds the Authorization header whatever its case
// (HTTP API lower-cases header names in the 2.0 payload) and says how many
// keys matched: two differently cased copies are refused as ambiguous.
func authorizationHeader(headers map[string]string) (value string, n int) {
	for k, v := range headers {
		if strings.EqualFold(k, "authorization") {
			value = v
			n++
		}
	}
	return value, n
}

// ParseBearer extracts the token of an Authorization header value:
// "Bearer" (any case), one or more spaces, and a compact JWS (three
// non-empty base64url segments) of at most MaxTokenBytes. It returns
// ReasonNoToken when the header holds no bearer token and ReasonTokenInvalid
// when the token is malformed.
func ParseBearer(header string) (string, Reason) {
	header = strings.Trim(header, " \t")
	if header == "" {
		return "", ReasonNoToken
	}
	scheme, rest, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", ReasonNoToken
	}
	token := strings.TrimLeft(rest, " ")
	if token == "" {
		return "", ReasonNoToken
	}
	if len(token) > MaxTokenBytes {
		return "", ReasonTokenInvalid
	}
	dots, segment := 0, 0
	for i := 0; i < len(token); i++ {
		c := token[i]
		switch {
		case c == '.':
			if segment == 0 {
				return "", ReasonTokenInvalid
			}
			dots++
			segment = 0
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			segment++
		default:
			return "", ReasonTokenInvalid
		}
	}
	if dots != 2 || segment == 0 {
		return "", ReasonTokenInvalid
	}
	return token, ""
}

// accessClaims are the claims checked beyond go-oidc's signature check.
type accessClaims struct {
	TokenUse     string          `json:"token_use"`
	ClientID     string          `json:"client_id"`
	StepUpAt     json.RawMessage `json:"cognitobridge:stepup_at"`
	StepUpReason json.RawMessage `json:"cognitobridge:stepup_reason"`
}

// Decide checks one Authorization header value; only ReasonOK authorizes.
func (h *Handler) Decide(ctx context.Context, header string) Decision {
	raw, reason := ParseBearer(header)
	if reason != "" {
		return Decision{Reason: reason}
	}
	if h == nil || h.verifier == nil {
		return Decision{Reason: ReasonInternalError}
	}
	tok, err := h.verifier.Verify(ctx, raw)
	if err != nil {
		return Decision{Reason: ReasonTokenInvalid}
	}
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	if tok.Issuer != h.cfg.Issuer {
		return Decision{Reason: ReasonWrongIssuer}
	}
	if tok.Expiry.IsZero() || tok.IssuedAt.After(now.Add(ClockSkew)) || tok.Subject == "" {
		return Decision{Reason: ReasonTokenInvalid}
	}
	if !now.Before(tok.Expiry) {
		return Decision{Reason: ReasonTokenExpired}
	}
	var c accessClaims
	if err := tok.Claims(&c); err != nil {
		return Decision{Reason: ReasonTokenInvalid}
	}
	if c.TokenUse != "access" {
		return Decision{Reason: ReasonNotAccessToken}
	}
	if c.ClientID != h.cfg.ClientID {
		return Decision{Reason: ReasonWrongClient}
	}
	at, ok := stepupclaim.EpochSeconds(c.StepUpAt)
	why := stepupclaim.Reason(c.StepUpReason)
	if h.cfg.Mode == contract.AuthorizerModeToken {
		// The token is genuine; its step-up is the gate's to judge.
		if !ok {
			at = 0
		}
		return Decision{Reason: ReasonOK, Sub: tok.Subject, StepUpAt: at, StepUpReason: why}
	}
	if r := stepupclaim.Check(at, ok, why, now, h.cfg.MaxAge, h.cfg.RequiredReasons); r != stepupclaim.Fresh {
		return Decision{Reason: Reason(r)}
	}
	return Decision{Reason: ReasonOK, Sub: tok.Subject, StepUpAt: at, StepUpReason: why}
}

func (h *Handler) log(ctx context.Context, d Decision, req events.APIGatewayV2CustomAuthorizerV2Request, start time.Time) {
	if h == nil || h.Logger == nil {
		return
	}
	level := emf.Level(d.Reason == ReasonInternalError, d.Reason != ReasonOK)
	attrs := []slog.Attr{
		slog.String("trigger", "transaction_authorizer"),
		slog.String("mode", h.cfg.Mode),
		slog.String("reason", string(d.Reason)),
		slog.Bool("authorized", d.Reason == ReasonOK),
		slog.String("routeKey", clip(req.RouteKey)),
		slog.String("requestId", clip(req.RequestContext.RequestID)),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
	}
	if d.Reason == ReasonOK {
		attrs = append(attrs, slog.String("user", logref.Ref(d.Sub)))
		if d.StepUpAt > 0 {
			attrs = append(attrs, slog.Int64("stepupAt", d.StepUpAt))
		}
	}
	attrs = append(attrs, emf.Decision(contract.HandlerTransactionAuthorizer, string(d.Reason), level, start)...)
	h.Logger.LogAttrs(ctx, level, "transaction step-up decision", attrs...)
}

// clip bounds a logged field.
func clip(s string) string { return logref.Clip(s) }
