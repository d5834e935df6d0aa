package e2e

// private_key_jwt (issue 18): the real Create and Verify binaries
// authenticate to the loopback provider (zitadel's OP, configured for
// private_key_jwt, see test/oidcpeer/clientkeys.go) with client assertions
// signed by a key in moto's KMS. moto 5 signs with the `cryptography`
// package (RSASSA-PKCS1-v1_5, RSASSA-PSS, ECDSA over the RAW message):
// real signatures that zitadel verifies with the public key from moto's
// GetPublicKey. One difference from KMS, which does not touch these tests:
// moto's PSS salt is the maximum length, KMS's the digest length (both
// verify with go-jose, which accepts any salt length).

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/cognitobridge/cognitobridge/lambdas/clientassert"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// kmsKey is an asymmetric key in moto's KMS and its public JWK.
type kmsKey struct {
	arn    string
	alg    string
	jwk    jose.JSONWebKey
	signer *clientassert.Signer // the same key, for the tests' own assertions
}

func kmsClient(endpoint string) *kms.Client {
	return kms.New(kms.Options{Region: region, BaseEndpoint: aws.String(endpoint), Credentials: motoserver.Credentials})
}

// createKMSKey creates a SIGN_VERIFY key of the spec alg needs and reads its
// public key as the construct's custom resource does (GetPublicKey, then
// clientassert.PublicJWK).
func createKMSKey(t *testing.T, endpoint, alg string) kmsKey {
	t.Helper()
	c := kmsClient(endpoint)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{
		KeySpec:  kmstypes.KeySpec(contract.ClientAssertionKeySpec(alg)),
		KeyUsage: kmstypes.KeyUsageTypeSignVerify,
	})
	if err != nil {
		t.Fatalf("moto CreateKey: %v", err)
	}
	arn := aws.ToString(out.KeyMetadata.Arn)
	pub, err := c.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(arn)})
	if err != nil {
		t.Fatalf("moto GetPublicKey: %v", err)
	}
	jwk, err := clientassert.PublicJWK(pub.PublicKey, alg)
	if err != nil {
		t.Fatal(err)
	}
	return kmsKey{arn: arn, alg: alg, jwk: jwk.Public(), signer: &clientassert.Signer{KMS: c, KeyARN: arn, KID: jwk.KeyID, Alg: alg}}
}

// keyEnv configures Create and Verify for private_key_jwt with k.
func keyEnv(k kmsKey, audience string) map[string]string {
	return map[string]string{
		contract.EnvTokenAuthMethod:         contract.TokenAuthPrivateKeyJWT,
		contract.EnvClientAssertionKey:      k.arn,
		contract.EnvClientAssertionKID:      k.jwk.KeyID,
		contract.EnvClientAssertionAlg:      k.alg,
		contract.EnvClientAssertionAudience: audience,
	}
}

// keyPeer is a provider whose client authenticates with keys only.
func keyPeer(t *testing.T, keys ...jose.JSONWebKey) *oidcpeer.Peer {
	peer := oidcpeer.Start(t, oidcpeer.Options{Users: peerUsers})
	peer.SetClientKeys(keys...)
	return peer
}

func assertionClaims(t *testing.T, a string) clientassert.Claims {
	t.Helper()
	parts := strings.Split(a, ".")
	if len(parts) != 3 {
		t.Fatalf("assertion is not a compact JWS")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c clientassert.Claims
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func wantReasons(t *testing.T, got []string, want string) {
	t.Helper()
	if len(got) == 0 || slices.ContainsFunc(got, func(r string) bool { return r != want }) {
		t.Fatalf("Verify reasons %q, want only %s", got, want)
	}
}

// refusals runs fn and returns Verify's decisions meanwhile as
// "reason/oauthError".
func refusals(t *testing.T, f *function, fn func()) []string {
	t.Helper()
	lines := func() []string {
		var out []string
		for _, line := range strings.Split(f.output(t), "\n") {
			var rec struct {
				Reason     string `json:"reason"`
				OAuthError string `json:"oauthError"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Reason != "" {
				out = append(out, rec.Reason+"/"+rec.OAuthError)
			}
		}
		return out
	}
	before := len(lines())
	fn()
	return lines()[before:]
}

// wantRefused asserts the step-up failed closed on the provider's refusal
// of the client assertion: Verify's reason/oauthError is want every time,
// and the provider's answers say why (each holds because).
func wantRefused(t *testing.T, got []string, want string, peer *oidcpeer.Peer, because string) {
	t.Helper()
	wantReasons(t, got, want)
	rs := peer.AssertionRefusals()
	if len(rs) != len(got) {
		t.Fatalf("the provider refused %d assertions %q, Verify reported %d", len(rs), rs, len(got))
	}
	for _, r := range rs {
		if !strings.Contains(r, because) {
			t.Fatalf("the provider refused with %q, want %q", r, because)
		}
	}
}

// TestPrivateKeyJWTStepUp: the rightful step-up with a KMS-signed client
// assertion, and what the provider received.
func TestPrivateKeyJWTStepUp(t *testing.T) {
	moto := startMoto(t)
	key := createKMSKey(t, moto, contract.ClientAssertionRS256)
	peer := keyPeer(t, key.jwk)
	s := newStackWith(t, moto, peer, bindEmail, keyEnv(key, contract.AudienceIssuer))

	var r signIn
	got := reasons(t, s.pool.verify, func() { r = s.pool.run(t, alice, stepUpClient(s, "alice", "alice-provider-pw")) })
	s.remember(r)
	wantTokens(t, r)
	if !slices.Equal(got, []string{"ok"}) {
		t.Fatalf("Verify reasons %q", got)
	}
	as := peer.Assertions()
	if len(as) != 1 {
		t.Fatalf("the provider received %d client assertions, want 1", len(as))
	}
	jws, err := jose.ParseSigned(as[0], []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	if jws.Signatures[0].Header.KeyID != key.jwk.KeyID {
		t.Errorf("kid %q, want the published %q", jws.Signatures[0].Header.KeyID, key.jwk.KeyID)
	}
	if _, err := jws.Verify(key.jwk); err != nil {
		t.Fatalf("moto's signature does not verify with the published key: %v", err)
	}
	c := assertionClaims(t, as[0])
	if c.Issuer != peer.ClientID() || c.Subject != peer.ClientID() || c.Audience != peer.Issuer() || c.ID == "" ||
		c.Expiry-c.IssuedAt > 300 || c.Expiry <= time.Now().Unix() {
		t.Errorf("assertion claims %+v", c)
	}
}

// TestAttackClientAssertionSignedByAnotherKey: a key the provider never
// registered signs, naming the registered key's kid (a stolen Lambda role in
// another account, a mis-set key ARN). The provider refuses; the step-up
// fails closed with client_auth_refused. The rightful key beside it passes.
func TestAttackClientAssertionSignedByAnotherKey(t *testing.T) {
	moto := startMoto(t)
	key := createKMSKey(t, moto, contract.ClientAssertionRS256)
	other := createKMSKey(t, moto, contract.ClientAssertionRS256)
	peer := keyPeer(t, key.jwk)

	env := keyEnv(key, contract.AudienceIssuer)
	env[contract.EnvClientAssertionKey] = other.arn
	attacker := newStackWith(t, moto, peer, bindEmail, env)
	var attack signIn
	got := refusals(t, attacker.pool.verify, func() {
		attack = attacker.pool.run(t, alice, stepUpClient(attacker, "alice", "alice-provider-pw"))
	})
	attacker.remember(attack)
	wantNoTokens(t, attack)
	// zitadel answers a refused client assertion with invalid_grant (RFC
	// 6749 §5.2 would say invalid_client).
	wantRefused(t, got, "token_exchange_failed/invalid_grant", peer, "invalid_grant: invalid signature")

	s := newStackWith(t, moto, peer, bindEmail, keyEnv(key, contract.AudienceIssuer))
	rightful := s.pool.run(t, alice, stepUpClient(s, "alice", "alice-provider-pw"))
	s.remember(rightful)
	wantTokens(t, rightful)
}

// attackWithAssertion runs a rightful step-up, then one whose token
// requests carry mutate(the assertion Verify made) instead: the provider must
// refuse every one, and the step-up fail closed with client_auth_refused.
func attackWithAssertion(t *testing.T, want, because string, mutate func(t *testing.T, key kmsKey, peer *oidcpeer.Peer, genuine string) string) {
	moto := startMoto(t)
	key := createKMSKey(t, moto, contract.ClientAssertionRS256)
	peer := keyPeer(t, key.jwk)
	s := newStackWith(t, moto, peer, bindEmail, keyEnv(key, contract.AudienceIssuer))

	rightful := s.pool.run(t, alice, stepUpClient(s, "alice", "alice-provider-pw"))
	s.remember(rightful)
	wantTokens(t, rightful)

	peer.SetAssertionMutator(func(a string) string { return mutate(t, key, peer, a) })
	var attack signIn
	got := refusals(t, s.pool.verify, func() { attack = s.pool.run(t, alice, stepUpClient(s, "alice", "alice-provider-pw")) })
	s.remember(attack)
	wantNoTokens(t, attack)
	wantRefused(t, got, want, peer, because)

	peer.SetAssertionMutator(nil)
	again := s.pool.run(t, alice, stepUpClient(s, "alice", "alice-provider-pw"))
	s.remember(again)
	wantTokens(t, again)
}

// resign signs claims with the registered key itself (moto's KMS): only the
// claim under test is wrong.
func resign(t *testing.T, key kmsKey, c clientassert.Claims) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := key.signer.Sign(ctx, c)
	if err != nil {
		t.Errorf("sign: %v", err)
	}
	return out
}

// TestAttackClientAssertionReplayedJTI: an assertion the provider already
// accepted (read off a proxy or a log) is sent again with a new code.
func TestAttackClientAssertionReplayedJTI(t *testing.T) {
	attackWithAssertion(t, "client_auth_refused/invalid_client", oidcpeer.ReplayedJTI, func(t *testing.T, _ kmsKey, peer *oidcpeer.Peer, _ string) string {
		return peer.Assertions()[0] // the rightful sign-in's, accepted
	})
}

// TestAttackClientAssertionWrongAudience: a genuine assertion of this client
// minted for another provider's token endpoint, presented here.
func TestAttackClientAssertionWrongAudience(t *testing.T) {
	attackWithAssertion(t, "token_exchange_failed/invalid_grant", "audience is not valid", func(t *testing.T, key kmsKey, _ *oidcpeer.Peer, genuine string) string {
		c := assertionClaims(t, genuine)
		c.ID += "-other"
		c.Audience = "https://other-provider.example/oauth/token"
		return resign(t, key, c)
	})
}

// TestAttackClientAssertionExpired: a genuine assertion past its exp.
func TestAttackClientAssertionExpired(t *testing.T) {
	attackWithAssertion(t, "token_exchange_failed/invalid_grant", "token has expired", func(t *testing.T, key kmsKey, _ *oidcpeer.Peer, genuine string) string {
		c := assertionClaims(t, genuine)
		c.ID += "-old"
		c.IssuedAt = time.Now().Add(-10 * time.Minute).Unix()
		c.Expiry = time.Now().Add(-5 * time.Minute).Unix()
		return resign(t, key, c)
	})
}

// TestClientAssertionAudienceTheProviderRequires: zitadel's OP requires its
// issuer among the aud values (op.VerifyJWTAssertion); an assertion whose
// aud is the token endpoint alone (OpenID Connect Core §9's SHOULD) is
// refused there, so ClientAssertionAudience must follow the provider.
func TestClientAssertionAudienceTheProviderRequires(t *testing.T) {
	moto := startMoto(t)
	key := createKMSKey(t, moto, contract.ClientAssertionRS256)
	peer := keyPeer(t, key.jwk)
	s := newStackWith(t, moto, peer, bindEmail, keyEnv(key, contract.AudienceTokenEndpoint))
	var r signIn
	got := refusals(t, s.pool.verify, func() { r = s.pool.run(t, alice, stepUpClient(s, "alice", "alice-provider-pw")) })
	s.remember(r)
	wantNoTokens(t, r)
	wantRefused(t, got, "token_exchange_failed/invalid_grant", peer, "audience is not valid")
	if a := peer.Assertions(); len(a) == 0 || assertionClaims(t, a[0]).Audience != peer.TokenURL() {
		t.Fatalf("expected aud = the token endpoint %s", peer.TokenURL())
	}
}

// TestClientAssertionAlgorithmCheckedAgainstDiscovery: the provider's
// discovery lists RS256 only (zitadel's
// token_endpoint_auth_signing_alg_values_supported); an ES256 key is refused
// before anything is signed or sent.
func TestClientAssertionAlgorithmCheckedAgainstDiscovery(t *testing.T) {
	moto := startMoto(t)
	key := createKMSKey(t, moto, contract.ClientAssertionES256)
	peer := keyPeer(t, key.jwk)
	s := newStackWith(t, moto, peer, bindEmail, keyEnv(key, contract.AudienceIssuer))
	var r signIn
	got := reasons(t, s.pool.verify, func() { r = s.pool.run(t, alice, stepUpClient(s, "alice", "alice-provider-pw")) })
	s.remember(r)
	wantNoTokens(t, r)
	wantReasons(t, got, "client_auth_unsupported")
	if n := len(peer.Assertions()); n != 0 {
		t.Fatalf("%d assertions reached the token endpoint", n)
	}
}

// TestClientKeyRotationWithoutDowntime: the provider holds both keys while
// the functions switch from the old to the new one; every step-up passes
// throughout; after the old key is retired it no longer authenticates.
func TestClientKeyRotationWithoutDowntime(t *testing.T) {
	moto := startMoto(t)
	oldKey := createKMSKey(t, moto, contract.ClientAssertionRS256)
	newKey := createKMSKey(t, moto, contract.ClientAssertionRS256)
	peer := keyPeer(t, oldKey.jwk)
	step := func(k kmsKey) []string {
		s := newStackWith(t, moto, peer, bindEmail, keyEnv(k, contract.AudienceIssuer))
		var r signIn
		got := reasons(t, s.pool.verify, func() { r = s.pool.run(t, alice, stepUpClient(s, "alice", "alice-provider-pw")) })
		s.remember(r)
		return got
	}
	if got := step(oldKey); !slices.Equal(got, []string{"ok"}) {
		t.Fatalf("before the rotation: %q", got)
	}
	peer.SetClientKeys(oldKey.jwk, newKey.jwk) // 1. both published
	if got := step(oldKey); !slices.Equal(got, []string{"ok"}) {
		t.Fatalf("both published, old key signing: %q", got)
	}
	if got := step(newKey); !slices.Equal(got, []string{"ok"}) { // 2. switch
		t.Fatalf("both published, new key signing: %q", got)
	}
	peer.SetClientKeys(newKey.jwk) // 3. retire
	if got := step(newKey); !slices.Equal(got, []string{"ok"}) {
		t.Fatalf("old key retired, new key signing: %q", got)
	}
	wantReasons(t, step(oldKey), "token_exchange_failed")
	if rs := peer.AssertionRefusals(); len(rs) == 0 || !strings.Contains(rs[len(rs)-1], "invalid_grant") {
		t.Fatalf("the provider's refusals %q", rs)
	}
}
