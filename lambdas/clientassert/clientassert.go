// Package clientassert authenticates this project to a provider's token
// endpoint with private_key_jwt (OpenID Connect Core §9, RFC 7523 §2.2):
// a JWT client assertion whose signing input go-jose builds and whose
// signature an asymmetric KMS key makes (jose.OpaqueSigner). The private
// key never leaves KMS; no shared secret exists.
//
// Each assertion: iss = sub = the client id, aud = the token endpoint URL or
// the issuer (one string, as configured), a random jti, iat = now, exp =
// now + contract.ClientAssertionLifetimeSeconds, kid = the RFC 7638
// thumbprint of the public key. One kms:Sign call per assertion.
package clientassert

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// AssertionType is RFC 7523's client_assertion_type.
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// maxRawMessage is KMS Sign's limit for MessageType RAW (4096 bytes); an
// assertion's signing input is some 500.
const maxRawMessage = 4096

// KMSSigner is the one KMS call the token-endpoint functions make.
type KMSSigner interface {
	Sign(ctx context.Context, in *kms.SignInput, opts ...func(*kms.Options)) (*kms.SignOutput, error)
}

// Signer makes client assertions with one KMS key.
type Signer struct {
	// KMS signs. Required.
	KMS KMSSigner
	// KeyARN is the asymmetric SIGN_VERIFY key. Required.
	KeyARN string
	// KID is the kid of the key's public JWK (KID). Required.
	KID string
	// Alg is contract.ClientAssertionRS256, PS256 or ES256. Required.
	Alg string
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// Algorithms are the supported JWS algorithms.
var Algorithms = []string{contract.ClientAssertionRS256, contract.ClientAssertionPS256, contract.ClientAssertionES256}

// kmsAlgorithm maps a JWS algorithm to KMS's signing algorithm.
func kmsAlgorithm(alg string) (kmstypes.SigningAlgorithmSpec, bool) {
	switch alg {
	case contract.ClientAssertionRS256:
		return kmstypes.SigningAlgorithmSpecRsassaPkcs1V15Sha256, true
	case contract.ClientAssertionPS256:
		return kmstypes.SigningAlgorithmSpecRsassaPssSha256, true
	case contract.ClientAssertionES256:
		return kmstypes.SigningAlgorithmSpecEcdsaSha256, true
	}
	return "", false
}

// Claims are the claims of a client assertion.
type Claims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	ID       string `json:"jti"`
	IssuedAt int64  `json:"iat"`
	Expiry   int64  `json:"exp"`
}

// Assertion returns a signed client assertion for clientID at audience.
func (s *Signer) Assertion(ctx context.Context, clientID, audience string) (string, error) {
	if s == nil || s.KMS == nil || s.KeyARN == "" || s.KID == "" || clientID == "" || audience == "" {
		return "", errors.New("clientassert: signer, client id or audience missing")
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	t := now()
	jti, err := newJTI()
	if err != nil {
		return "", err
	}
	return s.sign(ctx, Claims{
		Issuer:   clientID,
		Subject:  clientID,
		Audience: audience,
		ID:       jti,
		IssuedAt: t.Unix(),
		Expiry:   t.Add(contract.ClientAssertionLifetimeSeconds * time.Second).Unix(),
	})
}

// Sign signs any claims with the key; Assertion is the ordinary use (tests
// sign wrong claims with it to show a provider refuses them).
func (s *Signer) Sign(ctx context.Context, claims any) (string, error) { return s.sign(ctx, claims) }

func (s *Signer) sign(ctx context.Context, claims any) (string, error) {
	if _, ok := kmsAlgorithm(s.Alg); !ok {
		return "", fmt.Errorf("clientassert: expected algorithm %v, received %q", Algorithms, s.Alg)
	}
	op := &kmsOpaque{ctx: ctx, s: s}
	js, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(s.Alg), Key: op},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), s.KID))
	if err != nil {
		return "", fmt.Errorf("clientassert: %w", err)
	}
	out, err := jwt.Signed(js).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("clientassert: %w", err)
	}
	return out, nil
}

// kmsOpaque is a jose.OpaqueSigner whose signature is one kms:Sign call
// (ctx is the invocation's, for its budget).
type kmsOpaque struct {
	ctx context.Context
	s   *Signer
}

var _ jose.OpaqueSigner = (*kmsOpaque)(nil)

// Public returns nil: the kid header is set from Signer.KID (the public key
// is not needed to sign).
func (o *kmsOpaque) Public() *jose.JSONWebKey { return nil }

func (o *kmsOpaque) Algs() []jose.SignatureAlgorithm {
	return []jose.SignatureAlgorithm{jose.SignatureAlgorithm(o.s.Alg)}
}

func (o *kmsOpaque) SignPayload(payload []byte, alg jose.SignatureAlgorithm) ([]byte, error) {
	spec, ok := kmsAlgorithm(string(alg))
	if !ok || string(alg) != o.s.Alg {
		return nil, fmt.Errorf("clientassert: algorithm %q not this key's", alg)
	}
	if len(payload) > maxRawMessage {
		return nil, fmt.Errorf("clientassert: signing input of %d bytes exceeds KMS's %d", len(payload), maxRawMessage)
	}
	out, err := o.s.KMS.Sign(o.ctx, &kms.SignInput{
		KeyId:            aws.String(o.s.KeyARN),
		Message:          payload,
		MessageType:      kmstypes.MessageTypeRaw,
		SigningAlgorithm: spec,
	})
	if err != nil {
		return nil, fmt.Errorf("clientassert: kms:Sign: %w", err)
	}
	if alg == jose.ES256 {
		// KMS returns an ASN.1 DER ECDSA signature; JWS wants R || S, 32
		// bytes each (RFC 7518 §3.4).
		return derToJOSE(out.Signature, 32)
	}
	return out.Signature, nil
}

// derToJOSE converts an ASN.1 ECDSA signature to the fixed-size R || S form.
func derToJOSE(der []byte, size int) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 || sig.R == nil || sig.S == nil || sig.R.Sign() <= 0 || sig.S.Sign() <= 0 ||
		sig.R.BitLen() > size*8 || sig.S.BitLen() > size*8 {
		return nil, errors.New("clientassert: KMS returned a malformed ECDSA signature")
	}
	out := make([]byte, 2*size)
	sig.R.FillBytes(out[:size])
	sig.S.FillBytes(out[size:])
	return out, nil
}

// newJTI is 128 random bits, base64url.
func newJTI() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("clientassert: jti: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ExchangeOptions are the token request parameters that carry assertion
// (RFC 7523 §2.2). Use them with oauth2.AuthStyleInParams and an empty
// client secret: the request then carries client_id, client_assertion_type
// and client_assertion, and no secret.
func ExchangeOptions(assertion string) []oauth2.AuthCodeOption {
	return []oauth2.AuthCodeOption{
		oauth2.SetAuthURLParam("client_assertion_type", AssertionType),
		oauth2.SetAuthURLParam("client_assertion", assertion),
	}
}

// Audience is the aud of an assertion for the configured mode
// (contract.AudienceTokenEndpoint or contract.AudienceIssuer).
func Audience(mode, issuer, tokenURL string) string {
	if mode == contract.AudienceIssuer {
		return issuer
	}
	return tokenURL
}

// Discovery is what a provider's discovery document says about client
// authentication at its token endpoint.
type Discovery struct {
	Methods []string `json:"token_endpoint_auth_methods_supported"`
	Algs    []string `json:"token_endpoint_auth_signing_alg_values_supported"`
}

// ErrProviderRefusesAlg: the provider's discovery document lists the
// methods or algorithms it accepts, without private_key_jwt or alg.
var ErrProviderRefusesAlg = errors.New("clientassert: the provider's discovery does not list private_key_jwt with this algorithm")

// CheckDiscovery holds alg against the provider's discovery: when the
// document lists token_endpoint_auth_methods_supported it must hold
// private_key_jwt, and when it lists
// token_endpoint_auth_signing_alg_values_supported it must hold alg. Both
// are OPTIONAL in OpenID Connect Discovery 1.0; a document without them
// says nothing, and the token endpoint decides.
func CheckDiscovery(d Discovery, alg string) error {
	if len(d.Methods) > 0 && !slices.Contains(d.Methods, contract.TokenAuthPrivateKeyJWT) {
		return ErrProviderRefusesAlg
	}
	if len(d.Algs) > 0 && !slices.Contains(d.Algs, alg) {
		return ErrProviderRefusesAlg
	}
	return nil
}

// PublicJWK turns a KMS GetPublicKey answer (DER SubjectPublicKeyInfo) into
// the public JWK of alg, with kid = its RFC 7638 SHA-256 thumbprint, use
// "sig". It refuses a key that does not fit alg (RSA 2048 for RS256 and
// PS256, P-256 for ES256).
func PublicJWK(spki []byte, alg string) (jose.JSONWebKey, error) {
	pub, err := x509.ParsePKIXPublicKey(spki)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("clientassert: public key: %w", err)
	}
	var key crypto.PublicKey
	switch alg {
	case contract.ClientAssertionRS256, contract.ClientAssertionPS256:
		k, ok := pub.(*rsa.PublicKey)
		if !ok || k.N.BitLen() != 2048 {
			return jose.JSONWebKey{}, fmt.Errorf("clientassert: expected an RSA_2048 key for %s, received %s", alg, describe(pub))
		}
		key = k
	case contract.ClientAssertionES256:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || k.Curve != elliptic.P256() {
			return jose.JSONWebKey{}, fmt.Errorf("clientassert: expected an ECC_NIST_P256 key for %s, received %s", alg, describe(pub))
		}
		key = k
	default:
		return jose.JSONWebKey{}, fmt.Errorf("clientassert: expected algorithm %v, received %q", Algorithms, alg)
	}
	jwk := jose.JSONWebKey{Key: key, Algorithm: alg, Use: "sig"}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("clientassert: thumbprint: %w", err)
	}
	jwk.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	return jwk, nil
}

func describe(pub any) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("an RSA key of %d bits", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "an EC key on " + k.Curve.Params().Name
	}
	return fmt.Sprintf("a %T", pub)
}

// JWKS is the JSON of a JWK Set holding keys.
func JWKS(keys ...jose.JSONWebKey) (string, error) {
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		return "", fmt.Errorf("clientassert: jwks: %w", err)
	}
	return string(b), nil
}
