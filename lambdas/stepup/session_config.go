package stepup

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Defaults of the verification-session kind (contract.ProviderBlockIDSession).
const (
	DefaultSessionTimeout     = contract.DefaultSessionTimeoutSeconds * time.Second
	DefaultSessionPendingWait = contract.DefaultSessionPendingWaitMillis * time.Millisecond
	minSessionTimeout         = contract.MinSessionTimeoutSeconds * time.Second
	maxSessionTimeout         = contract.MaxSessionTimeoutSeconds * time.Second
	maxSessionPendingWait     = contract.MaxSessionPendingWaitMillis * time.Millisecond
)

// SessionConfig is the configuration of the verification-session kind
// (Config.Provider == contract.ProviderBlockIDSession). Config.Issuer, when
// set, is the issuer of the enrollments it accepts; otherwise the BlockID
// OIDC issuer of the secret's tenantDns and community.
type SessionConfig struct {
	// APIURL replaces the provider API base URL
	// (contract.EnvSessionAPIURL). Default: https://{tenantDns} of the secret.
	APIURL string
	// Reason is sent with every session (contract.EnvSessionReason).
	// Default: contract.StepUpReasonHighValueTransaction.
	Reason string
	// Timeout is the session lifetime asked of the provider, and the
	// longest Verify accepts after the challenge's creation
	// (contract.EnvSessionTimeoutSeconds). Default: 300 s; 30..900 s.
	Timeout time.Duration
	// PendingWait is how long Verify keeps asking while the session is
	// still pending (contract.EnvSessionPendingWaitMillis), always inside
	// the budget. Default: 1 s; 0..3 s.
	PendingWait time.Duration
}

// sessionConfigFromEnv reads the keys of the verification-session kind.
func sessionConfigFromEnv(get func(string) string) (SessionConfig, error) {
	var errs []error
	bad := func(key, expected, received string) {
		errs = append(errs, fmt.Errorf("%s: expected %s, received %q", key, expected, received))
	}
	c := SessionConfig{
		APIURL:      strings.TrimSuffix(get(contract.EnvSessionAPIURL), "/"),
		Reason:      get(contract.EnvSessionReason),
		Timeout:     DefaultSessionTimeout,
		PendingWait: DefaultSessionPendingWait,
	}
	if c.APIURL != "" {
		if err := checkEndpointURL(c.APIURL); err != nil {
			bad(contract.EnvSessionAPIURL, "an https URL (http only on loopback) without fragment", c.APIURL)
		}
	}
	if c.Reason == "" {
		c.Reason = contract.StepUpReasonHighValueTransaction
	} else if !contract.ValidStepUpReason(c.Reason) {
		bad(contract.EnvSessionReason, "1 to 64 characters of a-z, 0-9 and _", c.Reason)
	}
	if v := get(contract.EnvSessionTimeoutSeconds); v != "" {
		n, err := strconv.Atoi(v)
		d := time.Duration(n) * time.Second
		if err != nil || d < minSessionTimeout || d > maxSessionTimeout {
			bad(contract.EnvSessionTimeoutSeconds, "an integer 30..900", v)
		} else {
			c.Timeout = d
		}
	}
	if v := get(contract.EnvSessionPendingWaitMillis); v != "" {
		n, err := strconv.Atoi(v)
		d := time.Duration(n) * time.Millisecond
		if err != nil || d < 0 || d > maxSessionPendingWait {
			bad(contract.EnvSessionPendingWaitMillis, "an integer 0..3000", v)
		} else {
			c.PendingWait = d
		}
	}
	return c, errors.Join(errs...)
}
