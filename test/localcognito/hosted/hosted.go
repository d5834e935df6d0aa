// Package hosted serves the user-pool endpoints of a local Cognito pool's
// domain (localcognito.Options.Hosted): /oauth2/authorize, /login,
// /oauth2/idpresponse, /oauth2/token, /oauth2/userInfo and /logout, as the
// Amazon Cognito Developer Guide documents them ("User pool endpoints and
// managed login reference"). It federates with the pool's OIDC identity
// providers (code flow, discovery from the issuer, ID token verified with
// go-oidc) and runs the pool's pre sign-up trigger on a federated user's
// first sign-in through (*localcognito.Server).FederatedSignIn.
//
// For development and tests only: it serves what the sample apps use.
// Behaviour from AWS's documentation is marked DOCUMENTED, behaviour
// reported by Cognito users REPORTED, local simplifications LOCAL.
//
// LOCAL, not emulated: the hosted UI's session cookie (every authorize
// shows the login page or goes to the provider again), implicit grant,
// client secrets (confidential clients), idp_identifier, SAML providers,
// the nonce in the pool's ID token, managed-login branding, sign-up and
// forgotten-password pages.
package hosted

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/cognitobridge/cognitobridge/test/localcognito"
)

// Pool is what the endpoints need of the local pool;
// *localcognito.Server satisfies it.
type Pool interface {
	PoolID() string
	AppClient(id string) (localcognito.Client, bool)
	IdentityProviderConfig(name string) (localcognito.IdentityProvider, bool)
	CheckPassword(username, password string) (string, bool)
	FederatedSignIn(ctx context.Context, clientID, provider, subject string, attrs map[string]string) (string, error)
	IssueTokens(ctx context.Context, clientID, username string, scopes []string) (localcognito.Tokens, error)
	RefreshTokens(ctx context.Context, clientID, refreshToken string) (localcognito.Tokens, error)
	UserInfo(accessToken string) (map[string]any, error)
}

var _ Pool = (*localcognito.Server)(nil)

// Options configures New.
type Options struct {
	// BaseURL is the pool domain's URL (https://<prefix>.auth.<region>.amazoncognito.com
	// in AWS; here the loopback listener's URL): the identity providers
	// return to BaseURL + "/oauth2/idpresponse". Required.
	BaseURL string
	// HTTPClient makes the calls to the identity providers (discovery,
	// token, JWKS, userinfo). Default: a client with a 5 s timeout.
	HTTPClient *http.Client
	// Logger receives one line per endpoint outcome, never codes, tokens
	// or passwords. Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// Handler serves the endpoints.
type Handler struct {
	pool Pool
	opts Options
	log  *slog.Logger
	now  func() time.Time
	mux  *http.ServeMux

	mu        sync.Mutex
	requests  map[string]*authRequest // by id (login page) and by IdP state
	codes     map[string]*grant
	providers map[string]*oidc.Provider
}

// authRequest is one /oauth2/authorize request of the app.
type authRequest struct {
	clientID, redirectURI, state  string
	challenge, challengeMethod    string
	scopes                        []string
	provider, idpNonce, idpIssuer string
	created                       time.Time
}

// grant is an authorization code the pool issued to the app.
type grant struct {
	req      *authRequest
	username string
	expires  time.Time
}

// Lifetimes. DOCUMENTED: "Token endpoint": an authorization code is valid
// for five minutes and once. LOCAL: a pending authorize request (login page
// or provider round trip) lives ten minutes.
const (
	codeTTL    = 5 * time.Minute
	requestTTL = 10 * time.Minute
)

// New returns the endpoints of pool.
func New(pool Pool, opts Options) (*Handler, error) {
	if pool == nil || opts.BaseURL == "" {
		return nil, errors.New("hosted: a pool and Options.BaseURL are required")
	}
	opts.BaseURL = strings.TrimSuffix(opts.BaseURL, "/")
	h := &Handler{pool: pool, opts: opts, log: opts.Logger, now: opts.Now,
		requests: map[string]*authRequest{}, codes: map[string]*grant{}, providers: map[string]*oidc.Provider{}}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.opts.HTTPClient == nil {
		h.opts.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth2/authorize", h.authorize)
	mux.HandleFunc("GET /login", h.loginPage)
	mux.HandleFunc("POST /login", h.login)
	mux.HandleFunc("GET /oauth2/idpresponse", h.idpResponse)
	mux.HandleFunc("/oauth2/token", h.token)
	mux.HandleFunc("/oauth2/userInfo", h.userInfo)
	mux.HandleFunc("GET /logout", h.logout)
	h.mux = mux
	return h, nil
}

// IDPResponseURL is where the identity providers return:
// BaseURL + "/oauth2/idpresponse" (DOCUMENTED: "Adding OIDC identity
// providers to a user pool": register https://<domain>/oauth2/idpresponse
// at the provider).
func (h *Handler) IDPResponseURL() string { return h.opts.BaseURL + "/oauth2/idpresponse" }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	h.mux.ServeHTTP(w, r)
}

func random() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// errorPage is what the endpoint shows when it cannot redirect to the app
// (unknown client, redirect URI not registered). DOCUMENTED: "Authorize
// endpoint": Cognito does not redirect to an unregistered redirect_uri; it
// shows an error page (redirect_mismatch).
func (h *Handler) errorPage(w http.ResponseWriter, code, reason string) {
	h.log.Info("hosted", "endpoint", "authorize", "outcome", code, "reason", reason)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, "<!doctype html><title>Error</title><h1>An error was encountered with the requested page.</h1><p id=\"error\">%s</p>", template.HTMLEscapeString(code))
}

// redirectError sends the browser back to the app with an OAuth error.
// REPORTED (amplify-js issues 14063, 4004): Cognito answers with
// ?error_description=...&state=...&error=invalid_request.
func redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state, code, description string) {
	u, _ := url.Parse(redirectURI)
	q := u.Query()
	if description != "" {
		q.Set("error_description", description)
	}
	if state != "" {
		q.Set("state", state)
	}
	q.Set("error", code)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// queryClient is the app client of q's client_id; for an unknown one it shows
// the error page with reason and reports false.
func (h *Handler) queryClient(w http.ResponseWriter, q url.Values, reason string) (localcognito.Client, bool) {
	c, ok := h.pool.AppClient(q.Get("client_id"))
	if !ok {
		h.errorPage(w, "invalid_request", reason)
	}
	return c, ok
}

func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, ok := h.queryClient(w, q, "unknown client")
	if !ok {
		return
	}
	redirectURI := q.Get("redirect_uri")
	// DOCUMENTED: redirect_uri "must exactly match" one of the client's
	// callback URLs.
	if !slices.Contains(c.CallbackURLs, redirectURI) {
		h.errorPage(w, "redirect_mismatch", "redirect_uri not registered")
		return
	}
	state := q.Get("state")
	fail := func(code, desc string) {
		h.log.Info("hosted", "endpoint", "authorize", "client", c.ID, "outcome", code)
		redirectError(w, r, redirectURI, state, code, desc)
	}
	// DOCUMENTED: response_type "code" or "token"; the client must allow
	// the grant (AllowedOAuthFlows).
	switch rt := q.Get("response_type"); {
	case rt != "code" && rt != "token":
		fail("unsupported_response_type", "")
		return
	case !slices.Contains(c.AllowedOAuthFlows, rt):
		fail("unauthorized_client", "")
		return
	case rt == "token":
		fail("unsupported_response_type", "implicit grant is not emulated locally")
		return
	}
	// DOCUMENTED: scopes must be among the client's; none means all of
	// them.
	scopes := strings.Fields(q.Get("scope"))
	for _, s := range scopes {
		if !slices.Contains(c.AllowedOAuthScopes, s) {
			fail("invalid_scope", "")
			return
		}
	}
	if len(scopes) == 0 {
		scopes = slices.Clone(c.AllowedOAuthScopes)
	}
	// DOCUMENTED: code_challenge_method must be S256 (plain is not
	// supported).
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" && method != "S256" {
		fail("invalid_request", "code_challenge_method must be S256")
		return
	}
	ar := &authRequest{clientID: c.ID, redirectURI: redirectURI, state: state, challenge: challenge, challengeMethod: method, scopes: scopes, created: h.now()}
	idp := q.Get("identity_provider")
	if idp == "" || strings.EqualFold(idp, "COGNITO") {
		if !slices.Contains(c.SupportedIdentityProviders, "COGNITO") {
			if idp != "" || len(c.SupportedIdentityProviders) != 1 {
				fail("invalid_request", "COGNITO is not a supported identity provider of this client")
				return
			}
			// One provider only: straight to it.
			idp = c.SupportedIdentityProviders[0]
		} else {
			id := random()
			h.put(id, ar)
			http.Redirect(w, r, h.opts.BaseURL+"/login?id="+url.QueryEscape(id), http.StatusFound)
			return
		}
	}
	if !slices.Contains(c.SupportedIdentityProviders, idp) {
		fail("invalid_request", "identity_provider is not supported by this client")
		return
	}
	p, ok := h.pool.IdentityProviderConfig(idp)
	if !ok {
		fail("invalid_request", "unknown identity provider")
		return
	}
	h.toProvider(w, r, ar, p)
}

func (h *Handler) put(id string, ar *authRequest) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	for k, v := range h.requests {
		if now.Sub(v.created) > requestTTL {
			delete(h.requests, k)
		}
	}
	h.requests[id] = ar
}

// take removes and returns a pending request.
func (h *Handler) take(id string) *authRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	ar := h.requests[id]
	delete(h.requests, id)
	if ar == nil || h.now().Sub(ar.created) > requestTTL {
		return nil
	}
	return ar
}

// peek returns a pending request without removing it (the login page may
// be shown again after a wrong password).
func (h *Handler) peek(id string) *authRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	ar := h.requests[id]
	if ar == nil || h.now().Sub(ar.created) > requestTTL {
		return nil
	}
	return ar
}

// provider discovers an identity provider from its issuer (cached).
func (h *Handler) provider(ctx context.Context, p localcognito.IdentityProvider) (*oidc.Provider, error) {
	h.mu.Lock()
	op := h.providers[p.Name]
	h.mu.Unlock()
	if op != nil {
		return op, nil
	}
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, h.opts.HTTPClient), p.Issuer)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.providers[p.Name] = op
	h.mu.Unlock()
	return op, nil
}

// endpoints are the provider's: explicit ones from the pool's provider
// configuration win over discovery (DOCUMENTED: ProviderDetails
// authorize_url, token_url, attributes_url, jwks_uri; "auto discovery"
// from oidc_issuer when absent).
func (h *Handler) endpoints(ctx context.Context, p localcognito.IdentityProvider) (authURL, tokenURL, userInfoURL, jwksURL string, err error) {
	authURL, tokenURL, userInfoURL, jwksURL = p.AuthorizeURL, p.TokenURL, p.UserInfoURL, p.JWKSURL
	if authURL != "" && tokenURL != "" && jwksURL != "" {
		return
	}
	op, err := h.provider(ctx, p)
	if err != nil {
		return "", "", "", "", err
	}
	var d struct {
		UserInfo string `json:"userinfo_endpoint"`
		JWKS     string `json:"jwks_uri"`
	}
	_ = op.Claims(&d)
	ep := op.Endpoint()
	if authURL == "" {
		authURL = ep.AuthURL
	}
	if tokenURL == "" {
		tokenURL = ep.TokenURL
	}
	if userInfoURL == "" {
		userInfoURL = d.UserInfo
	}
	if jwksURL == "" {
		jwksURL = d.JWKS
	}
	return
}

func (h *Handler) oauthConfig(p localcognito.IdentityProvider, authURL, tokenURL string) *oauth2.Config {
	scopes := strings.Fields(p.AuthorizeScopes)
	if len(scopes) == 0 {
		scopes = []string{"openid"}
	}
	return &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, Scopes: scopes,
		Endpoint:    oauth2.Endpoint{AuthURL: authURL, TokenURL: tokenURL},
		RedirectURL: h.IDPResponseURL()}
}

// toProvider sends the browser to the identity provider's authorize
// endpoint with the pool's idpresponse URL, its own state and a nonce.
// ASSUMED: Cognito sends no PKCE to an OIDC provider (it authenticates
// with the client secret).
func (h *Handler) toProvider(w http.ResponseWriter, r *http.Request, ar *authRequest, p localcognito.IdentityProvider) {
	authURL, tokenURL, _, _, err := h.endpoints(r.Context(), p)
	if err != nil {
		h.log.Info("hosted", "endpoint", "authorize", "provider", p.Name, "outcome", "server_error", "reason", "discovery failed")
		redirectError(w, r, ar.redirectURI, ar.state, "server_error", "The identity provider is unavailable.")
		return
	}
	ar.provider, ar.idpNonce, ar.idpIssuer = p.Name, random(), p.Issuer
	state := random()
	h.put(state, ar)
	u := h.oauthConfig(p, authURL, tokenURL).AuthCodeURL(state, oauth2.SetAuthURLParam("nonce", ar.idpNonce))
	h.log.Info("hosted", "endpoint", "authorize", "client", ar.clientID, "provider", p.Name, "outcome", "to_provider")
	http.Redirect(w, r, u, http.StatusFound)
}

var loginTemplate = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in</title>
<style>body{font:16px/1.4 system-ui,sans-serif;background:#f5f6f8;margin:0}main{max-width:360px;margin:48px auto;background:#fff;padding:24px 32px;border-radius:8px;box-shadow:0 1px 4px #0002}
form{display:grid;gap:10px}label{display:grid;gap:4px;font-size:14px}input{font:inherit;padding:6px 8px}button{font:inherit;padding:8px;background:#2457d6;color:#fff;border:0;border-radius:4px}
.error{color:#b3261e}.local{background:#fff8e1;padding:6px;font-size:13px}a.idp{display:block;margin-top:12px;text-align:center}</style></head>
<body><main>
<p class="local">Local Cognito hosted sign-in (test/localcognito/hosted), pool {{.Pool}}.</p>
<h1>Sign in</h1>
{{if .Error}}<p id="loginErrorMessage" class="error">{{.Error}}</p>{{end}}
<form method="post" action="/login">
<input type="hidden" name="id" value="{{.ID}}">
<label>Username <input id="signInFormUsername" name="username" autocomplete="username" required></label>
<label>Password <input id="signInFormPassword" name="password" type="password" autocomplete="current-password" required></label>
<button id="signInSubmitButton" type="submit">Sign in</button>
</form>
{{range .Providers}}<a class="idp" href="{{.URL}}">Sign in with {{.Name}}</a>{{end}}
</main></body></html>`))

type providerLink struct{ Name, URL string }

func (h *Handler) renderLogin(w http.ResponseWriter, id string, ar *authRequest, msg string) {
	c, _ := h.pool.AppClient(ar.clientID)
	var links []providerLink
	for _, p := range c.SupportedIdentityProviders {
		if p == "COGNITO" {
			continue
		}
		q := url.Values{"client_id": {ar.clientID}, "redirect_uri": {ar.redirectURI}, "response_type": {"code"},
			"scope": {strings.Join(ar.scopes, " ")}, "state": {ar.state}, "identity_provider": {p}}
		if ar.challenge != "" {
			q.Set("code_challenge", ar.challenge)
			q.Set("code_challenge_method", ar.challengeMethod)
		}
		links = append(links, providerLink{Name: p, URL: "/oauth2/authorize?" + q.Encode()})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Frame-Options", "DENY")
	if msg != "" {
		w.WriteHeader(http.StatusBadRequest)
	}
	_ = loginTemplate.Execute(w, map[string]any{"ID": id, "Error": msg, "Pool": h.pool.PoolID(), "Providers": links})
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	ar := h.peek(id)
	if ar == nil || ar.provider != "" {
		h.errorPage(w, "invalid_request", "login without a pending authorize request")
		return
	}
	h.renderLogin(w, id, ar, "")
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, "invalid_request", "unreadable form")
		return
	}
	id := r.PostForm.Get("id")
	ar := h.peek(id)
	if ar == nil || ar.provider != "" {
		h.errorPage(w, "invalid_request", "login without a pending authorize request")
		return
	}
	username, ok := h.pool.CheckPassword(r.PostForm.Get("username"), r.PostForm.Get("password"))
	if !ok {
		h.log.Info("hosted", "endpoint", "login", "client", ar.clientID, "outcome", "NotAuthorizedException")
		// The API's message for a wrong password or an unknown user alike.
		h.renderLogin(w, id, ar, "Incorrect username or password.")
		return
	}
	if h.take(id) == nil {
		h.errorPage(w, "invalid_request", "login request already used")
		return
	}
	h.log.Info("hosted", "endpoint", "login", "client", ar.clientID, "outcome", "ok")
	h.toApp(w, r, ar, username)
}

// toApp issues the pool's authorization code and returns to the app.
func (h *Handler) toApp(w http.ResponseWriter, r *http.Request, ar *authRequest, username string) {
	code := random()
	h.mu.Lock()
	h.codes[code] = &grant{req: ar, username: username, expires: h.now().Add(codeTTL)}
	h.mu.Unlock()
	u, _ := url.Parse(ar.redirectURI)
	q := u.Query()
	q.Set("code", code)
	if ar.state != "" {
		q.Set("state", ar.state)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// idpResponse is the provider's return: the code is exchanged with the
// provider's client secret, the ID token verified (signature by the
// provider's JWKS, issuer, audience, expiry, nonce), its claims (and the
// userinfo endpoint's, when the provider has one) mapped to pool attributes
// by the provider's AttributeMapping, and the identity signed in.
func (h *Handler) idpResponse(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ar := h.take(q.Get("state"))
	if ar == nil || ar.provider == "" {
		h.errorPage(w, "invalid_request", "idpresponse with an unknown state")
		return
	}
	fail := func(code, desc, reason string) {
		h.log.Info("hosted", "endpoint", "idpresponse", "client", ar.clientID, "provider", ar.provider, "outcome", code, "reason", reason)
		redirectError(w, r, ar.redirectURI, ar.state, code, desc)
	}
	if e := q.Get("error"); e != "" {
		// ASSUMED: the provider's error is passed on as invalid_request.
		fail("invalid_request", "The identity provider returned an error: "+clip(e), "provider error")
		return
	}
	p, ok := h.pool.IdentityProviderConfig(ar.provider)
	if !ok {
		fail("invalid_request", "unknown identity provider", "provider gone")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	ctx = oidc.ClientContext(ctx, h.opts.HTTPClient)
	authURL, tokenURL, userInfoURL, jwksURL, err := h.endpoints(ctx, p)
	if err != nil {
		fail("server_error", "The identity provider is unavailable.", "discovery failed")
		return
	}
	tok, err := h.oauthConfig(p, authURL, tokenURL).Exchange(ctx, q.Get("code"))
	if err != nil {
		fail("invalid_request", "Exception processing authorization code", "token exchange failed")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		fail("invalid_request", "Exception processing authorization code", "no id_token")
		return
	}
	verifier := oidc.NewVerifier(p.Issuer, oidc.NewRemoteKeySet(ctx, jwksURL), &oidc.Config{ClientID: p.ClientID, Now: h.now})
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		fail("invalid_request", "Exception processing authorization code", "id token refused")
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(ar.idpNonce)) != 1 {
		fail("invalid_request", "Exception processing authorization code", "nonce mismatch")
		return
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		fail("invalid_request", "Exception processing authorization code", "claims unreadable")
		return
	}
	if userInfoURL != "" {
		if info, err := h.fetchUserInfo(ctx, userInfoURL, tok); err == nil {
			// DOCUMENTED: Cognito reads the provider's userInfo endpoint
			// (attributes_url); the subject must be the ID token's.
			if info["sub"] == idt.Subject {
				for k, v := range info {
					if _, ok := claims[k]; !ok {
						claims[k] = v
					}
				}
			}
		}
	}
	attrs := mapAttributes(p.AttributeMapping, claims)
	username, err := h.pool.FederatedSignIn(ctx, ar.clientID, p.Name, idt.Subject, attrs)
	var te *localcognito.TriggerError
	switch {
	case errors.As(err, &te):
		// REPORTED (amplify-js #14063): a pre sign-up refusal reaches the
		// app as error_description "PreSignUp failed with error <message>. "
		// (the message, a period and a space), error=invalid_request.
		fail("invalid_request", te.Message+" ", "sign-in refused by a trigger")
		return
	case err != nil:
		fail("server_error", "Exception processing authorization code", "sign-in failed")
		return
	}
	h.log.Info("hosted", "endpoint", "idpresponse", "client", ar.clientID, "provider", p.Name, "outcome", "ok")
	h.toApp(w, r, ar, username)
}

func (h *Handler) fetchUserInfo(ctx context.Context, u string, tok *oauth2.Token) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	tok.SetAuthHeader(req)
	resp, err := h.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("userinfo: %s", resp.Status)
	}
	var m map[string]any
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&m)
	return m, err
}

// mapAttributes turns claims into pool attributes: mapping is pool
// attribute -> provider claim (DOCUMENTED: AttributeMapping). Claims become
// strings, booleans "true"/"false" (Cognito's userAttributes are strings).
func mapAttributes(mapping map[string]string, claims map[string]any) map[string]string {
	out := map[string]string{}
	for attr, claim := range mapping {
		v, ok := claims[claim]
		if !ok || v == nil {
			continue
		}
		switch x := v.(type) {
		case string:
			out[attr] = x
		case bool:
			out[attr] = fmt.Sprint(x)
		case float64:
			out[attr] = fmt.Sprint(x)
		default:
			b, _ := json.Marshal(x)
			out[attr] = string(b)
		}
	}
	return out
}

func clip(s string) string {
	if len(s) > 100 {
		return s[:100]
	}
	return s
}

// cors lets the app's page call the token and userInfo endpoints.
// ASSUMED: Cognito's token endpoint answers browsers of any origin (SPAs
// call it with fetch, as Amplify does).
func cors(w http.ResponseWriter, r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Add("Vary", "Origin")
	}
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", "authorization, content-type, x-amz-user-agent, x-amz-content-sha256, cache-control")
		w.Header().Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

// tokenError: DOCUMENTED: "Token endpoint": errors as HTTP 400 with
// {"error": "invalid_request" | "invalid_client" | "invalid_grant" |
// "unauthorized_client" | "unsupported_grant_type"}.
func (h *Handler) tokenError(w http.ResponseWriter, code, reason string) {
	h.log.Info("hosted", "endpoint", "token", "outcome", code, "reason", reason)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}

func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	// DOCUMENTED: Content-Type application/x-www-form-urlencoded.
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		h.tokenError(w, "invalid_request", "content type")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.tokenError(w, "invalid_request", "unreadable form")
		return
	}
	f := r.PostForm
	clientID := f.Get("client_id")
	if u, _, ok := r.BasicAuth(); ok && clientID == "" {
		clientID = u
	}
	c, ok := h.pool.AppClient(clientID)
	if !ok {
		h.tokenError(w, "invalid_client", "unknown client")
		return
	}
	if c.GenerateSecret {
		// LOCAL: confidential clients are not emulated.
		h.tokenError(w, "invalid_client", "client with a secret")
		return
	}
	var toks localcognito.Tokens
	var err error
	switch f.Get("grant_type") {
	case "authorization_code":
		toks, ok = h.redeem(w, r, c, f)
		if !ok {
			return
		}
	case "refresh_token":
		toks, err = h.pool.RefreshTokens(r.Context(), c.ID, f.Get("refresh_token"))
		if err != nil {
			h.tokenError(w, "invalid_grant", "refresh refused")
			return
		}
	default:
		h.tokenError(w, "unsupported_grant_type", "grant type")
		return
	}
	h.log.Info("hosted", "endpoint", "token", "client", c.ID, "grant", f.Get("grant_type"), "outcome", "ok")
	out := map[string]any{"access_token": toks.AccessToken, "id_token": toks.IDToken, "token_type": "Bearer", "expires_in": toks.ExpiresIn}
	if toks.RefreshToken != "" {
		out["refresh_token"] = toks.RefreshToken
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// redeem is the authorization_code grant: a code of this client, once, in
// time, for the same redirect_uri, with the PKCE verifier when the
// authorize request had a challenge (DOCUMENTED: RFC 7636 S256).
func (h *Handler) redeem(w http.ResponseWriter, r *http.Request, c localcognito.Client, f url.Values) (localcognito.Tokens, bool) {
	code := f.Get("code")
	h.mu.Lock()
	g := h.codes[code]
	delete(h.codes, code)
	h.mu.Unlock()
	switch {
	case g == nil:
		h.tokenError(w, "invalid_grant", "unknown or used code")
		return localcognito.Tokens{}, false
	case h.now().After(g.expires):
		h.tokenError(w, "invalid_grant", "code expired")
		return localcognito.Tokens{}, false
	case g.req.clientID != c.ID:
		h.tokenError(w, "invalid_grant", "code of another client")
		return localcognito.Tokens{}, false
	case g.req.redirectURI != f.Get("redirect_uri"):
		h.tokenError(w, "invalid_grant", "redirect_uri differs")
		return localcognito.Tokens{}, false
	}
	if g.req.challenge != "" {
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(g.req.challenge)) != 1 {
			h.tokenError(w, "invalid_grant", "code_verifier does not match")
			return localcognito.Tokens{}, false
		}
	}
	toks, err := h.pool.IssueTokens(r.Context(), c.ID, g.username, g.req.scopes)
	if err != nil {
		h.tokenError(w, "invalid_request", "token issuance failed")
		return localcognito.Tokens{}, false
	}
	return toks, true
}

// userInfo: DOCUMENTED: "userInfo endpoint": GET or POST with the access
// token as a bearer token; the user's attributes as JSON.
func (h *Handler) userInfo(w http.ResponseWriter, r *http.Request) {
	if cors(w, r) {
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_request"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	info, err := h.pool.UserInfo(tok)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(info)
}

// logout: DOCUMENTED: "Logout endpoint": client_id and logout_uri (one of
// the client's sign-out URLs) redirect there; client_id with redirect_uri
// and response_type go to the sign-in page again. LOCAL: there is no
// session cookie to clear.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, ok := h.queryClient(w, q, "logout: unknown client")
	if !ok {
		return
	}
	if lu := q.Get("logout_uri"); lu != "" {
		if !slices.Contains(c.LogoutURLs, lu) {
			h.errorPage(w, "redirect_mismatch", "logout_uri not registered")
			return
		}
		http.Redirect(w, r, lu, http.StatusFound)
		return
	}
	if q.Get("redirect_uri") != "" {
		http.Redirect(w, r, h.opts.BaseURL+"/oauth2/authorize?"+r.URL.RawQuery, http.StatusFound)
		return
	}
	h.errorPage(w, "invalid_request", "logout without logout_uri")
}
