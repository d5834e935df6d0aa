package connect_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/lambdas/connect"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/mototest"
	"github.com/cognitobridge/cognitobridge/test/cognitofake"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// TestLinkingThroughTheConnectFlow: a signed-in native user starts, logs in
// at the provider in a browser, and the callback links exactly that
// provider identity to exactly this user; a replayed state, another
// user's access token on someone else's start, and an identity connected
// to someone else are refused; disconnecting removes the link.
func TestLinkingThroughTheConnectFlow(t *testing.T) {
	w := newWorld(t)
	for _, u := range []string{"alice", "bob", "mallory"} {
		w.native(u)
	}

	// Start: the authorize URL asks for a fresh login with state, nonce and
	// PKCE S256; the verifier stays server side.
	r := w.startFor(w.fresh("alice"))
	if r.Status != http.StatusOK {
		t.Fatalf("start: %d %v", r.Status, r.Body)
	}
	au, err := url.Parse(r.Body["authorizeUrl"].(string))
	if err != nil {
		t.Fatal(err)
	}
	q := au.Query()
	if au.Scheme+"://"+au.Host != w.peer.Issuer() || q.Get("response_type") != "code" || q.Get("client_id") != w.peer.ClientID() ||
		q.Get("redirect_uri") != redirectURI || q.Get("scope") != "openid email" || q.Get("state") != r.Body["state"] ||
		len(q.Get("nonce")) < 43 || q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 ||
		q.Get("max_age") != "0" || q.Get("prompt") != "login" || q.Has("code_verifier") {
		t.Fatalf("authorize URL %s", au)
	}
	if exp := int64(r.Body["expiresAt"].(float64)); exp < time.Now().Add(9*time.Minute).Unix() || exp > time.Now().Add(11*time.Minute).Unix() {
		t.Errorf("expiresAt %d", exp)
	}

	// The browser leg: alice logs in at the provider as her own identity.
	code, state, err := w.peer.BrowserLogin(w.ctx, au.String(), "alice@provider", "alice-pw")
	if err != nil {
		t.Fatal(err)
	}

	// Another user's access token cannot finish alice's start, and does not
	// spend it.
	wantError(t, w.callbackWith(w.fresh("mallory"), code, state), http.StatusBadRequest, connect.ErrCodeStateInvalid)
	if got := w.lastReason("connect-callback"); got != string(connect.ReasonStateNotYours) {
		t.Errorf("reason %s", got)
	}
	// Nor does alice's own token of another sign-in session.
	other := w.fresh("alice")
	other["origin_jti"] = "another-session"
	wantError(t, w.callbackWith(other, code, state), http.StatusBadRequest, connect.ErrCodeStateInvalid)
	if n := w.peer.Calls()[oidcpeer.EndpointToken]; n != 0 {
		t.Fatalf("token endpoint called %d times before the right caller", n)
	}

	// Alice finishes: the link is made for her, with the provider's sub.
	r = w.callbackWith(w.fresh("alice"), code, state)
	if r.Status != http.StatusOK || r.Body["connected"] != true || r.Body["provider"] != providerName {
		t.Fatalf("callback: %d %v; log %s", r.Status, r.Body, w.logText())
	}
	want := cognitofake.Link{UserPoolID: w.pool,
		Destination: cognitofake.Identifier{ProviderName: "Cognito", ProviderAttributeValue: "alice"},
		Source:      cognitofake.Identifier{ProviderName: providerName, ProviderAttributeName: "Cognito_Subject", ProviderAttributeValue: "prov-alice"}}
	if l := w.fake.Links(); len(l) != 1 || l[0] != want {
		t.Fatalf("links %+v, want %+v", l, want)
	}
	if ids := w.identities("alice"); len(ids) != 1 || ids[0]["providerName"] != providerName || ids[0]["userId"] != "prov-alice" {
		t.Fatalf("alice's identities %v", ids)
	}

	// A replayed state (and code): refused before the provider is asked.
	tokenCalls := w.peer.Calls()[oidcpeer.EndpointToken]
	wantError(t, w.callbackWith(w.fresh("alice"), code, state), http.StatusBadRequest, connect.ErrCodeStateInvalid)
	if got := w.lastReason("connect-callback"); got != string(connect.ReasonStateUnknown) {
		t.Errorf("replay reason %s", got)
	}
	if n := w.peer.Calls()[oidcpeer.EndpointToken]; n != tokenCalls {
		t.Errorf("replay reached the token endpoint")
	}

	// A foreign identity: bob logs in at the provider as alice's identity.
	code, state = w.login(w.steppedUp("bob"), "alice@provider", "alice-pw")
	wantError(t, w.callbackWith(w.steppedUp("bob"), code, state), http.StatusConflict, connect.ErrCodeIdentityInUse)
	if got := w.lastReason("connect-callback"); got != string(connect.ReasonIdentityOwned) {
		t.Errorf("foreign identity reason %s", got)
	}
	// An identity linked to someone outside this capability (here, the
	// trusted automatic link's call made directly): the owner record is
	// empty, Cognito refuses the second link (cognitofake's emulation, see
	// its package comment), and the claim is released.
	if _, err := w.cognito.AdminLinkProviderForUser(w.ctx, &cip.AdminLinkProviderForUserInput{UserPoolId: aws.String(w.pool),
		DestinationUser: &types.ProviderUserIdentifierType{ProviderName: aws.String("Cognito"), ProviderAttributeValue: aws.String("mallory")},
		SourceUser:      &types.ProviderUserIdentifierType{ProviderName: aws.String(providerName), ProviderAttributeName: aws.String("Cognito_Subject"), ProviderAttributeValue: aws.String("prov-carol")},
	}); err != nil {
		t.Fatal(err)
	}
	code, state = w.login(w.steppedUp("bob"), "carol@provider", "carol-pw")
	wantError(t, w.callbackWith(w.steppedUp("bob"), code, state), http.StatusConflict, connect.ErrCodeIdentityInUse)
	if got := w.lastReason("connect-callback"); got != string(connect.ReasonLinkRefused) {
		t.Errorf("identity linked elsewhere: reason %s", got)
	}
	// An identity that already has its own federated user in the pool.
	mototest.CreateUser(t, w.ctx, w.cognito, w.pool, providerName+"_prov-dave")
	code, state = w.login(w.steppedUp("bob"), "dave@provider", "dave-pw")
	wantError(t, w.callbackWith(w.steppedUp("bob"), code, state), http.StatusConflict, connect.ErrCodeIdentityInUse)
	if got := w.lastReason("connect-callback"); got != string(connect.ReasonIdentityHasUser) {
		t.Errorf("identity with its own user: reason %s", got)
	}
	if n := len(w.fake.Links()); n != 2 {
		t.Fatalf("links after refusals: %d", n)
	}

	// Bob connects his own identity.
	code, state = w.login(w.steppedUp("bob"), "bob@provider", "bob-pw")
	if r := w.callbackWith(w.steppedUp("bob"), code, state); r.Status != http.StatusOK {
		t.Fatalf("bob: %d %v", r.Status, r.Body)
	}
	// A second identity of the same provider for bob: refused.
	code, state = w.login(w.steppedUp("bob"), "dave@provider", "dave-pw")
	wantError(t, w.callbackWith(w.steppedUp("bob"), code, state), http.StatusConflict, connect.ErrCodeAlreadyConnected)

	// Disconnect: alice's identity goes; then another user may connect it
	// (the owner record is released), proving it is no longer alice's.
	r = w.invoke(w.disconnect, request(contract.ConnectDisconnectPath, w.fresh("alice"), ""))
	if r.Status != http.StatusOK || r.Body["disconnected"] != true {
		t.Fatalf("disconnect: %d %v", r.Status, r.Body)
	}
	if ids := w.identities("alice"); len(ids) != 0 {
		t.Fatalf("alice's identities after disconnect: %v", ids)
	}
	wantError(t, w.invoke(w.disconnect, request(contract.ConnectDisconnectPath, w.fresh("alice"), "")), http.StatusNotFound, connect.ErrCodeNotConnected)
	w.native("erin")
	code, state = w.login(w.fresh("erin"), "alice@provider", "alice-pw")
	if r := w.callbackWith(w.steppedUp("erin"), code, state); r.Status != http.StatusOK {
		t.Fatalf("erin after alice disconnected: %d %v", r.Status, r.Body)
	}

	// Logs: reasons and references only.
	logs := w.logText()
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m struct {
			Handler, Reason string
			Duration        float64 `json:"duration_ms"`
		}
		if json.Unmarshal([]byte(line), &m) == nil && (m.Reason == "connected" || m.Reason == "started") {
			t.Logf("%s %s in %.0f ms (moto, cognitofake and oidcpeer on loopback)", m.Handler, m.Reason, m.Duration)
		}
	}
	for _, secret := range []string{code, state, w.peer.ClientSecret(), "prov-alice", "prov-bob", `"alice"`, "eyJ"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("log carries %q: %s", secret, logs)
		}
	}
}
