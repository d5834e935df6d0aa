package connect_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/connect"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/mototest"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/secretcache"
	"github.com/cognitobridge/cognitobridge/test/cognitofake"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
	"github.com/cognitobridge/cognitobridge/test/syncbuf"
)

// Names of the test world.
const (
	providerName  = "Mosaic"
	appClientID   = "app-client-1"
	redirectURI   = "https://app.example.com/connect/done"
	tokenIssuerFm = "https://cognito-idp.us-east-1.amazonaws.com/"
)

// world is the connect capability wired as deployed, against real peers:
// moto's Cognito behind cognitofake (AdminLinkProviderForUser and
// AdminDisableProviderForUser), moto's DynamoDB (the connect table) and
// Secrets Manager (the provider secret, through secretcache), and
// oidcpeer, a real OpenID Provider (zitadel) on loopback.
type world struct {
	t       *testing.T
	ctx     context.Context
	moto    string
	peer    *oidcpeer.Peer
	fake    *cognitofake.Fake
	cognito *cip.Client
	ddb     *dynamodb.Client
	events  *eventbridge.Client
	pool    string
	table   string
	cfg     connect.Config

	start, callback, disconnect lambda.Handler
	startH                      *connect.StartHandler
	callbackH                   *connect.CallbackHandler
	disconnectH                 *connect.DisconnectHandler

	logs syncbuf.Buffer
	subs map[string]string // Cognito username → sub
}

func (w *world) logText() string { return w.logs.String() }

// provider users: Subject is the provider's sub.
var peerUsers = []oidcpeer.User{
	{Username: "alice@provider", Password: "alice-pw", Subject: "prov-alice", Email: "alice@example.com", EmailVerified: true},
	{Username: "bob@provider", Password: "bob-pw", Subject: "prov-bob", Email: "bob@example.com", EmailVerified: true},
	{Username: "carol@provider", Password: "carol-pw", Subject: "prov-carol", Email: "carol@example.com", EmailVerified: true},
	{Username: "dave@provider", Password: "dave-pw", Subject: "prov-dave", Email: "dave@example.com", EmailVerified: true},
}

func newWorld(t *testing.T) *world {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts moto_server and an OpenID Provider")
	}
	moto := motoserver.Start(t)
	w := &world{t: t, moto: moto, peer: oidcpeer.Start(t, oidcpeer.Options{RedirectURI: redirectURI, Users: peerUsers}), fake: cognitofake.Start(t, moto),
		subs: map[string]string{}}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	w.ctx = ctx
	w.cognito = mototest.Cognito(w.fake.Endpoint())
	w.ddb = motoserver.DynamoDB(moto)
	w.table = motoserver.CreateStepUpTable(t, w.ddb, "connect")
	w.pool = mototest.UserPool(t, ctx, w.cognito, "connect")

	sm := secretsmanager.New(secretsmanager.Options{Region: motoserver.Region, Credentials: motoserver.Credentials, BaseEndpoint: aws.String(moto)})
	sec, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("mosaic-client-secret"),
		SecretString: aws.String(`{"` + contract.SecretKeyClientSecret + `":"` + w.peer.ClientSecret() + `"}`)})
	if err != nil {
		t.Fatal(err)
	}

	env := map[string]string{
		contract.EnvConnectUserPoolID:   w.pool,
		contract.EnvConnectProviderName: providerName,
		contract.EnvConnectTable:        w.table,
		contract.EnvIssuer:              w.peer.Issuer(),
		contract.EnvClientID:            w.peer.ClientID(),
		contract.EnvRedirectURI:         redirectURI,
		contract.EnvScopes:              "openid email",
		contract.EnvSecretARN:           aws.ToString(sec.ARN),
		contract.EnvTokenIssuer:         tokenIssuerFm + w.pool,
		contract.EnvTokenClientID:       appClientID,
	}
	w.cfg, err = connect.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(&w.logs, nil))
	store := &connect.Store{API: w.ddb, Table: w.table}
	if w.startH, err = connect.NewStartHandler(w.cfg, store, nil); err != nil {
		t.Fatal(err)
	}
	w.startH.Logger = logger
	w.events = eventbridge.New(eventbridge.Options{Region: motoserver.Region, Credentials: motoserver.Credentials, BaseEndpoint: aws.String(moto)})
	if w.callbackH, err = connect.NewCallbackHandler(w.cfg, store, w.cognito, w.events, secretcache.New(sm, w.cfg.SecretARN, w.cfg.SecretTTL), nil); err != nil {
		t.Fatal(err)
	}
	w.callbackH.Logger = logger
	if w.disconnectH, err = connect.NewDisconnectHandler(w.cfg, store, w.cognito, w.events); err != nil {
		t.Fatal(err)
	}
	w.disconnectH.Logger = logger
	w.start, w.callback, w.disconnect = lambda.NewHandler(w.startH.Handle), lambda.NewHandler(w.callbackH.Handle), lambda.NewHandler(w.disconnectH.Handle)
	return w
}

// native creates a confirmed native user and remembers its sub.
func (w *world) native(name string) {
	w.t.Helper()
	mototest.CreateUser(w.t, w.ctx, w.cognito, w.pool, name, "email", name+"@example.com", "email_verified", "true")
	if sub, ok := mototest.Attributes(w.t, w.ctx, w.cognito, w.pool, name)["sub"]; ok {
		w.subs[name] = sub
	}
}

// token is the claims the pool's JWT authorizer hands the function for a
// user's access token (values as strings, as API Gateway passes them).
type token map[string]string

func (w *world) accessToken(user string, signedIn time.Time) token {
	return token{
		"sub": w.subs[user], "username": user, "token_use": "access", "client_id": appClientID,
		"iss": tokenIssuerFm + w.pool, "auth_time": strconv.FormatInt(signedIn.Unix(), 10),
		"origin_jti": "session-" + user, "scope": "openid email",
		"exp": strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10),
	}
}

func (w *world) fresh(user string) token { return w.accessToken(user, time.Now().Add(-time.Minute)) }

// steppedUp is a fresh token of a sign-in that passed the step-up (the
// guard's claim, as the JWT authorizer passes it on: a string).
func (w *world) steppedUp(user string) token {
	t := w.fresh(user)
	t[contract.ClaimStepUpAt] = strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)
	return t
}

// request is an HTTP API payload 2.0 event behind the JWT authorizer.
func request(path string, claims token, body string) events.APIGatewayV2HTTPRequest {
	req := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST " + path, RawPath: path, Body: body,
		Headers: map[string]string{"content-type": "application/json"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID: "req-" + strconv.FormatInt(time.Now().UnixNano(), 36),
			HTTP:      events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodPost, Path: path},
		},
	}
	if claims != nil {
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims},
		}
	}
	return req
}

// reply is a decoded handler answer.
type reply struct {
	Status  int
	Headers map[string]string
	Body    map[string]any
}

func (w *world) invoke(h lambda.Handler, req events.APIGatewayV2HTTPRequest) reply {
	w.t.Helper()
	raw, _ := json.Marshal(req)
	out, err := h.Invoke(w.ctx, raw)
	if err != nil {
		w.t.Fatalf("handler returned an error: %v", err)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		w.t.Fatal(err)
	}
	r := reply{Status: resp.StatusCode, Headers: resp.Headers}
	if err := json.Unmarshal([]byte(resp.Body), &r.Body); err != nil {
		w.t.Fatalf("body %q: %v", resp.Body, err)
	}
	if resp.Headers["Cache-Control"] != "no-store" || resp.Headers["Content-Type"] != "application/json" {
		w.t.Errorf("headers %v", resp.Headers)
	}
	return r
}

func (w *world) startFor(claims token) reply {
	return w.invoke(w.start, request(contract.ConnectStartPath, claims, ""))
}

func (w *world) callbackWith(claims token, code, state string) reply {
	b, _ := json.Marshal(connect.CallbackRequest{Code: code, State: state})
	return w.invoke(w.callback, request(contract.ConnectCallbackPath, claims, string(b)))
}

// login starts for claims and logs in at the provider as the peer user,
// returning the code and state the provider hands the app's redirect URI.
func (w *world) login(claims token, peerUser, password string) (code, state string) {
	w.t.Helper()
	r := w.startFor(claims)
	if r.Status != http.StatusOK {
		w.t.Fatalf("start: %d %v", r.Status, r.Body)
	}
	code, state, err := w.peer.BrowserLogin(w.ctx, r.Body["authorizeUrl"].(string), peerUser, password)
	if err != nil {
		w.t.Fatalf("login at the provider: %v", err)
	}
	if state != r.Body["state"] {
		w.t.Fatalf("state %q, started %q", state, r.Body["state"])
	}
	return code, state
}

func (w *world) identities(user string) []map[string]any {
	w.t.Helper()
	return mototest.Identities(w.t, w.ctx, w.cognito, w.pool, user)
}

func wantError(t *testing.T, r reply, status int, code string) {
	t.Helper()
	if r.Status != status || r.Body["error"] != code {
		t.Fatalf("answer %d %v, want %d %s", r.Status, r.Body, status, code)
	}
}

// lastReason is the reason of the last log line of handler.
func (w *world) lastReason(handler string) string {
	lines := strings.Split(strings.TrimSpace(w.logText()), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		var m map[string]any
		if json.Unmarshal([]byte(lines[i]), &m) == nil && m["handler"] == handler {
			s, _ := m["reason"].(string)
			return s
		}
	}
	return ""
}
