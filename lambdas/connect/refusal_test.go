package connect_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/connect"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// TestCallerChecks: the handlers act only for a fresh access token of the
// configured client and issuer, as the JWT authorizer passed it.
func TestCallerChecks(t *testing.T) {
	w := newWorld(t)
	w.native("alice")
	edit := func(f func(token)) token { c := w.fresh("alice"); f(c); return c }
	for _, tc := range []struct {
		name   string
		claims token
		status int
		code   string
		reason connect.Reason
	}{
		{"no authorizer", nil, http.StatusForbidden, connect.ErrCodeForbidden, connect.ReasonTokenInvalid},
		{"ID token", edit(func(c token) { c["token_use"] = "id" }), http.StatusForbidden, connect.ErrCodeForbidden, connect.ReasonTokenInvalid},
		{"other client", edit(func(c token) { c["client_id"] = "other" }), http.StatusForbidden, connect.ErrCodeForbidden, connect.ReasonTokenInvalid},
		{"other issuer", edit(func(c token) { c["iss"] = tokenIssuerFm + "us-east-1_Other" }), http.StatusForbidden, connect.ErrCodeForbidden, connect.ReasonTokenInvalid},
		{"no username", edit(func(c token) { delete(c, "username") }), http.StatusForbidden, connect.ErrCodeForbidden, connect.ReasonTokenInvalid},
		{"control character", edit(func(c token) { c["username"] = "alice\n" }), http.StatusForbidden, connect.ErrCodeForbidden, connect.ReasonTokenInvalid},
		{"no auth_time", edit(func(c token) { delete(c, "auth_time") }), http.StatusUnauthorized, connect.ErrCodeReauthenticate, connect.ReasonReauthRequired},
		{"stale sign-in", w.accessToken("alice", time.Now().Add(-16*time.Minute)), http.StatusUnauthorized, connect.ErrCodeReauthenticate, connect.ReasonReauthRequired},
		{"future sign-in", w.accessToken("alice", time.Now().Add(10*time.Minute)), http.StatusUnauthorized, connect.ErrCodeReauthenticate, connect.ReasonReauthRequired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, h := range []struct {
				name string
				call func() reply
			}{
				{"connect-start", func() reply { return w.startFor(tc.claims) }},
				{"connect-callback", func() reply { return w.callbackWith(tc.claims, "code", "state") }},
				{"connect-disconnect", func() reply {
					return w.invoke(w.disconnect, request(contract.ConnectDisconnectPath, tc.claims, ""))
				}},
			} {
				r := h.call()
				wantError(t, r, tc.status, tc.code)
				if got := w.lastReason(h.name); got != string(tc.reason) {
					t.Errorf("%s: reason %s, want %s", h.name, got, tc.reason)
				}
				if tc.status == http.StatusUnauthorized {
					if a := r.Headers["WWW-Authenticate"]; !strings.Contains(a, `error="insufficient_user_authentication"`) || !strings.Contains(a, "max_age=900") {
						t.Errorf("%s: WWW-Authenticate %q", h.name, a)
					}
				}
			}
		})
	}
	if n := w.peer.Calls()[oidcpeer.EndpointDiscovery]; n != 0 {
		t.Errorf("discovery called %d times for refused callers", n)
	}
}

// TestRequestChecks: bounded, strict bodies and the method.
func TestRequestChecks(t *testing.T) {
	w := newWorld(t)
	w.native("alice")
	long := strings.Repeat("a", connect.MaxBody+1)
	for _, tc := range []struct {
		name string
		h    func() reply
		code string
	}{
		{"start with fields", func() reply {
			return w.invoke(w.start, request(contract.ConnectStartPath, w.fresh("alice"), `{"redirect":"x"}`))
		}, connect.ErrCodeBadRequest},
		{"start not JSON", func() reply { return w.invoke(w.start, request(contract.ConnectStartPath, w.fresh("alice"), `x`)) }, connect.ErrCodeBadRequest},
		{"start too large", func() reply { return w.invoke(w.start, request(contract.ConnectStartPath, w.fresh("alice"), long)) }, connect.ErrCodeBadRequest},
		{"callback empty", func() reply { return w.invoke(w.callback, request(contract.ConnectCallbackPath, w.fresh("alice"), "")) }, connect.ErrCodeBadRequest},
		{"callback extra field", func() reply {
			return w.invoke(w.callback, request(contract.ConnectCallbackPath, w.fresh("alice"), `{"code":"c","state":"s","sub":"x"}`))
		}, connect.ErrCodeBadRequest},
		{"callback two objects", func() reply {
			return w.invoke(w.callback, request(contract.ConnectCallbackPath, w.fresh("alice"), `{"code":"c","state":"s"}{}`))
		}, connect.ErrCodeBadRequest},
		{"callback no state", func() reply {
			return w.invoke(w.callback, request(contract.ConnectCallbackPath, w.fresh("alice"), `{"code":"c"}`))
		}, connect.ErrCodeBadRequest},
		{"callback space in code", func() reply { return w.callbackWith(w.fresh("alice"), "c d", "s") }, connect.ErrCodeBadRequest},
		{"callback long state", func() reply { return w.callbackWith(w.fresh("alice"), "c", strings.Repeat("s", connect.MaxStateLen+1)) }, connect.ErrCodeBadRequest},
		{"callback unknown state", func() reply { return w.callbackWith(w.fresh("alice"), "c", "never-issued") }, connect.ErrCodeStateInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) { wantError(t, tc.h(), http.StatusBadRequest, tc.code) })
	}
	get := request(contract.ConnectStartPath, w.fresh("alice"), "")
	get.RequestContext.HTTP.Method = http.MethodGet
	wantError(t, w.invoke(w.start, get), http.StatusMethodNotAllowed, "method_not_allowed")
	// A base64 body (API Gateway encodes some content types) decodes.
	b64 := request(contract.ConnectStartPath, w.fresh("alice"), base64.StdEncoding.EncodeToString([]byte(`{}`)))
	b64.IsBase64Encoded = true
	if r := w.invoke(w.start, b64); r.Status != http.StatusOK {
		t.Fatalf("base64 {}: %d %v", r.Status, r.Body)
	}
}

// TestProviderLoginChecks: the callback links only on an ID token that
// passes every check Verify applies, for this start; each refusal leaves
// no link.
func TestProviderLoginChecks(t *testing.T) {
	w := newWorld(t)
	w.native("alice")
	run := func(t *testing.T, status int, code string, reason connect.Reason) {
		t.Helper()
		c, s := w.login(w.fresh("alice"), "alice@provider", "alice-pw")
		wantError(t, w.callbackWith(w.fresh("alice"), c, s), status, code)
		if got := w.lastReason("connect-callback"); got != string(reason) {
			t.Errorf("reason %s, want %s", got, reason)
		}
		if n := len(w.fake.Links()); n != 0 {
			t.Fatalf("linked after a refusal: %d", n)
		}
	}
	for _, tc := range []struct {
		name    string
		mutator func() func(string) string
		fault   oidcpeer.FaultKind
		reason  connect.Reason
		status  int
		code    string
	}{
		{name: "forged signature", mutator: func() func(string) string { return w.peer.ForgeSignature() }, reason: connect.ReasonIDTokenInvalid},
		{name: "alg none", mutator: func() func(string) string { return w.peer.AlgNone() }, reason: connect.ReasonIDTokenInvalid},
		{name: "HS256 with the public key", mutator: func() func(string) string { return w.peer.HS256WithPublicKey(oidcpeer.KeyPEM) }, reason: connect.ReasonIDTokenInvalid},
		{name: "other nonce", mutator: func() func(string) string {
			return w.peer.ResignWithClaims(func(c map[string]any) { c["nonce"] = "another-start" })
		}, reason: connect.ReasonNonceMismatch},
		{name: "no nonce", mutator: func() func(string) string {
			return w.peer.ResignWithClaims(func(c map[string]any) { delete(c, "nonce") })
		}, reason: connect.ReasonNonceMismatch},
		{name: "other audience", mutator: func() func(string) string {
			return w.peer.ResignWithClaims(func(c map[string]any) { c["aud"] = "other-client" })
		}, reason: connect.ReasonIDTokenInvalid},
		{name: "azp of another client", mutator: func() func(string) string {
			return w.peer.ResignWithClaims(func(c map[string]any) { c["aud"] = []string{w.peer.ClientID(), "x"}; c["azp"] = "x" })
		}, reason: connect.ReasonIDTokenInvalid},
		{name: "other issuer", mutator: func() func(string) string {
			return w.peer.ResignWithClaims(func(c map[string]any) { c["iss"] = "https://evil.example.com" })
		}, reason: connect.ReasonIDTokenInvalid},
		{name: "expired", mutator: func() func(string) string {
			return w.peer.ResignWithClaims(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() })
		}, reason: connect.ReasonIDTokenInvalid},
		{name: "login before the start", mutator: func() func(string) string {
			return w.peer.ResignWithClaims(func(c map[string]any) { c["auth_time"] = time.Now().Add(-time.Hour).Unix() })
		}, reason: connect.ReasonAuthStale},
		{name: "no auth_time", mutator: func() func(string) string {
			return w.peer.ResignWithClaims(func(c map[string]any) { delete(c, "auth_time") })
		}, reason: connect.ReasonAuthStale},
		{name: "no id_token", mutator: func() func(string) string { return func(string) string { return "" } }, reason: connect.ReasonIDTokenMissing},
		{name: "token endpoint 500", fault: oidcpeer.FaultHTTP500, reason: connect.ReasonTokenExchangeFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.mutator != nil {
				w.peer.SetTokenMutator(tc.mutator())
				defer w.peer.SetTokenMutator(nil)
			}
			if tc.fault != oidcpeer.FaultNone {
				w.peer.SetTokenEndpointFault(oidcpeer.Fault{Kind: tc.fault})
				defer w.peer.SetTokenEndpointFault(oidcpeer.Fault{})
			}
			run(t, http.StatusBadRequest, connect.ErrCodeProviderLogin, tc.reason)
		})
	}
	t.Run("code of another start", func(t *testing.T) {
		// Two starts; the code of the first is posted with the second's
		// state: the second's PKCE verifier does not match the code.
		c1, _ := w.login(w.fresh("alice"), "alice@provider", "alice-pw")
		_, s2 := w.login(w.fresh("alice"), "alice@provider", "alice-pw")
		wantError(t, w.callbackWith(w.fresh("alice"), c1, s2), http.StatusBadRequest, connect.ErrCodeProviderLogin)
		if got := w.lastReason("connect-callback"); got != string(connect.ReasonTokenExchangeFailed) {
			t.Errorf("reason %s", got)
		}
	})
	t.Run("expired start", func(t *testing.T) {
		c, s := w.login(w.fresh("alice"), "alice@provider", "alice-pw")
		w.callbackH.Now = func() time.Time { return time.Now().Add(11 * time.Minute) }
		defer func() { w.callbackH.Now = time.Now }()
		// The caller's sign-in is still fresh at that time.
		wantError(t, w.callbackWith(w.accessToken("alice", time.Now().Add(10*time.Minute)), c, s), http.StatusBadRequest, connect.ErrCodeStateInvalid)
		if got := w.lastReason("connect-callback"); got != string(connect.ReasonStateExpired) {
			t.Errorf("reason %s", got)
		}
	})
	t.Run("warm session of a provider that ignores prompt", func(t *testing.T) {
		// The provider answers without a login, with the old auth_time.
		w.peer.SetWarmSessionSince("alice@provider", time.Now().Add(-time.Hour), false)
		defer w.peer.ClearWarmSession()
		r := w.startFor(w.fresh("alice"))
		c, s, err := w.peer.SilentAuthorize(w.ctx, r.Body["authorizeUrl"].(string))
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, w.callbackWith(w.fresh("alice"), c, s), http.StatusBadRequest, connect.ErrCodeProviderLogin)
		if got := w.lastReason("connect-callback"); got != string(connect.ReasonAuthStale) {
			t.Errorf("reason %s", got)
		}
	})
	t.Run("rotated secret", func(t *testing.T) {
		// The provider accepts only the new secret; the cached old one gets
		// invalid_client, the handler refetches once and succeeds.
		sm := secretsmanager.New(secretsmanager.Options{Region: motoserver.Region, Credentials: motoserver.Credentials, BaseEndpoint: aws.String(w.moto)})
		c, s := w.login(w.fresh("alice"), "alice@provider", "alice-pw")
		w.peer.RotateClientSecret("rotated-secret")
		if _, err := sm.PutSecretValue(w.ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(w.cfg.SecretARN),
			SecretString: aws.String(`{"clientSecret":"rotated-secret"}`)}); err != nil {
			t.Fatal(err)
		}
		if r := w.callbackWith(w.fresh("alice"), c, s); r.Status != http.StatusOK {
			t.Fatalf("after rotation: %d %v; log %s", r.Status, r.Body, w.logText())
		}
	})
}

// TestDestinationChecks: the link goes only to the token's own native,
// enabled user with room for it.
func TestDestinationChecks(t *testing.T) {
	w := newWorld(t)
	for _, u := range []string{"alice", "bob", "full", "off"} {
		w.native(u)
	}
	// A re-created user: the token's sub is not the user's any more.
	stale := w.fresh("alice")
	stale["sub"] = w.subs["bob"]
	c, s := w.login(stale, "alice@provider", "alice-pw")
	wantError(t, w.callbackWith(stale, c, s), http.StatusForbidden, connect.ErrCodeForbidden)
	if got := w.lastReason("connect-callback"); got != string(connect.ReasonUserMismatch) {
		t.Errorf("reason %s", got)
	}
	// Five identities already.
	for i, p := range []string{"a", "b", "c", "d", "e"} {
		if _, err := w.cognito.AdminLinkProviderForUser(w.ctx, &cip.AdminLinkProviderForUserInput{UserPoolId: aws.String(w.pool),
			DestinationUser: &types.ProviderUserIdentifierType{ProviderName: aws.String("Cognito"), ProviderAttributeValue: aws.String("full")},
			SourceUser:      &types.ProviderUserIdentifierType{ProviderName: aws.String(p), ProviderAttributeName: aws.String("Cognito_Subject"), ProviderAttributeValue: aws.String(p + "-sub")},
		}); err != nil {
			t.Fatalf("link %d: %v", i, err)
		}
	}
	c, s = w.login(w.fresh("full"), "alice@provider", "alice-pw")
	wantError(t, w.callbackWith(w.fresh("full"), c, s), http.StatusConflict, connect.ErrCodeLinkLimit)
	// A disabled user.
	if _, err := w.cognito.AdminDisableUser(w.ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(w.pool), Username: aws.String("off")}); err != nil {
		t.Fatal(err)
	}
	c, s = w.login(w.fresh("off"), "alice@provider", "alice-pw")
	wantError(t, w.callbackWith(w.fresh("off"), c, s), http.StatusForbidden, connect.ErrCodeForbidden)
	if got := w.lastReason("connect-callback"); got != string(connect.ReasonUserDisabled) {
		t.Errorf("reason %s", got)
	}
	// Cognito failing: refused as unavailable, the claim released, so the
	// next attempt goes through.
	w.fake.FailNext("AdminLinkProviderForUser", "InternalErrorException", "boom")
	c, s = w.login(w.steppedUp("bob"), "bob@provider", "bob-pw")
	wantError(t, w.callbackWith(w.steppedUp("bob"), c, s), http.StatusServiceUnavailable, connect.ErrCodeUnavailable)
	c, s = w.login(w.steppedUp("bob"), "bob@provider", "bob-pw")
	if r := w.callbackWith(w.steppedUp("bob"), c, s); r.Status != http.StatusOK {
		t.Fatalf("after a failed link: %d %v", r.Status, r.Body)
	}
	if strings.Contains(w.logText(), "boom") {
		t.Errorf("AWS message logged")
	}
}

// TestBudget: a hanging token endpoint is given up inside the function's
// 5 s, with a margin to answer.
func TestBudget(t *testing.T) {
	w := newWorld(t)
	w.native("alice")
	c, s := w.login(w.fresh("alice"), "alice@provider", "alice-pw")
	w.peer.SetTokenEndpointFault(oidcpeer.Fault{Kind: oidcpeer.FaultHang})
	defer w.peer.SetTokenEndpointFault(oidcpeer.Fault{})
	ctx, cancel := context.WithTimeout(w.ctx, 5*time.Second) // the Lambda deadline
	defer cancel()
	old := w.ctx
	w.ctx = ctx
	defer func() { w.ctx = old }()
	began := time.Now()
	r := w.callbackWith(w.fresh("alice"), c, s)
	took := time.Since(began)
	if r.Status != http.StatusServiceUnavailable || took > 4800*time.Millisecond || took < 3*time.Second {
		t.Fatalf("hanging provider: %d %v after %v", r.Status, r.Body, took)
	}
	t.Logf("hanging token endpoint refused after %v (%s)", took.Round(time.Millisecond), w.lastReason("connect-callback"))
}
