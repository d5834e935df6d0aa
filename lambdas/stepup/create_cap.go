package stepup

// The per-user start cap of Create (contract.EnvUserCapStarts): a known
// user who passed the password may start at most Max challenges (OIDC
// kinds) or verification sessions (contract.ProviderBlockIDSession) per
// window. Each counted start is one conditional UpdateItem on the step-up
// table, made just before the challenge is built or the session is started
// at the provider; beyond the cap Create refuses (user_cap_reached) and
// Cognito fails the sign-in, so nothing is started at the provider.
//
// What counts, and why:
//   - Only starts after the password step passed (PASSWORD_VERIFIER true in
//     the session). The counter is per user, so whoever can make it count
//     can lock the user out of step-ups for the rest of the window: a
//     password is required for that, never only a user name. An unknown
//     user (userNotFound) never passes the password step, and gets its
//     decoy without a count.
//   - A passwordless OIDC start (AllowPasswordless) is not counted: Create
//     calls no one for it, and the authorize URL it returns is built from
//     public values that anyone can put together without Cognito. Counting
//     it would let anyone who knows a user name lock that user out and
//     protect nothing at the provider.
//   - A verification session is always a start at the provider, so a known
//     user's session start counts even without the password step (the
//     construct refuses AllowPasswordless with that provider; this holds if
//     the environment says otherwise).
//
// Fail closed: when the table cannot count (unavailable, throttled past
// the SDK's retries, the budget spent) Create refuses with record_failed
// (deadline_exceeded when the budget ran out), inside the budget.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// ReasonUserCapReached: the user made the cap's number of starts in this
// window; nothing was started.
const ReasonUserCapReached Reason = contract.ReasonUserCapReached

// StartCap counts one start of a user; ok is false beyond the cap.
// *usercap.Cap satisfies it.
type StartCap interface {
	Take(ctx context.Context, poolID, user string) (ok bool, err error)
}

// UserCapConfig is the cap of one Create function.
type UserCapConfig struct {
	// Kind is contract.UserCapKindSession for contract.ProviderBlockIDSession,
	// contract.UserCapKindChallenge otherwise.
	Kind string
	// Max starts per user per Window. Default:
	// contract.DefaultUserCapSessions or contract.DefaultUserCapChallenges.
	Max int
	// Window is the fixed window. Default: contract.DefaultUserCapWindowSeconds.
	Window time.Duration
	// Table is the step-up table (contract.EnvStepUpTable). Required.
	Table string
}

// UserCapConfigFromEnv reads the cap of a Create function of provider kind
// provider: contract.EnvStepUpTable (required), contract.EnvUserCapStarts
// and contract.EnvUserCapWindowSeconds.
func UserCapConfigFromEnv(getenv func(string) string, provider string) (UserCapConfig, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := UserCapConfig{Kind: contract.UserCapKindChallenge, Table: get(contract.EnvStepUpTable)}
	def := contract.DefaultUserCapChallenges
	if provider == contract.ProviderBlockIDSession {
		c.Kind, def = contract.UserCapKindSession, contract.DefaultUserCapSessions
	}
	var errs []error
	if c.Table == "" {
		errs = append(errs, fmt.Errorf("%s: expected the step-up table name (Create counts each user's starts there), received nothing", contract.EnvStepUpTable))
	}
	n, err := contract.ParseUserCapStarts(get(contract.EnvUserCapStarts), def)
	errs = append(errs, err)
	c.Max = n
	w, err := contract.ParseUserCapWindowSeconds(get(contract.EnvUserCapWindowSeconds))
	errs = append(errs, err)
	c.Window = time.Duration(w) * time.Second
	if err := errors.Join(errs...); err != nil {
		return UserCapConfig{}, err
	}
	return c, nil
}

// counted reports whether this Create invocation's start counts against
// the user's cap (see the file comment).
func (h *CreateHandler) counted(ev CreateEvent) bool {
	if ev.Request.UserNotFound {
		return false
	}
	return passwordProven(ev.Request.Session) || h.cfg.Provider == contract.ProviderBlockIDSession
}

// takeStart counts the start when it counts: ReasonOK, ReasonUserCapReached,
// or a failure reason when the table could not count it.
func (h *CreateHandler) takeStart(ctx context.Context, ev CreateEvent) Reason {
	if h.Cap == nil || !h.counted(ev) {
		return ReasonOK
	}
	ok, err := h.Cap.Take(ctx, ev.UserPoolID, ev.Request.UserAttributes["sub"])
	switch {
	case err != nil:
		return ctxReason(ctx, ReasonRecordFailed)
	case !ok:
		return ReasonUserCapReached
	}
	return ReasonOK
}
