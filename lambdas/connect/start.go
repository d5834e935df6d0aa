package connect

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/oauth2"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/deadline"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/httpapi"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/oidcrp"
)

// StartResponse is the answer of POST /connect/start. The app sends the
// browser to AuthorizeURL; State is what the provider will hand back to the
// redirect URI (the app may keep it to compare).
type StartResponse struct {
	AuthorizeURL string `json:"authorizeUrl"`
	State        string `json:"state"`
	ExpiresAt    int64  `json:"expiresAt"`
}

// StartHandler answers POST /connect/start.
type StartHandler struct {
	cfg   Config
	store *Store
	prov  *oidcrp.Provider
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Logger receives one JSON line per request. Default: JSON to stderr.
	Logger *slog.Logger
}

// NewStartHandler returns the start handler; httpClient (discovery)
// defaults to oidcrp.NewHTTPClient(Budget).
func NewStartHandler(cfg Config, store *Store, httpClient *http.Client) (*StartHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || store.API == nil || store.Table == "" {
		return nil, errors.New("connect: no store")
	}
	if httpClient == nil {
		httpClient = oidcrp.NewHTTPClient(Budget)
	}
	return &StartHandler{cfg: cfg, store: store, prov: oidcrp.NewProvider(httpClient, cfg.Issuer, cfg.Endpoints),
		Now: time.Now, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}, nil
}

// Handle answers one request; it never returns an error.
func (h *StartHandler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return serve(ctx, h.Logger, "connect-start", h.cfg, req, ReasonStarted, func(l *logLine) (Reason, any) {
		return h.start(ctx, req, l)
	})
}

func (h *StartHandler) start(ctx context.Context, req events.APIGatewayV2HTTPRequest, l *logLine) (Reason, StartResponse) {
	if m := req.RequestContext.HTTP.Method; m != "" && m != http.MethodPost {
		return ReasonMethodNotAllowed, StartResponse{}
	}
	now := h.Now()
	caller, r := callerFrom(req, h.cfg, now)
	if r != "" {
		return r, StartResponse{}
	}
	l.user = logref.Ref(h.cfg.PoolID, caller.Username)
	body, err := httpapi.Body(req, MaxBody)
	var empty struct{}
	if err != nil || !decodeStrict(body, &empty, true) {
		return ReasonBadRequest, StartResponse{}
	}
	ctx, cancel := deadline.Context(ctx, DeadlineMargin, Budget)
	defer cancel()
	ep, err := h.prov.Endpoints(ctx, true, false, false)
	if err != nil {
		return ctxReason(ctx, ReasonProviderUnavailable), StartResponse{}
	}
	state, nonce, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
	oc := &oauth2.Config{
		ClientID:    h.cfg.ClientID,
		Endpoint:    oauth2.Endpoint{AuthURL: ep.Authorize},
		RedirectURL: h.cfg.RedirectURI,
		Scopes:      h.cfg.Scopes,
	}
	authorizeURL := oc.AuthCodeURL(state,
		oauth2.SetAuthURLParam("nonce", nonce),
		oauth2.S256ChallengeOption(verifier),
		// A new login at the provider, not a warm session: max_age=0 also
		// makes auth_time required in the ID token (OpenID Connect Core
		// 3.1.2.1); prompt=login for providers that honour only that.
		oauth2.SetAuthURLParam("max_age", "0"),
		oauth2.SetAuthURLParam("prompt", "login"),
	)
	expires := now.Add(h.cfg.StateTTL)
	err = h.store.PutPending(ctx, state, Pending{Sub: caller.Sub, OriginJTI: caller.OriginJTI, Nonce: nonce, Verifier: verifier,
		Provider: h.cfg.ProviderName, CreatedAt: now}, expires)
	if err != nil {
		r, l.awsCode = classify(ctx, err, ReasonStoreError)
		return r, StartResponse{}
	}
	return ReasonStarted, StartResponse{AuthorizeURL: authorizeURL, State: state, ExpiresAt: expires.Unix()}
}
