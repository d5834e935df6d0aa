// Package oidcrp is the relying-party side of an OpenID Connect code flow
// that the connect handlers share: a bounded HTTP client that never follows
// redirects, per-container discovery and key-set caches (coreos/go-oidc),
// and the ID token checks Verify applies (signature, issuer, audience,
// expiry by go-oidc; azp per OpenID Connect Core 3.1.3.7; nonce; auth_time
// not before the request). No JOSE is done here by hand.
//
// lambdas/stepup keeps its own copy of these helpers (it predates this
// package); the rules are the same.
package oidcrp

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// AllowedAlgs are the asymmetric JWS algorithms an ID token may use; "none"
// and the HMAC family are never accepted.
var AllowedAlgs = map[string]bool{
	"RS256": true, "RS384": true, "RS512": true,
	"PS256": true, "PS384": true, "PS512": true,
	"ES256": true, "ES384": true, "ES512": true,
	"EdDSA": true,
}

// NewHTTPClient returns the client used for discovery, JWKS and the token
// endpoint: bounded by timeout and never following redirects (a redirect
// must not carry the client credentials elsewhere).
func NewHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// CheckEndpointURL accepts https URLs, and http only for loopback hosts
// (local test peers); no fragment, no user info.
func CheckEndpointURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Host == "" || u.Fragment != "" || u.User != nil {
		return errors.New("host required, no fragment, no userinfo")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		h := u.Hostname()
		if h == "localhost" {
			return nil
		}
		if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
			return nil
		}
		return errors.New("http only on loopback")
	}
	return errors.New("scheme must be https")
}

// CheckDiscovered applies CheckEndpointURL to the endpoints a discovery
// document names. An empty one passes: only a missing endpoint that is
// actually needed fails, where it is needed.
func CheckDiscovered(urls ...string) error {
	for _, u := range urls {
		if u == "" {
			continue
		}
		if err := CheckEndpointURL(u); err != nil {
			return fmt.Errorf("discovery: endpoint rejected: %w", err)
		}
	}
	return nil
}

// Endpoints are a provider's authorization, token and JWKS endpoints.
type Endpoints struct {
	Authorize, Token, JWKS string
}

// Provider caches one issuer's discovery document and key set per
// container. A failed discovery is not cached. Safe for concurrent use.
type Provider struct {
	issuer   string
	explicit Endpoints
	client   *http.Client
	sem      chan struct{}

	mu     sync.Mutex
	doc    *Endpoints
	auth   ClientAuth // from the document p.doc came from
	keySet *oidc.RemoteKeySet
	ksURL  string
}

// NewProvider returns the provider issuer; explicit endpoints replace what
// discovery would give (all, some or none); client makes every call.
func NewProvider(client *http.Client, issuer string, explicit Endpoints) *Provider {
	return &Provider{issuer: issuer, explicit: explicit, client: client, sem: make(chan struct{}, 1)}
}

// Issuer is the expected ID token issuer.
func (p *Provider) Issuer() string { return p.issuer }

func (p *Provider) cached() *Endpoints {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.doc
}

// Endpoints returns the explicit endpoints completed by discovery (go-oidc,
// which checks that the document's issuer equals the issuer), asking the
// network only when a needed endpoint is not explicit.
func (p *Provider) Endpoints(ctx context.Context, needAuthorize, needToken, needJWKS bool) (Endpoints, error) {
	e := p.explicit
	missing := func(e Endpoints) bool {
		return (needAuthorize && e.Authorize == "") || (needToken && e.Token == "") || (needJWKS && e.JWKS == "")
	}
	if !missing(e) {
		return e, nil
	}
	d, err := p.discover(ctx)
	if err != nil {
		return Endpoints{}, err
	}
	if e.Authorize == "" {
		e.Authorize = d.Authorize
	}
	if e.Token == "" {
		e.Token = d.Token
	}
	if e.JWKS == "" {
		e.JWKS = d.JWKS
	}
	if missing(e) {
		return Endpoints{}, errors.New("discovery document lacks a needed endpoint")
	}
	return e, nil
}

func (p *Provider) discover(ctx context.Context) (Endpoints, error) {
	if d := p.cached(); d != nil {
		return *d, nil
	}
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return Endpoints{}, ctx.Err()
	}
	defer func() { <-p.sem }()
	if d := p.cached(); d != nil {
		return *d, nil
	}
	prov, err := oidc.NewProvider(oidc.ClientContext(ctx, p.client), p.issuer)
	if err != nil {
		return Endpoints{}, fmt.Errorf("discovery: %w", err)
	}
	var extra struct {
		JWKSURL string   `json:"jwks_uri"`
		Methods []string `json:"token_endpoint_auth_methods_supported"`
		Algs    []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	}
	if err := prov.Claims(&extra); err != nil {
		return Endpoints{}, fmt.Errorf("discovery claims: %w", err)
	}
	ep := prov.Endpoint()
	d := Endpoints{Authorize: ep.AuthURL, Token: ep.TokenURL, JWKS: extra.JWKSURL}
	if err := CheckDiscovered(d.Authorize, d.Token, d.JWKS); err != nil {
		return Endpoints{}, err
	}
	p.mu.Lock()
	p.doc = &d
	p.auth = ClientAuth{Methods: extra.Methods, Algs: extra.Algs}
	p.mu.Unlock()
	return d, nil
}

// ClientAuth is what a discovery document says about client authentication
// at the token endpoint (OpenID Connect Discovery 1.0 §3; both OPTIONAL).
type ClientAuth struct {
	// Methods is token_endpoint_auth_methods_supported.
	Methods []string
	// Algs is token_endpoint_auth_signing_alg_values_supported.
	Algs []string
}

// ClientAuth returns the discovery document's client authentication
// fields, fetching the document (cached per container) even when every
// endpoint is explicit.
func (p *Provider) ClientAuth(ctx context.Context) (ClientAuth, error) {
	if _, err := p.discover(ctx); err != nil {
		return ClientAuth{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.auth, nil
}

// keys returns the cached remote key set of jwksURL. Its background
// fetches use the provider's client, whose timeout bounds them.
func (p *Provider) keys(jwksURL string) *oidc.RemoteKeySet {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.keySet == nil || p.ksURL != jwksURL {
		p.keySet = oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), p.client), jwksURL)
		p.ksURL = jwksURL
	}
	return p.keySet
}

// Errors of VerifyIDToken, for the caller's reason codes.
var (
	ErrIDTokenInvalid = errors.New("oidcrp: ID token invalid")
	ErrNonceMismatch  = errors.New("oidcrp: nonce mismatch")
	ErrAuthTime       = errors.New("oidcrp: auth_time missing or before the request")
)

// Check is what an ID token must satisfy beyond go-oidc's signature,
// issuer, audience and expiry checks.
type Check struct {
	// ClientID is the audience (and azp when present).
	ClientID string
	// Algs are the accepted signing algorithms (of AllowedAlgs).
	Algs []string
	// Nonce must equal the token's nonce (constant time). Required.
	Nonce string
	// NotBefore, when set, is the earliest auth_time accepted (the
	// request's creation minus the allowed skew); auth_time is then
	// required.
	NotBefore time.Time
}

// Verified is an ID token that passed VerifyIDToken.
type Verified struct {
	Issuer, Subject string
	AuthTime        time.Time
	Claims          map[string]json.RawMessage
}

// VerifyIDToken verifies raw with the provider's key set at jwksURL.
func (p *Provider) VerifyIDToken(ctx context.Context, jwksURL, raw string, c Check) (Verified, error) {
	if c.Nonce == "" || c.ClientID == "" || len(c.Algs) == 0 {
		return Verified{}, ErrIDTokenInvalid
	}
	v := oidc.NewVerifier(p.issuer, p.keys(jwksURL), &oidc.Config{ClientID: c.ClientID, SupportedSigningAlgs: c.Algs})
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		if ctx.Err() != nil {
			return Verified{}, ctx.Err()
		}
		return Verified{}, ErrIDTokenInvalid
	}
	var claims map[string]json.RawMessage
	if err := idt.Claims(&claims); err != nil {
		return Verified{}, ErrIDTokenInvalid
	}
	if !AZPValid(claims, idt.Audience, c.ClientID) || idt.Subject == "" {
		return Verified{}, ErrIDTokenInvalid
	}
	if idt.Nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(c.Nonce)) != 1 {
		return Verified{}, ErrNonceMismatch
	}
	at, ok := AuthTime(claims)
	if !c.NotBefore.IsZero() && (!ok || at.Before(c.NotBefore.Truncate(time.Second))) {
		return Verified{}, ErrAuthTime
	}
	return Verified{Issuer: idt.Issuer, Subject: idt.Subject, AuthTime: at, Claims: claims}, nil
}

// AZPValid applies OpenID Connect Core 3.1.3.7: with several audiences azp
// must be present, and when present it must be this client.
func AZPValid(claims map[string]json.RawMessage, aud []string, clientID string) bool {
	azp, has := claims["azp"]
	if !has {
		return len(aud) <= 1
	}
	var s string
	return json.Unmarshal(azp, &s) == nil && s == clientID
}

// AuthTime reads auth_time (a positive JSON number of epoch seconds).
func AuthTime(claims map[string]json.RawMessage) (time.Time, bool) {
	raw, ok := claims["auth_time"]
	if !ok {
		return time.Time{}, false
	}
	var at float64
	if err := json.Unmarshal(raw, &at); err != nil || at <= 0 || at != at || at > 1e11 {
		return time.Time{}, false
	}
	return time.Unix(int64(at), 0), true
}
