// Package stepupclaim is the freshness rule of a transaction step-up, shared
// by the transaction authorizer (which enforces it itself in its step_up
// mode) and the step-up gate (which enforces it on the claims the authorizer
// passes on in its token mode): one rule, one place.
//
// A step-up is fresh when its time (contract.ClaimStepUpAt, epoch seconds)
// is at most MaxAge old and not more than ClockSkew in the future, and its
// reason (contract.ClaimStepUpReason) is one of the route's required
// reasons.
package stepupclaim

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
)

// Result is the outcome of Check; only Fresh passes.
type Result string

// Results (the values are the handlers' log reason codes).
const (
	Fresh          Result = "ok"
	Missing        Result = "no_stepup"
	Stale          Result = "stepup_stale"
	Future         Result = "stepup_future"
	ReasonMismatch Result = "reason_mismatch"
)

// Limits and defaults.
const (
	// DefaultMaxAge is how old a step-up may be on a high-value route.
	DefaultMaxAge = 5 * time.Minute
	// MaxMaxAge caps the window.
	MaxMaxAge = time.Hour
	// ClockSkew is how far in the future a step-up time may be (clock skew
	// between Cognito, the guard and the checking function).
	ClockSkew = 5 * time.Second
)

// DefaultRequiredReasons are the required reasons when none are configured.
var DefaultRequiredReasons = []string{contract.StepUpReasonHighValueTransaction}

// Check applies the rule to a step-up at epoch seconds at (ok false: the
// token has no usable step-up time) for reason, at now.
func Check(at int64, ok bool, reason string, now time.Time, maxAge time.Duration, required []string) Result {
	if !ok {
		return Missing
	}
	stepUp := time.Unix(at, 0)
	if stepUp.After(now.Add(ClockSkew)) {
		return Future
	}
	if now.Sub(stepUp) > maxAge {
		return Stale
	}
	for _, r := range required {
		if r != "" && r == reason {
			return Fresh
		}
	}
	return ReasonMismatch
}

// EpochSeconds reads a step-up time: a JSON integer (what the guard writes)
// or a string of decimal digits, positive and below year 10000.
func EpochSeconds(raw json.RawMessage) (int64, bool) {
	s := strings.TrimSpace(string(raw))
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	if s == "" || len(s) > 12 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n >= 253402300800 {
		return 0, false
	}
	return n, true
}

// Reason reads a step-up reason: a JSON string that is a valid reason
// (contract.ValidStepUpReason), else "".
func Reason(raw json.RawMessage) string {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || !contract.ValidStepUpReason(s) {
		return ""
	}
	return s
}

// ParseMaxAge reads the contract.EnvStepUpMaxAgeSeconds value: whole
// seconds from 1 to MaxMaxAge; "" is DefaultMaxAge.
func ParseMaxAge(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return DefaultMaxAge, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || time.Duration(n)*time.Second > MaxMaxAge {
		return 0, fmt.Errorf("%s: expected whole seconds in [1, %d], received %q", contract.EnvStepUpMaxAgeSeconds, int(MaxMaxAge/time.Second), clip(v))
	}
	return time.Duration(n) * time.Second, nil
}

// ParseReasons reads the contract.EnvRequiredReasons value: a JSON array of
// at least one valid reason; "" is DefaultRequiredReasons.
func ParseReasons(v string) ([]string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return append([]string(nil), DefaultRequiredReasons...), nil
	}
	var reasons []string
	if err := json.Unmarshal([]byte(v), &reasons); err != nil || reasons == nil {
		return nil, fmt.Errorf("%s: expected a JSON array of reasons, received %q", contract.EnvRequiredReasons, clip(v))
	}
	return reasons, CheckReasons(reasons)
}

// CheckReasons requires at least one reason, each valid.
func CheckReasons(reasons []string) error {
	if len(reasons) == 0 {
		return fmt.Errorf("%s: expected at least one reason, received []", contract.EnvRequiredReasons)
	}
	for _, r := range reasons {
		if !contract.ValidStepUpReason(r) {
			return fmt.Errorf("%s: expected reasons of a-z, 0-9 and _ (1 to 64 characters), received %q", contract.EnvRequiredReasons, clip(r))
		}
	}
	return nil
}

func clip(s string) string { return logref.Clip(s) }

// Policy is a high-value route's step-up rule, the part the gate and the
// one-invocation middleware (lambdas/stepuphttp) share.
type Policy struct {
	// MaxAge is the window, 1 s to 1 h; the challenge's max_age. Default:
	// DefaultMaxAge.
	MaxAge time.Duration
	// RequiredReasons: the step-up reason must be one of them. Default:
	// DefaultRequiredReasons.
	RequiredReasons []string
	// AcrValues are advertised in the challenge's acr_values, in order of
	// preference: each 1 to contract.MaxAcrValue printable ASCII characters
	// without space, '"' or '\'. Default: none (no acr_values).
	AcrValues []string
}

// ReadPolicy reads the rule from contract.EnvStepUpMaxAgeSeconds,
// contract.EnvRequiredReasons and contract.EnvGateAcrValues (the
// challenge's acr_values; none when unset).
func ReadPolicy(getenv func(string) string) (Policy, error) {
	var p Policy
	var err error
	if p.MaxAge, err = ParseMaxAge(getenv(contract.EnvStepUpMaxAgeSeconds)); err != nil {
		return Policy{}, err
	}
	if p.RequiredReasons, err = ParseReasons(getenv(contract.EnvRequiredReasons)); err != nil {
		return Policy{}, err
	}
	if v := strings.TrimSpace(getenv(contract.EnvGateAcrValues)); v != "" {
		if err := json.Unmarshal([]byte(v), &p.AcrValues); err != nil || p.AcrValues == nil {
			return Policy{}, fmt.Errorf("%s: expected a JSON array of acr values, received %q", contract.EnvGateAcrValues, clip(v))
		}
	}
	return p, nil
}

// Normalize fills the defaults of a rule given in code (a zero MaxAge, nil
// RequiredReasons) and checks all three parts; every error is reported.
func (p *Policy) Normalize() error {
	var errs []error
	if p.MaxAge == 0 {
		p.MaxAge = DefaultMaxAge
	}
	if p.MaxAge < time.Second || p.MaxAge > MaxMaxAge || p.MaxAge%time.Second != 0 {
		errs = append(errs, fmt.Errorf("%s: expected whole seconds from 1 s to 1 h, received %v", contract.EnvStepUpMaxAgeSeconds, p.MaxAge))
	}
	if p.RequiredReasons == nil {
		p.RequiredReasons = append([]string(nil), DefaultRequiredReasons...)
	}
	if err := CheckReasons(p.RequiredReasons); err != nil {
		errs = append(errs, err)
	}
	for _, v := range p.AcrValues {
		if !contract.ValidAcrValue(v) {
			errs = append(errs, fmt.Errorf("%s: expected acr values of 1 to %d printable ASCII characters without space, '\"' or '\\', received %q", contract.EnvGateAcrValues, contract.MaxAcrValue, clip(v)))
		}
	}
	return errors.Join(errs...)
}

// Check is the package's Check under this rule.
func (p Policy) Check(at int64, ok bool, reason string, now time.Time) Result {
	return Check(at, ok, reason, now, p.MaxAge, p.RequiredReasons)
}

// Challenge is the package's Challenge under this rule.
func (p Policy) Challenge(r Result) (status int, headers map[string]string, body string) {
	return Challenge(r, p.MaxAge, p.RequiredReasons, p.AcrValues)
}
