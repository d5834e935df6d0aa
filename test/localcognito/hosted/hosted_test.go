package hosted_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/localcognito/hosted"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Verbose() {
		slog.SetDefault(slog.New(slog.DiscardHandler)) // the provider logs every request
	}
	os.Exit(m.Run())
}

const (
	pool     = "us-east-1_Hosted1"
	client   = "webclient"
	callback = "https://app.example/"
	verifier = "verifier-0123456789-0123456789-0123456789-0123456789"
)

// preSignUp is a TEST FAKE of the pool's pre sign-up function: it refuses
// the email refuse@example.com as the linking behaviour refuses a sign-up
// that matches a native user.
type preSignUp struct {
	mu     sync.Mutex
	events []map[string]any
}

func (p *preSignUp) Has(s localcognito.Slot) bool { return s == localcognito.SlotPreSignUp }
func (p *preSignUp) Invoke(ctx context.Context, s localcognito.Slot, ev []byte) ([]byte, error) {
	var m map[string]any
	json.Unmarshal(ev, &m)
	p.mu.Lock()
	p.events = append(p.events, m)
	p.mu.Unlock()
	attrs := m["request"].(map[string]any)["userAttributes"].(map[string]any)
	if attrs["email"] == "refuse@example.com" {
		return nil, fmt.Errorf("%w: %s", localcognito.ErrTriggerFailed, "An account with this email address already exists.")
	}
	return ev, nil
}

type env struct {
	t     *testing.T
	url   string
	srv   *localcognito.Server
	peer  *oidcpeer.Peer
	trig  *preSignUp
	plain *http.Client
}

func start(t *testing.T) *env {
	var h http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	peer := oidcpeer.Start(t, oidcpeer.Options{RedirectURI: ts.URL + "/oauth2/idpresponse", Users: []oidcpeer.User{
		{Username: "new", Password: "pw-new", Email: "new@example.com", EmailVerified: true},
		{Username: "clash", Password: "pw-clash", Email: "refuse@example.com", EmailVerified: true},
	}})
	trig := &preSignUp{}
	hostedFwd := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hostedHandler.ServeHTTP(w, r) })
	srv, err := localcognito.New(localcognito.Config{
		PoolID: pool,
		Clients: []localcognito.Client{{ID: client, Name: "web", CallbackURLs: []string{callback}, LogoutURLs: []string{callback},
			SupportedIdentityProviders: []string{"Mosaic", "COGNITO"}, AllowedOAuthFlows: []string{"code"}, AllowedOAuthScopes: []string{"openid", "email", "profile"}}},
		IdentityProviders: []localcognito.IdentityProvider{{Name: "Mosaic", Type: "OIDC", Issuer: peer.Issuer(), ClientID: peer.ClientID(), ClientSecret: peer.ClientSecret(),
			AuthorizeScopes: "openid email", AttributeMapping: map[string]string{"email": "email", "email_verified": "email_verified"}}},
		Triggers: trig,
	}, localcognito.Options{Hosted: hostedFwd})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetIssuer(ts.URL)
	hh, err := hosted.New(srv, hosted.Options{BaseURL: ts.URL})
	if err != nil {
		t.Fatal(err)
	}
	hostedHandler = hh
	h = srv.Handler()
	srv.SeedUser("ann", "Password-123", map[string]string{"email": "ann@example.com", "email_verified": "true"}, true)
	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &env{t: t, url: ts.URL, srv: srv, peer: peer, trig: trig, plain: plain}
}

var hostedHandler http.Handler

func challenge() string {
	s := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(s[:])
}

func (e *env) authorize(extra url.Values) *url.URL {
	e.t.Helper()
	q := url.Values{"client_id": {client}, "redirect_uri": {callback}, "response_type": {"code"}, "scope": {"openid email"},
		"state": {"app-state"}, "code_challenge": {challenge()}, "code_challenge_method": {"S256"}}
	for k, v := range extra {
		q[k] = v
	}
	return e.get(e.url + "/oauth2/authorize?" + q.Encode())
}

// get follows nothing and returns the Location (nil for a page).
func (e *env) get(u string) *url.URL {
	e.t.Helper()
	resp, err := e.plain.Get(u)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := resp.Location()
	return loc
}

// federate runs the provider leg for user and returns where the pool sends
// the browser back to the app.
func (e *env) federate(user, pw string) *url.URL {
	e.t.Helper()
	to := e.authorize(url.Values{"identity_provider": {"Mosaic"}})
	if to == nil || !strings.HasPrefix(to.String(), e.peer.AuthorizeURL()) || to.Query().Get("redirect_uri") != e.url+"/oauth2/idpresponse" || to.Query().Get("nonce") == "" || to.Query().Get("state") == "app-state" {
		e.t.Fatalf("authorize sent the browser to %v", to)
	}
	code, state, err := e.peer.BrowserLogin(context.Background(), to.String(), user, pw)
	if err != nil {
		e.t.Fatal(err)
	}
	back := e.get(e.url + "/oauth2/idpresponse?" + url.Values{"code": {code}, "state": {state}}.Encode())
	if back == nil {
		e.t.Fatal("idpresponse did not redirect")
	}
	return back
}

func (e *env) redeem(code, v string) (map[string]any, int) {
	e.t.Helper()
	resp, err := e.plain.PostForm(e.url+"/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {client}, "code": {code}, "redirect_uri": {callback}, "code_verifier": {v}})
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return m, resp.StatusCode
}

func TestFederatedSignInThroughHostedEndpoints(t *testing.T) {
	e := start(t)
	back := e.federate("new", "pw-new")
	if !strings.HasPrefix(back.String(), callback) || back.Query().Get("state") != "app-state" || back.Query().Get("code") == "" {
		t.Fatalf("back to the app: %v", back)
	}
	if ev := e.trig.events[0]; ev["triggerSource"] != "PreSignUp_ExternalProvider" || ev["userName"] != "Mosaic_sub-new" {
		t.Fatalf("pre sign-up event %v", ev)
	}
	if _, st := e.redeem(back.Query().Get("code"), "wrong-verifier-0123456789-0123456789-0123456789"); st != http.StatusBadRequest {
		t.Fatalf("wrong verifier: %d", st)
	}
	// The code was consumed by the failed attempt: sign in again.
	back = e.federate("new", "pw-new")
	toks, st := e.redeem(back.Query().Get("code"), verifier)
	if st != http.StatusOK {
		t.Fatalf("token: %d %v", st, toks)
	}
	if _, st := e.redeem(back.Query().Get("code"), verifier); st != http.StatusBadRequest {
		t.Fatal("a code redeemed twice")
	}
	ctx := context.Background()
	prov, err := oidc.NewProvider(ctx, e.srv.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	idt, err := prov.Verifier(&oidc.Config{ClientID: client}).Verify(ctx, toks["id_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	idt.Claims(&c)
	ids, _ := c["identities"].([]any)
	if c["cognito:username"] != "Mosaic_sub-new" || c["email"] != "new@example.com" || c["email_verified"] != true || len(ids) != 1 {
		t.Fatalf("ID token claims %v", c)
	}
	req, _ := http.NewRequest(http.MethodGet, e.url+"/oauth2/userInfo", nil)
	req.Header.Set("Authorization", "Bearer "+toks["access_token"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("userInfo: %v %v", resp, err)
	}
	var info map[string]any
	json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if info["email"] != "new@example.com" || info["username"] != "Mosaic_sub-new" {
		t.Fatalf("userInfo %v", info)
	}
	r2, err := e.plain.PostForm(e.url+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {client}, "refresh_token": {toks["refresh_token"].(string)}})
	if err != nil || r2.StatusCode != 200 {
		t.Fatalf("refresh: %v %v", r2, err)
	}
	r2.Body.Close()

	// Signed out (RevokeToken, as Amplify's signOut does), the refresh
	// token is refused by the token endpoint too.
	rq, _ := http.NewRequest(http.MethodPost, e.url+"/", strings.NewReader(`{"ClientId":"`+client+`","Token":"`+toks["refresh_token"].(string)+`"}`))
	rq.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.RevokeToken")
	rq.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r3, err := http.DefaultClient.Do(rq)
	if err != nil || r3.StatusCode != 200 {
		t.Fatalf("RevokeToken: %v %v", r3, err)
	}
	r3.Body.Close()
	r4, err := e.plain.PostForm(e.url+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {client}, "refresh_token": {toks["refresh_token"].(string)}})
	if err != nil {
		t.Fatal(err)
	}
	var refusal map[string]any
	json.NewDecoder(r4.Body).Decode(&refusal)
	r4.Body.Close()
	if r4.StatusCode != http.StatusBadRequest || refusal["error"] != "invalid_grant" {
		t.Fatalf("refresh after RevokeToken: %d %v", r4.StatusCode, refusal)
	}
}

func TestPreSignUpRefusalReachesTheApp(t *testing.T) {
	e := start(t)
	back := e.federate("clash", "pw-clash")
	q := back.Query()
	if q.Get("error") != "invalid_request" || q.Get("state") != "app-state" || q.Get("code") != "" ||
		q.Get("error_description") != "PreSignUp failed with error An account with this email address already exists.. " {
		t.Fatalf("refusal redirect %v", back)
	}
}

func TestNativeSignInOnTheLoginPage(t *testing.T) {
	e := start(t)
	to := e.authorize(nil)
	if to == nil || !strings.HasPrefix(to.Path, "/login") {
		t.Fatalf("authorize without a provider went to %v", to)
	}
	id := to.Query().Get("id")
	post := func(pw string) *http.Response {
		resp, err := e.plain.PostForm(e.url+"/login", url.Values{"id": {id}, "username": {"ann"}, "password": {pw}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := post("wrong"); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("wrong password: %d", r.StatusCode)
	}
	loc, _ := post("Password-123").Location()
	if loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("login: %v", loc)
	}
	if toks, st := e.redeem(loc.Query().Get("code"), verifier); st != 200 || toks["id_token"] == nil {
		t.Fatalf("token %d", st)
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	e := start(t)
	for name, extra := range map[string]url.Values{
		"unregistered redirect_uri": {"redirect_uri": {"https://evil.example/"}},
		"unknown client":            {"client_id": {"nope"}},
	} {
		if loc := e.authorize(extra); loc != nil {
			t.Errorf("%s: redirected to %v", name, loc)
		}
	}
	for name, c := range map[string]struct {
		extra url.Values
		want  string
	}{
		"scope not allowed":    {url.Values{"scope": {"openid admin"}}, "invalid_scope"},
		"plain PKCE":           {url.Values{"code_challenge_method": {"plain"}}, "invalid_request"},
		"unsupported provider": {url.Values{"identity_provider": {"Other"}}, "invalid_request"},
		"implicit":             {url.Values{"response_type": {"token"}}, "unauthorized_client"},
	} {
		loc := e.authorize(c.extra)
		if loc == nil || loc.Query().Get("error") != c.want || !strings.HasPrefix(loc.String(), callback) {
			t.Errorf("%s: %v", name, loc)
		}
	}
}
