package contract

import (
	"fmt"
	"strconv"
)

// Per-user start cap (issue 14, section 5): how many step-up challenges,
// verification sessions and proofing sessions one user may start in a
// fixed window. Each start is one conditional DynamoDB UpdateItem on the
// table the handler already uses (the step-up table for Create, the
// proofing table for pre sign-up): ADD UserCapCount 1 when the counter is
// absent or below the cap, with the TTL attribute RecordExpiresAt. Nothing
// is read first and nothing else is written; a start beyond the cap is
// refused with ReasonUserCapReached and nothing is started at the provider.
const (
	// EnvUserCapStarts is the number of starts one user may make per
	// window. Default: DefaultUserCapChallenges (Create, OIDC kinds),
	// DefaultUserCapSessions (Create, ProviderBlockIDSession) or
	// DefaultUserCapProofingSessions (the proofing behaviour of pre
	// sign-up); MinUserCapStarts..MaxUserCapStarts.
	EnvUserCapStarts = "COGNITOBRIDGE_USER_CAP_STARTS"
	// EnvUserCapWindowSeconds is the window's length in whole seconds.
	// Windows are fixed (aligned on multiples of the length since the Unix
	// epoch), so a user may start up to twice the cap across a boundary.
	// Default: DefaultUserCapWindowSeconds;
	// MinUserCapWindowSeconds..MaxUserCapWindowSeconds.
	EnvUserCapWindowSeconds = "COGNITOBRIDGE_USER_CAP_WINDOW_SECONDS"
)

// Defaults and bounds of the per-user start cap.
//
// A person signs in a few times in a quarter of an hour at most. One
// sign-in makes up to MaxAttempts (default 3) custom challenges (Create runs
// again for each retry), so 10 challenges are three whole failed sign-ins and
// one more; a password holder scripting sign-ins gets 40 an hour instead of
// as many as the pool's quota allows. A verification session is a real
// start at the provider (BlockID bills it and it may reach the user's
// device): 5 are a failed sign-in with its retries and two more tries. A
// proofing session is a document check billed per session, and one sign-up
// needs one: 3 leave room for a retried or doubled request.
const (
	DefaultUserCapChallenges       = 10
	DefaultUserCapSessions         = 5
	DefaultUserCapProofingSessions = 3
	DefaultUserCapWindowSeconds    = 900
	MinUserCapStarts               = 1
	MaxUserCapStarts               = 1000
	MinUserCapWindowSeconds        = 60
	MaxUserCapWindowSeconds        = 86400
)

// Counter item layout, in the handler's table: partition key
// RecordPartitionKey = UserCapKeyPrefix + "<userPoolId>#<user>#<kind>#<window
// start, Unix seconds>", the count UserCapCount (number) and the TTL
// RecordExpiresAt (the window's end plus a minute). <user> is the Cognito
// sub for step-up starts and the user name being signed up for proofing.
const (
	UserCapKeyPrefix = "cap#"
	UserCapCount     = "n"
	// Kinds of start, one counter each.
	UserCapKindChallenge = "challenge"
	UserCapKindSession   = "session"
	UserCapKindProofing  = "proofing"
)

// ReasonUserCapReached is the reason code logged (and, for proofing, given
// to the person signing up) when a start is refused because the user made
// EnvUserCapStarts starts in the window already.
const ReasonUserCapReached = "user_cap_reached"

// ParseUserCapStarts reads EnvUserCapStarts's value; "" is def.
func ParseUserCapStarts(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || CheckUserCapStarts(float64(n)) != nil {
		return 0, fmt.Errorf("%s: expected an integer from %d to %d, received %q", EnvUserCapStarts, MinUserCapStarts, MaxUserCapStarts, clipValue(s))
	}
	return n, nil
}

// ParseUserCapWindowSeconds reads EnvUserCapWindowSeconds's value; "" is
// DefaultUserCapWindowSeconds.
func ParseUserCapWindowSeconds(s string) (int, error) {
	if s == "" {
		return DefaultUserCapWindowSeconds, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || CheckUserCapWindowSeconds(float64(n)) != nil {
		return 0, fmt.Errorf("%s: expected whole seconds from %d to %d, received %q", EnvUserCapWindowSeconds, MinUserCapWindowSeconds, MaxUserCapWindowSeconds, clipValue(s))
	}
	return n, nil
}

// CheckUserCapStarts reports whether v is a cap (an integer from
// MinUserCapStarts to MaxUserCapStarts). The constructs validate their props
// with it.
func CheckUserCapStarts(v float64) error {
	if v != float64(int(v)) || v < MinUserCapStarts || v > MaxUserCapStarts {
		return fmt.Errorf("expected an integer from %d to %d, received %v", MinUserCapStarts, MaxUserCapStarts, v)
	}
	return nil
}

// CheckUserCapWindowSeconds reports whether v is a window length (whole
// seconds from MinUserCapWindowSeconds to MaxUserCapWindowSeconds).
func CheckUserCapWindowSeconds(v float64) error {
	if v != float64(int(v)) || v < MinUserCapWindowSeconds || v > MaxUserCapWindowSeconds {
		return fmt.Errorf("expected whole seconds from %d to %d, received %v", MinUserCapWindowSeconds, MaxUserCapWindowSeconds, v)
	}
	return nil
}
