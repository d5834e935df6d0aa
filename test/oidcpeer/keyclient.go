package oidcpeer

// A second client registered for private_key_jwt only (Options.KeyClientID),
// beside the confidential client the peer always has. A provider's client
// registration has one token_endpoint_auth_method (OpenID Connect Dynamic
// Client Registration 1.0 §2), so an app that authenticates with a key
// while a Cognito pool federates with the secret holds two clients at the
// provider; this is that provider. Both clients get the same subject for a
// user (zitadel's example issues the user id as sub to every client).

import (
	"crypto/rand"
	"encoding/base64"
	"errors"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

// KeyClientID is the id of the private_key_jwt client ("" without one).
func (p *Peer) KeyClientID() string { return p.opts.KeyClientID }

// SetKeyClientKeys registers the public keys (JWKs with kid) of the
// private_key_jwt client, replacing the previous ones; none: no key
// authenticates it.
func (p *Peer) SetKeyClientKeys(keys ...jose.JSONWebKey) {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	p.store.keyClientKeys = map[string]jose.JSONWebKey{}
	for _, k := range keys {
		p.store.keyClientKeys[k.KeyID] = k
	}
}

// newKeyClient is the example's web client for id; its secret is random
// and never accepted (AuthorizeClientIDSecret).
func newKeyClient(id string, redirects []string) *storage.Client {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return storage.WebClient(id, base64.RawURLEncoding.EncodeToString(b), redirects...)
}

func (s *peerStorage) isKeyClient(clientID string) bool {
	return s.keyClientID != "" && clientID == s.keyClientID
}

func (s *peerStorage) keyClientKey(keyID string) (*jose.JSONWebKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.keyClientKeys[keyID]
	if !ok {
		return nil, errors.New("oidcpeer: no such client key")
	}
	return &k, nil
}
