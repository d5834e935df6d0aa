package proofing

// The per-user start cap of the pre sign-up behaviour
// (contract.EnvUserCapStarts): at most Max proofing sessions per user name
// per window are started at the provider. The live-record check (one
// GetItem) stops a second sign-up of a name once the first one's record is
// written; sign-ups of one name that run together all pass that check
// before any of them writes, and each would start a billed document
// session. The count (one conditional UpdateItem on the proofing table,
// keyed by the pool and the lower-cased user name) comes after the check
// and before the provider; beyond the cap the sign-up is refused
// (user_cap_reached) and nothing is started.
//
// The counter is per user name, and the name is chosen by whoever signs
// up: filling it locks that name out of sign-up for the window, which the
// first sign-up of the name does anyway (its record blocks the name for
// the record's lifetime), so it gives an attacker nothing new.
//
// Fail closed: a count the table cannot make refuses the sign-up
// (store_error, "try again in a few minutes") inside the budget.

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// ReasonUserCapReached: the user name started as many proofing sessions as
// the cap allows in this window; nothing was started.
const ReasonUserCapReached = contract.ReasonUserCapReached

// MsgTooManyStarts is shown to the person signing up beyond the cap.
const MsgTooManyStarts = "Identity verification was started too often for this user name. Please try again in a few minutes."

// StartCap counts one start of a user; ok is false beyond the cap.
// *usercap.Cap satisfies it.
type StartCap interface {
	Take(ctx context.Context, poolID, user string) (ok bool, err error)
}

// CapConfig is the cap of the pre sign-up behaviour.
type CapConfig struct {
	// Max starts per user name per Window. Default:
	// contract.DefaultUserCapProofingSessions.
	Max int
	// Window is the fixed window. Default: contract.DefaultUserCapWindowSeconds.
	Window time.Duration
}

// CapConfigFromEnv reads contract.EnvUserCapStarts and
// contract.EnvUserCapWindowSeconds.
func CapConfigFromEnv(getenv func(string) string) (CapConfig, error) {
	n, err1 := contract.ParseUserCapStarts(strings.TrimSpace(getenv(contract.EnvUserCapStarts)), contract.DefaultUserCapProofingSessions)
	w, err2 := contract.ParseUserCapWindowSeconds(strings.TrimSpace(getenv(contract.EnvUserCapWindowSeconds)))
	if err := errors.Join(err1, err2); err != nil {
		return CapConfig{}, err
	}
	return CapConfig{Max: n, Window: time.Duration(w) * time.Second}, nil
}

// takeStart counts the start of userName's proofing: "" when it may go
// ahead, else the reason it is refused.
func (b *Behaviour) takeStart(ctx context.Context, poolID, userName string) string {
	if b.Cap == nil {
		return ""
	}
	ok, err := b.Cap.Take(ctx, poolID, strings.ToLower(userName))
	switch {
	case err != nil:
		return ReasonStoreError
	case !ok:
		return ReasonUserCapReached
	}
	return ""
}
