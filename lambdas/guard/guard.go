// Package guard is the Pre Token Generation trigger that closes the
// password-only paths around the OIDC step-up.
//
// An app client that allows CUSTOM_AUTH may also allow USER_SRP_AUTH (AWS
// does not document whether CUSTOM_AUTH starting with SRP_A needs it, and
// CloudFormation's default client allows it), and the hosted UI, the
// new-password challenge and device authentication never run the custom
// challenge either. The guard makes token issuance itself depend on the
// step-up: Verify records a passed step-up (steprecord.Store.Record) and
// the guard lets Cognito issue tokens only when it atomically consumes a
// fresh record for this user. Returning an error from the trigger makes
// Cognito refuse the sign-in ("If your Lambda function ... returns an
// error, the authentication event doesn't succeed").
//
// The event does not say which auth flow produced the tokens, so the rule is
// by triggerSource and by what the construct recorded about the client:
//   - TokenGeneration_RefreshTokens (InitiateAuth REFRESH_TOKEN_AUTH) passes:
//     the refresh token itself came from a guarded issuance.
//   - A refresh through GetTokensFromRefreshToken, the only refresh of
//     Amplify v6.15 and later, arrives as TokenGeneration_Authentication
//     (DOCUMENTED: developer guide, "Lambda triggers by API operation":
//     GetTokensFromRefreshToken invokes pre token generation with that
//     source; "User authentication or token refresh complete"), without the
//     sign-in's ClientMetadata. It passes, without step-up claims, only on a
//     client the construct recorded as custom-auth-only
//     (contract.ProtectedCustomAuthOnlyPrefix: its only sign-in flow is
//     CUSTOM_AUTH, so Define, which demands the step-up, decides every API
//     sign-in and no password-only issuance can look the same). On a
//     protected client with other flows (USER_SRP_AUTH, or flows the
//     construct could not see) it is refused like a password-only sign-in:
//     fail closed, the user signs in again when the access token expires.
//   - Every other triggerSource, known (TokenGeneration_HostedAuth,
//     _Authentication, _NewPasswordChallenge, _AuthenticateDevice) or not,
//     passes only when the record of this sign-in is consumed within the
//     window and was recorded on the same app client (callerContext.clientId):
//     a step-up passed on one client never releases tokens to another. A
//     record of another client is consumed (deleted) all the same. "This
//     sign-in" is the one whose ClientMetadata echoes the per-challenge
//     value Create handed out (contract.MetadataStepUpBinding): the record's
//     key holds its hash. Cognito passes RespondToAuthChallenge's
//     ClientMetadata to pre token generation and InitiateAuth's not (AWS
//     Knowledge Center, "pass ClientMetadata to Lambda triggers"), so the
//     value travels with the answer to the custom challenge. A sign-in
//     without it, or with another value, consumes nothing.
//
// Every refusal is the same generic error ("step-up required"); the reason
// goes to one JSON log line, without tokens or user attributes.
//
// Transaction step-up. When the guard consumes a fresh record (a real
// step-up sign-in, never a refresh) of a version 2 or 3 event (the pool's
// trigger configured as LambdaVersion V2_0 or V3_0, which needs the
// Essentials or Plus feature plan), it adds two claims to both the access
// and the ID token: contract.ClaimStepUpAt, the epoch seconds of the passed
// step-up (the record's passedAt), and contract.ClaimStepUpReason, the
// sign-in's clientMetadata[contract.MetadataStepUpReason] when it is exactly
// one of the allowed reasons (contract.EnvStepUpReasons, default
// ["high_value_transaction"]), else contract.StepUpReasonSignIn. An API's
// transaction authorizer then accepts an access token on a high-value route
// only with a recent stepup_at. The proof lives in the token rather than in
// a lookup at the authorizer because the record is consumed at issuance
// anyway, and a claim costs no per-request read.
//
// The reason is the client's label, checked against the allow-list only; the
// proof is stepup_at, which only a consumed record yields. Refreshed tokens
// get no claims (the guard adds nothing on TokenGeneration_RefreshTokens),
// so a high-value call needs a fresh step-up sign-in. A version 1 event can
// only change the ID token and gets no claims: tokens of a pool whose trigger
// is V1_0 never pass a transaction authorizer.
package guard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/deadline"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/emf"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
	"github.com/cognitobridge/cognitobridge/lambdas/pretokengen"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
)

// Pre token generation trigger sources.
const (
	TriggerHostedAuth           = "TokenGeneration_HostedAuth"
	TriggerAuthentication       = "TokenGeneration_Authentication"
	TriggerNewPasswordChallenge = "TokenGeneration_NewPasswordChallenge"
	TriggerAuthenticateDevice   = "TokenGeneration_AuthenticateDevice"
	TriggerRefreshTokens        = "TokenGeneration_RefreshTokens"
)

// Reason is the code logged for one decision.
type Reason string

// Reasons. Only those Passes lists let tokens be issued.
const (
	ReasonOK                Reason = "ok"
	ReasonOKRefresh         Reason = "ok_refresh"
	ReasonRecordMissing     Reason = "record_missing"
	ReasonRecordStale       Reason = "record_stale"
	ReasonRecordMalformed   Reason = "record_malformed"
	ReasonRecordOtherClient Reason = contract.ReasonRecordOtherClient
	ReasonStoreUnavailable  Reason = "store_unavailable"
	ReasonEventMalformed    Reason = "event_malformed"
	ReasonInternalError     Reason = "internal_error"
	// ReasonBindingMissing: the sign-in's ClientMetadata does not echo the
	// challenge's contract.PublicStepUpBinding value, so no record can be
	// this sign-in's; nothing is consumed.
	ReasonBindingMissing Reason = contract.ReasonBindingMissing
	// ReasonUnprotectedClient: the sign-in runs on an app client the
	// step-up does not protect; it passes untouched.
	ReasonUnprotectedClient Reason = "unprotected_client"
	// ReasonOKNoStepUp: an on-demand sign-in without a step-up; it passes
	// without step-up claims.
	ReasonOKNoStepUp Reason = "ok_no_stepup"
	// ReasonOKCustomAuthOnly: a TokenGeneration_Authentication issuance
	// without a binding value on a custom-auth-only client (in practice a
	// GetTokensFromRefreshToken refresh); it passes without step-up claims.
	ReasonOKCustomAuthOnly Reason = "ok_custom_auth_only"
	// ReasonClientsUnavailable: the list of protected clients could not be
	// read; the issuance is refused.
	ReasonClientsUnavailable Reason = "clients_unavailable"
)

// Passes reports whether the reason lets Cognito issue tokens.
func (r Reason) Passes() bool {
	return r == ReasonOK || r == ReasonOKRefresh || r == ReasonUnprotectedClient || r == ReasonOKNoStepUp || r == ReasonOKCustomAuthOnly
}

// ErrStepUpRequired is the only error the handler returns; Cognito shows
// it to the client as the reason the sign-in failed.
var ErrStepUpRequired = errors.New("step-up required")

// Time bounds: the whole call stays well under Cognito's fixed 5 s.
const (
	// MaxBudget caps the time spent on the store.
	MaxBudget = 4 * time.Second
	// DeadlineMargin is kept back from the Lambda deadline.
	DeadlineMargin = 300 * time.Millisecond
)

// Consumer consumes the step-up record of a sign-in and returns the time
// the step-up passed, or one of steprecord's refusals (ErrRecordMissing,
// ErrRecordStale, ...); *steprecord.Store satisfies it.
type Consumer interface {
	ConsumeAt(ctx context.Context, in steprecord.SignIn, now time.Time, window time.Duration) (passedAt time.Time, err error)
}

var _ Consumer = (*steprecord.Store)(nil)

// Config is the guard's configuration.
type Config struct {
	// Table is the record table (contract.EnvStepUpTable), required.
	Table string
	// Window is how old a record may be (contract.EnvStepUpWindowSeconds).
	// Default: 60 s.
	Window time.Duration
	// Reasons are the step-up reasons a client may name in clientMetadata
	// (contract.EnvStepUpReasons). Default: ["high_value_transaction"].
	Reasons []string
	// ProtectedClientsParameter names the SSM parameter of the protected
	// app clients (contract.EnvProtectedClientsParameter). Default: "",
	// every client of the pool is protected.
	ProtectedClientsParameter string
	// ProtectedClientsTTL is how long the list is reused
	// (contract.EnvProtectedClientsTTLSeconds). Default: 60 s.
	ProtectedClientsTTL time.Duration
	// Policy is contract.PolicyAlways (default) or contract.PolicyOnDemand
	// (contract.EnvStepUpPolicy).
	Policy string
}

// PolicyFromEnv reads contract.EnvStepUpPolicy. Default: PolicyAlways.
func PolicyFromEnv(getenv func(string) string) (string, error) {
	return contract.ParseStepUpPolicy(strings.TrimSpace(getenv(contract.EnvStepUpPolicy)))
}

// DefaultReasons are the allowed step-up reasons when none are configured.
var DefaultReasons = contract.DefaultStepUpReasons()

// ReasonsFromEnv reads contract.EnvStepUpReasons (contract.ParseStepUpReasons).
func ReasonsFromEnv(getenv func(string) string) ([]string, error) {
	return contract.ParseStepUpReasons(strings.TrimSpace(getenv(contract.EnvStepUpReasons)))
}

// StepUpReason is the reason stamped into the tokens of a step-up sign-in:
// metadata[contract.MetadataStepUpReason] when it equals one of allowed
// exactly, else contract.StepUpReasonSignIn. The client's value is compared,
// never copied: what reaches a token is always an allow-list entry.
func StepUpReason(metadata map[string]string, allowed []string) string {
	asked, ok := metadata[contract.MetadataStepUpReason]
	if !ok {
		return contract.StepUpReasonSignIn
	}
	for _, r := range allowed {
		if r == asked {
			return r
		}
	}
	return contract.StepUpReasonSignIn
}

// ConfigFromEnv reads Config; a missing table or a bad window is an error.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	table := strings.TrimSpace(getenv(contract.EnvStepUpTable))
	if table == "" {
		return Config{}, fmt.Errorf("%s: expected a DynamoDB table name, received nothing", contract.EnvStepUpTable)
	}
	window, err := steprecord.WindowFromEnv(getenv)
	if err != nil {
		return Config{}, err
	}
	reasons, err := ReasonsFromEnv(getenv)
	if err != nil {
		return Config{}, err
	}
	policy, err := PolicyFromEnv(getenv)
	if err != nil {
		return Config{}, err
	}
	ttl := DefaultProtectedClientsTTL
	if v := strings.TrimSpace(getenv(contract.EnvProtectedClientsTTLSeconds)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3600 {
			return Config{}, fmt.Errorf("%s: expected whole seconds in [1, 3600], received %q", contract.EnvProtectedClientsTTLSeconds, clip(v))
		}
		ttl = time.Duration(n) * time.Second
	}
	return Config{Table: table, Window: window, Reasons: reasons, Policy: policy,
		ProtectedClientsParameter: strings.TrimSpace(getenv(contract.EnvProtectedClientsParameter)), ProtectedClientsTTL: ttl}, nil
}

// Handler is the Pre Token Generation Lambda handler.
type Handler struct {
	store  Consumer
	window time.Duration
	// Logger receives one JSON line per decision. Default: JSON to stderr.
	Logger *slog.Logger
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Reasons are the step-up reasons a client may name (see StepUpReason).
	// Default: DefaultReasons.
	Reasons []string
	// Protected says which app clients the step-up protects. Default: nil,
	// every client of the pool.
	Protected ProtectedClients
	// Policy is contract.PolicyAlways (default, also for "") or
	// contract.PolicyOnDemand.
	Policy string
}

// Protection is what the protected-clients list says of one app client.
type Protection int

const (
	// Unprotected: the step-up does not protect the client.
	Unprotected Protection = iota
	// ProtectedAnyFlow: protected; its sign-in flows include more than
	// CUSTOM_AUTH, or the construct could not see them.
	ProtectedAnyFlow
	// ProtectedCustomAuthOnly: protected, and CUSTOM_AUTH (with refresh) is
	// its only sign-in flow: Define decides every API sign-in.
	ProtectedCustomAuthOnly
)

// ProtectedClients is the set of app clients a step-up protects.
type ProtectedClients interface {
	Protection(ctx context.Context, clientID string) (Protection, error)
}

// New returns a guard consuming records from store; a non-positive window
// means steprecord.DefaultWindow.
func New(store Consumer, window time.Duration) *Handler {
	if window <= 0 {
		window = steprecord.DefaultWindow
	}
	return &Handler{store: store, window: window, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
}

// Handle answers one Pre Token Generation event, else ErrStepUpRequired. A
// passing version 2 or 3 event of a consumed record gets the step-up claims
// (contract.ClaimStepUpAt, contract.ClaimStepUpReason) in both tokens; a
// refresh or a version 1 event passes with no claim changes. It never panics
// out.
func (h *Handler) Handle(ctx context.Context, ev Event) (out Event, err error) {
	start := time.Now()
	d := pretokengen.Decision{Reason: string(ReasonInternalError)}
	defer func() {
		if r := recover(); r != nil {
			d = pretokengen.Decision{Reason: string(ReasonInternalError)}
		}
		if !d.Pass {
			out, err = Event{}, ErrStepUpRequired
		}
		h.logDecision(ctx, d, ev, start)
	}()
	d = h.Apply(ctx, ev)
	if !d.Pass {
		return Event{}, ErrStepUpRequired
	}
	out = ev
	out.Response = pretokengen.Response(ev.Version, d.Claims)
	return out, nil
}

// Name is the behaviour's name in the pool's pre token generation function.
func (h *Handler) Name() string { return contract.BehaviourStepUpGuard }

var _ pretokengen.Behaviour = (*Handler)(nil)

// Apply is the guard as a behaviour of the pool's pre token generation
// function:
//   - a refresh passes untouched;
//   - a sign-in on an app client the step-up does not protect passes
//     untouched: no claims, nothing consumed (Protected);
//   - with PolicyOnDemand, a sign-in that echoes no step-up binding value
//     passes without claims (Define let it through on the password alone);
//   - on a custom-auth-only client, a TokenGeneration_Authentication
//     issuance that echoes no binding value (a GetTokensFromRefreshToken
//     refresh) passes without claims: Define decided every sign-in there;
//   - every other issuance passes only when it consumes the record of this
//     sign-in, and then gets the step-up claims (version 2/3 events).
func (h *Handler) Apply(ctx context.Context, ev Event) pretokengen.Decision {
	if ev.TriggerSource == TriggerRefreshTokens {
		return pretokengen.Decision{Pass: true, Reason: string(ReasonOKRefresh)}
	}
	protection := ProtectedAnyFlow
	if h != nil && h.Protected != nil {
		var reason Reason
		protection, reason = h.protects(ctx, ev.CallerContext.ClientID)
		if reason != "" {
			return pretokengen.Decision{Reason: string(reason), Refusal: ErrStepUpRequired}
		}
		if protection == Unprotected {
			return pretokengen.Decision{Pass: true, Reason: string(ReasonUnprotectedClient)}
		}
	}
	if ev.Request.ClientMetadata[contract.MetadataStepUpBinding] == "" {
		if h != nil && h.Policy == contract.PolicyOnDemand {
			return pretokengen.Decision{Pass: true, Reason: string(ReasonOKNoStepUp)}
		}
		if protection == ProtectedCustomAuthOnly && ev.TriggerSource == TriggerAuthentication {
			return pretokengen.Decision{Pass: true, Reason: string(ReasonOKCustomAuthOnly)}
		}
	}
	reason, passedAt := h.decide(ctx, ev)
	if !reason.Passes() {
		return pretokengen.Decision{Reason: string(reason), Refusal: ErrStepUpRequired}
	}
	d := pretokengen.Decision{Pass: true, Reason: string(reason)}
	if reason == ReasonOK && pretokengen.IsV2(ev.Version) {
		stepUpReason := StepUpReason(ev.Request.ClientMetadata, h.reasons())
		d.Claims = map[string]any{
			contract.ClaimStepUpAt:     passedAt.Unix(),
			contract.ClaimStepUpReason: stepUpReason,
		}
		// An allow-list entry, never the client's raw value.
		d.Log = []slog.Attr{slog.String("stepupReason", stepUpReason)}
	}
	return d
}

// protects says how the step-up protects clientID; a non-empty reason
// means the list could not be read (the issuance is refused).
func (h *Handler) protects(ctx context.Context, clientID string) (Protection, Reason) {
	budget := Budget(ctx, time.Now())
	if budget <= 0 {
		return Unprotected, ReasonClientsUnavailable
	}
	cctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	p, err := h.Protected.Protection(cctx, clientID)
	if err != nil {
		return Unprotected, ReasonClientsUnavailable
	}
	return p, ""
}

// Decide returns the reason for ev; only ReasonOK and ReasonOKRefresh pass.
// For every trigger source but refresh it consumes the user's record, which
// must have been written for ev's app client.
func (h *Handler) Decide(ctx context.Context, ev Event) Reason {
	r, _ := h.decide(ctx, ev)
	return r
}

// decide is Decide that also returns, for ReasonOK, when the consumed
// step-up passed.
func (h *Handler) decide(ctx context.Context, ev Event) (Reason, time.Time) {
	if ev.TriggerSource == TriggerRefreshTokens {
		return ReasonOKRefresh, time.Time{}
	}
	sub := ev.Request.UserAttributes["sub"]
	if ev.UserPoolID == "" || sub == "" {
		return ReasonEventMalformed, time.Time{}
	}
	// Only the sign-in that answered the challenge knows its value: a
	// password-only issuance racing the step-up (or any other sign-in of
	// the user) names no record and consumes nothing.
	hash := contract.BindingHash(ev.Request.ClientMetadata[contract.MetadataStepUpBinding])
	if hash == "" {
		return ReasonBindingMissing, time.Time{}
	}
	if _, err := steprecord.Key(ev.UserPoolID, sub, hash); err != nil {
		return ReasonEventMalformed, time.Time{}
	}
	if h == nil || h.store == nil {
		return ReasonStoreUnavailable, time.Time{}
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	t := now()
	budget := Budget(ctx, t)
	if budget <= 0 {
		return ReasonStoreUnavailable, time.Time{}
	}
	cctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	in := steprecord.SignIn{PoolID: ev.UserPoolID, Sub: sub, ClientID: ev.CallerContext.ClientID, BindingHash: hash}
	passedAt, err := h.store.ConsumeAt(cctx, in, t, h.window)
	if err != nil {
		return refusalReason(err), time.Time{}
	}
	// The store checked the window; a time outside it (or none) is a store
	// that cannot be trusted.
	if passedAt.IsZero() || passedAt.Before(t.Add(-h.window)) || passedAt.After(t.Add(steprecord.FutureSkew)) {
		return ReasonInternalError, time.Time{}
	}
	return ReasonOK, passedAt
}

// refusals name the store's refusals with the guard's reason codes, which
// the logs, the metrics and the attack tests read.
var refusals = []struct {
	err    error
	reason Reason
}{
	{steprecord.ErrInvalidKey, ReasonEventMalformed},
	{steprecord.ErrRecordMissing, ReasonRecordMissing},
	{steprecord.ErrRecordStale, ReasonRecordStale},
	{steprecord.ErrRecordMalformed, ReasonRecordMalformed},
	{steprecord.ErrRecordOtherClient, ReasonRecordOtherClient},
}

// refusalReason is the reason code of a refusal of the store; any other
// error (steprecord.ErrUnavailable, a deadline) is an unavailable store.
func refusalReason(err error) Reason {
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return ReasonStoreUnavailable
}

func (h *Handler) reasons() []string {
	if h == nil || h.Reasons == nil {
		return DefaultReasons
	}
	return h.Reasons
}

// Budget is the time the guard allows itself at now: the context's
// deadline minus DeadlineMargin, at most MaxBudget.
func Budget(ctx context.Context, now time.Time) time.Duration {
	return deadline.Budget(ctx, now, DeadlineMargin, MaxBudget)
}

func (h *Handler) logDecision(ctx context.Context, d pretokengen.Decision, ev Event, start time.Time) {
	stepUpReason := ""
	for _, a := range d.Log {
		if a.Key == "stepupReason" {
			stepUpReason = a.Value.String()
		}
	}
	h.log(ctx, Reason(d.Reason), stepUpReason, ev, start)
}

func (h *Handler) log(ctx context.Context, reason Reason, stepUpReason string, ev Event, start time.Time) {
	if h == nil || h.Logger == nil {
		return
	}
	level := slog.LevelInfo
	switch {
	case reason == ReasonStoreUnavailable || reason == ReasonInternalError || reason == ReasonClientsUnavailable:
		level = slog.LevelError
	case !reason.Passes():
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("trigger", "pretokengen"),
		slog.String("reason", string(reason)),
		slog.Bool("issued", reason.Passes()),
		slog.String("triggerSource", clip(ev.TriggerSource)),
		slog.String("userPoolId", clip(ev.UserPoolID)),
		slog.String("clientId", clip(ev.CallerContext.ClientID)),
		slog.String("user", logref.Ref(ev.UserPoolID, ev.UserName)),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
	}
	if stepUpReason != "" {
		// An allow-list entry, never the client's raw value.
		attrs = append(attrs, slog.String("stepupReason", stepUpReason))
	}
	attrs = append(attrs, emf.Decision(contract.HandlerPreTokenStepUpGuard, string(reason), level, start)...)
	h.Logger.LogAttrs(ctx, level, "stepup guard decision", attrs...)
}

// clip bounds a logged event field (the event is Cognito's, but a log line
// should not grow with it).
func clip(s string) string { return logref.Clip(s) }
