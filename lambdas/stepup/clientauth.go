package stepup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/oauth2"

	"github.com/cognitobridge/cognitobridge/lambdas/clientassert"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// ClientAssertionConfig is the private_key_jwt configuration (issue 18):
// which KMS key signs, the kid the provider knows it by, the algorithm and
// what the assertion's aud holds.
type ClientAssertionConfig struct {
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

// Reason codes of private_key_jwt.
const (
	// ReasonClientAuthUnsupported: the provider's discovery lists the
	// token endpoint's methods or algorithms without private_key_jwt or the
	// configured algorithm. Nothing was signed.
	ReasonClientAuthUnsupported Reason = "client_auth_unsupported"
	// ReasonClientAssertionFailed: KMS did not sign the assertion (key
	// disabled or deleted, no kms:Sign permission, throttled).
	ReasonClientAssertionFailed Reason = "client_assertion_failed"
	// ReasonClientAuthRefused: the token endpoint refused the client
	// assertion (invalid_client: unknown key, bad signature, replayed jti,
	// wrong aud, expired).
	ReasonClientAuthRefused Reason = "client_auth_refused"
)

func clientAssertionFromEnv(get func(string) string, c Config) (ClientAssertionConfig, error) {
	var errs []error
	bad := func(key, expected, received string) {
		errs = append(errs, fmt.Errorf("%s: expected %s, received %q", key, expected, received))
	}
	a := ClientAssertionConfig{
		KeyARN:   get(contract.EnvClientAssertionKey),
		KID:      get(contract.EnvClientAssertionKID),
		Alg:      get(contract.EnvClientAssertionAlg),
		Audience: get(contract.EnvClientAssertionAudience),
	}
	if !strings.HasPrefix(a.KeyARN, "arn:") || !strings.Contains(a.KeyARN, ":key/") {
		bad(contract.EnvClientAssertionKey, "a KMS key ARN (with "+contract.TokenAuthPrivateKeyJWT+")", a.KeyARN)
	}
	if a.KID == "" {
		bad(contract.EnvClientAssertionKID, "the kid of the key's public JWK (with "+contract.TokenAuthPrivateKeyJWT+")", "")
	}
	if a.Alg == "" {
		a.Alg = contract.ClientAssertionRS256
	}
	if !slices.Contains(clientassert.Algorithms, a.Alg) {
		bad(contract.EnvClientAssertionAlg, strings.Join(clientassert.Algorithms, ", "), a.Alg)
	}
	switch a.Audience {
	case "":
		a.Audience = contract.AudienceTokenEndpoint
	case contract.AudienceTokenEndpoint, contract.AudienceIssuer:
	default:
		bad(contract.EnvClientAssertionAudience, contract.AudienceTokenEndpoint+" or "+contract.AudienceIssuer, a.Audience)
	}
	if c.Provider != contract.ProviderOIDC {
		// BlockID keeps its tenant and community in the secret, and 1Kosmos
		// documents no private_key_jwt for it.
		bad(contract.EnvProvider, contract.ProviderOIDC+" with "+contract.TokenAuthPrivateKeyJWT, c.Provider)
	}
	if c.ClientID == "" {
		bad(contract.EnvClientID, "the client id (required with "+contract.TokenAuthPrivateKeyJWT+": there is no secret to hold it)", "")
	}
	return a, errors.Join(errs...)
}

// keyMode reports whether the token endpoint gets a client assertion.
func (c Config) keyMode() bool { return c.TokenAuthMethod == contract.TokenAuthPrivateKeyJWT }

// clientAssertion checks the provider accepts private_key_jwt with the
// configured algorithm (its discovery, cached per container) and returns
// the token request options carrying a fresh assertion: one kms:Sign call.
func (h *VerifyHandler) clientAssertion(ctx context.Context, r resolved) ([]oauth2.AuthCodeOption, Reason) {
	a := h.cfg.ClientAssertion
	if h.Signer == nil {
		return nil, ReasonClientAssertionFailed
	}
	d, err := h.prov.discover(ctx, r.issuer)
	if err != nil {
		return nil, ctxReason(ctx, ReasonProviderUnavailable)
	}
	if err := clientassert.CheckDiscovery(d.clientAuth, a.Alg); err != nil {
		return nil, ReasonClientAuthUnsupported
	}
	assertion, err := h.Signer.Assertion(ctx, r.clientID, clientassert.Audience(a.Audience, r.issuer, r.tokenURL))
	if err != nil {
		return nil, ctxReason(ctx, ReasonClientAssertionFailed)
	}
	return clientassert.ExchangeOptions(assertion), ReasonOK
}

// oauthErrorCode is code when it is one of RFC 6749 §5.2's token endpoint
// error codes, else "other": the log line never carries provider text.
func oauthErrorCode(code string) string {
	switch code {
	case "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope":
		return code
	}
	return "other"
}
