package proofing

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/secretcache"
)

// Defaults and bounds of the configuration.
const (
	DefaultRecordTTL = 24 * time.Hour
	MinRecordTTL     = time.Hour
	MaxRecordTTL     = 30 * 24 * time.Hour
)

// DefaultDocumentTypes are accepted when EnvIDVDocumentTypes is empty.
var DefaultDocumentTypes = []string{contract.IDVDocumentDriversLicense, contract.IDVDocumentPassport}

var poolIDPattern = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)

// BehaviourConfig configures the pre sign-up behaviour.
type BehaviourConfig struct {
	Table         string
	DocumentTypes []string
	Liveness      string
	CallbackURL   string
	RecordTTL     time.Duration
}

// BehaviourConfigFromEnv reads the table, document types, liveness mode,
// callback URL and record TTL (the IDV base URL and secret are read by the
// command that builds the IDV).
func BehaviourConfigFromEnv(getenv func(string) string) (BehaviourConfig, error) {
	c := BehaviourConfig{Table: strings.TrimSpace(getenv(contract.EnvProofingTable)), Liveness: strings.TrimSpace(getenv(contract.EnvIDVLiveness)), CallbackURL: strings.TrimSpace(getenv(contract.EnvIDVCallbackURL))}
	var errs []error
	if raw := strings.TrimSpace(getenv(contract.EnvIDVDocumentTypes)); raw != "" {
		if err := json.Unmarshal([]byte(raw), &c.DocumentTypes); err != nil {
			errs = append(errs, fmt.Errorf("%s: expected a JSON array of document types, received %q", contract.EnvIDVDocumentTypes, raw))
		}
	} else {
		c.DocumentTypes = append([]string(nil), DefaultDocumentTypes...)
	}
	if c.Liveness == "" {
		c.Liveness = contract.IDVLivenessPassive
	}
	ttl, err := RecordTTLFromEnv(getenv)
	errs = append(errs, err)
	c.RecordTTL = ttl
	if err := errors.Join(errs...); err != nil {
		return BehaviourConfig{}, err
	}
	return c, c.Validate()
}

// RecordTTLFromEnv reads contract.EnvProofingTTLSeconds.
func RecordTTLFromEnv(getenv func(string) string) (time.Duration, error) {
	v := strings.TrimSpace(getenv(contract.EnvProofingTTLSeconds))
	if v == "" {
		return DefaultRecordTTL, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || time.Duration(n)*time.Second < MinRecordTTL || time.Duration(n)*time.Second > MaxRecordTTL {
		return 0, fmt.Errorf("%s: expected whole seconds in [%d, %d], received %q", contract.EnvProofingTTLSeconds, int(MinRecordTTL/time.Second), int(MaxRecordTTL/time.Second), v)
	}
	return time.Duration(n) * time.Second, nil
}

// Validate checks the behaviour configuration.
func (c BehaviourConfig) Validate() error {
	var errs []error
	if c.Table == "" {
		errs = append(errs, fmt.Errorf("%s: expected a DynamoDB table name, received nothing", contract.EnvProofingTable))
	}
	if len(c.DocumentTypes) == 0 {
		errs = append(errs, fmt.Errorf("%s: expected at least one document type", contract.EnvIDVDocumentTypes))
	}
	seen := map[string]bool{}
	for i, t := range c.DocumentTypes {
		switch t {
		case contract.IDVDocumentDriversLicense, contract.IDVDocumentPassport, contract.IDVDocumentIDCard:
		default:
			errs = append(errs, fmt.Errorf("%s: entry %d: expected %q, %q or %q, received %q", contract.EnvIDVDocumentTypes, i, contract.IDVDocumentDriversLicense, contract.IDVDocumentPassport, contract.IDVDocumentIDCard, t))
		}
		if seen[t] {
			errs = append(errs, fmt.Errorf("%s: entry %d: %q listed twice", contract.EnvIDVDocumentTypes, i, t))
		}
		seen[t] = true
	}
	if c.Liveness != contract.IDVLivenessPassive && c.Liveness != contract.IDVLivenessActive {
		errs = append(errs, fmt.Errorf("%s: expected %q or %q, received %q", contract.EnvIDVLiveness, contract.IDVLivenessPassive, contract.IDVLivenessActive, c.Liveness))
	}
	if err := CheckCallbackURL(c.CallbackURL); err != nil {
		errs = append(errs, err)
	}
	if c.RecordTTL < MinRecordTTL || c.RecordTTL > MaxRecordTTL {
		errs = append(errs, fmt.Errorf("%s: expected %s..%s, received %s", contract.EnvProofingTTLSeconds, MinRecordTTL, MaxRecordTTL, c.RecordTTL))
	}
	return errors.Join(errs...)
}

// CheckCallbackURL accepts an absolute https URL (http only for loopback).
func CheckCallbackURL(s string) error {
	u, err := url.Parse(s)
	if err == nil && u.Host != "" && (u.Scheme == "https" || (u.Scheme == "http" && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost"))) {
		return nil
	}
	return fmt.Errorf("%s: expected an absolute https URL, received %q", contract.EnvIDVCallbackURL, s)
}

// HandlerConfig configures the session and callback handlers.
type HandlerConfig struct {
	// PoolID is the user pool served (never taken from a request).
	PoolID string
	// Table is the proofing table.
	Table string
}

// HandlerConfigFromEnv reads contract.EnvProofingUserPoolID and
// contract.EnvProofingTable.
func HandlerConfigFromEnv(getenv func(string) string) (HandlerConfig, error) {
	c := HandlerConfig{PoolID: strings.TrimSpace(getenv(contract.EnvProofingUserPoolID)), Table: strings.TrimSpace(getenv(contract.EnvProofingTable))}
	return c, c.Validate()
}

// Validate checks the pool id and table.
func (c HandlerConfig) Validate() error {
	var errs []error
	if len(c.PoolID) > 55 || !poolIDPattern.MatchString(c.PoolID) {
		errs = append(errs, fmt.Errorf("%s: expected a user pool id (<region>_<id>), received %q", contract.EnvProofingUserPoolID, c.PoolID))
	}
	if c.Table == "" {
		errs = append(errs, fmt.Errorf("%s: expected a DynamoDB table name, received nothing", contract.EnvProofingTable))
	}
	return errors.Join(errs...)
}

// SecretTTL is how long the IDV secret is reused before it is fetched again.
const SecretTTL = 300 * time.Second

// SecretFromEnv returns the IDV secret source for contract.EnvIDVSecretARN.
func SecretFromEnv(getenv func(string) string, sm secretcache.Getter) (SecretSource, error) {
	arn := strings.TrimSpace(getenv(contract.EnvIDVSecretARN))
	if arn == "" {
		return nil, fmt.Errorf("%s: expected a Secrets Manager secret ARN, received nothing", contract.EnvIDVSecretARN)
	}
	return CachedSecret{Cache: secretcache.New(sm, arn, SecretTTL)}, nil
}

// BlockIDFromEnv builds the BlockID IDV from contract.EnvIDVBaseURL and the
// secret source.
func BlockIDFromEnv(getenv func(string) string, secret SecretSource) (*BlockID, error) {
	return NewBlockID(strings.TrimSpace(getenv(contract.EnvIDVBaseURL)), secret)
}
