package e2e

// Issue 14, sections 1 and 2, end to end: the connect binaries
// (lambdas/cmd/connect-start, connect-callback) run as processes against a
// Runtime API of their own, with moto's DynamoDB, Secrets Manager and
// EventBridge (a rule on the default bus delivering to a moto log group,
// as the mosaic-passwordless sample routes the account events), the real
// OpenID Provider on loopback playing Mosaic, and the local Cognito
// endpoint (test/localcognito, with its hosted endpoints) holding the users
// and answering AdminGetUser and AdminLinkProviderForUser. The provider's
// attribute mapping is the one the mosaic-passwordless golden template
// ships. The API Gateway JWT authorizer is not run: the functions get the
// claims of an access token the local pool issued after the password
// check, as the authorizer passes them on (strings).

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/localcognito/hosted"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// Binaries of the connect capability.
const (
	binConnectStart    = "connect-start"
	binConnectCallback = "connect-callback"
)

// The account world's names.
const (
	acctPool      = "us-east-1_Account1"
	acctClient    = "hostedclient0000000000000"
	acctAppURL    = "https://app.example.com/"
	acctConnectCB = "https://app.example.com/callback.html"
	acctProvider  = "Mosaic"
	acctPassword  = "Victim-Passw0rd!"
)

// Provider accounts (the loopback Mosaic).
var acctProviderUsers = []oidcpeer.User{
	// The victim's own provider account: the victim's verified email.
	{Username: "ann@mosaic", Password: "ann-mosaic-pw", Subject: "mosaic-ann", Email: "ann@example.com", EmailVerified: true},
	// The thief's provider account: their own address.
	{Username: "thief@mosaic", Password: "thief-mosaic-pw", Subject: "mosaic-thief", Email: "thief@example.net", EmailVerified: true},
	// Bob's provider account under another address of his.
	{Username: "bob@mosaic", Password: "bob-mosaic-pw", Subject: "mosaic-bob", Email: "bob.private@example.net", EmailVerified: true},
}

type accountWorld struct {
	t        *testing.T
	ctx      context.Context
	base     string // the local Cognito endpoint (API and hosted endpoints)
	pool     *localcognito.Server
	peer     *oidcpeer.Peer
	cog      *cip.Client
	moto     string
	group    string
	start    *function
	callback *function
	plain    *http.Client
	env      map[string]string // the connect functions' environment
}

// sampleMapping is the attribute mapping of the Mosaic provider in the
// mosaic-passwordless golden template.
func sampleMapping(t *testing.T) map[string]string {
	t.Helper()
	return mappingOf(t, filepath.Join("..", "testdata", "mosaic-passwordless.template.json"))
}

// mappingOf is the attribute mapping of the identity provider of a golden
// template.
func mappingOf(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]struct {
			Type       string
			Properties struct{ AttributeMapping map[string]string }
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Resources {
		if r.Type == "AWS::Cognito::UserPoolIdentityProvider" {
			return r.Properties.AttributeMapping
		}
	}
	t.Fatalf("no identity provider in %s", path)
	return nil
}

// standardMapping is what the sample mapped before issue 14, and what a
// provider declared TrustedForAttributes maps.
var standardMapping = map[string]string{"email": "email", "email_verified": "email_verified"}

func newAccountWorld(t *testing.T, mapping map[string]string) *accountWorld {
	t.Helper()
	return newAccountWorldWith(t, worldOptions{mapping: mapping})
}

// worldOptions vary the account world: the provider's mapping, its scopes
// (authorize and connect; default "openid email"), further provider
// accounts, and further attributes of the seeded native users.
type worldOptions struct {
	mapping       map[string]string
	scopes        string
	providerUsers []oidcpeer.User
	seed          map[string]map[string]string // user -> extra attributes
	// keyClientID registers a second client at the provider for
	// private_key_jwt only (oidcpeer.Options.KeyClientID); env, when set,
	// changes the connect functions' environment once moto and the
	// provider run (a value "" removes the key).
	keyClientID string
	env         func(t *testing.T, moto string, peer *oidcpeer.Peer) map[string]string
}

func newAccountWorldWith(t *testing.T, o worldOptions) *accountWorld {
	t.Helper()
	mapping := o.mapping
	scopes := o.scopes
	if scopes == "" {
		scopes = "openid email"
	}
	if testing.Short() {
		t.Skip("-short: starts moto_server, an OpenID Provider and the connect binaries")
	}
	moto := startMoto(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	w := &accountWorld{t: t, ctx: ctx, plain: &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}

	var h http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { h.ServeHTTP(rw, r) }))
	t.Cleanup(ts.Close)
	w.base = ts.URL
	w.peer = oidcpeer.Start(t, oidcpeer.Options{RedirectURIs: []string{ts.URL + "/oauth2/idpresponse", acctConnectCB}, Users: append(append([]oidcpeer.User(nil), acctProviderUsers...), o.providerUsers...),
		KeyClientID: o.keyClientID})

	var hostedH http.Handler
	custom := map[string]bool{}
	for attr := range mapping {
		if name, ok := strings.CutPrefix(attr, "custom:"); ok {
			custom[name] = true
		}
	}
	srv, err := localcognito.New(localcognito.Config{
		PoolID:           acctPool,
		AliasAttributes:  []string{"email"},
		CustomAttributes: custom,
		Clients: []localcognito.Client{{ID: acctClient, Name: "hosted", CallbackURLs: []string{acctAppURL}, LogoutURLs: []string{acctAppURL},
			SupportedIdentityProviders: []string{acctProvider, "COGNITO"}, AllowedOAuthFlows: []string{"code"},
			AllowedOAuthScopes: []string{"openid", "email", "profile"}}},
		IdentityProviders: []localcognito.IdentityProvider{{Name: acctProvider, Type: "OIDC", Issuer: w.peer.Issuer(), ClientID: w.peer.ClientID(),
			ClientSecret: w.peer.ClientSecret(), AuthorizeScopes: scopes, AttributeMapping: mapping}},
	}, localcognito.Options{Hosted: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { hostedH.ServeHTTP(rw, r) })})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetIssuer(ts.URL)
	if hostedH, err = hosted.New(srv, hosted.Options{BaseURL: ts.URL}); err != nil {
		t.Fatal(err)
	}
	h = srv.Handler()
	w.pool = srv
	for _, u := range []struct{ name, email string }{{"ann", "ann@example.com"}, {"bob", "bob@example.com"}} {
		attrs := map[string]string{"email": u.email, "email_verified": "true"}
		for k, v := range o.seed[u.name] {
			attrs[k] = v
		}
		if _, err := srv.SeedUser(u.name, acctPassword, attrs, true); err != nil {
			t.Fatal(err)
		}
	}
	w.cog = cip.New(cip.Options{Region: region, Credentials: motoserver.Credentials, BaseEndpoint: aws.String(ts.URL)})

	// The account events: a rule on the default bus with the sample's
	// pattern, delivering to a log group (moto serves PutEvents and this
	// target).
	w.group = "/aws/events/cognitobridge-account-e2e"
	w.moto = moto
	logs := cloudwatchlogs.New(cloudwatchlogs.Options{Region: region, Credentials: motoserver.Credentials, BaseEndpoint: aws.String(moto)})
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(w.group)}); err != nil {
		t.Fatalf("moto CreateLogGroup: %v", err)
	}
	eb := eventbridge.New(eventbridge.Options{Region: region, Credentials: motoserver.Credentials, BaseEndpoint: aws.String(moto)})
	pattern, _ := json.Marshal(map[string]any{"source": []string{contract.EventSource}, "detail": map[string]any{"userPoolId": []string{acctPool}}})
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("account-events"), EventPattern: aws.String(string(pattern))}); err != nil {
		t.Fatalf("moto PutRule: %v", err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("account-events"), Targets: []ebtypes.Target{{
		Id: aws.String("log"), Arn: aws.String("arn:aws:logs:" + region + ":123456789012:log-group:" + w.group)}}}); err != nil {
		t.Fatalf("moto PutTargets: %v", err)
	}

	table := createTable(t, moto, "connect")
	secret := createRawSecret(t, moto, "mosaic-client-secret", `{"`+contract.SecretKeyClientSecret+`":"`+w.peer.ClientSecret()+`"}`)
	env := map[string]string{
		contract.EnvConnectUserPoolID:                acctPool,
		contract.EnvConnectProviderName:              acctProvider,
		contract.EnvConnectTable:                     table,
		contract.EnvIssuer:                           w.peer.Issuer(),
		contract.EnvClientID:                         w.peer.ClientID(),
		contract.EnvRedirectURI:                      acctConnectCB,
		contract.EnvScopes:                           scopes,
		contract.EnvSecretARN:                        secret,
		contract.EnvTokenIssuer:                      srv.Issuer(),
		contract.EnvTokenClientID:                    acctClient,
		"AWS_ENDPOINT_URL_DYNAMODB":                  moto,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER":           moto,
		"AWS_ENDPOINT_URL_EVENTBRIDGE":               moto,
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": ts.URL,
	}
	if o.env != nil {
		for k, v := range o.env(t, moto, w.peer) {
			if v == "" {
				delete(env, k)
			} else {
				env[k] = v
			}
		}
	}
	w.env = env
	w.start = startFunction(t, binConnectStart, env)
	w.callback = startFunction(t, binConnectCallback, env)
	return w
}

// signIn is the password sign-in (the hosted login's password check, then
// the pool's tokens): the claims of the access token, as API Gateway's JWT
// authorizer hands them to the function.
func (w *accountWorld) signIn(user string) map[string]string {
	w.t.Helper()
	name, ok := w.pool.CheckPassword(user, acctPassword)
	if !ok {
		w.t.Fatalf("password of %s refused", user)
	}
	tok, err := w.pool.IssueTokens(w.ctx, acctClient, name, []string{"openid", "email", "profile"})
	if err != nil {
		w.t.Fatal(err)
	}
	parts := strings.Split(tok.AccessToken, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		w.t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		w.t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range claims {
		switch x := v.(type) {
		case string:
			out[k] = x
		case float64:
			out[k] = strconv.FormatInt(int64(x), 10)
		default:
			b, _ := json.Marshal(x)
			out[k] = string(b)
		}
	}
	return out
}

// steppedUp adds the step-up guard's claim (cognitobridge:stepup_at, a
// step-up a minute ago) to the sign-in's claims. The guard writes it only on
// a step-up sign-in (TestStepUpEndToEnd, TestStepUpGateRFC9470); this pool
// has no step-up, so the claim is set here as the authorizer would pass it.
func steppedUp(claims map[string]string) map[string]string {
	claims[contract.ClaimStepUpAt] = strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)
	return claims
}

func (w *accountWorld) call(f *function, path string, claims map[string]string, body string) (int, map[string]any) {
	w.t.Helper()
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST " + path, RawPath: path, Body: body,
		Headers: map[string]string{"content-type": "application/json"}}
	ev.RequestContext.RequestID = "acct-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path = http.MethodPost, path
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
		JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims}}
	var resp events.APIGatewayV2HTTPResponse
	if err := f.invoke(w.t, ev, &resp); err != nil {
		w.t.Fatalf("%s: %v\n%s", f.name, err, f.output(w.t))
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &m)
	return resp.StatusCode, m
}

// connect runs the whole connect: start, the login at the provider as
// providerUser, the callback.
func (w *accountWorld) connect(claims map[string]string, providerUser, providerPassword string) (int, map[string]any) {
	w.t.Helper()
	st, started := w.call(w.start, contract.ConnectStartPath, claims, "")
	if st != http.StatusOK {
		w.t.Fatalf("start: %d %v\n%s", st, started, w.start.output(w.t))
	}
	code, state, err := w.peer.BrowserLogin(w.ctx, started["authorizeUrl"].(string), providerUser, providerPassword)
	if err != nil {
		w.t.Fatalf("login at the provider: %v", err)
	}
	body, _ := json.Marshal(map[string]string{"code": code, "state": state})
	return w.call(w.callback, contract.ConnectCallbackPath, claims, string(body))
}

// user is AdminGetUser's attributes of name.
func (w *accountWorld) user(name string) map[string]string {
	w.t.Helper()
	out, err := w.cog.AdminGetUser(w.ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(acctPool), Username: aws.String(name)})
	if err != nil {
		w.t.Fatal(err)
	}
	m := map[string]string{}
	for _, a := range out.UserAttributes {
		m[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	return m
}

// accountEvents are the account events the log group received. Read with
// a plain FilterLogEvents request: moto 5.2.1 writes the timestamp of an
// event EventBridge delivered as a fraction of milliseconds, which the SDK's
// deserializer (an integer, as the API reference has it) refuses.
func (w *accountWorld) accountEvents() []map[string]any {
	w.t.Helper()
	req, _ := http.NewRequestWithContext(w.ctx, http.MethodPost, w.moto, strings.NewReader(`{"logGroupName":"`+w.group+`"}`))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Logs_20140328.FilterLogEvents")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/"+region+"/logs/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Events []struct{ Message string } }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		w.t.Fatalf("moto FilterLogEvents: %d %v", resp.StatusCode, err)
	}
	var evs []map[string]any
	for _, e := range out.Events {
		var m map[string]any
		if err := json.Unmarshal([]byte(e.Message), &m); err != nil {
			w.t.Fatalf("log event %q: %v", e.Message, err)
		}
		evs = append(evs, m)
	}
	return evs
}

// federatedSignIn signs in through the pool's hosted endpoints with the
// provider account: authorize with identity_provider, the provider's login,
// idpresponse (where the pool applies the provider's attribute mapping);
// it fails the test unless the pool sends the browser back with a code.
func (w *accountWorld) federatedSignIn(providerUser, providerPassword string) {
	w.t.Helper()
	q := url.Values{"client_id": {acctClient}, "redirect_uri": {acctAppURL}, "response_type": {"code"}, "scope": {"openid email"},
		"state": {"app-state"}, "identity_provider": {acctProvider}}
	resp, err := w.plain.Get(w.base + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	to, _ := resp.Location()
	if to == nil {
		w.t.Fatal("authorize did not send the browser to the provider")
	}
	code, state, err := w.peer.BrowserLogin(w.ctx, to.String(), providerUser, providerPassword)
	if err != nil {
		w.t.Fatal(err)
	}
	resp, err = w.plain.Get(w.base + "/oauth2/idpresponse?" + url.Values{"code": {code}, "state": {state}}.Encode())
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	back, _ := resp.Location()
	if back == nil || back.Query().Get("code") == "" {
		w.t.Fatalf("federated sign-in ended at %v", back)
	}
}

func identitiesOf(attrs map[string]string) string { return attrs["identities"] }

// TestAttackPasswordThiefConnectsOwnProvider: someone holding only Ann's
// password signs in, starts a connect, logs in at Mosaic with an account of
// their own and finishes it. Refused (proof_required): nothing is linked,
// no account event is sent. Beside it, Ann connects her own Mosaic account
// (the same verified email), and Bob connects a Mosaic account under
// another address after a fresh step-up; each connect is announced.
func TestAttackPasswordThiefConnectsOwnProvider(t *testing.T) {
	w := newAccountWorld(t, sampleMapping(t))

	// The thief: Ann's password only.
	status, body := w.connect(w.signIn("ann"), "thief@mosaic", "thief-mosaic-pw")
	if status != http.StatusForbidden || body["error"] != "proof_required" {
		t.Fatalf("the thief's connect: %d %v\n%s", status, body, w.callback.output(t))
	}
	if ids := identitiesOf(w.user("ann")); ids != "" {
		t.Fatalf("Ann's identities after the refused connect: %s", ids)
	}
	if evs := w.accountEvents(); len(evs) != 0 {
		t.Fatalf("account events after the refused connect: %v", evs)
	}
	if got := w.callback.decisions(t); len(got) != 1 || got[0] != "proof_required" {
		t.Fatalf("callback reasons %v", got)
	}

	// Ann: her own Mosaic account, her verified email on both sides.
	status, body = w.connect(w.signIn("ann"), "ann@mosaic", "ann-mosaic-pw")
	if status != http.StatusOK || body["connected"] != true {
		t.Fatalf("Ann's connect: %d %v\n%s", status, body, w.callback.output(t))
	}
	if ids := identitiesOf(w.user("ann")); !strings.Contains(ids, `"userId":"mosaic-ann"`) {
		t.Fatalf("Ann's identities: %s", ids)
	}

	// Bob: another address at Mosaic, refused without the step-up, connected
	// with a fresh one.
	status, body = w.connect(w.signIn("bob"), "bob@mosaic", "bob-mosaic-pw")
	if status != http.StatusForbidden || body["error"] != "proof_required" {
		t.Fatalf("Bob without a step-up: %d %v", status, body)
	}
	status, body = w.connect(steppedUp(w.signIn("bob")), "bob@mosaic", "bob-mosaic-pw")
	if status != http.StatusOK || body["connected"] != true {
		t.Fatalf("Bob after a fresh step-up: %d %v\n%s", status, body, w.callback.output(t))
	}

	// Two connects, two events: the pool, a keyed reference, the provider;
	// no email, user name, subject or token.
	evs := w.accountEvents()
	if len(evs) != 2 {
		t.Fatalf("account events %v, want 2", evs)
	}
	for _, ev := range evs {
		d, _ := ev["detail"].(map[string]any)
		if ev["source"] != contract.EventSource || ev["detail-type"] != contract.EventProviderConnected ||
			d["action"] != "connected" || d["userPoolId"] != acctPool || d["provider"] != acctProvider || d["user"] == "" {
			t.Fatalf("account event %v", ev)
		}
		raw, _ := json.Marshal(ev)
		for _, secret := range []string{"example.com", "example.net", `"ann"`, `"bob"`, "mosaic-ann", "mosaic-bob", "eyJ"} {
			if strings.Contains(string(raw), secret) {
				t.Fatalf("account event carries %q: %s", secret, raw)
			}
		}
	}
	if got := w.callback.decisions(t); strings.Join(got, ",") != "proof_required,connected,proof_required,connected" {
		t.Fatalf("callback reasons %v", got)
	}
}

// TestAttackLinkedProviderRewritesEmail: Ann connects her Mosaic account;
// later whoever holds that Mosaic account changes its email to their own
// (verified at Mosaic) and signs in through Mosaic once. With the sample's
// mapping (custom:idp_email) Ann's email and email_verified stay hers; with
// the mapping of main before issue 14 (the one a provider declared
// TrustedForAttributes gets) the same sign-in makes the attacker's address
// the account's verified email.
func TestAttackLinkedProviderRewritesEmail(t *testing.T) {
	for _, c := range []struct {
		name     string
		mapping  map[string]string
		rewrites bool
	}{
		{"the sample's mapping", sampleMapping(t), false},
		{"the standard mapping (main before issue 14, or TrustedForAttributes)", standardMapping, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newAccountWorld(t, c.mapping)
			if status, body := w.connect(w.signIn("ann"), "ann@mosaic", "ann-mosaic-pw"); status != http.StatusOK {
				t.Fatalf("Ann's connect: %d %v", status, body)
			}
			// Ann's own federated sign-in: she lands in her account.
			w.federatedSignIn("ann@mosaic", "ann-mosaic-pw")
			if a := w.user("ann"); a["email"] != "ann@example.com" || a["email_verified"] != "true" {
				t.Fatalf("after Ann's own federated sign-in: %v", a)
			}
			// The provider account's email changes; one more sign-in.
			if !w.peer.SetUserEmail("ann@mosaic", "attacker@example.net", true) {
				t.Fatal("no provider user")
			}
			w.federatedSignIn("ann@mosaic", "ann-mosaic-pw")
			a := w.user("ann")
			rewritten := a["email"] == "attacker@example.net"
			switch {
			case c.rewrites && (!rewritten || a["email_verified"] != "true"):
				t.Fatalf("the standard mapping did not rewrite the email (the local endpoint no longer shows the attack): %v", a)
			case !c.rewrites && (a["email"] != "ann@example.com" || a["email_verified"] != "true"):
				t.Fatalf("the linked provider rewrote Ann's email: %v", a)
			case !c.rewrites && a[contract.AttrIdPEmail] != "attacker@example.net":
				t.Fatalf("custom:idp_email %q, want the provider's new address (nothing trusts it)", a[contract.AttrIdPEmail])
			}
		})
	}
}
