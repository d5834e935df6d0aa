package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cognitobridge/cognitobridge/test/localcognito/template"
)

// fakeFunctions is an Invoker of Go functions, recording every payload.
type fakeFunctions struct {
	mu    sync.Mutex
	fns   map[string]func(payload []byte) ([]byte, bool, error)
	calls map[string][][]byte
}

func (f *fakeFunctions) InvokeFunction(_ context.Context, id string, payload []byte) ([]byte, bool, error) {
	f.mu.Lock()
	f.calls[id] = append(f.calls[id], payload)
	fn := f.fns[id]
	f.mu.Unlock()
	if fn == nil {
		return nil, false, errors.New("no such function")
	}
	return fn(payload)
}

func (f *fakeFunctions) last(id string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.calls[id]
	if len(c) == 0 {
		return nil
	}
	var m map[string]any
	_ = json.Unmarshal(c[len(c)-1], &m)
	return m
}

// issuer is a loopback token issuer with a JWKS at
// <issuer>/.well-known/jwks.json, like the local Cognito endpoint.
type issuer struct {
	url string
	key *rsa.PrivateKey
}

func newIssuer(t *testing.T) *issuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/us-east-1_Local0001/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	}))
	t.Cleanup(srv.Close)
	return &issuer{url: srv.URL + "/us-east-1_Local0001", key: key}
}

func (is *issuer) token(t *testing.T, edit func(map[string]any)) string {
	now := time.Now()
	claims := map[string]any{
		"sub": "bob-sub", "iss": is.url, "client_id": "client1", "token_use": "access", "scope": "aws.cognito.signin.user.admin",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "auth_time": now.Unix(), "username": "bob",
	}
	if edit != nil {
		edit(claims)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: is.key, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := signer.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := jws.CompactSerialize()
	return s
}

const deployedIssuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Local0001"

func testAPI(cors *template.Cors) *template.API {
	jwt := &template.Authorizer{LogicalID: "Jwt", ID: "jwt0001", Name: "Standard", Type: "JWT", IdentitySource: []string{"$request.header.Authorization"},
		Issuer: deployedIssuer, Audience: []string{"client1"}}
	gate := &template.Authorizer{LogicalID: "Gate", ID: "gate001", Name: "Gate", Type: "REQUEST", IdentitySource: []string{"$request.header.Authorization"},
		Function: "AuthzFn", PayloadFormatVersion: "2.0", EnableSimpleResponses: true}
	echo := &template.Integration{LogicalID: "EchoInt", ID: "int0001", Type: "AWS_PROXY", Function: "EchoFn", PayloadFormatVersion: "2.0", Timeout: 2 * time.Second}
	pay := &template.Integration{LogicalID: "PayInt", ID: "int0002", Type: "AWS_PROXY", Function: "PayFn", PayloadFormatVersion: "2.0", Timeout: 2 * time.Second}
	return &template.API{
		LogicalID: "Api", ID: "abcdef1234", Cors: cors, Stages: []template.Stage{{Name: "$default", AutoDeploy: true}},
		Routes: []*template.Route{
			{LogicalID: "Bal", RouteKey: "GET /balance", AuthorizationType: "JWT", Authorizer: jwt, Integration: echo},
			{LogicalID: "Pay", RouteKey: "POST /payments", AuthorizationType: "CUSTOM", Authorizer: gate, Integration: pay},
			{LogicalID: "Item", RouteKey: "GET /items/{id}", AuthorizationType: "NONE", Integration: echo},
			{LogicalID: "ItemMine", RouteKey: "GET /items/mine", AuthorizationType: "NONE", Integration: pay},
			{LogicalID: "Proxy", RouteKey: "ANY /files/{proxy+}", AuthorizationType: "NONE", Integration: echo},
			{LogicalID: "Def", RouteKey: "$default", AuthorizationType: "NONE", Integration: pay},
		},
	}
}

func TestHTTPAPI(t *testing.T) {
	is := newIssuer(t)
	fns := &fakeFunctions{calls: map[string][][]byte{}, fns: map[string]func([]byte) ([]byte, bool, error){
		"EchoFn": func(p []byte) ([]byte, bool, error) {
			return []byte(`{"statusCode":200,"headers":{"content-type":"application/json","access-control-allow-origin":"https://evil.example"},"cookies":["a=1; Secure","b=2"],"body":"{\"ok\":true}"}`), false, nil
		},
		"PayFn": func(p []byte) ([]byte, bool, error) {
			var ev Event
			_ = json.Unmarshal(p, &ev)
			switch ev.Body {
			case "fail":
				return []byte(`{"errorType":"Error","errorMessage":"boom"}`), true, nil
			case "plain":
				return []byte(`{"hello":"world"}`), false, nil
			case "b64":
				return []byte(`{"statusCode":201,"body":"aGk=","isBase64Encoded":true}`), false, nil
			}
			return []byte(`{"statusCode":401,"headers":{"WWW-Authenticate":"Bearer error=\"insufficient_user_authentication\""},"body":"{}"}`), false, nil
		},
		"AuthzFn": func(p []byte) ([]byte, bool, error) {
			var ev authorizerEvent
			_ = json.Unmarshal(p, &ev)
			switch ev.IdentitySource[0] {
			case "Bearer allow":
				return []byte(`{"isAuthorized":true,"context":{"sub":"bob","stepup_at":123}}`), false, nil
			case "Bearer broken":
				return []byte(`not json`), false, nil
			}
			return []byte(`{"isAuthorized":false}`), false, nil
		},
	}}
	cors := &template.Cors{AllowOrigins: []string{"http://app.local"}, AllowMethods: []string{"GET", "POST"}, AllowHeaders: []string{"authorization", "content-type"},
		ExposeHeaders: []string{"www-authenticate"}, MaxAge: 600}
	var log strings.Builder
	api, err := New(testAPI(cors), Options{Invoker: fns, Issuers: map[string]string{deployedIssuer: is.url}, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "issuer "+deployedIssuer+" substituted by the local "+is.url) {
		t.Errorf("substitution not logged: %s", log.String())
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)

	good := is.token(t, nil)
	for _, tc := range []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
		wantBody                 string
		wantHeader               map[string]string
		wantFn                   string // the function the integration called ("" none)
		check                    func(t *testing.T, ev map[string]any)
	}{
		{name: "JWT: no token", method: "GET", path: "/balance", status: 401, wantBody: `{"message":"Unauthorized"}`},
		{name: "JWT: valid access token", method: "GET", path: "/balance", header: map[string]string{"Authorization": "Bearer " + good, "Cookie": "x=1; y=2"}, status: 200,
			wantBody: `{"ok":true}`, wantFn: "EchoFn", wantHeader: map[string]string{"Content-Type": "application/json"},
			check: func(t *testing.T, ev map[string]any) {
				rc := ev["requestContext"].(map[string]any)
				claims := rc["authorizer"].(map[string]any)["jwt"].(map[string]any)["claims"].(map[string]any)
				if claims["sub"] != "bob-sub" || claims["client_id"] != "client1" || claims["iat"] == nil {
					t.Errorf("claims %v", claims)
				}
				if ev["version"] != "2.0" || ev["routeKey"] != "GET /balance" || rc["http"].(map[string]any)["method"] != "GET" || rc["stage"] != "$default" || rc["apiId"] != "abcdef1234" {
					t.Errorf("event %v", ev)
				}
				if c := ev["cookies"].([]any); len(c) != 2 || c[0] != "x=1" {
					t.Errorf("cookies %v", ev["cookies"])
				}
				if _, ok := ev["headers"].(map[string]any)["cookie"]; ok {
					t.Error("cookie header kept")
				}
			}},
		{name: "JWT: token without Bearer prefix", method: "GET", path: "/balance", header: map[string]string{"Authorization": good}, status: 200, wantFn: "EchoFn"},
		{name: "JWT: other audience", method: "GET", path: "/balance", header: map[string]string{"Authorization": "Bearer " + is.token(t, func(c map[string]any) { c["client_id"] = "other" })}, status: 401},
		{name: "JWT: expired", method: "GET", path: "/balance", header: map[string]string{"Authorization": "Bearer " + is.token(t, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() })}, status: 401},
		{name: "JWT: deployed issuer (not the local one)", method: "GET", path: "/balance", header: map[string]string{"Authorization": "Bearer " + is.token(t, func(c map[string]any) { c["iss"] = deployedIssuer })}, status: 401},
		{name: "JWT: tampered signature", method: "GET", path: "/balance", header: map[string]string{"Authorization": "Bearer " + good[:len(good)-4] + "AAAA"}, status: 401},
		{name: "Lambda authorizer: no identity source", method: "POST", path: "/payments", status: 401, wantBody: `{"message":"Unauthorized"}`},
		{name: "Lambda authorizer: deny", method: "POST", path: "/payments", header: map[string]string{"Authorization": "Bearer deny"}, status: 403, wantBody: `{"message":"Forbidden"}`},
		{name: "Lambda authorizer: malformed answer", method: "POST", path: "/payments", header: map[string]string{"Authorization": "Bearer broken"}, status: 500},
		{name: "Lambda authorizer: allow, context passed, integration's 401 and header as written", method: "POST", path: "/payments", body: "{}",
			header: map[string]string{"Authorization": "Bearer allow", "Content-Type": "application/json"}, status: 401, wantFn: "PayFn",
			wantHeader: map[string]string{"Www-Authenticate": `Bearer error="insufficient_user_authentication"`},
			check: func(t *testing.T, ev map[string]any) {
				l := ev["requestContext"].(map[string]any)["authorizer"].(map[string]any)["lambda"].(map[string]any)
				if l["sub"] != "bob" || l["stepup_at"] != 123.0 || ev["body"] != "{}" || ev["isBase64Encoded"] != false {
					t.Errorf("event %v", ev)
				}
				a := fns.last("AuthzFn")
				if a["type"] != "REQUEST" || a["routeArn"] != "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/POST/payments" || a["identitySource"].([]any)[0] != "Bearer allow" {
					t.Errorf("authorizer event %v", a)
				}
			}},
		{name: "integration: function error", method: "POST", path: "/payments", body: "fail", header: map[string]string{"Authorization": "Bearer allow"}, status: 500, wantBody: `{"message":"Internal Server Error"}`, wantFn: "PayFn"},
		{name: "integration: no statusCode, JSON is the body", method: "POST", path: "/payments", body: "plain", header: map[string]string{"Authorization": "Bearer allow"}, status: 200, wantBody: `{"hello":"world"}`,
			wantHeader: map[string]string{"Content-Type": "application/json"}, wantFn: "PayFn"},
		{name: "integration: base64 body", method: "POST", path: "/payments", body: "b64", header: map[string]string{"Authorization": "Bearer allow"}, status: 201, wantBody: "hi", wantFn: "PayFn"},
		{name: "binary request body is base64", method: "PUT", path: "/files/a/b.png", body: "\x89PNG", header: map[string]string{"Content-Type": "image/png"}, status: 200, wantFn: "EchoFn",
			check: func(t *testing.T, ev map[string]any) {
				if ev["isBase64Encoded"] != true || ev["body"] != "iVBORw==" || ev["pathParameters"].(map[string]any)["proxy"] != "a/b.png" {
					t.Errorf("event %v", ev)
				}
			}},
		{name: "path parameter", method: "GET", path: "/items/42?a=1&a=2", status: 200, wantFn: "EchoFn",
			check: func(t *testing.T, ev map[string]any) {
				if ev["pathParameters"].(map[string]any)["id"] != "42" || ev["queryStringParameters"].(map[string]any)["a"] != "1,2" || ev["rawQueryString"] != "a=1&a=2" {
					t.Errorf("event %v", ev)
				}
			}},
		{name: "literal route beats a variable one", method: "GET", path: "/items/mine", body: "plain", status: 200, wantFn: "PayFn"},
		{name: "unmatched method falls to $default", method: "DELETE", path: "/balance", body: "plain", status: 200, wantFn: "PayFn",
			check: func(t *testing.T, ev map[string]any) {
				if ev["routeKey"] != "$default" {
					t.Errorf("routeKey %v", ev["routeKey"])
				}
			}},
		{name: "CORS preflight from the allowed origin", method: "OPTIONS", path: "/payments",
			header: map[string]string{"Origin": "http://app.local", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}, status: 204,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": "http://app.local", "Access-Control-Allow-Methods": "GET,POST", "Access-Control-Allow-Headers": "authorization,content-type", "Access-Control-Max-Age": "600"}},
		{name: "CORS preflight from another origin", method: "OPTIONS", path: "/payments",
			header: map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}, status: 204, wantHeader: map[string]string{"Access-Control-Allow-Origin": ""}},
		{name: "CORS headers on the answer, the integration's own ignored", method: "GET", path: "/balance", header: map[string]string{"Origin": "http://app.local", "Authorization": "Bearer " + good}, status: 200, wantFn: "EchoFn",
			wantHeader: map[string]string{"Access-Control-Allow-Origin": "http://app.local", "Access-Control-Expose-Headers": "www-authenticate"}},
		{name: "CORS headers on the authorizer's 401 too", method: "GET", path: "/balance", header: map[string]string{"Origin": "http://app.local"}, status: 401,
			wantHeader: map[string]string{"Access-Control-Allow-Origin": "http://app.local"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fns.mu.Lock()
			before := map[string]int{}
			for k, v := range fns.calls {
				before[k] = len(v)
			}
			fns.mu.Unlock()
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || (tc.wantBody != "" && string(body) != tc.wantBody) {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			for k, v := range tc.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			for _, fn := range []string{"EchoFn", "PayFn"} {
				fns.mu.Lock()
				n := len(fns.calls[fn]) - before[fn]
				fns.mu.Unlock()
				want := 0
				if fn == tc.wantFn {
					want = 1
				}
				if n != want {
					t.Errorf("%s called %d times, want %d", fn, n, want)
				}
			}
			if tc.check != nil && tc.wantFn != "" {
				tc.check(t, fns.last(tc.wantFn))
			}
		})
	}
	// The integration's cookies become Set-Cookie headers.
	req, _ := http.NewRequest("GET", srv.URL+"/balance", nil)
	req.Header.Set("Authorization", "Bearer "+good)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := resp.Header.Values("Set-Cookie"); len(c) != 2 || c[0] != "a=1; Secure" {
		t.Errorf("Set-Cookie %v", c)
	}
	recs := api.Records()
	if last := recs[len(recs)-1]; last.RouteKey != "GET /balance" || last.Status != 200 || !last.Authorized || last.Integration != "EchoFn" {
		t.Errorf("record %+v", last)
	}
}

// TestNoRoute: without $default an unmatched request is 404; a named
// stage serves under its prefix; an authorizer with a TTL is asked once.
func TestNoRouteStageAndCache(t *testing.T) {
	calls := 0
	fns := &fakeFunctions{calls: map[string][][]byte{}, fns: map[string]func([]byte) ([]byte, bool, error){
		"AuthzFn": func([]byte) ([]byte, bool, error) {
			calls++
			return []byte(`{"isAuthorized":true,"context":{}}`), false, nil
		},
		"PayFn": func([]byte) ([]byte, bool, error) { return []byte(`{"statusCode":204}`), false, nil },
	}}
	def := testAPI(nil)
	def.Stages = []template.Stage{{Name: "prod"}}
	def.Routes = def.Routes[1:2] // POST /payments only
	def.Routes[0].Authorizer.ResultTTL = time.Minute
	api, err := New(def, Options{Invoker: fns})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	for path, want := range map[string]int{"/payments": 404, "/prod/nothing": 404, "/prod/payments": 204} {
		req, _ := http.NewRequest("POST", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer x")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	req, _ := http.NewRequest("POST", srv.URL+"/prod/payments", nil)
	req.Header.Set("Authorization", "Bearer x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if calls != 1 {
		t.Errorf("authorizer called %d times with a 60 s TTL", calls)
	}
}
