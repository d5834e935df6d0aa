package stepup

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// errChallengeUnavailable is the only error text Cognito ever sees from
// Create; the reason is in the log.
var errChallengeUnavailable = errors.New("step-up challenge unavailable")

// randomToken returns 256 bits from crypto/rand, base64url encoded.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (Go >= 1.24 crashes instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

type blockIDClaims struct {
	IDToken blockIDIDToken `json:"id_token"`
}

type blockIDIDToken struct {
	ACR      *essentialValues `json:"acr,omitempty"`
	Username essential        `json:"username"`
}

type essential struct {
	Essential bool `json:"essential"`
}

type essentialValues struct {
	Essential bool     `json:"essential"`
	Values    []string `json:"values"`
}

// blockIDACRParam is the acr list in the form BlockID's browser helper
// takes: 'a','b'.
func blockIDACRParam(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "'" + v + "'"
	}
	return strings.Join(q, ",")
}

// buildChallenge makes the parameters of one custom challenge with fresh
// state, nonce and PKCE verifier. It is the same for known and unknown
// users.
func buildChallenge(cfg Config, r resolved, userName string, now time.Time) (pub, priv map[string]string) {
	state, nonce, verifier, binding := randomToken(), randomToken(), oauth2.GenerateVerifier(), randomToken()
	oc := &oauth2.Config{
		ClientID:    r.clientID,
		Endpoint:    oauth2.Endpoint{AuthURL: r.authorizeURL},
		RedirectURL: r.redirectURI,
		Scopes:      cfg.Scopes,
	}
	opts := []oauth2.AuthCodeOption{
		oauth2.SetAuthURLParam("nonce", nonce),
		oauth2.S256ChallengeOption(verifier),
	}
	if userName != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", userName))
	}
	if cfg.FreshAuth {
		// A new authentication, not a warm provider session: max_age=0
		// also makes auth_time required in the ID token (OpenID Connect
		// Core 3.1.2.1); prompt=login for providers that honour only that.
		opts = append(opts, oauth2.SetAuthURLParam("max_age", "0"), oauth2.SetAuthURLParam("prompt", "login"))
	}
	if len(cfg.ACRValues) > 0 {
		opts = append(opts, oauth2.SetAuthURLParam("acr_values", strings.Join(cfg.ACRValues, " ")))
	}
	pub = map[string]string{
		contract.PublicProvider: cfg.Provider,
		contract.PublicClientID: r.clientID,
		contract.PublicState:    state,
		// Echoed by the client in the ClientMetadata of the answer; the
		// guard releases tokens only to the sign-in that echoes it.
		contract.PublicStepUpBinding: binding,
	}
	if cfg.Provider == contract.ProviderBlockID {
		cl := blockIDClaims{IDToken: blockIDIDToken{Username: essential{true}}}
		if len(cfg.ACRValues) > 0 {
			cl.IDToken.ACR = &essentialValues{Essential: true, Values: cfg.ACRValues}
		}
		b, _ := json.Marshal(cl)
		opts = append(opts, oauth2.SetAuthURLParam("claims", string(b)))
		pub[contract.PublicTenantDNS] = r.tenantDNS
		pub[contract.PublicCommunity] = r.community
		pub[contract.PublicACR] = blockIDACRParam(cfg.ACRValues)
	}
	pub[contract.PublicAuthorizeURL] = oc.AuthCodeURL(state, opts...)
	priv = map[string]string{
		contract.PrivateState:        state,
		contract.PrivateNonce:        nonce,
		contract.PrivateCodeVerifier: verifier,
		contract.PrivateBindingHash:  contract.BindingHash(binding),
		contract.PrivateCreatedAt:    strconv.FormatInt(now.UnixMilli(), 10),
	}
	return pub, priv
}

// CreateHandler is the CreateAuthChallenge Lambda handler.
type CreateHandler struct {
	cfg     Config
	secrets SecretSource
	prov    *providerCache
	// Logger receives one JSON line per decision. Default: JSON to stderr.
	Logger *slog.Logger
	// Cap counts each user's starts (create_cap.go). The deployed Create
	// always has one (its command refuses to start without the table);
	// nil counts nothing. Default: nil.
	Cap StartCap
	// kind makes the challenge of the kind the constructor named.
	kind createKind
	// enrollments reads the user's enrolled provider identity (the
	// verification-session kind only).
	enrollments EnrollmentReader
	// session is the verification-session kind's per-container state.
	session sessionState
}

// createKind makes one challenge of a challenge kind, within the
// invocation's budget. The kind is fixed at construction: the command
// chooses it once, from the configured provider.
type createKind func(h *CreateHandler, ctx context.Context, ev CreateEvent) (pub, priv map[string]string, _ Reason)

// NewCreateHandler returns the Create handler of the token kinds
// (contract.ProviderBlockID, contract.ProviderOIDC): it sends the browser
// to the provider's authorization endpoint. secrets yields the provider
// secret (client id, BlockID tenant); httpClient is used for discovery and
// defaults to NewHTTPClient(cfg.Budget).
func NewCreateHandler(cfg Config, secrets SecretSource, httpClient *http.Client) *CreateHandler {
	return newCreateHandler(cfg, secrets, httpClient, (*CreateHandler).tokenChallenge)
}

// NewSessionCreateHandler returns the Create handler of the
// verification-session kind (contract.ProviderBlockIDSession; see
// session_create.go), which starts the session for the user's enrolled
// identity: enrollments, required, reads it (*steprecord.Store satisfies
// EnrollmentReader). The other arguments are NewCreateHandler's.
func NewSessionCreateHandler(cfg Config, secrets SecretSource, httpClient *http.Client, enrollments EnrollmentReader) *CreateHandler {
	h := newCreateHandler(cfg, secrets, httpClient, (*CreateHandler).sessionChallenge)
	h.enrollments = enrollments
	return h
}

func newCreateHandler(cfg Config, secrets SecretSource, httpClient *http.Client, kind createKind) *CreateHandler {
	if httpClient == nil {
		httpClient = NewHTTPClient(cfg.Budget)
	}
	return &CreateHandler{cfg: cfg, secrets: secrets, prov: newProviderCache(httpClient), kind: kind, Logger: defaultLogger()}
}

// Handle answers one CreateAuthChallenge event. On any problem it returns
// a generic error, which makes Cognito fail the sign-in.
func (h *CreateHandler) Handle(ctx context.Context, ev CreateEvent) (out CreateEvent, err error) {
	start := time.Now()
	reason := ReasonInternalError
	defer func() {
		if r := recover(); r != nil {
			out, reason, err = ev, ReasonInternalError, errChallengeUnavailable
		}
		logDecision(ctx, h.Logger, "create", reason, ev.Header, start, slog.Bool("userNotFound", ev.Request.UserNotFound))
	}()
	out = ev
	out.Response = CreateResponse{}
	var pub, priv map[string]string
	pub, priv, reason = h.challenge(ctx, ev)
	if reason != ReasonOK {
		return ev, errChallengeUnavailable
	}
	out.Response = CreateResponse{
		PublicChallengeParameters:  pub,
		PrivateChallengeParameters: priv,
		ChallengeMetadata:          contract.ChallengeMetadata,
	}
	return out, nil
}

func (h *CreateHandler) challenge(ctx context.Context, ev CreateEvent) (pub, priv map[string]string, _ Reason) {
	if ev.Request.ChallengeName != ChallengeCustom {
		return nil, nil, ReasonChallengeUnsupported
	}
	if h.secrets == nil && !h.cfg.keyMode() {
		return nil, nil, ReasonSecretUnavailable
	}
	ctx, cancel := budgetContext(ctx, h.cfg.Budget)
	defer cancel()
	return h.kind(h, ctx, ev)
}

// tokenChallenge is the challenge of the token kinds; ctx carries the
// invocation's budget.
func (h *CreateHandler) tokenChallenge(ctx context.Context, ev CreateEvent) (pub, priv map[string]string, _ Reason) {
	var sec contract.ProviderSecret // private_key_jwt: no secret, the client id is configuration
	if !h.cfg.keyMode() {
		raw, err := h.secrets.Value(ctx)
		if err != nil {
			return nil, nil, ctxReason(ctx, ReasonSecretUnavailable)
		}
		if sec, err = parseSecret(raw); err != nil {
			return nil, nil, ReasonSecretInvalid
		}
	}
	r, err := resolve(h.cfg, sec)
	if err != nil {
		return nil, nil, ReasonSecretInvalid
	}
	if err := h.prov.complete(ctx, &r, needed{authorize: true}); err != nil {
		return nil, nil, ctxReason(ctx, ReasonProviderUnavailable)
	}
	if reason := h.takeStart(ctx, ev); reason != ReasonOK {
		return nil, nil, reason
	}
	pub, priv = buildChallenge(h.cfg, r, ev.UserName, time.Now())
	return pub, priv, ReasonOK
}

// ctxReason reports deadline_exceeded when the invocation budget ran out,
// otherwise fallback.
func ctxReason(ctx context.Context, fallback Reason) Reason {
	// An HTTP client timeout can fire a moment before the context notices
	// its own deadline; by the clock it is the same event.
	if ctx.Err() != nil {
		return ReasonDeadlineExceeded
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return ReasonDeadlineExceeded
	}
	return fallback
}
