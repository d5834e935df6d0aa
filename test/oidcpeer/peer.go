// Package oidcpeer runs a real OpenID Provider on loopback for tests.
//
// The provider is zitadel/oidc (an OpenID-certified library), assembled from
// its own example in-memory storage and example OP (login UI included), not a
// hand-written imitation: discovery, JWKS, the authorization endpoint with
// PKCE S256 and nonce, and the token endpoint with client_secret_basic and
// client_secret_post are all zitadel's. This package only
//   - wraps the example storage (per-user acr and amr, a "username" claim in the ID
//     token, userinfo claims asserted into the ID token, a rotatable secret);
//   - plays the browser leg of a sign-in with net/http (BrowserLogin), or of
//     a script that follows the authorize URL without a form (SilentAuthorize);
//   - records each user's last password login (the ID token's auth_time) and
//     can emulate a warm provider session that answers without the login
//     page, honouring prompt/max_age or not (SetWarmSession);
//   - puts a hostile front before zitadel's handler that can rewrite ID
//     tokens in token responses, inject token endpoint faults and counts the
//     requests per endpoint.
package oidcpeer

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Endpoint names used as keys of (*Peer).Calls.
const (
	EndpointDiscovery = "discovery"
	EndpointJWKS      = "jwks"
	EndpointToken     = "token"
	EndpointAuthorize = "authorize"
	// EndpointSilent counts authorization requests a warm session answered
	// without the login page (see SetWarmSession).
	EndpointSilent = "silent"
)

// Paths served by the peer (zitadel's defaults).
const (
	PathDiscovery = "/.well-known/openid-configuration"
	PathJWKS      = "/keys"
	PathToken     = "/oauth/token"
	PathAuthorize = "/authorize"
	// PathPostStepUp is the tenant's own landing page for the iframe
	// step-up (see Options.ParentOrigin).
	PathPostStepUp = "/admin/community/post_stepup"
)

// TB is what the peer needs of its owner: a *testing.T or *testing.B, or a
// command (the local demo) that implements these few methods itself.
type TB interface {
	Helper()
	Context() context.Context
	Cleanup(func())
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}

// ClaimUsername is the custom ID token claim carrying the user's username,
// as 1Kosmos BlockID does.
const ClaimUsername = "username"

// AuthorityKeyID is the kid of the extra "test authority" RSA key the peer
// publishes in its JWKS and ResignWithClaims signs with.
const AuthorityKeyID = "oidcpeer-test-authority"

// Defaults used when Options leaves a field empty.
const (
	DefaultClientID     = "cognitobridge-test-client"
	DefaultClientSecret = "cognitobridge-test-secret"
	DefaultRedirectURI  = "https://tenant.example.com/admin/community/post_stepup"
)

// User is an account of the peer.
type User struct {
	// Subject is the ID token's sub. Default: "sub-" + Username.
	Subject       string
	Username      string
	Password      string
	Email         string
	EmailVerified bool
	// Phone is the phone_number claim (scope "phone"), as the provider
	// writes it (E.164 is only RECOMMENDED by OIDC Core 5.1, so a test may
	// give "+1 (202) 555-0143"); PhoneVerified its phone_number_verified.
	Phone         string
	PhoneVerified bool
	// ACR is the acr the ID token carries after this user signs in; empty
	// means no acr claim.
	ACR string
	// AMR is the amr the ID token carries after this user signs in, e.g.
	// an assurance level as 1Kosmos BlockID puts it there ("ial2"; see
	// lambdas/assurance.ParseLevel). Default: ["pwd"], zitadel's example.
	AMR []string
}

// Options configures Start.
type Options struct {
	// ClientID of the confidential web client. Default: DefaultClientID.
	ClientID string
	// ClientSecret of the client. Default: DefaultClientSecret.
	ClientSecret string
	// RedirectURI registered for the client (exact match). Default:
	// the peer's own PathPostStepUp when ParentOrigin is set, else
	// DefaultRedirectURI.
	RedirectURI string
	// RedirectURIs are further redirect URIs registered for the client,
	// each matched exactly, e.g. a pool's idpresponse URL and an app's
	// connect page for the same client. RedirectURI stays the first one
	// (and the default when it is empty). Default: none.
	RedirectURIs []string
	// KeyClientID, when set, registers a second confidential client that
	// authenticates with private_key_jwt only (its keys: SetKeyClientKeys),
	// with the same redirect URIs: an app's own client beside the one a
	// pool's federation authenticates with the secret (keyclient.go).
	// Default: none.
	KeyClientID string
	// Users of the provider.
	Users []User
	// ParentOrigin, when set, turns on PathPostStepUp: a page on the
	// provider's origin that posts the redirect's {code, state} to the page
	// framing it, with exactly this target origin. This is how the peer
	// plays a BlockID tenant in the iframe step-up (ASSUMED from 1Kosmos'
	// integration material: the tenant's page answers its parent by
	// postMessage; the message shape is ours). Default: off (404).
	ParentOrigin string
	// LoginHint, when set, is shown (as text) at the top of the login page:
	// what the provider plays and which accounts to try, for a person
	// running a local demo (SetLoginHint changes it). Default: none.
	LoginHint string
}

// Peer is a running provider. All methods are safe for concurrent use.
type Peer struct {
	t      TB
	srv    *httptest.Server
	store  *peerStorage
	opts   Options
	issuer string

	opKey     *rsa.PrivateKey
	opKID     string
	authority *rsa.PrivateKey

	forgeOnce sync.Once
	forgeKey  *rsa.PrivateKey
	forgeErr  error

	browser *http.Transport
	stop    chan struct{}

	mu        sync.Mutex
	loginHint string
	mutator   func(string) string
	// private_key_jwt (clientkeys.go)
	assertionMutator func(string) string
	assertions       []string
	refusals         []string
	usedJTI          map[string]time.Time
	fault            Fault
	calls            map[string]int
	rotated          []jose.JSONWebKey // public keys added by RotateSigningKey
}

// Start runs the provider on 127.0.0.1 with issuer = its base URL and stops
// it in t.Cleanup.
func Start(t TB, opts Options) *Peer {
	t.Helper()
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	srv := httptest.NewUnstartedServer(nil) // listens on 127.0.0.1:0
	issuer := "http://" + srv.Listener.Addr().String()
	switch {
	case opts.RedirectURI != "":
	case len(opts.RedirectURIs) > 0:
		opts.RedirectURI = opts.RedirectURIs[0]
	case opts.ParentOrigin != "":
		opts.RedirectURI = issuer + PathPostStepUp
	default:
		opts.RedirectURI = DefaultRedirectURI
	}

	users := newUserStore(opts.Users)
	redirects := []string{opts.RedirectURI}
	for _, u := range opts.RedirectURIs {
		if !slices.Contains(redirects, u) {
			redirects = append(redirects, u)
		}
	}
	opts.RedirectURIs = redirects
	store := newPeerStorage(users, opts.ClientID, opts.ClientSecret, redirects, opts.KeyClientID)

	sk, err := store.SigningKey(t.Context())
	if err != nil {
		t.Fatalf("oidcpeer: signing key: %v", err)
	}
	opKey, ok := sk.Key().(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("oidcpeer: unexpected signing key type %T", sk.Key())
	}
	authority, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("oidcpeer: authority key: %v", err)
	}

	p := &Peer{
		t:         t,
		srv:       srv,
		store:     store,
		opts:      opts,
		issuer:    issuer,
		opKey:     opKey,
		opKID:     sk.ID(),
		authority: authority,
		browser:   &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second},
		stop:      make(chan struct{}),
		calls:     map[string]int{},
		usedJTI:   map[string]time.Time{},
		loginHint: opts.LoginHint,
	}
	// exampleop serves the zitadel OP plus its login UI under /login/. Its
	// authorization endpoint is moved back from /auth to zitadel's default.
	router := exampleop.SetupServer(issuer, store, nil, false,
		op.WithCustomAuthEndpoint(op.NewEndpoint("authorize")))
	srv.Config.Handler = p.front(router)
	srv.Start()

	t.Cleanup(func() {
		close(p.stop) // releases hanging token requests
		srv.Close()
		p.browser.CloseIdleConnections()
	})
	return p
}

// Issuer is the provider's issuer (its base URL, http://127.0.0.1:PORT).
func (p *Peer) Issuer() string { return p.issuer }

// AuthorizeURL is the authorization endpoint.
func (p *Peer) AuthorizeURL() string { return p.issuer + PathAuthorize }

// TokenURL is the token endpoint.
func (p *Peer) TokenURL() string { return p.issuer + PathToken }

// JWKSURL is the JWKS endpoint.
func (p *Peer) JWKSURL() string { return p.issuer + PathJWKS }

// ClientID of the registered client.
func (p *Peer) ClientID() string { return p.opts.ClientID }

// ClientSecret the client was registered with (not the rotated one).
func (p *Peer) ClientSecret() string { return p.opts.ClientSecret }

// RedirectURI registered for the client (the first of RedirectURIs).
func (p *Peer) RedirectURI() string { return p.opts.RedirectURI }

// RedirectURIs are all the redirect URIs registered for the client,
// RedirectURI first.
func (p *Peer) RedirectURIs() []string { return slices.Clone(p.opts.RedirectURIs) }

// SetLoginHint replaces Options.LoginHint ("" shows none).
func (p *Peer) SetLoginHint(hint string) {
	p.mu.Lock()
	p.loginHint = hint
	p.mu.Unlock()
}

func (p *Peer) hint() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.loginHint
}

// SigningKeyID is the kid of the provider's own signing key.
func (p *Peer) SigningKeyID() string { return p.opKID }

// RotateClientSecret makes the token endpoint accept only secret from now on.
func (p *Peer) RotateClientSecret(secret string) { p.store.setSecret(secret) }

// SetUserACR changes the acr a user's next ID tokens carry. It reports
// whether the user exists.
func (p *Peer) SetUserACR(username, acr string) bool { return p.store.users.setACR(username, acr) }

// Calls returns a copy of the request counts per endpoint (Endpoint*).
func (p *Peer) Calls() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.calls)
}

// ResetCalls zeroes the request counts.
func (p *Peer) ResetCalls() {
	p.mu.Lock()
	clear(p.calls)
	p.mu.Unlock()
}
