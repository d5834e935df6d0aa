package stepup

import (
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
	var e envErrors
	c := SessionConfig{
		APIURL:      strings.TrimSuffix(get(contract.EnvSessionAPIURL), "/"),
		Reason:      get(contract.EnvSessionReason),
		Timeout:     DefaultSessionTimeout,
		PendingWait: DefaultSessionPendingWait,
	}
	if c.APIURL != "" {
		if err := checkEndpointURL(c.APIURL); err != nil {
			e.bad(contract.EnvSessionAPIURL, "an https URL (http only on loopback) without fragment", c.APIURL)
		}
	}
	if c.Reason == "" {
		c.Reason = contract.StepUpReasonHighValueTransaction
	} else if !contract.ValidStepUpReason(c.Reason) {
		e.bad(contract.EnvSessionReason, "1 to 64 characters of a-z, 0-9 and _", c.Reason)
	}
	e.durationIn(get, contract.EnvSessionTimeoutSeconds, time.Second, int(minSessionTimeout/time.Second), int(maxSessionTimeout/time.Second), &c.Timeout)
	e.durationIn(get, contract.EnvSessionPendingWaitMillis, time.Millisecond, 0, int(maxSessionPendingWait/time.Millisecond), &c.PendingWait)
	return c, e.err()
}
