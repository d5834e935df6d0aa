package clientassert

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/oauth2"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Config is the private_key_jwt configuration every function that calls a
// token endpoint reads the same way (step-up Verify, connect-callback):
// which KMS key signs, the kid the provider knows it by, the algorithm and
// what the assertion's aud holds.
type Config struct {
	// KeyARN is the asymmetric KMS key (contract.EnvClientAssertionKey).
	KeyARN string
	// KID is the kid of its public JWK (contract.EnvClientAssertionKID).
	KID string
	// Alg is RS256 (default), PS256 or ES256.
	Alg string
	// Audience is contract.AudienceTokenEndpoint (default) or
	// contract.AudienceIssuer.
	Audience string
}

// Reason codes of private_key_jwt, the same in every function's log line.
const (
	// ReasonUnsupported: the provider's discovery lists the token
	// endpoint's methods or algorithms without private_key_jwt or the
	// configured algorithm. Nothing was signed.
	ReasonUnsupported = "client_auth_unsupported"
	// ReasonSignFailed: KMS did not sign the assertion (key disabled or
	// deleted, no kms:Sign permission, throttled).
	ReasonSignFailed = "client_assertion_failed"
	// ReasonRefused: the token endpoint refused the client authentication
	// with invalid_client (RFC 6749 §5.2: unknown key, bad signature,
	// replayed jti, wrong aud, expired).
	ReasonRefused = "client_auth_refused"
)

// ConfigFromEnv reads the private_key_jwt keys (contract.EnvClientAssertion*)
// with their defaults; every problem is reported, as "KEY: expected X,
// received Y".
func ConfigFromEnv(get func(string) string) (Config, error) {
	trim := func(k string) string { return strings.TrimSpace(get(k)) }
	a := Config{
		KeyARN:   trim(contract.EnvClientAssertionKey),
		KID:      trim(contract.EnvClientAssertionKID),
		Alg:      trim(contract.EnvClientAssertionAlg),
		Audience: trim(contract.EnvClientAssertionAudience),
	}
	if a.Alg == "" {
		a.Alg = contract.ClientAssertionRS256
	}
	if a.Audience == "" {
		a.Audience = contract.AudienceTokenEndpoint
	}
	return a, a.Validate()
}

// Validate checks a configuration (ConfigFromEnv's, or one built in code);
// every problem is reported.
func (a Config) Validate() error {
	var errs []error
	bad := func(key, expected, received string) {
		errs = append(errs, fmt.Errorf("%s: expected %s, received %q", key, expected, received))
	}
	if !strings.HasPrefix(a.KeyARN, "arn:") || !strings.Contains(a.KeyARN, ":key/") {
		bad(contract.EnvClientAssertionKey, "a KMS key ARN (with "+contract.TokenAuthPrivateKeyJWT+")", a.KeyARN)
	}
	if a.KID == "" {
		bad(contract.EnvClientAssertionKID, "the kid of the key's public JWK (with "+contract.TokenAuthPrivateKeyJWT+")", "")
	}
	if !slices.Contains(Algorithms, a.Alg) {
		bad(contract.EnvClientAssertionAlg, strings.Join(Algorithms, ", "), a.Alg)
	}
	if a.Audience != contract.AudienceTokenEndpoint && a.Audience != contract.AudienceIssuer {
		bad(contract.EnvClientAssertionAudience, contract.AudienceTokenEndpoint+" or "+contract.AudienceIssuer, a.Audience)
	}
	return errors.Join(errs...)
}

// Errors of TokenOptions.
var (
	// ErrSign: KMS did not sign (ReasonSignFailed).
	ErrSign = errors.New("clientassert: the assertion was not signed")
)

// TokenOptions checks the provider accepts private_key_jwt with cfg's
// algorithm (its discovery d: ErrProviderRefusesAlg) and returns the token
// request options carrying a fresh assertion for clientID (one kms:Sign
// call; ErrSign when it fails). issuer and tokenURL give the aud.
func TokenOptions(ctx context.Context, s *Signer, cfg Config, d Discovery, clientID, issuer, tokenURL string) ([]oauth2.AuthCodeOption, error) {
	if err := CheckDiscovery(d, cfg.Alg); err != nil {
		return nil, err
	}
	if s == nil {
		return nil, ErrSign
	}
	assertion, err := s.Assertion(ctx, clientID, Audience(cfg.Audience, issuer, tokenURL))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSign, err)
	}
	return ExchangeOptions(assertion), nil
}

// OAuthErrorCode is code when it is one of RFC 6749 §5.2's token endpoint
// error codes, else "other": a log line never carries provider text.
func OAuthErrorCode(code string) string {
	switch code {
	case "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope":
		return code
	}
	return "other"
}
