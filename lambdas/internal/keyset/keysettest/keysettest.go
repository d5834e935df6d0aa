// Package keysettest holds the RSA keys, the key set entries and the token
// signing that the tests of package keyset and of its users (the
// transaction authorizer) share. Only tests import it.
package keysettest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

var (
	once sync.Once
	keys [3]*rsa.PrivateKey
)

// Keys returns three distinct RSA 2048 keys, generated once per test
// binary (each takes tens of milliseconds): a pool's key, another one and
// a rotated one, as a test names them.
func Keys() (a, b, c *rsa.PrivateKey) {
	once.Do(func() {
		for i := range keys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys[i] = k
		}
	})
	return keys[0], keys[1], keys[2]
}

// JWKs are the public halves of keys (by kid) as a user pool's JWKS lists
// them: RS256, use sig.
func JWKs(keys map[string]*rsa.PrivateKey) []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for kid, k := range keys {
		out = append(out, jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"})
	}
	return out
}

// Sign returns claims as a compact JWT (typ JWT) signed by key with alg,
// with kid in its header unless kid is empty.
func Sign(tb testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims any) string {
	tb.Helper()
	sk := jose.SigningKey{Algorithm: alg, Key: key}
	if kid != "" {
		sk.Key = jose.JSONWebKey{Key: key, KeyID: kid}
	}
	signer, err := jose.NewSigner(sk, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		tb.Fatal(err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
