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
// by triggerSource alone:
//   - TokenGeneration_RefreshTokens passes: the refresh token itself came
//     from a guarded issuance. The newer GetTokensFromRefreshToken API may
//     report TokenGeneration_Authentication instead; such a refresh then
//     finds no record and is refused (fail closed: the user signs in again).
//   - Every other triggerSource, known (TokenGeneration_HostedAuth,
//     _Authentication, _NewPasswordChallenge, _AuthenticateDevice) or not,
//     passes only when a record for (userPoolId, sub) is consumed within the
//     window and was recorded on the same app client (callerContext.clientId):
//     a step-up passed on one client never releases tokens to another. A
//     record of another client is consumed (deleted) all the same.
//
// Every refusal is the same generic error ("step-up required"); the reason
// goes to one JSON log line, without tokens or user attributes.
package guard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
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

// Reasons. Only ReasonOK and ReasonOKRefresh let tokens be issued.
const (
	ReasonOK                Reason = steprecord.ReasonOK
	ReasonOKRefresh         Reason = "ok_refresh"
	ReasonRecordMissing     Reason = steprecord.ReasonMissing
	ReasonRecordStale       Reason = steprecord.ReasonStale
	ReasonRecordMalformed   Reason = steprecord.ReasonMalformed
	ReasonRecordOtherClient Reason = steprecord.ReasonOtherClient
	ReasonStoreUnavailable  Reason = steprecord.ReasonUnavailable
	ReasonEventMalformed    Reason = steprecord.ReasonInvalidKey
	ReasonInternalError     Reason = "internal_error"
)

// Passes reports whether the reason lets Cognito issue tokens.
func (r Reason) Passes() bool { return r == ReasonOK || r == ReasonOKRefresh }

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

// Consumer consumes a step-up record; *steprecord.Store satisfies it.
type Consumer interface {
	Consume(ctx context.Context, poolID, sub, clientID string, now time.Time, window time.Duration) (ok bool, reason string, err error)
}

var _ Consumer = (*steprecord.Store)(nil)

// Config is the guard's configuration.
type Config struct {
	// Table is the record table (contract.EnvStepUpTable), required.
	Table string
	// Window is how old a record may be (contract.EnvStepUpWindowSeconds).
	// Default: 60 s.
	Window time.Duration
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
	return Config{Table: table, Window: window}, nil
}

// Handler is the Pre Token Generation Lambda handler.
type Handler struct {
	store  Consumer
	window time.Duration
	// Logger receives one JSON line per decision. Default: JSON to stderr.
	Logger *slog.Logger
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// New returns a guard consuming records from store; a non-positive window
// means steprecord.DefaultWindow.
func New(store Consumer, window time.Duration) *Handler {
	if window <= 0 {
		window = steprecord.DefaultWindow
	}
	return &Handler{store: store, window: window, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
}

// Handle answers one Pre Token Generation event: the event back with no
// claim changes when the decision passes, else ErrStepUpRequired. It never
// panics out.
func (h *Handler) Handle(ctx context.Context, ev Event) (out Event, err error) {
	start := time.Now()
	reason := ReasonInternalError
	defer func() {
		if r := recover(); r != nil {
			reason = ReasonInternalError
		}
		if !reason.Passes() {
			out, err = Event{}, ErrStepUpRequired
		}
		h.log(ctx, reason, ev, start)
	}()
	reason = h.Decide(ctx, ev)
	if !reason.Passes() {
		return Event{}, ErrStepUpRequired
	}
	out = ev
	out.Response = passResponse(ev.Version)
	return out, nil
}

// Decide returns the reason for ev; only ReasonOK and ReasonOKRefresh pass.
// For every trigger source but refresh it consumes the user's record, which
// must have been written for ev's app client.
func (h *Handler) Decide(ctx context.Context, ev Event) Reason {
	if ev.TriggerSource == TriggerRefreshTokens {
		return ReasonOKRefresh
	}
	sub := ev.Request.UserAttributes["sub"]
	if _, err := steprecord.Key(ev.UserPoolID, sub); err != nil {
		return ReasonEventMalformed
	}
	if h == nil || h.store == nil {
		return ReasonStoreUnavailable
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	t := now()
	budget := Budget(ctx, t)
	if budget <= 0 {
		return ReasonStoreUnavailable
	}
	cctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	ok, reason, err := h.store.Consume(cctx, ev.UserPoolID, sub, ev.CallerContext.ClientID, t, h.window)
	switch {
	case err != nil:
		if reason == steprecord.ReasonInvalidKey {
			return ReasonEventMalformed
		}
		return ReasonStoreUnavailable
	case ok && reason == steprecord.ReasonOK:
		return ReasonOK
	case ok:
		return ReasonInternalError // a store that says ok with another reason is not trusted
	}
	switch r := Reason(reason); r {
	case ReasonRecordMissing, ReasonRecordStale, ReasonRecordMalformed, ReasonRecordOtherClient:
		return r
	}
	return ReasonRecordMissing
}

// Budget is the time the guard allows itself at now: the context's
// deadline minus DeadlineMargin, at most MaxBudget.
func Budget(ctx context.Context, now time.Time) time.Duration {
	budget := MaxBudget
	if d, ok := ctx.Deadline(); ok {
		if left := d.Sub(now) - DeadlineMargin; left < budget {
			budget = left
		}
	}
	return budget
}

func passResponse(version string) Response {
	null := json.RawMessage("null")
	if version == "" || version == "1" {
		return Response{ClaimsOverrideDetails: null}
	}
	return Response{ClaimsAndScopeOverrideDetails: null}
}

func (h *Handler) log(ctx context.Context, reason Reason, ev Event, start time.Time) {
	if h == nil || h.Logger == nil {
		return
	}
	level := slog.LevelInfo
	switch {
	case reason == ReasonStoreUnavailable || reason == ReasonInternalError:
		level = slog.LevelError
	case !reason.Passes():
		level = slog.LevelWarn
	}
	sum := sha256.Sum256([]byte(ev.UserPoolID + "\x00" + ev.UserName))
	h.Logger.LogAttrs(ctx, level, "stepup guard decision",
		slog.String("trigger", "pretokengen"),
		slog.String("reason", string(reason)),
		slog.Bool("issued", reason.Passes()),
		slog.String("triggerSource", clip(ev.TriggerSource)),
		slog.String("userPoolId", clip(ev.UserPoolID)),
		slog.String("clientId", clip(ev.CallerContext.ClientID)),
		slog.String("user", hex.EncodeToString(sum[:6])),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
	)
}

// clip bounds a logged event field (the event is Cognito's, but a log line
// should not grow with it).
func clip(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
