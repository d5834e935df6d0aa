package e2e

// private_key_jwt in the connect flow (issue 18): the real connect-callback
// binary authenticates to the loopback provider's token endpoint with a
// client assertion signed by a key in moto's KMS (see clientkey_test.go),
// as connect's own client at the provider (oidcpeer.Options.KeyClientID),
// while the pool's federation keeps authenticating its own client with the
// client secret. The callback's environment holds no secret ARN.

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// acctKeyClient is connect's own client at the provider.
const acctKeyClient = "mosaic-connect-client"

// newKeyAccountWorld is the account world with connect on private_key_jwt:
// a key in moto's KMS registered for connect's client; the functions sign
// with it (aud = the issuer, what zitadel requires) and have no secret.
func newKeyAccountWorld(t *testing.T) (*accountWorld, kmsKey) {
	t.Helper()
	var key kmsKey
	w := newAccountWorldWith(t, worldOptions{mapping: sampleMapping(t), keyClientID: acctKeyClient,
		env: func(t *testing.T, moto string, peer *oidcpeer.Peer) map[string]string {
			key = createKMSKey(t, moto, contract.ClientAssertionRS256)
			peer.SetKeyClientKeys(key.jwk)
			env := keyEnv(key, contract.AudienceIssuer)
			env[contract.EnvClientID] = peer.KeyClientID()
			env[contract.EnvSecretARN] = "" // none: nothing to read
			env["AWS_ENDPOINT_URL_KMS"] = moto
			return env
		}})
	return w, key
}

// connectRefused asserts a refused connect left Ann without an identity
// and sent no account event.
func (w *accountWorld) connectRefused(status int, body map[string]any, wantStatus int, wantError string) {
	w.t.Helper()
	if status != wantStatus || body["error"] != wantError {
		w.t.Fatalf("connect: %d %v, want %d %s\n%s", status, body, wantStatus, wantError, w.callback.output(w.t))
	}
	if ids := identitiesOf(w.user("ann")); ids != "" {
		w.t.Fatalf("Ann's identities after the refused connect: %s", ids)
	}
	if evs := w.accountEvents(); len(evs) != 0 {
		w.t.Fatalf("account events after the refused connect: %v", evs)
	}
}

// TestPrivateKeyJWTConnect: Ann connects her Mosaic account; the callback's
// code exchange carries a KMS-signed client assertion of connect's own
// client (iss = sub = that client, aud = the issuer, a jti, exp within 5
// minutes, kid of the registered key) and no secret. The pool's federated
// sign-in, on its own client with the secret, keeps working and lands on
// Ann's account.
func TestPrivateKeyJWTConnect(t *testing.T) {
	w, key := newKeyAccountWorld(t)
	if _, ok := w.env[contract.EnvSecretARN]; ok {
		t.Fatal("the connect functions have a secret ARN")
	}

	var status int
	var body map[string]any
	got := refusals(t, w.callback, func() { status, body = w.connect(w.signIn("ann"), "ann@mosaic", "ann-mosaic-pw") })
	if status != http.StatusOK || body["connected"] != true {
		t.Fatalf("Ann's connect: %d %v\n%s", status, body, w.callback.output(t))
	}
	if !slices.Equal(got, []string{"connected/"}) {
		t.Fatalf("callback decisions %q", got)
	}
	if ids := identitiesOf(w.user("ann")); !strings.Contains(ids, `"userId":"mosaic-ann"`) {
		t.Fatalf("Ann's identities: %s", ids)
	}
	as := w.peer.Assertions()
	if len(as) != 1 {
		t.Fatalf("the provider received %d client assertions, want 1", len(as))
	}
	jws, err := jose.ParseSigned(as[0], []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	if kid := jws.Signatures[0].Header.KeyID; kid != key.jwk.KeyID {
		t.Errorf("kid %q, want the registered %q", kid, key.jwk.KeyID)
	}
	if _, err := jws.Verify(key.jwk); err != nil {
		t.Fatalf("the assertion does not verify with the registered key: %v", err)
	}
	c := assertionClaims(t, as[0])
	if c.Issuer != acctKeyClient || c.Subject != acctKeyClient || c.Audience != w.peer.Issuer() || c.ID == "" ||
		c.Expiry-c.IssuedAt > 300 || c.Expiry <= time.Now().Unix() {
		t.Errorf("assertion claims %+v", c)
	}
	if evs := w.accountEvents(); len(evs) != 1 {
		t.Fatalf("account events %v, want the connect's", evs)
	}

	// The federation's client (Cognito's, with the secret) is untouched:
	// Ann signs in through Mosaic onto her account, no second user.
	w.federatedSignIn("ann@mosaic", "ann-mosaic-pw")
	if ids := identitiesOf(w.user("ann")); !strings.Contains(ids, `"userId":"mosaic-ann"`) {
		t.Fatalf("Ann's identities after the federated sign-in: %s", ids)
	}
	if n := len(w.peer.Assertions()); n != 1 {
		t.Fatalf("the federated sign-in sent a client assertion (%d in all): it authenticates with the secret", n)
	}
}

// TestAttackConnectClientAssertionSignedByAnotherKey: the callback's
// assertion is signed by a key the provider never registered for connect's
// client, naming the registered key's kid (a mis-set key ARN, a role of
// another deployment). The provider refuses the exchange; the connect fails
// closed (400 provider_login_failed; log reason token_exchange_failed with
// oauthError invalid_grant, zitadel's code for a refused assertion): no
// identity, no account event. Beside it, Ann's rightful connect passes.
func TestAttackConnectClientAssertionSignedByAnotherKey(t *testing.T) {
	w, _ := newKeyAccountWorld(t)
	other := createKMSKey(t, w.moto, contract.ClientAssertionRS256)
	env := map[string]string{}
	for k, v := range w.env {
		env[k] = v
	}
	env[contract.EnvClientAssertionKey] = other.arn
	rightful := w.callback
	w.callback = startFunction(t, binConnectCallback, env)

	var status int
	var body map[string]any
	got := refusals(t, w.callback, func() { status, body = w.connect(w.signIn("ann"), "ann@mosaic", "ann-mosaic-pw") })
	w.connectRefused(status, body, http.StatusBadRequest, "provider_login_failed")
	if !slices.Equal(got, []string{"token_exchange_failed/invalid_grant"}) {
		t.Fatalf("callback decisions %q", got)
	}
	if rs := w.peer.AssertionRefusals(); len(rs) != 1 || !strings.Contains(rs[0], "invalid_grant: invalid signature") {
		t.Fatalf("the provider's refusals %q", rs)
	}

	w.callback = rightful
	status, body = w.connect(w.signIn("ann"), "ann@mosaic", "ann-mosaic-pw")
	if status != http.StatusOK || body["connected"] != true {
		t.Fatalf("Ann's rightful connect: %d %v\n%s", status, body, w.callback.output(t))
	}
}

// TestAttackConnectClientAssertionReplayed: an assertion the provider
// already accepted (read off a proxy or a log) is presented again with a
// new code, for Ann's connect. The provider refuses it as invalid_client;
// the connect fails closed with client_auth_refused (503 unavailable: the
// deployment's client authentication, not the user, failed). Bob's rightful
// connect before it passed.
func TestAttackConnectClientAssertionReplayed(t *testing.T) {
	w, _ := newKeyAccountWorld(t)
	// Bob's rightful connect (another address at Mosaic, after a fresh
	// step-up): its assertion is accepted.
	status, body := w.connect(steppedUp(w.signIn("bob")), "bob@mosaic", "bob-mosaic-pw")
	if status != http.StatusOK {
		t.Fatalf("Bob's rightful connect: %d %v\n%s", status, body, w.callback.output(t))
	}

	first := w.peer.Assertions()[0]
	w.peer.SetAssertionMutator(func(string) string { return first })
	got := refusals(t, w.callback, func() { status, body = w.connect(w.signIn("ann"), "ann@mosaic", "ann-mosaic-pw") })
	w.peer.SetAssertionMutator(nil)
	if status != http.StatusServiceUnavailable || body["error"] != "unavailable" {
		t.Fatalf("the replayed assertion's connect: %d %v\n%s", status, body, w.callback.output(t))
	}
	if !slices.Equal(got, []string{"client_auth_refused/invalid_client"}) {
		t.Fatalf("callback decisions %q", got)
	}
	if rs := w.peer.AssertionRefusals(); len(rs) != 1 || !strings.Contains(rs[0], oidcpeer.ReplayedJTI) {
		t.Fatalf("the provider's refusals %q", rs)
	}
	if ids := identitiesOf(w.user("ann")); ids != "" {
		t.Fatalf("Ann's identities after the refused connect: %s", ids)
	}
	if evs := w.accountEvents(); len(evs) != 1 {
		t.Fatalf("account events %v, want Bob's connect alone", evs)
	}
}
