package stepup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/cognitobridge/cognitobridge/lambdas/clientassert"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/deadline"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/oidcrp"
)

// SecretSource yields the raw JSON of the provider secret
// (contract.ProviderSecret). *secretcache.Cache satisfies it.
type SecretSource interface {
	// Value returns the secret JSON, possibly cached.
	Value(ctx context.Context) (string, error)
	// Invalidate drops any cached value.
	Invalidate()
}

type staticSecret string

func (s staticSecret) Value(context.Context) (string, error) { return string(s), nil }
func (staticSecret) Invalidate()                             {}

// StaticSecret returns a SecretSource that always yields s; for tests and
// local runs.
func StaticSecret(s contract.ProviderSecret) SecretSource {
	b, _ := json.Marshal(s)
	return staticSecret(b)
}

// NewHTTPClient returns the client used for discovery, JWKS and the token
// endpoint: bounded by timeout and never following redirects (a redirect
// must not carry the client credentials elsewhere); oidcrp.NewHTTPClient.
func NewHTTPClient(timeout time.Duration) *http.Client { return oidcrp.NewHTTPClient(timeout) }

// parseSecret decodes the provider secret; clientSecret is required.
func parseSecret(raw string) (contract.ProviderSecret, error) {
	var s contract.ProviderSecret
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return contract.ProviderSecret{}, errors.New("secret is not a JSON object of the expected shape")
	}
	if s.ClientSecret == "" { // private_key_jwt never reads a secret
		return contract.ProviderSecret{}, errors.New("secret has no clientSecret")
	}
	return s, nil
}

var (
	tenantDNSRe = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(:[0-9]{1,5})?$`)
	communityRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
)

// resolved is the provider configuration of one invocation: Config plus
// the secret. Discovery may still fill authorizeURL, tokenURL or jwksURL.
type resolved struct {
	issuer       string
	authorizeURL string
	tokenURL     string
	jwksURL      string
	clientID     string
	clientSecret string
	redirectURI  string
	tenantDNS    string
	community    string
}

// resolve combines cfg and the secret without any network call.
func resolve(cfg Config, sec contract.ProviderSecret) (resolved, error) {
	r := resolved{
		issuer:       cfg.Issuer,
		authorizeURL: cfg.AuthorizeURL,
		tokenURL:     cfg.TokenURL,
		jwksURL:      cfg.JWKSURL,
		clientID:     cfg.ClientID,
		clientSecret: sec.ClientSecret,
		redirectURI:  cfg.RedirectURI,
	}
	if sec.ClientID != "" {
		r.clientID = sec.ClientID
	}
	if r.clientID == "" {
		return resolved{}, errors.New("no client id in secret or configuration")
	}
	if cfg.Provider == contract.ProviderBlockID {
		if !tenantDNSRe.MatchString(sec.TenantDNS) || strings.Contains(sec.TenantDNS, "..") {
			return resolved{}, errors.New("secret tenantDns missing or not a host name")
		}
		if !communityRe.MatchString(sec.Community) || strings.Contains(sec.Community, "..") {
			return resolved{}, errors.New("secret community missing or not a plain name")
		}
		r.tenantDNS, r.community = sec.TenantDNS, sec.Community
		base := "https://" + sec.TenantDNS + "/oauth2/community/" + sec.Community + "/v1/"
		if r.issuer == "" {
			r.issuer = strings.TrimSuffix(base, "/")
		}
		if r.authorizeURL == "" {
			r.authorizeURL = base + "authorize"
		}
		if r.tokenURL == "" {
			r.tokenURL = base + "token"
		}
		if r.redirectURI == "" {
			r.redirectURI = "https://" + sec.TenantDNS + "/admin/" + sec.Community + "/post_stepup"
		}
	}
	if r.issuer == "" || r.redirectURI == "" {
		return resolved{}, errors.New("issuer or redirect URI unresolved")
	}
	return r, nil
}

type discovered struct {
	authorizeURL, tokenURL, jwksURL string
	// clientAuth is what the document says about token endpoint client
	// authentication (checked in private_key_jwt mode).
	clientAuth clientassert.Discovery
}

// providerCache holds per-container discovery results and key sets. A
// failed discovery is not cached. Safe for concurrent use.
type providerCache struct {
	client *http.Client
	sem    chan struct{}

	mu      sync.Mutex
	docs    map[string]discovered
	keySets map[string]*oidc.RemoteKeySet
}

func newProviderCache(client *http.Client) *providerCache {
	return &providerCache{
		client:  client,
		sem:     make(chan struct{}, 1),
		docs:    map[string]discovered{},
		keySets: map[string]*oidc.RemoteKeySet{},
	}
}

func (p *providerCache) cachedDoc(issuer string) (discovered, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.docs[issuer]
	return d, ok
}

// discover returns the endpoints of issuer via OIDC discovery (go-oidc,
// which checks that the document's issuer equals issuer).
func (p *providerCache) discover(ctx context.Context, issuer string) (discovered, error) {
	if d, ok := p.cachedDoc(issuer); ok {
		return d, nil
	}
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return discovered{}, ctx.Err()
	}
	defer func() { <-p.sem }()
	if d, ok := p.cachedDoc(issuer); ok {
		return d, nil
	}
	prov, err := oidc.NewProvider(oidc.ClientContext(ctx, p.client), issuer)
	if err != nil {
		return discovered{}, fmt.Errorf("discovery: %w", err)
	}
	var extra struct {
		JWKSURL string `json:"jwks_uri"`
		clientassert.Discovery
	}
	if err := prov.Claims(&extra); err != nil {
		return discovered{}, fmt.Errorf("discovery claims: %w", err)
	}
	ep := prov.Endpoint()
	d := discovered{authorizeURL: ep.AuthURL, tokenURL: ep.TokenURL, jwksURL: extra.JWKSURL, clientAuth: extra.Discovery}
	if err := oidcrp.CheckDiscovered(d.authorizeURL, d.tokenURL, d.jwksURL); err != nil {
		return discovered{}, err
	}
	p.mu.Lock()
	p.docs[issuer] = d
	p.mu.Unlock()
	return d, nil
}

// needed names the endpoints a handler cannot work without.
type needed struct{ authorize, token, jwks bool }

// complete fills the endpoints r lacks from discovery, asking only for
// what is needed.
func (p *providerCache) complete(ctx context.Context, r *resolved, need needed) error {
	if (!need.authorize || r.authorizeURL != "") && (!need.token || r.tokenURL != "") && (!need.jwks || r.jwksURL != "") {
		return nil
	}
	d, err := p.discover(ctx, r.issuer)
	if err != nil {
		return err
	}
	if r.authorizeURL == "" {
		r.authorizeURL = d.authorizeURL
	}
	if r.tokenURL == "" {
		r.tokenURL = d.tokenURL
	}
	if r.jwksURL == "" {
		r.jwksURL = d.jwksURL
	}
	if (need.authorize && r.authorizeURL == "") || (need.token && r.tokenURL == "") || (need.jwks && r.jwksURL == "") {
		return errors.New("discovery document lacks a needed endpoint")
	}
	return nil
}

// keySet returns the cached remote key set for jwksURL. Its background
// fetches use p.client, whose timeout bounds them.
func (p *providerCache) keySet(jwksURL string) *oidc.RemoteKeySet {
	p.mu.Lock()
	defer p.mu.Unlock()
	ks, ok := p.keySets[jwksURL]
	if !ok {
		ks = oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), p.client), jwksURL)
		p.keySets[jwksURL] = ks
	}
	return ks
}

// deadlineMargin is kept back from the Lambda deadline.
const deadlineMargin = 300 * time.Millisecond

// budgetContext bounds every upstream call of one invocation:
// min(lambda deadline - deadlineMargin, now + budget).
func budgetContext(ctx context.Context, budget time.Duration) (context.Context, context.CancelFunc) {
	if budget <= 0 {
		budget = DefaultBudget
	}
	return deadline.Context(ctx, deadlineMargin, budget)
}

// authStyle maps the configured method; never auto-detect. With
// private_key_jwt the client id goes in the body beside the assertion, and
// the secret is empty (oauth2 then sends none).
func authStyle(method string) oauth2.AuthStyle {
	if method == contract.TokenAuthPost || method == contract.TokenAuthPrivateKeyJWT {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleInHeader
}
