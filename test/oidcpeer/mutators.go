package oidcpeer

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"
)

// KeyForm is how the provider's RSA public key is turned into an HMAC key
// for the HS256 key-confusion attack.
type KeyForm int

const (
	// KeyPEM is the PKIX "PUBLIC KEY" PEM text.
	KeyPEM KeyForm = iota
	// KeyDER is the PKIX DER bytes.
	KeyDER
	// KeyJWK is the JSON of the public JWK as the JWKS serves it.
	KeyJWK
)

func (f KeyForm) String() string {
	switch f {
	case KeyPEM:
		return "PEM"
	case KeyDER:
		return "DER"
	case KeyJWK:
		return "JWK"
	}
	return fmt.Sprintf("KeyForm(%d)", int(f))
}

// All signing below is go-jose's; only the unsigned "none" token, which has
// no cryptography, is assembled by hand.

var parseAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.ES256, jose.HS256}

// payload returns the ID token's claims bytes without verifying them (the
// token is the provider's own, straight from zitadel).
func payload(idToken string) ([]byte, error) {
	jws, err := jose.ParseSigned(idToken, parseAlgs)
	if err != nil {
		return nil, err
	}
	return jws.UnsafePayloadWithoutVerification(), nil
}

func sign(alg jose.SignatureAlgorithm, key any, kid string, claims []byte) (string, error) {
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		return "", err
	}
	jws, err := s.Sign(claims)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// rewrite adapts a fallible rewrite; a failure fails the test and yields an
// empty id_token.
func (p *Peer) rewrite(name string, f func(claims []byte) (string, error)) func(string) string {
	return func(idToken string) string {
		claims, err := payload(idToken)
		if err == nil {
			var out string
			if out, err = f(claims); err == nil {
				return out
			}
		}
		p.t.Errorf("oidcpeer: %s mutator: %v", name, err)
		return ""
	}
}

// ForgeSignature re-signs the same claims with a fresh RSA key that is not
// in the JWKS, under the provider's own kid.
func (p *Peer) ForgeSignature() func(string) string {
	return p.rewrite("ForgeSignature", func(claims []byte) (string, error) {
		p.forgeOnce.Do(func() { p.forgeKey, p.forgeErr = rsa.GenerateKey(rand.Reader, 2048) })
		if p.forgeErr != nil {
			return "", p.forgeErr
		}
		return sign(jose.RS256, p.forgeKey, p.opKID, claims)
	})
}

// AlgNone replaces the signature with nothing: header {"alg":"none"}, the
// same claims, an empty signature part.
func (p *Peer) AlgNone() func(string) string {
	return p.rewrite("AlgNone", func(claims []byte) (string, error) {
		header, err := json.Marshal(map[string]string{"alg": "none", "typ": "JWT", "kid": p.opKID})
		if err != nil {
			return "", err
		}
		enc := base64.RawURLEncoding
		return enc.EncodeToString(header) + "." + enc.EncodeToString(claims) + ".", nil
	})
}

// HS256WithPublicKey signs the same claims with HS256 keyed with the
// provider's public key in the given form, under the provider's kid: the
// classic RS256/HS256 key-confusion attack.
func (p *Peer) HS256WithPublicKey(form KeyForm) func(string) string {
	return p.rewrite("HS256WithPublicKey("+form.String()+")", func(claims []byte) (string, error) {
		key, err := p.PublicKeyBytes(form)
		if err != nil {
			return "", err
		}
		return sign(jose.HS256, key, p.opKID, claims)
	})
}

// PublicKeyBytes is the provider's signing public key in the given form
// (what HS256WithPublicKey uses as the HMAC key).
func (p *Peer) PublicKeyBytes(form KeyForm) ([]byte, error) {
	pub := &p.opKey.PublicKey
	switch form {
	case KeyPEM, KeyDER:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, err
		}
		if form == KeyDER {
			return der, nil
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
	case KeyJWK:
		return jose.JSONWebKey{Key: pub, KeyID: p.opKID, Algorithm: string(jose.RS256), Use: "sig"}.MarshalJSON()
	}
	return nil, fmt.Errorf("unknown key form %d", int(form))
}

// ResignWithClaims decodes the claims, lets edit change them (wrong iss, aud,
// exp, nonce, username, email, acr...), and signs the result with the test
// authority key, which the peer's JWKS publishes: a verifier can only refuse
// such a token on its claims. Numbers reach edit as json.Number.
func (p *Peer) ResignWithClaims(edit func(claims map[string]any)) func(string) string {
	return p.rewrite("ResignWithClaims", func(raw []byte) (string, error) {
		var claims map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&claims); err != nil {
			return "", err
		}
		if edit != nil {
			edit(claims)
		}
		out, err := json.Marshal(claims)
		if err != nil {
			return "", err
		}
		return sign(jose.RS256, p.authority, AuthorityKeyID, out)
	})
}
