package oidcpeer

// private_key_jwt (issue 18). zitadel's OP implements the method
// (op.Config.AuthMethodPrivateKeyJWT, on in its example server; discovery
// then lists private_key_jwt with token_endpoint_auth_signing_alg_values_supported
// ["RS256"]): at the token endpoint it verifies the client assertion with
// op.VerifyJWTAssertion, which requires the OP's issuer among the aud
// values, exp in the future, iat at most an hour old, sub = iss, and a
// signature by the key the storage returns for (kid, client id). The
// client is the one GetClientByClientID returns, and its AuthMethod must be
// private_key_jwt.
//
// What the peer adds, and says so: zitadel keeps no record of used jti
// values (RFC 7523 §3 leaves replay protection optional: "MAY ensure that
// JWTs are not replayed by maintaining the set of used jti values"). The
// peer, playing a provider that does, refuses an assertion whose jti it
// already accepted until that assertion's exp (ReplayedJTI). And a test may
// replace the assertion of the next token requests (SetAssertionMutator),
// as a network attacker or a broken client would.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// SetClientKeys registers keys (public JWKs with kid) for the client and
// switches it to private_key_jwt: from now on the token endpoint accepts
// only a client assertion signed by one of them, never the secret. nil
// switches back to the secret. Two keys is how a provider holds the old and
// the new key during a rotation.
func (p *Peer) SetClientKeys(keys ...jose.JSONWebKey) {
	p.store.setClientKeys(keys)
}

// SetAssertionMutator makes the token endpoint replace the client_assertion
// of each following token request with m(assertion) before zitadel sees it;
// nil stops.
func (p *Peer) SetAssertionMutator(m func(assertion string) string) {
	p.mu.Lock()
	p.assertionMutator = m
	p.mu.Unlock()
}

// Assertions returns the client assertions the token endpoint received
// (after any mutator), oldest first.
func (p *Peer) Assertions() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.assertions...)
}

// AssertionRefusals returns "error: error_description" of every token
// request with a client assertion that the endpoint refused, oldest first.
func (p *Peer) AssertionRefusals() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.refusals...)
}

// ReplayedJTI is the error_description of a refused replay.
const ReplayedJTI = "client assertion jti already used"

func (s *peerStorage) setClientKeys(keys []jose.JSONWebKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(keys) == 0 {
		s.clientKeys = nil
		return
	}
	s.clientKeys = map[string]jose.JSONWebKey{}
	for _, k := range keys {
		s.clientKeys[k.KeyID] = k
	}
}

func (s *peerStorage) keyMode() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.clientKeys != nil
}

// GetKeyByIDAndClientID is zitadel's lookup of a client assertion's key.
func (s *peerStorage) GetKeyByIDAndClientID(ctx context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	if s.isKeyClient(clientID) {
		return s.keyClientKey(keyID)
	}
	if clientID != s.clientID {
		return s.Storage.GetKeyByIDAndClientID(ctx, keyID, clientID)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.clientKeys[keyID]
	if !ok {
		return nil, errors.New("oidcpeer: no such client key")
	}
	return &k, nil
}

// keyClient is the client registered for private_key_jwt.
type keyClient struct{ op.Client }

func (keyClient) AuthMethod() oidc.AuthMethod { return oidc.AuthMethodPrivateKeyJWT }

// assertionClaims are what the front reads (unverified) to keep the jti.
type assertionClaims struct {
	JTI string `json:"jti"`
	Exp int64  `json:"exp"`
}

func unverifiedClaims(assertion string) (assertionClaims, bool) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return assertionClaims{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return assertionClaims{}, false
	}
	var c assertionClaims
	return c, json.Unmarshal(b, &c) == nil && c.JTI != ""
}

// serveAssertion handles a token request that carries a client assertion:
// mutator, replay check, zitadel, and the jti recorded once zitadel accepted
// the request. It reports false when the request carries none.
func (p *Peer) serveAssertion(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter, *http.Request)) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "oidcpeer: body", http.StatusBadRequest)
		return true
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("client_assertion") == "" {
		r.Body = io.NopCloser(bytes.NewReader(body))
		return false
	}
	p.mu.Lock()
	m := p.assertionMutator
	p.mu.Unlock()
	if m != nil {
		form.Set("client_assertion", m(form.Get("client_assertion")))
	}
	assertion := form.Get("client_assertion")
	claims, ok := unverifiedClaims(assertion)
	now := time.Now()
	p.mu.Lock()
	p.assertions = append(p.assertions, assertion)
	for j, exp := range p.usedJTI {
		if now.After(exp) {
			delete(p.usedJTI, j)
		}
	}
	_, replayed := p.usedJTI[claims.JTI]
	p.mu.Unlock()
	if !ok || replayed {
		p.mu.Lock()
		p.refusals = append(p.refusals, "invalid_client: "+ReplayedJTI)
		p.mu.Unlock()
		invalidClient(w, ReplayedJTI)
		return true
	}
	enc := form.Encode()
	r.Body = io.NopCloser(strings.NewReader(enc))
	r.ContentLength = int64(len(enc))
	rec := httptest.NewRecorder()
	next(rec, r)
	p.mu.Lock()
	if rec.Code == http.StatusOK {
		p.usedJTI[claims.JTI] = time.Unix(claims.Exp, 0)
	} else {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &e)
		p.refusals = append(p.refusals, e.Error+": "+e.Description)
	}
	p.mu.Unlock()
	relay(w, rec, rec.Body.Bytes())
	return true
}

func invalidClient(w http.ResponseWriter, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
	b, _ := json.Marshal(map[string]string{"error": "invalid_client", "error_description": description})
	_, _ = w.Write(b)
}
