package stepup

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// PassedHook is called after every check passed and before Verify answers
// answerCorrect=true; an error makes Verify fail closed. A later
// server-side "step-up passed" recorder plugs in here.
type PassedHook interface {
	// OnPassed records or vetoes a passed step-up.
	OnPassed(ctx context.Context, ev VerifyEvent) error
}

// VerifyHandler is the VerifyAuthChallengeResponse Lambda handler.
type VerifyHandler struct {
	cfg     Config
	secrets SecretSource
	client  *http.Client
	prov    *providerCache
	// Logger receives one JSON line per decision. Default: JSON to stderr.
	Logger *slog.Logger
	// Hook, when set, is called on success (see PassedHook). Default: nil.
	Hook PassedHook
}

// NewVerifyHandler returns a Verify handler. secrets yields the provider
// secret; httpClient is used for discovery, JWKS and the token endpoint
// and defaults to NewHTTPClient(cfg.Budget).
func NewVerifyHandler(cfg Config, secrets SecretSource, httpClient *http.Client) *VerifyHandler {
	if httpClient == nil {
		httpClient = NewHTTPClient(cfg.Budget)
	}
	return &VerifyHandler{cfg: cfg, secrets: secrets, client: httpClient, prov: newProviderCache(httpClient), Logger: defaultLogger()}
}

// Handle answers one VerifyAuthChallengeResponse event. It never returns
// an error: any failure, panic included, is answerCorrect=false.
func (h *VerifyHandler) Handle(ctx context.Context, ev VerifyEvent) (out VerifyEvent, err error) {
	start := time.Now()
	reason := ReasonInternalError
	out = ev
	out.Response = VerifyResponse{AnswerCorrect: false}
	defer func() {
		if r := recover(); r != nil {
			out, reason, err = ev, ReasonInternalError, nil
			out.Response = VerifyResponse{AnswerCorrect: false}
		}
		logDecision(ctx, h.Logger, "verify", reason, ev.Header, start)
	}()
	reason = h.Check(ctx, ev)
	out.Response.AnswerCorrect = reason == ReasonOK
	return out, nil
}

// Check runs every Verify check and returns ReasonOK only when all pass.
func (h *VerifyHandler) Check(ctx context.Context, ev VerifyEvent) Reason {
	req := ev.Request
	if req.UserNotFound {
		return ReasonUserNotFound
	}
	ans, reason := ParseAnswer(req.ChallengeAnswer)
	if reason != ReasonOK {
		return reason
	}
	priv := req.PrivateChallengeParameters
	wantState, wantNonce, verifier := priv[contract.PrivateState], priv[contract.PrivateNonce], priv[contract.PrivateCodeVerifier]
	if wantState == "" || wantNonce == "" || verifier == "" {
		return ReasonChallengeParamsBad
	}
	if subtle.ConstantTimeCompare([]byte(ans.State), []byte(wantState)) != 1 {
		return ReasonStateMismatch
	}
	if h.secrets == nil {
		return ReasonSecretUnavailable
	}

	ctx, cancel := budgetContext(ctx, h.cfg.Budget)
	defer cancel()

	r, reason := h.resolve(ctx)
	if reason != ReasonOK {
		return reason
	}
	if err := h.prov.complete(ctx, &r, false, true, true); err != nil {
		return ctxReason(ctx, ReasonProviderUnavailable)
	}
	tok, err := h.exchange(ctx, r, ans.Code, verifier)
	var rerr *oauth2.RetrieveError
	if errors.As(err, &rerr) && rerr.ErrorCode == "invalid_client" {
		// The secret may have been rotated: refetch once, retry once.
		h.secrets.Invalidate()
		if r, reason = h.resolve(ctx); reason != ReasonOK {
			return reason
		}
		if err = h.prov.complete(ctx, &r, false, true, true); err != nil {
			return ctxReason(ctx, ReasonProviderUnavailable)
		}
		tok, err = h.exchange(ctx, r, ans.Code, verifier)
	}
	if err != nil {
		return ctxReason(ctx, ReasonTokenExchangeFailed)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return ReasonIDTokenMissing
	}

	v := oidc.NewVerifier(r.issuer, h.prov.keySet(r.jwksURL), &oidc.Config{
		ClientID:             r.clientID,
		SupportedSigningAlgs: h.cfg.IDTokenAlgs,
	})
	idt, err := v.Verify(ctx, rawID)
	if err != nil {
		return ctxReason(ctx, ReasonIDTokenInvalid)
	}
	var claims map[string]json.RawMessage
	if err := idt.Claims(&claims); err != nil {
		return ReasonIDTokenInvalid
	}
	if reason := checkAZP(claims, idt.Audience, r.clientID); reason != ReasonOK {
		return reason
	}
	if idt.Nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(wantNonce)) != 1 {
		return ReasonNonceMismatch
	}
	if reason := CheckBinding(h.cfg, ev.UserName, req.UserAttributes, claims); reason != ReasonOK {
		return reason
	}
	if reason := CheckACR(h.cfg.RequiredACR, claims); reason != ReasonOK {
		return reason
	}
	if h.Hook != nil {
		if err := h.Hook.OnPassed(ctx, ev); err != nil {
			return ReasonHookFailed
		}
	}
	return ReasonOK
}

func (h *VerifyHandler) resolve(ctx context.Context) (resolved, Reason) {
	raw, err := h.secrets.Value(ctx)
	if err != nil {
		return resolved{}, ctxReason(ctx, ReasonSecretUnavailable)
	}
	sec, err := parseSecret(raw)
	if err != nil {
		return resolved{}, ReasonSecretInvalid
	}
	r, err := resolve(h.cfg, sec)
	if err != nil {
		return resolved{}, ReasonSecretInvalid
	}
	return r, ReasonOK
}

func (h *VerifyHandler) exchange(ctx context.Context, r resolved, code, verifier string) (*oauth2.Token, error) {
	oc := &oauth2.Config{
		ClientID:     r.clientID,
		ClientSecret: r.clientSecret,
		Endpoint:     oauth2.Endpoint{TokenURL: r.tokenURL, AuthStyle: authStyle(h.cfg.TokenAuthMethod)},
		RedirectURL:  r.redirectURI,
		Scopes:       h.cfg.Scopes,
	}
	return oc.Exchange(oidc.ClientContext(ctx, h.client), code, oauth2.VerifierOption(verifier))
}

func claimString(claims map[string]json.RawMessage, name string) (string, bool) {
	raw, ok := claims[name]
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// checkAZP applies OpenID Connect Core 3.1.3.7: with several audiences azp
// must be present, and when present it must be this client.
func checkAZP(claims map[string]json.RawMessage, aud []string, clientID string) Reason {
	azp, has := claims["azp"]
	if !has {
		if len(aud) > 1 {
			return ReasonIDTokenInvalid
		}
		return ReasonOK
	}
	var s string
	if json.Unmarshal(azp, &s) != nil || s != clientID {
		return ReasonIDTokenInvalid
	}
	return ReasonOK
}

// asciiLower lower-cases ASCII letters only, so that no Unicode folding
// (e.g. the Kelvin sign to "k") can make two different addresses equal.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// CheckBinding ties the verified ID token to the Cognito user: the
// configured claim (a JSON string) must equal the configured attribute,
// exactly (BindModeExact) or ASCII-case-insensitively (BindModeEmail).
// Whenever the attribute is "email", Cognito's email_verified must be
// "true"; in email mode the token must carry email_verified true (a
// provider that omits the claim has not vouched for the address).
func CheckBinding(cfg Config, userName string, attrs map[string]string, claims map[string]json.RawMessage) Reason {
	want := userName
	if cfg.BindAttribute != contract.BindAttributeUsername {
		want = attrs[cfg.BindAttribute]
	}
	got, ok := claimString(claims, cfg.BindClaim)
	if !ok || got == "" || want == "" {
		return ReasonBindingMismatch
	}
	switch cfg.BindMode {
	case contract.BindModeExact:
		if got != want {
			return ReasonBindingMismatch
		}
	case contract.BindModeEmail:
		if asciiLower(got) != asciiLower(want) {
			return ReasonBindingMismatch
		}
		// The provider must assert the email verified: an absent claim
		// would let anyone register the victim's address at the provider.
		raw, has := claims["email_verified"]
		var b bool
		var s string
		switch {
		case !has:
			return ReasonEmailNotVerified
		case json.Unmarshal(raw, &b) == nil && b:
		case json.Unmarshal(raw, &s) == nil && s == "true":
		default:
			return ReasonEmailNotVerified
		}
	default:
		return ReasonBindingMismatch
	}
	if cfg.BindAttribute == "email" && attrs["email_verified"] != "true" {
		return ReasonEmailNotVerified
	}
	return ReasonOK
}

// CheckACR requires the token's acr claim to be one of required when
// required is non-empty.
func CheckACR(required []string, claims map[string]json.RawMessage) Reason {
	if len(required) == 0 {
		return ReasonOK
	}
	acr, ok := claimString(claims, "acr")
	if !ok || acr == "" || !slices.Contains(required, acr) {
		return ReasonACRInsufficient
	}
	return ReasonOK
}
