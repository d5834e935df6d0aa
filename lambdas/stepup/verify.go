package stepup

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/cognitobridge/cognitobridge/lambdas/clientassert"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/enrollment"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/oidcrp"
)

// Passed is a step-up answer that passed every token check of Verify.
type Passed struct {
	// Event is the Verify event.
	Event VerifyEvent
	// Identity is the provider identity the ID token presented: its iss
	// and sub.
	Identity enrollment.Identity
	// BindingHash is the challenge's contract.PrivateBindingHash.
	BindingHash string
	// FirstUse says what to do for a user who has no enrollment yet:
	// ReasonOK when this pass may enroll Identity (first-use enrollment and
	// the configured binding holds), otherwise the refusal (the binding's
	// reason, or ReasonNotEnrolled when enrollment is admin-only).
	FirstUse Reason
}

// Recorder decides, for a passed step-up, whether it is the enrolled
// person's, enrolls a first-time user when Passed.FirstUse allows, and
// records the step-up of this sign-in for the pre token generation guard.
// It returns ReasonOK only when the record was written, and a short note
// for the log ("recorded", "enrolled", ...).
type Recorder interface {
	Record(ctx context.Context, p Passed) (Reason, string)
}

// VerifyHandler is the VerifyAuthChallengeResponse Lambda handler.
type VerifyHandler struct {
	cfg     Config
	secrets SecretSource
	client  *http.Client
	prov    *providerCache
	rec     Recorder
	kind    verifyKind
	// Logger receives one JSON line per decision. Default: JSON to stderr.
	Logger *slog.Logger
	// Signer makes the client assertion when the token endpoint
	// authentication is contract.TokenAuthPrivateKeyJWT (required then; the
	// deployed handler gets one signing with the configured KMS key).
	// Default: nil.
	Signer *clientassert.Signer
}

// NewVerifyHandler returns the Verify handler of the token kinds
// (contract.ProviderBlockID, contract.ProviderOIDC): it exchanges the
// answer's code and checks the ID token. secrets yields the provider
// secret; httpClient is used for discovery, JWKS and the token endpoint and
// defaults to NewHTTPClient(cfg.Budget). rec, required, holds a passed
// step-up to the user's enrollment and records it (see Recorder).
func NewVerifyHandler(cfg Config, secrets SecretSource, httpClient *http.Client, rec Recorder) *VerifyHandler {
	return newVerifyHandler(cfg, secrets, httpClient, rec, (*VerifyHandler).checkTokenKind)
}

// NewSessionVerifyHandler returns the Verify handler of the
// verification-session kind (contract.ProviderBlockIDSession; see
// session_verify.go), with the arguments of NewVerifyHandler.
func NewSessionVerifyHandler(cfg Config, secrets SecretSource, httpClient *http.Client, rec Recorder) *VerifyHandler {
	return newVerifyHandler(cfg, secrets, httpClient, rec, (*VerifyHandler).checkSessionKind)
}

// verifyKind runs the checks of one challenge kind, within the
// invocation's budget, and returns the reason, the recorder's note and the
// provider's OAuth error code. The kind is fixed at construction: the
// command chooses it once, from the configured provider.
type verifyKind func(h *VerifyHandler, ctx context.Context, ev VerifyEvent) (reason Reason, note, oauthErr string)

func newVerifyHandler(cfg Config, secrets SecretSource, httpClient *http.Client, rec Recorder, kind verifyKind) *VerifyHandler {
	if httpClient == nil {
		httpClient = NewHTTPClient(cfg.Budget)
	}
	return &VerifyHandler{cfg: cfg, secrets: secrets, client: httpClient, prov: newProviderCache(httpClient), rec: rec, kind: kind, Logger: defaultLogger()}
}

// Handle answers one VerifyAuthChallengeResponse event. It never returns
// an error: any failure, panic included, is answerCorrect=false.
func (h *VerifyHandler) Handle(ctx context.Context, ev VerifyEvent) (out VerifyEvent, err error) {
	start := time.Now()
	reason := ReasonInternalError
	note, oauthErr := "", ""
	out = ev
	out.Response = VerifyResponse{AnswerCorrect: false}
	defer func() {
		if r := recover(); r != nil {
			out, reason, err = ev, ReasonInternalError, nil
			out.Response = VerifyResponse{AnswerCorrect: false}
		}
		extra := []slog.Attr{slog.String("enrollment", note)}
		if oauthErr != "" {
			extra = append(extra, slog.String("oauthError", oauthErr))
		}
		logDecision(ctx, h.Logger, "verify", reason, ev.Header, start, extra...)
	}()
	reason, note, oauthErr = h.check(ctx, ev)
	out.Response.AnswerCorrect = reason == ReasonOK
	return out, nil
}

// Check runs every Verify check and returns ReasonOK only when all pass.
func (h *VerifyHandler) Check(ctx context.Context, ev VerifyEvent) Reason {
	r, _, _ := h.check(ctx, ev)
	return r
}

// check is Check that also returns the recorder's note and the provider's
// OAuth error code (RFC 6749 §5.2, only a registered one) for the log.
func (h *VerifyHandler) check(ctx context.Context, ev VerifyEvent) (Reason, string, string) {
	// One budget for the provider and the recorder.
	ctx, cancel := budgetContext(ctx, h.cfg.Budget)
	defer cancel()
	return h.kind(h, ctx, ev)
}

// checkTokenKind is check for the token kinds; ctx carries the
// invocation's budget.
func (h *VerifyHandler) checkTokenKind(ctx context.Context, ev VerifyEvent) (Reason, string, string) {
	r := h.checkToken(ctx, ev)
	if r.reason != ReasonOK {
		return r.reason, "", r.oauthError
	}
	firstUse := CheckBinding(h.cfg, ev.UserName, ev.Request.UserAttributes, r.claims)
	if firstUse == ReasonOK && h.cfg.Enrollment == contract.EnrollmentAdminOnly {
		firstUse = ReasonNotEnrolled
	}
	reason, note := h.rec.Record(ctx, Passed{
		Event:       ev,
		Identity:    enrollment.Identity{Issuer: r.issuer, Subject: r.subject},
		BindingHash: ev.Request.PrivateChallengeParameters[contract.PrivateBindingHash],
		FirstUse:    firstUse,
	})
	if reason != ReasonOK && reason != firstUse {
		reason = ctxReason(ctx, reason)
	}
	return reason, note, ""
}

// tokenResult is what checkToken found: a genuine, fresh ID token of this
// challenge, its claims and identity.
type tokenResult struct {
	reason          Reason
	oauthError      string // the token endpoint's error code, when it refused
	claims          map[string]json.RawMessage
	issuer, subject string
}

// checkToken runs every check of the answer and the ID token except the
// binding to the Cognito user.
func (h *VerifyHandler) checkToken(ctx context.Context, ev VerifyEvent) tokenResult {
	ch, reason := h.checkAnswer(ev)
	if reason != ReasonOK {
		return tokenResult{reason: reason}
	}
	r, rawID, reason, oauthErr := h.redeem(ctx, ch)
	if reason != ReasonOK {
		return tokenResult{reason: reason, oauthError: oauthErr}
	}
	return h.checkIDToken(ctx, r, rawID, ch)
}

// answeredChallenge is the client's answer with what Create kept of its
// challenge.
type answeredChallenge struct {
	code, nonce, verifier string
	createdAtMillis       int64
}

// checkAnswer parses the answer and the private challenge parameters and
// holds the answer's state to the challenge's.
func (h *VerifyHandler) checkAnswer(ev VerifyEvent) (answeredChallenge, Reason) {
	req := ev.Request
	if req.UserNotFound {
		return answeredChallenge{}, ReasonUserNotFound
	}
	ans, reason := ParseAnswer(req.ChallengeAnswer)
	if reason != ReasonOK {
		return answeredChallenge{}, reason
	}
	priv := req.PrivateChallengeParameters
	wantState, wantNonce, verifier := priv[contract.PrivateState], priv[contract.PrivateNonce], priv[contract.PrivateCodeVerifier]
	createdAt, cerr := strconv.ParseInt(priv[contract.PrivateCreatedAt], 10, 64)
	if wantState == "" || wantNonce == "" || verifier == "" || cerr != nil || createdAt <= 0 || len(priv[contract.PrivateBindingHash]) != 64 {
		return answeredChallenge{}, ReasonChallengeParamsBad
	}
	if subtle.ConstantTimeCompare([]byte(ans.State), []byte(wantState)) != 1 {
		return answeredChallenge{}, ReasonStateMismatch
	}
	if h.secrets == nil && !h.cfg.keyMode() {
		return answeredChallenge{}, ReasonSecretUnavailable
	}
	return answeredChallenge{code: ans.Code, nonce: wantNonce, verifier: verifier, createdAtMillis: createdAt}, ReasonOK
}

// redeem exchanges the answer's code at the provider's token endpoint and
// returns the provider it resolved and the raw ID token. With a secret, a
// refused client (invalid_client) refetches the secret and retries once;
// with a client assertion, oauthErr names the provider's refusal.
func (h *VerifyHandler) redeem(ctx context.Context, ch answeredChallenge) (r resolved, rawID string, _ Reason, oauthErr string) {
	r, reason := h.resolve(ctx)
	if reason != ReasonOK {
		return r, "", reason, ""
	}
	if err := h.prov.complete(ctx, &r, needed{token: true, jwks: true}); err != nil {
		return r, "", ctxReason(ctx, ReasonProviderUnavailable), ""
	}
	var opts []oauth2.AuthCodeOption
	if h.cfg.keyMode() {
		if opts, reason = h.clientAssertion(ctx, r); reason != ReasonOK {
			return r, "", reason, ""
		}
	}
	tok, err := h.exchange(ctx, r, ch.code, ch.verifier, opts...)
	var rerr *oauth2.RetrieveError
	if h.cfg.keyMode() && err != nil {
		// No secret to refetch. RFC 6749 §5.2 has a failed client
		// authentication answered with invalid_client; some providers
		// (zitadel) answer a refused client assertion with invalid_grant,
		// which a bad code also gets: the log names the provider's code.
		if errors.As(err, &rerr) {
			oauthErr = oauthErrorCode(rerr.ErrorCode)
			if rerr.ErrorCode == "invalid_client" {
				return r, "", ReasonClientAuthRefused, oauthErr
			}
		}
		return r, "", ctxReason(ctx, ReasonTokenExchangeFailed), oauthErr
	}
	if errors.As(err, &rerr) && rerr.ErrorCode == "invalid_client" {
		// The secret may have been rotated: refetch once, retry once.
		h.secrets.Invalidate()
		if r, reason = h.resolve(ctx); reason != ReasonOK {
			return r, "", reason, ""
		}
		if err = h.prov.complete(ctx, &r, needed{token: true, jwks: true}); err != nil {
			return r, "", ctxReason(ctx, ReasonProviderUnavailable), ""
		}
		tok, err = h.exchange(ctx, r, ch.code, ch.verifier)
	}
	if err != nil {
		return r, "", ctxReason(ctx, ReasonTokenExchangeFailed), ""
	}
	rawID, _ = tok.Extra("id_token").(string)
	if rawID == "" {
		return r, "", ReasonIDTokenMissing, ""
	}
	return r, rawID, ReasonOK, ""
}

// checkIDToken verifies the ID token's signature, issuer, audience and
// expiry, then holds its azp, nonce, acr and auth_time to the challenge.
func (h *VerifyHandler) checkIDToken(ctx context.Context, r resolved, rawID string, ch answeredChallenge) tokenResult {
	done := func(reason Reason) tokenResult { return tokenResult{reason: reason} }
	v := oidc.NewVerifier(r.issuer, h.prov.keySet(r.jwksURL), &oidc.Config{
		ClientID:             r.clientID,
		SupportedSigningAlgs: h.cfg.IDTokenAlgs,
	})
	idt, err := v.Verify(ctx, rawID)
	if err != nil {
		return done(ctxReason(ctx, ReasonIDTokenInvalid))
	}
	var claims map[string]json.RawMessage
	if err := idt.Claims(&claims); err != nil {
		return done(ReasonIDTokenInvalid)
	}
	if reason := checkAZP(claims, idt.Audience, r.clientID); reason != ReasonOK {
		return done(reason)
	}
	if idt.Nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(ch.nonce)) != 1 {
		return done(ReasonNonceMismatch)
	}
	if reason := CheckACR(h.cfg.RequiredACR, claims); reason != ReasonOK {
		return done(reason)
	}
	if h.cfg.FreshAuth {
		if reason := CheckAuthTime(claims, ch.createdAtMillis, h.cfg.AuthTimeSkew); reason != ReasonOK {
			return done(reason)
		}
	}
	return tokenResult{reason: ReasonOK, claims: claims, issuer: idt.Issuer, subject: idt.Subject}
}

func (h *VerifyHandler) resolve(ctx context.Context) (resolved, Reason) {
	if h.cfg.keyMode() {
		// No secret: the client id is configuration.
		r, err := resolve(h.cfg, contract.ProviderSecret{})
		if err != nil {
			return resolved{}, ReasonSecretInvalid
		}
		return r, ReasonOK
	}
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

func (h *VerifyHandler) exchange(ctx context.Context, r resolved, code, verifier string, extra ...oauth2.AuthCodeOption) (*oauth2.Token, error) {
	oc := &oauth2.Config{
		ClientID:     r.clientID,
		ClientSecret: r.clientSecret,
		Endpoint:     oauth2.Endpoint{TokenURL: r.tokenURL, AuthStyle: authStyle(h.cfg.TokenAuthMethod)},
		RedirectURL:  r.redirectURI,
		Scopes:       h.cfg.Scopes,
	}
	return oc.Exchange(oidc.ClientContext(ctx, h.client), code, append([]oauth2.AuthCodeOption{oauth2.VerifierOption(verifier)}, extra...)...)
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

// checkAZP applies OpenID Connect Core 3.1.3.7 (oidcrp.AZPValid).
func checkAZP(claims map[string]json.RawMessage, aud []string, clientID string) Reason {
	if !oidcrp.AZPValid(claims, aud, clientID) {
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

// CheckAuthTime requires the ID token's auth_time (a JSON number of epoch
// seconds) to be no earlier than the challenge's creation (createdAtMillis)
// minus skew: the person authenticated at the provider for this challenge,
// not in an earlier, still warm session.
func CheckAuthTime(claims map[string]json.RawMessage, createdAtMillis int64, skew time.Duration) Reason {
	raw, ok := claims["auth_time"]
	if !ok {
		return ReasonAuthTimeMissing
	}
	var at float64
	if err := json.Unmarshal(raw, &at); err != nil || at <= 0 || at != at {
		return ReasonAuthTimeMissing
	}
	// auth_time has whole seconds: compare in seconds, rounding the
	// creation down.
	earliest := createdAtMillis/1000 - int64(skew/time.Second)
	if int64(at) < earliest {
		return ReasonAuthStale
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
