package stepup

import (
	"context"
	"errors"

	"golang.org/x/oauth2"

	"github.com/cognitobridge/cognitobridge/lambdas/clientassert"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// ClientAssertionConfig is the private_key_jwt configuration (issue 18),
// shared with every function that calls a token endpoint
// (clientassert.Config).
type ClientAssertionConfig = clientassert.Config

// Reason codes of private_key_jwt (clientassert's, the same in connect).
const (
	// ReasonClientAuthUnsupported: the provider's discovery lists the
	// token endpoint's methods or algorithms without private_key_jwt or the
	// configured algorithm. Nothing was signed.
	ReasonClientAuthUnsupported Reason = clientassert.ReasonUnsupported
	// ReasonClientAssertionFailed: KMS did not sign the assertion (key
	// disabled or deleted, no kms:Sign permission, throttled).
	ReasonClientAssertionFailed Reason = clientassert.ReasonSignFailed
	// ReasonClientAuthRefused: the token endpoint refused the client
	// assertion (invalid_client: unknown key, bad signature, replayed jti,
	// wrong aud, expired).
	ReasonClientAuthRefused Reason = clientassert.ReasonRefused
)

func clientAssertionFromEnv(get func(string) string, c Config) (ClientAssertionConfig, error) {
	a, err := clientassert.ConfigFromEnv(get)
	e := envErrors{err}
	if c.Provider != contract.ProviderOIDC {
		// BlockID keeps its tenant and community in the secret, and 1Kosmos
		// documents no private_key_jwt for it.
		e.bad(contract.EnvProvider, contract.ProviderOIDC+" with "+contract.TokenAuthPrivateKeyJWT, c.Provider)
	}
	if c.ClientID == "" {
		e.bad(contract.EnvClientID, "the client id (required with "+contract.TokenAuthPrivateKeyJWT+": there is no secret to hold it)", "")
	}
	return a, e.err()
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
	opts, err := clientassert.TokenOptions(ctx, h.Signer, a, d.clientAuth, r.clientID, r.issuer, r.tokenURL)
	switch {
	case errors.Is(err, clientassert.ErrProviderRefusesAlg):
		return nil, ReasonClientAuthUnsupported
	case err != nil:
		return nil, ctxReason(ctx, ReasonClientAssertionFailed)
	}
	return opts, ReasonOK
}

// oauthErrorCode is clientassert.OAuthErrorCode: the log line never
// carries provider text.
func oauthErrorCode(code string) string { return clientassert.OAuthErrorCode(code) }
