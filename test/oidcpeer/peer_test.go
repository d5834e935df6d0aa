package oidcpeer_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

const redirectURI = "https://tenant.example.com/admin/community/post_stepup"

var users = []oidcpeer.User{
	{Username: "alice", Password: "alice-pw", Email: "Alice@Example.com", EmailVerified: true, ACR: "liveID push"},
	{Username: "bob", Password: "bob-pw", Email: "bob@example.com", EmailVerified: false, ACR: "otp sms"},
}

func start(t *testing.T) *oidcpeer.Peer {
	t.Helper()
	return oidcpeer.Start(t, oidcpeer.Options{
		ClientID:     "client-1",
		ClientSecret: "secret-1",
		RedirectURI:  redirectURI,
		Users:        users,
	})
}

// rp is a relying party built only from go-oidc and x/oauth2.
type rp struct {
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	conf     oauth2.Config
	ctx      context.Context
}

func newRP(t *testing.T, p *oidcpeer.Peer, style oauth2.AuthStyle, secret string) *rp {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	ctx = oidc.ClientContext(ctx, hc)
	provider, err := oidc.NewProvider(ctx, p.Issuer())
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	ep := provider.Endpoint()
	ep.AuthStyle = style
	return &rp{
		provider: provider,
		verifier: provider.Verifier(&oidc.Config{ClientID: p.ClientID()}),
		conf: oauth2.Config{
			ClientID:     p.ClientID(),
			ClientSecret: secret,
			Endpoint:     ep,
			RedirectURL:  p.RedirectURI(),
			Scopes:       []string{oidc.ScopeOpenID, "email"},
		},
		ctx: ctx,
	}
}

type session struct {
	code, state, nonce, verifier string
}

func (r *rp) signIn(t *testing.T, p *oidcpeer.Peer, username, password string) session {
	t.Helper()
	s := session{state: "st-" + oauth2.GenerateVerifier()[:12], nonce: "n-" + oauth2.GenerateVerifier()[:16], verifier: oauth2.GenerateVerifier()}
	u := r.conf.AuthCodeURL(s.state, oidc.Nonce(s.nonce), oauth2.S256ChallengeOption(s.verifier))
	code, state, err := p.BrowserLogin(r.ctx, u, username, password)
	if err != nil {
		t.Fatalf("BrowserLogin: %v", err)
	}
	if state != s.state {
		t.Fatalf("state = %q, want %q", state, s.state)
	}
	s.code = code
	return s
}

func (r *rp) exchange(s session) (*oauth2.Token, error) {
	return r.conf.Exchange(r.ctx, s.code, oauth2.VerifierOption(s.verifier))
}

func rawIDToken(t *testing.T, tok *oauth2.Token) string {
	t.Helper()
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		t.Fatal("token response has no id_token")
	}
	return raw
}

type claims struct {
	Iss           string `json:"iss"`
	Sub           string `json:"sub"`
	Nonce         string `json:"nonce"`
	ACR           string `json:"acr"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	Username      string `json:"username"`
}

func TestDiscovery(t *testing.T) {
	p := start(t)
	r := newRP(t, p, oauth2.AuthStyleInHeader, "secret-1")
	var meta struct {
		Issuer     string   `json:"issuer"`
		Auth       string   `json:"authorization_endpoint"`
		Token      string   `json:"token_endpoint"`
		JWKS       string   `json:"jwks_uri"`
		Methods    []string `json:"token_endpoint_auth_methods_supported"`
		PKCE       []string `json:"code_challenge_methods_supported"`
		SigningAlg []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := r.provider.Claims(&meta); err != nil {
		t.Fatal(err)
	}
	if meta.Issuer != p.Issuer() || !strings.HasPrefix(p.Issuer(), "http://127.0.0.1:") {
		t.Errorf("issuer = %q (peer %q)", meta.Issuer, p.Issuer())
	}
	if meta.Auth != p.AuthorizeURL() || meta.Token != p.TokenURL() || meta.JWKS != p.JWKSURL() {
		t.Errorf("endpoints = %s %s %s", meta.Auth, meta.Token, meta.JWKS)
	}
	for _, want := range []string{"client_secret_basic", "client_secret_post"} {
		if !contains(meta.Methods, want) {
			t.Errorf("token_endpoint_auth_methods_supported %v lacks %s", meta.Methods, want)
		}
	}
	if !contains(meta.PKCE, "S256") {
		t.Errorf("code_challenge_methods_supported = %v", meta.PKCE)
	}
	if got := p.Calls()[oidcpeer.EndpointDiscovery]; got != 1 {
		t.Errorf("discovery calls = %d, want 1", got)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestCodeFlow(t *testing.T) {
	for _, tc := range []struct {
		name  string
		style oauth2.AuthStyle
	}{
		{"client_secret_basic", oauth2.AuthStyleInHeader},
		{"client_secret_post", oauth2.AuthStyleInParams},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := start(t)
			r := newRP(t, p, tc.style, "secret-1")
			s := r.signIn(t, p, "alice", "alice-pw")
			c := redeemAs[claims](t, r, s)
			want := claims{Iss: p.Issuer(), Sub: "sub-alice", Nonce: s.nonce, ACR: "liveID push",
				Email: "Alice@Example.com", EmailVerified: true, Username: "alice"}
			if c != want {
				t.Errorf("claims = %+v\nwant     %+v", c, want)
			}
			calls := p.Calls()
			if calls[oidcpeer.EndpointToken] != 1 || calls[oidcpeer.EndpointJWKS] != 1 || calls[oidcpeer.EndpointAuthorize] != 1 {
				t.Errorf("calls = %v", calls)
			}
		})
	}
}

func TestSecondUserAndACRChange(t *testing.T) {
	p := start(t)
	r := newRP(t, p, oauth2.AuthStyleInHeader, "secret-1")
	if !p.SetUserACR("bob", "otp email") {
		t.Fatal("SetUserACR: bob not found")
	}
	c := redeemAs[claims](t, r, r.signIn(t, p, "bob", "bob-pw"))
	if c.Username != "bob" || c.ACR != "otp email" || c.EmailVerified {
		t.Errorf("claims = %+v", c)
	}
}

func TestWrongPasswordRefused(t *testing.T) {
	p := start(t)
	r := newRP(t, p, oauth2.AuthStyleInHeader, "secret-1")
	u := r.conf.AuthCodeURL("s", oidc.Nonce("n"), oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	if _, _, err := p.BrowserLogin(r.ctx, u, "alice", "wrong"); err == nil || !strings.Contains(err.Error(), "login refused") {
		t.Fatalf("err = %v, want login refused", err)
	}
}

func TestCodeReplayRefused(t *testing.T) {
	p := start(t)
	r := newRP(t, p, oauth2.AuthStyleInHeader, "secret-1")
	s := r.signIn(t, p, "alice", "alice-pw")
	if _, err := r.exchange(s); err != nil {
		t.Fatalf("first exchange: %v", err)
	}
	_, err := r.exchange(s)
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("second exchange: err = %v, want invalid_grant", err)
	}
}

func TestPKCEAndSecretEnforced(t *testing.T) {
	p := start(t)
	r := newRP(t, p, oauth2.AuthStyleInHeader, "secret-1")
	s := r.signIn(t, p, "alice", "alice-pw")
	s.verifier = oauth2.GenerateVerifier()
	if _, err := r.exchange(s); err == nil {
		t.Fatal("exchange with the wrong PKCE verifier succeeded")
	}

	s = r.signIn(t, p, "alice", "alice-pw")
	bad := newRP(t, p, oauth2.AuthStyleInHeader, "not-the-secret")
	_, err := bad.conf.Exchange(bad.ctx, s.code, oauth2.VerifierOption(s.verifier))
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
		t.Fatalf("wrong secret: err = %v, want invalid_client", err)
	}

	p.RotateClientSecret("secret-2")
	s = r.signIn(t, p, "alice", "alice-pw")
	if _, err := r.exchange(s); err == nil {
		t.Fatal("old secret accepted after rotation")
	}
	rotated := newRP(t, p, oauth2.AuthStyleInParams, "secret-2")
	if _, err := rotated.conf.Exchange(rotated.ctx, s.code, oauth2.VerifierOption(s.verifier)); err != nil {
		t.Fatalf("new secret refused after rotation: %v", err)
	}
}

// mutated signs alice in and returns the raw id_token the token endpoint
// gives under mutator m, with the nonce of the session.
func mutated(t *testing.T, p *oidcpeer.Peer, r *rp, m func(string) string) (string, session) {
	t.Helper()
	p.SetTokenMutator(m)
	t.Cleanup(func() { p.SetTokenMutator(nil) })
	s := r.signIn(t, p, "alice", "alice-pw")
	tok, err := r.exchange(s)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return rawIDToken(t, tok), s
}

func TestMutatorsRefusedByGoOIDC(t *testing.T) {
	p := start(t)
	r := newRP(t, p, oauth2.AuthStyleInHeader, "secret-1")
	for _, tc := range []struct {
		name    string
		m       func(string) string
		wantAlg string
	}{
		{"forged signature", p.ForgeSignature(), "RS256"},
		{"alg none", p.AlgNone(), "none"},
		{"HS256 PEM", p.HS256WithPublicKey(oidcpeer.KeyPEM), "HS256"},
		{"HS256 DER", p.HS256WithPublicKey(oidcpeer.KeyDER), "HS256"},
		{"HS256 JWK", p.HS256WithPublicKey(oidcpeer.KeyJWK), "HS256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := mutated(t, p, r, tc.m)
			hdr := header(t, raw)
			if hdr["alg"] != tc.wantAlg || hdr["kid"] != p.SigningKeyID() {
				t.Errorf("header = %v, want alg %s kid %s", hdr, tc.wantAlg, p.SigningKeyID())
			}
			wantRefused(t, r, r.verifier, raw)
		})
	}

	hs256Confusion(t, p, r)
}

// hs256Confusion runs the real confusion attack: HMAC over the served public
// key verifies the HS256 tokens, yet go-oidc refuses them even when told to
// accept HS256, because its keys are RSA keys from the JWKS.
func hs256Confusion(t *testing.T, p *oidcpeer.Peer, r *rp) {
	lax := r.provider.Verifier(&oidc.Config{ClientID: p.ClientID(), SupportedSigningAlgs: []string{"RS256", "HS256"}})
	for _, form := range []oidcpeer.KeyForm{oidcpeer.KeyPEM, oidcpeer.KeyDER, oidcpeer.KeyJWK} {
		t.Run("HS256 "+form.String()+" with HS256 allowed", func(t *testing.T) {
			raw, _ := mutated(t, p, r, p.HS256WithPublicKey(form))
			key, err := p.PublicKeyBytes(form)
			if err != nil {
				t.Fatal(err)
			}
			jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.HS256})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jws.Verify(key); err != nil {
				t.Fatalf("HMAC over the %s public key does not verify the token: %v", form, err)
			}
			wantRefused(t, r, lax, raw)
		})
	}
}

// wantRefused fails the test if v accepts raw.
func wantRefused(t *testing.T, r *rp, v *oidc.IDTokenVerifier, raw string) {
	t.Helper()
	if _, err := v.Verify(r.ctx, raw); err == nil {
		t.Fatal("go-oidc accepted the token")
	} else {
		t.Logf("refused: %v", err)
	}
}

func header(t *testing.T, raw string) map[string]any {
	t.Helper()
	seg, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	var h map[string]any
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatalf("header: %v", err)
	}
	return h
}

func TestResignWithClaims(t *testing.T) {
	p := start(t)
	r := newRP(t, p, oauth2.AuthStyleInHeader, "secret-1")

	t.Run("unchanged claims verify", func(t *testing.T) {
		raw, s := mutated(t, p, r, p.ResignWithClaims(nil))
		if h := header(t, raw); h["kid"] != oidcpeer.AuthorityKeyID {
			t.Errorf("kid = %v", h["kid"])
		}
		idt, err := r.verifier.Verify(r.ctx, raw)
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if idt.Nonce != s.nonce {
			t.Errorf("nonce = %q", idt.Nonce)
		}
	})

	// Accepted by the signature and go-oidc's own checks, wrong in content:
	// only the relying party's claim checks can refuse these.
	for _, tc := range []struct {
		name  string
		edit  func(map[string]any)
		check func(c claims, s session) bool
	}{
		{"other user's username and email", func(m map[string]any) { m["username"] = "bob"; m["email"] = "bob@example.com" },
			func(c claims, _ session) bool { return c.Username == "bob" && c.Email == "bob@example.com" }},
		{"low acr", func(m map[string]any) { m["acr"] = "pwd" },
			func(c claims, _ session) bool { return c.ACR == "pwd" }},
		{"wrong nonce", func(m map[string]any) { m["nonce"] = "attacker-nonce" },
			func(c claims, s session) bool { return c.Nonce == "attacker-nonce" && s.nonce != c.Nonce }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, s := mutated(t, p, r, p.ResignWithClaims(tc.edit))
			idt, err := r.verifier.Verify(r.ctx, raw)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			var c claims
			_ = idt.Claims(&c)
			if !tc.check(c, s) {
				t.Errorf("claims = %+v", c)
			}
		})
	}

	// go-oidc checks these itself.
	for _, tc := range []struct {
		name string
		edit func(map[string]any)
	}{
		{"wrong iss", func(m map[string]any) { m["iss"] = "https://evil.example.com" }},
		{"wrong aud", func(m map[string]any) { m["aud"] = []string{"other-client"} }},
		{"expired", func(m map[string]any) { m["exp"] = time.Now().Add(-time.Hour).Unix() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := mutated(t, p, r, p.ResignWithClaims(tc.edit))
			wantRefused(t, r, r.verifier, raw)
		})
	}

	hs256Confusion(t, p, r)
}

func TestTokenFaults(t *testing.T) {
	p := start(t)
	r := newRP(t, p, oauth2.AuthStyleInHeader, "secret-1")

	t.Run("HTTP 500", func(t *testing.T) {
		p.SetTokenEndpointFault(oidcpeer.Fault{Kind: oidcpeer.FaultHTTP500, Times: 1})
		s := r.signIn(t, p, "alice", "alice-pw")
		_, err := r.exchange(s)
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.Response.StatusCode != http.StatusInternalServerError {
			t.Fatalf("err = %v, want a 500", err)
		}
		if _, err := r.exchange(s); err != nil {
			t.Fatalf("after the fault: %v", err)
		}
	})

	t.Run("invalid_client twice then ok", func(t *testing.T) {
		p.SetTokenEndpointFault(oidcpeer.Fault{Kind: oidcpeer.FaultInvalidClient, Times: 2})
		s := r.signIn(t, p, "alice", "alice-pw")
		before := p.Calls()[oidcpeer.EndpointToken]
		for i := 0; i < 2; i++ {
			_, err := r.exchange(s)
			var re *oauth2.RetrieveError
			if !errors.As(err, &re) || re.Response.StatusCode != http.StatusUnauthorized || re.ErrorCode != "invalid_client" {
				t.Fatalf("attempt %d: err = %v, want 401 invalid_client", i, err)
			}
		}
		if _, err := r.exchange(s); err != nil {
			t.Fatalf("third attempt: %v", err)
		}
		if got := p.Calls()[oidcpeer.EndpointToken] - before; got != 3 {
			t.Errorf("token calls = %d, want 3", got)
		}
	})

	t.Run("hang until the client gives up", func(t *testing.T) {
		p.SetTokenEndpointFault(oidcpeer.Fault{Kind: oidcpeer.FaultHang})
		defer p.SetTokenEndpointFault(oidcpeer.Fault{})
		s := r.signIn(t, p, "alice", "alice-pw")
		ctx, cancel := context.WithTimeout(r.ctx, 300*time.Millisecond)
		defer cancel()
		started := time.Now()
		_, err := r.conf.Exchange(ctx, s.code, oauth2.VerifierOption(s.verifier))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want deadline exceeded", err)
		}
		if d := time.Since(started); d > 2*time.Second {
			t.Errorf("gave up after %v", d)
		}
	})
}

// TestHangReleasedByCleanup: a request hanging with no deadline of its own
// is released when the peer stops, so Cleanup neither blocks nor leaks.
func TestHangReleasedByCleanup(t *testing.T) {
	done := make(chan error, 1)
	t.Run("peer", func(t *testing.T) {
		p := start(t)
		p.SetTokenEndpointFault(oidcpeer.Fault{Kind: oidcpeer.FaultHang})
		tr := &http.Transport{}
		t.Cleanup(tr.CloseIdleConnections)
		go func() {
			resp, err := (&http.Client{Transport: tr}).PostForm(p.TokenURL(), map[string][]string{"grant_type": {"authorization_code"}, "code": {"x"}})
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
		deadline := time.Now().Add(5 * time.Second)
		for p.Calls()[oidcpeer.EndpointToken] == 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	})
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("hanging request not released by Cleanup")
	}
}

// TestNoGoroutineLeak: a full flow, a hostile token and a hanging token
// request leave no goroutine behind once the peer's Cleanup ran.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("peer", func(t *testing.T) {
		p := start(t)
		r := newRP(t, p, oauth2.AuthStyleInParams, "secret-1")
		raw, _ := mutated(t, p, r, p.ForgeSignature())
		if _, err := r.verifier.Verify(r.ctx, raw); err == nil {
			t.Error("forged token accepted")
		}
		p.SetTokenEndpointFault(oidcpeer.Fault{Kind: oidcpeer.FaultHang})
		s := r.signIn(t, p, "alice", "alice-pw")
		go func() { _, _ = r.exchange(s) }() // no deadline but r.ctx's 15 s
		for p.Calls()[oidcpeer.EndpointToken] < 2 {
			time.Sleep(5 * time.Millisecond)
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// TestBlockIDStyleRequest: the authorize parameters BlockID's step-up sends
// (a claims request for acr and username, acr_values) are accepted.
func TestBlockIDStyleRequest(t *testing.T) {
	p := start(t)
	r := newRP(t, p, oauth2.AuthStyleInHeader, "secret-1")
	r.conf.Scopes = []string{oidc.ScopeOpenID}
	verifier := oauth2.GenerateVerifier()
	u := r.conf.AuthCodeURL("st", oidc.Nonce("nn"), oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("claims", `{"id_token":{"acr":{"essential":true,"values":["liveID push","otp sms"]},"username":{"essential":true}}}`),
		oauth2.SetAuthURLParam("acr_values", "liveID push"))
	code, _, err := p.BrowserLogin(r.ctx, u, "alice", "alice-pw")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := r.conf.Exchange(r.ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	idt, err := r.verifier.Verify(r.ctx, rawIDToken(t, tok))
	if err != nil {
		t.Fatal(err)
	}
	var c claims
	_ = idt.Claims(&c)
	if c.Username != "alice" || c.ACR != "liveID push" || c.Email != "" || c.Nonce != "nn" {
		t.Errorf("claims = %+v (scope openid only: no email)", c)
	}
}

// authURL is a fresh authorization URL (state, nonce, PKCE) with extra
// parameters, and the session to redeem its code with.
func (r *rp) authURL(extra ...oauth2.AuthCodeOption) (string, session) {
	s := session{state: "st-" + oauth2.GenerateVerifier()[:12], nonce: "n-" + oauth2.GenerateVerifier()[:16], verifier: oauth2.GenerateVerifier()}
	opts := append([]oauth2.AuthCodeOption{oidc.Nonce(s.nonce), oauth2.S256ChallengeOption(s.verifier)}, extra...)
	return r.conf.AuthCodeURL(s.state, opts...), s
}

type timedClaims struct {
	Sub      string `json:"sub"`
	Nonce    string `json:"nonce"`
	AuthTime *int64 `json:"auth_time"`
	IAT      int64  `json:"iat"`
}

// redeemAs exchanges s's code and returns the verified ID token's claims as C.
func redeemAs[C any](t *testing.T, r *rp, s session) C {
	t.Helper()
	tok, err := r.exchange(s)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	idt, err := r.verifier.Verify(r.ctx, rawIDToken(t, tok))
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	var c C
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// redeem exchanges s's code and returns the verified ID token's claims; the
// token must carry auth_time.
func (r *rp) redeem(t *testing.T, s session) timedClaims {
	t.Helper()
	c := redeemAs[timedClaims](t, r, s)
	if c.AuthTime == nil {
		t.Fatal("ID token has no auth_time")
	}
	if c.Nonce != s.nonce {
		t.Errorf("nonce = %q, want %q", c.Nonce, s.nonce)
	}
	return c
}

var (
	promptLogin = oauth2.SetAuthURLParam("prompt", "login")
	promptNone  = oauth2.SetAuthURLParam("prompt", "none")
	maxAge0     = oauth2.SetAuthURLParam("max_age", "0")
)

// TestAuthTimeIsLoginTime: every ID token carries auth_time, the time the
// password was checked, which the peer records as the user's last login.
func TestAuthTimeIsLoginTime(t *testing.T) {
	p := start(t)
	r := newRP(t, p, oauth2.AuthStyleInHeader, "secret-1")
	if _, ok := p.LastLogin("alice"); ok {
		t.Fatal("LastLogin before any login")
	}
	before := time.Now()
	s := r.signIn(t, p, "alice", "alice-pw")
	after := time.Now()
	last, ok := p.LastLogin("alice")
	if !ok || last.Before(before) || last.After(after) {
		t.Fatalf("LastLogin = %v, %v; want within [%v, %v]", last, ok, before, after)
	}
	time.Sleep(1100 * time.Millisecond) // the exchange is later than the login
	c := r.redeem(t, s)
	if d := *c.AuthTime - last.Unix(); d < -1 || d > 1 {
		t.Errorf("auth_time = %d, login at %d", *c.AuthTime, last.Unix())
	}
	if *c.AuthTime >= c.IAT {
		t.Errorf("auth_time %d not before iat %d: auth_time is not the login time", *c.AuthTime, c.IAT)
	}
	if _, ok := p.LastLogin("bob"); ok {
		t.Error("bob has a LastLogin without logging in")
	}
}

// TestWarmSession: a warm provider session answers a script's authorize
// request without the login page, with the session's old auth_time; a
// compliant provider honours prompt=login and max_age, a non-compliant one
// does not.
func TestWarmSession(t *testing.T) {
	p := start(t)
	r := newRP(t, p, oauth2.AuthStyleInHeader, "secret-1")
	first := r.redeem(t, r.signIn(t, p, "alice", "alice-pw"))
	time.Sleep(1100 * time.Millisecond)
	challengeCreated := time.Now() // what a step-up would compare auth_time with

	silent := func(t *testing.T, extra ...oauth2.AuthCodeOption) timedClaims {
		t.Helper()
		u, s := r.authURL(extra...)
		before := p.Calls()[oidcpeer.EndpointSilent]
		code, state, err := p.SilentAuthorize(r.ctx, u)
		if err != nil {
			t.Fatalf("SilentAuthorize: %v", err)
		}
		if state != s.state {
			t.Errorf("state = %q, want %q", state, s.state)
		}
		if got := p.Calls()[oidcpeer.EndpointSilent] - before; got != 1 {
			t.Errorf("silent answers = %d, want 1", got)
		}
		s.code = code
		return r.redeem(t, s)
	}
	refused := func(t *testing.T, extra ...oauth2.AuthCodeOption) {
		t.Helper()
		u, _ := r.authURL(extra...)
		code, _, err := p.SilentAuthorize(r.ctx, u)
		if !errors.Is(err, oidcpeer.ErrLoginRequired) {
			t.Fatalf("SilentAuthorize = code %q, err %v; want ErrLoginRequired", code, err)
		}
		t.Logf("refused: %v", err)
	}

	t.Run("no session", func(t *testing.T) {
		refused(t)
		refused(t, promptNone)
	})

	t.Run("non-compliant provider ignores prompt and max_age", func(t *testing.T) {
		p.SetWarmSession("alice", false)
		defer p.ClearWarmSession()
		for name, extra := range map[string][]oauth2.AuthCodeOption{
			"plain":                {},
			"prompt=login":         {promptLogin},
			"max_age=0":            {maxAge0},
			"prompt=login&max_age": {promptLogin, maxAge0},
			"prompt=none":          {promptNone},
		} {
			t.Run(name, func(t *testing.T) {
				c := silent(t, extra...)
				if c.Sub != "sub-alice" || *c.AuthTime != *first.AuthTime {
					t.Errorf("sub %q auth_time %d, want sub-alice and the old %d", c.Sub, *c.AuthTime, *first.AuthTime)
				}
				if *c.AuthTime >= challengeCreated.Unix() {
					t.Errorf("auth_time %d not before the challenge (%d): the defence could not tell", *c.AuthTime, challengeCreated.Unix())
				}
			})
		}
		if last, _ := p.LastLogin("alice"); last.Unix() != *first.AuthTime {
			t.Errorf("a silent answer moved LastLogin to %v", last)
		}
	})

	t.Run("compliant provider", func(t *testing.T) {
		p.SetWarmSession("alice", true)
		defer p.ClearWarmSession()
		t.Run("prompt=login shows the login page", func(t *testing.T) { refused(t, promptLogin) })
		t.Run("max_age=0 shows the login page", func(t *testing.T) { refused(t, maxAge0) })
		t.Run("max_age shorter than the session", func(t *testing.T) {
			refused(t, oauth2.SetAuthURLParam("max_age", "1"))
		})
		for name, extra := range map[string][]oauth2.AuthCodeOption{
			"plain":                          {},
			"prompt=none":                    {promptNone},
			"max_age=3600 (session younger)": {oauth2.SetAuthURLParam("max_age", "3600")},
		} {
			t.Run(name+" answers silently", func(t *testing.T) {
				if c := silent(t, extra...); *c.AuthTime != *first.AuthTime {
					t.Errorf("auth_time %d, want the session's %d", *c.AuthTime, *first.AuthTime)
				}
			})
		}
		t.Run("prompt=login needs the password", func(t *testing.T) {
			u, _ := r.authURL(promptLogin, maxAge0)
			if _, _, err := p.BrowserLogin(r.ctx, u, "alice", "wrong"); err == nil || !strings.Contains(err.Error(), "login refused") {
				t.Fatalf("err = %v, want login refused", err)
			}
		})
		var fresh timedClaims
		t.Run("prompt=login re-authenticates", func(t *testing.T) {
			u, s := r.authURL(promptLogin, maxAge0)
			code, _, err := p.BrowserLogin(r.ctx, u, "alice", "alice-pw")
			if err != nil {
				t.Fatal(err)
			}
			s.code = code
			fresh = r.redeem(t, s)
			if *fresh.AuthTime < challengeCreated.Unix() {
				t.Errorf("auth_time %d before the challenge %d", *fresh.AuthTime, challengeCreated.Unix())
			}
		})
		t.Run("the session restarts at the new login", func(t *testing.T) {
			if fresh.AuthTime == nil {
				t.Skip("no fresh login")
			}
			if c := silent(t); *c.AuthTime != *fresh.AuthTime {
				t.Errorf("auth_time %d, want the new login's %d", *c.AuthTime, *fresh.AuthTime)
			}
		})
	})

	t.Run("cleared", func(t *testing.T) {
		p.SetWarmSession("alice", false)
		p.ClearWarmSession()
		refused(t)
		refused(t, promptNone)
		before := time.Now().Unix()
		c := r.redeem(t, r.signIn(t, p, "bob", "bob-pw"))
		if c.Sub != "sub-bob" || *c.AuthTime < before {
			t.Errorf("normal login: sub %q auth_time %d (started %d)", c.Sub, *c.AuthTime, before)
		}
	})
}

// TestWarmSessionWithoutLogin: a session of a user who never signed in at the
// peer starts when it is set.
func TestWarmSessionWithoutLogin(t *testing.T) {
	p := start(t)
	r := newRP(t, p, oauth2.AuthStyleInHeader, "secret-1")
	set := time.Now().Unix()
	p.SetWarmSession("bob", false)
	defer p.ClearWarmSession()
	u, s := r.authURL(promptLogin)
	code, _, err := p.SilentAuthorize(r.ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	s.code = code
	c := r.redeem(t, s)
	if c.Sub != "sub-bob" || *c.AuthTime < set || *c.AuthTime > time.Now().Unix() {
		t.Errorf("sub %q auth_time %d, want sub-bob at %d", c.Sub, *c.AuthTime, set)
	}
	if _, ok := p.LastLogin("bob"); ok {
		t.Error("a warm session counted as a login")
	}
}

// TestSeveralRedirectURIs: every registered redirect URI is accepted, each
// by exact match (the code is redeemed with the same one), and any other
// is refused before the login.
func TestSeveralRedirectURIs(t *testing.T) {
	const second = "https://app.example.com/callback.html"
	for _, tc := range []struct {
		name      string
		opts      oidcpeer.Options
		first     string
		registers []string
	}{
		{"RedirectURI and RedirectURIs", oidcpeer.Options{RedirectURI: redirectURI, RedirectURIs: []string{second, redirectURI}}, redirectURI, []string{redirectURI, second}},
		{"RedirectURIs only", oidcpeer.Options{RedirectURIs: []string{second, redirectURI}}, second, []string{second, redirectURI}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Users = users
			p := oidcpeer.Start(t, tc.opts)
			if p.RedirectURI() != tc.first || !slices.Equal(p.RedirectURIs(), tc.registers) {
				t.Fatalf("RedirectURI %q, RedirectURIs %q; want %q, %q", p.RedirectURI(), p.RedirectURIs(), tc.first, tc.registers)
			}
			for _, uri := range tc.registers {
				r := newRP(t, p, oauth2.AuthStyleInHeader, p.ClientSecret())
				r.conf.RedirectURL = uri
				tok, err := r.exchange(r.signIn(t, p, "alice", "alice-pw"))
				if err != nil {
					t.Fatalf("%s: exchange: %v", uri, err)
				}
				if _, err := r.verifier.Verify(r.ctx, rawIDToken(t, tok)); err != nil {
					t.Fatalf("%s: verify: %v", uri, err)
				}
			}
			// Exact match: a neighbour of a registered URI is refused.
			for _, uri := range []string{second + "x", "https://app.example.com/", strings.ToUpper(second)} {
				r := newRP(t, p, oauth2.AuthStyleInHeader, p.ClientSecret())
				r.conf.RedirectURL = uri
				u := r.conf.AuthCodeURL("s", oidc.Nonce("n"), oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
				if _, _, err := p.BrowserLogin(r.ctx, u, "alice", "alice-pw"); err == nil {
					t.Errorf("redirect URI %q accepted", uri)
				}
			}
			// A code issued for one URI is not redeemed for another.
			r := newRP(t, p, oauth2.AuthStyleInHeader, p.ClientSecret())
			r.conf.RedirectURL = tc.registers[0]
			s := r.signIn(t, p, "alice", "alice-pw")
			r.conf.RedirectURL = tc.registers[1]
			if _, err := r.exchange(s); err == nil {
				t.Error("a code redeemed with another registered redirect URI")
			}
		})
	}
}

// TestPerUserAMR: a user's AMR is the ID token's amr; without one it is
// the example's ["pwd"].
func TestPerUserAMR(t *testing.T) {
	p := oidcpeer.Start(t, oidcpeer.Options{RedirectURI: redirectURI, Users: []oidcpeer.User{
		{Username: "assured", Password: "pw", Email: "assured@example.com", EmailVerified: true, AMR: []string{"pwd", "liveid", "ial2"}},
		{Username: "plain", Password: "pw", Email: "plain@example.com", EmailVerified: true},
	}})
	r := newRP(t, p, oauth2.AuthStyleInHeader, p.ClientSecret())
	for user, want := range map[string][]string{"assured": {"pwd", "liveid", "ial2"}, "plain": {"pwd"}} {
		tok, err := r.exchange(r.signIn(t, p, user, "pw"))
		if err != nil {
			t.Fatal(err)
		}
		idt, err := r.verifier.Verify(r.ctx, rawIDToken(t, tok))
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			AMR []string `json:"amr"`
		}
		if err := idt.Claims(&c); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.AMR, want) {
			t.Errorf("%s: amr %q, want %q", user, c.AMR, want)
		}
	}
}

// TestLoginHint: a person running a local demo sees, on the login page,
// what the provider plays and whom to try, escaped as text; the sign-in
// through that page still works.
func TestLoginHint(t *testing.T) {
	const hint = `Local demo: plays <Mosaic> & friends; try alice / alice-pw`
	p := oidcpeer.Start(t, oidcpeer.Options{ClientID: "client-1", ClientSecret: "secret-1", RedirectURI: redirectURI, Users: users, LoginHint: hint})
	r := newRP(t, p, oauth2.AuthStyleInHeader, "secret-1")
	u := r.conf.AuthCodeURL("st-hint", oidc.Nonce("n-hint"), oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Jar: jar}).Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(resp.Request.URL.Path, "/login/username") {
		t.Fatalf("landed on %s, want the login page", resp.Request.URL)
	}
	if !strings.Contains(string(body), `<p id="oidcpeer-hint"`) || !strings.Contains(string(body), html.EscapeString(hint)) || strings.Contains(string(body), "<Mosaic>") {
		t.Fatalf("login page without the escaped hint:\n%s", body)
	}
	r.signIn(t, p, "alice", "alice-pw")
}
