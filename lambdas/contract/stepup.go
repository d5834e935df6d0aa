package contract

import (
	"encoding/json"
	"fmt"
)

// Defaults and bounds of the step-up triggers and the guard. The construct
// (constructs/stepup) checks its props against them and writes its values
// out; the handlers (lambdas/stepup, lambdas/guard) read the environment
// with the same defaults and bounds, so a value the construct accepts is
// one the handlers accept (constructs/stepup's agreement test).
const (
	// DefaultMaxAttempts and MaxMaxAttempts: EnvMaxAttempts, 1 to 10.
	DefaultMaxAttempts = 3
	MaxMaxAttempts     = 10
	// DefaultStepUpWindowSeconds and MaxStepUpWindowSeconds:
	// EnvStepUpWindowSeconds, whole seconds from 1 to an hour.
	DefaultStepUpWindowSeconds = 60
	MaxStepUpWindowSeconds     = 3600
	// DefaultAuthTimeSkewSeconds and MaxAuthTimeSkewSeconds:
	// EnvAuthTimeSkewSeconds, whole seconds from 0 to 5 minutes.
	DefaultAuthTimeSkewSeconds = 30
	MaxAuthTimeSkewSeconds     = 300
	// DefaultSecretTTLSeconds: EnvSecretTTLSeconds.
	DefaultSecretTTLSeconds = 300
	// EnvSessionTimeoutSeconds: whole seconds from 30 to 900.
	DefaultSessionTimeoutSeconds = 300
	MinSessionTimeoutSeconds     = 30
	MaxSessionTimeoutSeconds     = 900
	// EnvSessionPendingWaitMillis: 0 to 3000.
	DefaultSessionPendingWaitMillis = 1000
	MaxSessionPendingWaitMillis     = 3000
	// MaxStepUpReasons caps EnvStepUpReasons.
	MaxStepUpReasons = 32
)

// DefaultStepUpReasons are the allowed step-up reasons when
// EnvStepUpReasons is unset (a new slice each call).
func DefaultStepUpReasons() []string { return []string{StepUpReasonHighValueTransaction} }

// ParseStepUpReasons reads EnvStepUpReasons's value: a JSON array of 1 to
// MaxStepUpReasons distinct reasons, each valid for ValidStepUpReason; ""
// is DefaultStepUpReasons. Duplicates are refused: the construct writes
// each reason once, so a repeated one means the value was written by hand.
func ParseStepUpReasons(v string) ([]string, error) {
	if v == "" {
		return DefaultStepUpReasons(), nil
	}
	var list []string
	err := json.Unmarshal([]byte(v), &list)
	ok := err == nil && len(list) > 0 && len(list) <= MaxStepUpReasons
	seen := map[string]bool{}
	for _, r := range list {
		if !ValidStepUpReason(r) || seen[r] {
			ok = false
		}
		seen[r] = true
	}
	if !ok {
		return nil, fmt.Errorf("%s: expected a JSON array of 1 to %d distinct reasons of a-z, 0-9 and _ (at most 64 characters), received %q", EnvStepUpReasons, MaxStepUpReasons, clipEnv(v))
	}
	return list, nil
}

// ParseStepUpPolicy reads EnvStepUpPolicy's value; "" is PolicyAlways.
func ParseStepUpPolicy(v string) (string, error) {
	switch v {
	case "", PolicyAlways:
		return PolicyAlways, nil
	case PolicyOnDemand:
		return v, nil
	default:
		return "", fmt.Errorf("%s: expected %s or %s, received %q", EnvStepUpPolicy, PolicyAlways, PolicyOnDemand, clipEnv(v))
	}
}

// clipEnv bounds a value quoted in an error to what a log line carries
// (64 bytes, as the handlers' logref.Clip).
func clipEnv(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
