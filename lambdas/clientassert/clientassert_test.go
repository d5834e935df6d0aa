package clientassert

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// localKMS signs as KMS does (RAW message, DER ECDSA); the real thing is
// moto's KMS in test/e2e.
type localKMS struct {
	key   crypto.Signer
	calls int
}

func (l *localKMS) Sign(_ context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	l.calls++
	if in.MessageType != kmstypes.MessageTypeRaw {
		return nil, errors.New("expected RAW")
	}
	h := sha256.Sum256(in.Message)
	var opts crypto.SignerOpts = crypto.SHA256
	if in.SigningAlgorithm == kmstypes.SigningAlgorithmSpecRsassaPssSha256 {
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
	}
	sig, err := l.key.Sign(rand.Reader, h[:], opts)
	return &kms.SignOutput{Signature: sig}, err
}

func TestAssertionVerifiesWithThePublishedKey(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tc := range []struct {
		alg string
		key crypto.Signer
	}{{"RS256", rsaKey}, {"PS256", rsaKey}, {"ES256", ecKey}} {
		t.Run(tc.alg, func(t *testing.T) {
			spki, _ := x509.MarshalPKIXPublicKey(tc.key.Public())
			jwk, err := PublicJWK(spki, tc.alg)
			if err != nil {
				t.Fatal(err)
			}
			k := &localKMS{key: tc.key}
			now := time.Unix(1_800_000_000, 0)
			s := &Signer{KMS: k, KeyARN: "arn:aws:kms:eu-west-1:1:key/x", KID: jwk.KeyID, Alg: tc.alg, Now: func() time.Time { return now }}
			a, err := s.Assertion(context.Background(), "client-1", "https://op.example/token")
			if err != nil {
				t.Fatal(err)
			}
			if k.calls != 1 {
				t.Fatalf("expected one kms:Sign call, received %d", k.calls)
			}
			jws, err := jose.ParseSigned(a, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(tc.alg)})
			if err != nil {
				t.Fatal(err)
			}
			if got := jws.Signatures[0].Header.KeyID; got != jwk.KeyID {
				t.Fatalf("kid %q, want %q", got, jwk.KeyID)
			}
			payload, err := jws.Verify(jwk.Public())
			if err != nil {
				t.Fatalf("signature does not verify with the published key: %v", err)
			}
			var c Claims
			if err := json.Unmarshal(payload, &c); err != nil {
				t.Fatal(err)
			}
			if c.Issuer != "client-1" || c.Subject != "client-1" || c.Audience != "https://op.example/token" || c.ID == "" ||
				c.IssuedAt != now.Unix() || c.Expiry-c.IssuedAt != contract.ClientAssertionLifetimeSeconds || c.Expiry-c.IssuedAt > 300 {
				t.Fatalf("claims %+v", c)
			}
			b, _ := s.Assertion(context.Background(), "client-1", "https://op.example/token")
			jws2, _ := jose.ParseSigned(b, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(tc.alg)})
			p2, _ := jws2.Verify(jwk.Public())
			var c2 Claims
			_ = json.Unmarshal(p2, &c2)
			if c2.ID == c.ID {
				t.Fatal("two assertions share a jti")
			}
		})
	}
}

func TestPublicJWKRefusesAKeyOfTheWrongKind(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaSPKI, _ := x509.MarshalPKIXPublicKey(rsaKey.Public())
	ecSPKI, _ := x509.MarshalPKIXPublicKey(ecKey.Public())
	if _, err := PublicJWK(rsaSPKI, "ES256"); err == nil {
		t.Fatal("an RSA key accepted for ES256")
	}
	if _, err := PublicJWK(ecSPKI, "RS256"); err == nil {
		t.Fatal("an EC key accepted for RS256")
	}
	if _, err := PublicJWK(rsaSPKI, "HS256"); err == nil {
		t.Fatal("HS256 accepted")
	}
}

func TestCheckDiscovery(t *testing.T) {
	for _, tc := range []struct {
		d    Discovery
		alg  string
		want bool
	}{
		{Discovery{}, "ES256", true},
		{Discovery{Methods: []string{"client_secret_basic", "private_key_jwt"}, Algs: []string{"RS256"}}, "RS256", true},
		{Discovery{Methods: []string{"client_secret_basic", "private_key_jwt"}, Algs: []string{"RS256"}}, "ES256", false},
		{Discovery{Methods: []string{"client_secret_basic"}}, "RS256", false},
	} {
		if got := CheckDiscovery(tc.d, tc.alg) == nil; got != tc.want {
			t.Errorf("CheckDiscovery(%+v, %s) ok=%t, want %t", tc.d, tc.alg, got, tc.want)
		}
	}
}

func TestDERToJOSERefusesGarbage(t *testing.T) {
	if _, err := derToJOSE([]byte{0x30, 0x01, 0x00}, 32); err == nil {
		t.Fatal("garbage accepted")
	}
}
