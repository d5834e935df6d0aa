package oidcpeer

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"slices"

	jose "github.com/go-jose/go-jose/v4"
)

// RotateSigningKey plays a provider rotating its signing key: from now on
// the JWKS also publishes a new RSA key under a new kid, and every ID token
// the token endpoint issues is signed with it (the claims are zitadel's,
// unchanged). A relying party that cached the JWKS before sees an unknown
// kid and must fetch the set again. It replaces any token mutator, and
// returns the new kid.
func (p *Peer) RotateSigningKey() (string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	kid := "oidcpeer-rotated-" + hex.EncodeToString(b)
	p.mu.Lock()
	p.rotated = append(p.rotated, jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: string(jose.RS256), Use: "sig"})
	p.mu.Unlock()
	p.SetTokenMutator(p.rewrite("RotateSigningKey", func(claims []byte) (string, error) {
		return sign(jose.RS256, key, kid, claims)
	}))
	return kid, nil
}

func (p *Peer) rotatedKeys() []jose.JSONWebKey {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.rotated)
}
