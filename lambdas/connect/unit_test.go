package connect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/connect"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func baseEnv() map[string]string {
	return map[string]string{
		contract.EnvConnectUserPoolID:   "us-east-1_AbCdEf123",
		contract.EnvConnectProviderName: "Mosaic",
		contract.EnvConnectTable:        "connect",
		contract.EnvIssuer:              "https://userid.security",
		contract.EnvAuthorizeURL:        "https://api.transmitsecurity.io/cis/oidc/auth",
		contract.EnvTokenURL:            "https://api.transmitsecurity.io/cis/oidc/token",
		contract.EnvJWKSURL:             "https://api.transmitsecurity.io/cis/oidc/jwks",
		contract.EnvClientID:            "mosaic-client",
		contract.EnvRedirectURI:         "https://app.example.com/connect/done",
		contract.EnvSecretARN:           "arn:aws:secretsmanager:us-east-1:123456789012:secret:mosaic-AbCdEf",
		contract.EnvTokenIssuer:         "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123",
		contract.EnvTokenClientID:       "1example23456789",
	}
}

// envCase sets key to value over a valid environment; ConfigFromEnv must
// refuse it with an error naming want.
type envCase struct{ key, value, want string }

func wantRefused(t *testing.T, base func() map[string]string, cases []envCase) {
	t.Helper()
	for _, tc := range cases {
		env := base()
		env[tc.key] = tc.value
		if _, err := connect.ConfigFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s=%q: %v", tc.key, tc.value, err)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	c, err := connect.ConfigFromEnv(func(k string) string { return baseEnv()[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.StateTTL != 10*time.Minute || c.MaxAuthAge != 15*time.Minute || c.SecretField != "clientSecret" || c.MaxIdentities != 5 ||
		strings.Join(c.Scopes, " ") != "openid" || c.TokenAuthMethod != contract.TokenAuthBasic || len(c.IDTokenAlgs) != 3 {
		t.Fatalf("defaults %+v", c)
	}
	wantRefused(t, baseEnv, []envCase{
		{contract.EnvConnectUserPoolID, "", contract.EnvConnectUserPoolID},
		{contract.EnvConnectProviderName, "", contract.EnvConnectProviderName},
		{contract.EnvConnectProviderName, "Cognito", contract.EnvConnectProviderName},
		{contract.EnvConnectProviderName, strings.Repeat("p", 33), contract.EnvConnectProviderName},
		{contract.EnvIssuer, "http://idp.example.com", contract.EnvIssuer},
		{contract.EnvTokenURL, "ftp://x", contract.EnvTokenURL},
		{contract.EnvRedirectURI, "/relative", contract.EnvRedirectURI},
		{contract.EnvRedirectURI, "https://app.example.com/#frag", contract.EnvRedirectURI},
		{contract.EnvScopes, "email", contract.EnvScopes},
		{contract.EnvIDTokenAlgs, "HS256", contract.EnvIDTokenAlgs},
		{contract.EnvIDTokenAlgs, "none", contract.EnvIDTokenAlgs},
		{contract.EnvTokenAuthMethod, "client_secret_jwt", contract.EnvTokenAuthMethod},
		{contract.EnvConnectTable, "", contract.EnvConnectTable},
		{contract.EnvConnectStateTTLSeconds, "30", contract.EnvConnectStateTTLSeconds},
		{contract.EnvConnectMaxAuthAgeSeconds, "7200", contract.EnvConnectMaxAuthAgeSeconds},
		{contract.EnvConnectSecretField, "a b", contract.EnvConnectSecretField},
		{contract.EnvTokenIssuer, "", contract.EnvTokenIssuer},
		{contract.EnvTokenClientID, "", contract.EnvTokenClientID},
		{contract.EnvLinkMaxIdentities, "6", contract.EnvLinkMaxIdentities},
	})
	// A value that does not parse and one Validate refuses are reported
	// together, each once.
	env := baseEnv()
	env[contract.EnvConnectStateTTLSeconds], env[contract.EnvConnectUserPoolID] = "soon", ""
	if _, err := connect.ConfigFromEnv(func(k string) string { return env[k] }); err == nil ||
		strings.Count(err.Error(), contract.EnvConnectStateTTLSeconds+`: expected an integer 60..3600, received "soon"`) != 1 ||
		strings.Count(err.Error(), contract.EnvConnectUserPoolID+": expected a user pool id") != 1 {
		t.Errorf("both errors once: %v", err)
	}
	env = baseEnv()
	env[contract.EnvConnectStateTTLSeconds], env[contract.EnvConnectMaxAuthAgeSeconds], env[contract.EnvIDTokenAlgs] = "120", "300", "ES256, EdDSA"
	if c, err := connect.ConfigFromEnv(func(k string) string { return env[k] }); err != nil || c.StateTTL != 2*time.Minute || c.MaxAuthAge != 5*time.Minute || len(c.IDTokenAlgs) != 2 {
		t.Fatalf("%+v %v", c, err)
	}
}

// memTable is a DynamoDB PutItem recorder for the start handler.
type memTable struct {
	mu    sync.Mutex
	items []map[string]types.AttributeValue
	conds []string
}

func (m *memTable) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items = append(m.items, in.Item)
	m.conds = append(m.conds, aws.ToString(in.ConditionExpression))
	return &dynamodb.PutItemOutput{}, nil
}
func (m *memTable) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return &dynamodb.GetItemOutput{}, nil
}
func (m *memTable) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return &dynamodb.DeleteItemOutput{}, nil
}

// httpAPIEvent is an HTTP API payload 2.0 event as API Gateway sends it
// for a route with a JWT authorizer (Developer Guide, "Working with AWS
// Lambda proxy integrations for HTTP APIs" and "Controlling access to HTTP
// APIs with JWT authorizers": claims as strings).
const httpAPIEvent = `{
  "version": "2.0",
  "routeKey": "POST /connect/start",
  "rawPath": "/connect/start",
  "rawQueryString": "",
  "headers": {"authorization": "Bearer eyJraWQiOi.REDACTED.sig", "content-type": "application/json"},
  "requestContext": {
    "accountId": "123456789012",
    "apiId": "api-id",
    "authorizer": {"jwt": {
      "claims": {
        "auth_time": "AUTH_TIME", "client_id": "1example23456789", "event_id": "e-1", "exp": "9999999999",
        "iat": "AUTH_TIME", "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123",
        "jti": "j-1", "origin_jti": "o-1", "scope": "openid email", "sub": "8f2c0d6e-1b7a-4c1e-9f55-6d2b0e3c7a11",
        "token_use": "access", "username": "alice"
      },
      "scopes": null
    }},
    "domainName": "api-id.execute-api.us-east-1.amazonaws.com",
    "http": {"method": "POST", "path": "/connect/start", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "test"},
    "requestId": "JKJaXmPLvHcESHA=",
    "routeKey": "POST /connect/start",
    "stage": "$default",
    "timeEpoch": 1583348638390
  },
  "body": "{}",
  "isBase64Encoded": false
}`

// TestStartThroughLambdaHandler: the documented event shape through
// lambda.NewHandler; explicit endpoints, so no network. The table gets the
// hashed state, this caller's sub and session, nonce, verifier and TTL; the
// answer and the log carry no verifier.
func TestStartThroughLambdaHandler(t *testing.T) {
	cfg, err := connect.ConfigFromEnv(func(k string) string { return baseEnv()[k] })
	if err != nil {
		t.Fatal(err)
	}
	table := &memTable{}
	h, err := connect.NewStartHandler(cfg, &connect.Store{API: table, Table: cfg.Table}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	ev := strings.ReplaceAll(httpAPIEvent, "AUTH_TIME", strconv.FormatInt(time.Now().Add(-2*time.Minute).Unix(), 10))
	out, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), []byte(ev))
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		StatusCode int               `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Body       string            `json:"body"`
	}
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s %v", out, err)
	}
	var body connect.StartResponse
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(body.AuthorizeURL)
	if u.Host != "api.transmitsecurity.io" || u.Query().Get("state") != body.State || u.Query().Get("client_id") != "mosaic-client" {
		t.Fatalf("authorize URL %s", body.AuthorizeURL)
	}
	if len(table.items) != 1 || table.conds[0] != "attribute_not_exists(#pk)" {
		t.Fatalf("items %v", table.items)
	}
	item := table.items[0]
	get := func(k string) string {
		switch v := item[k].(type) {
		case *types.AttributeValueMemberS:
			return v.Value
		case *types.AttributeValueMemberN:
			return v.Value
		}
		return ""
	}
	if !strings.HasPrefix(get("pk"), contract.ConnectPendingPrefix) || len(get("pk")) != len(contract.ConnectPendingPrefix)+64 ||
		strings.Contains(get("pk"), body.State) || get("sub") != "8f2c0d6e-1b7a-4c1e-9f55-6d2b0e3c7a11" || get("originJti") != "o-1" ||
		get("nonce") != u.Query().Get("nonce") || len(get("verifier")) < 43 || get("provider") != "Mosaic" || get(contract.RecordExpiresAt) == "" {
		t.Fatalf("item %v", item)
	}
	if strings.Contains(resp.Body, get("verifier")) || strings.Contains(logs.String(), get("verifier")) || strings.Contains(logs.String(), body.State) ||
		strings.Contains(logs.String(), "alice") || strings.Contains(logs.String(), "eyJ") {
		t.Fatalf("secret material leaked: %s / %s", resp.Body, logs.String())
	}
	if !strings.Contains(logs.String(), `"reason":"started"`) || !strings.Contains(logs.String(), `"requestId":"JKJaXmPLvHcESHA="`) {
		t.Fatalf("log %s", logs.String())
	}
}

// FuzzCallbackRequest: the body parser never panics and accepts only one
// object with a bounded, printable code and state.
func FuzzCallbackRequest(f *testing.F) {
	for _, s := range []string{`{"code":"c","state":"s"}`, `{"code":"c"}`, `{"code":"c","state":"s","x":1}`, `{}`, `null`, `[]`, `{"code":"c\u0000","state":"s"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, ok := connect.ParseCallbackRequest(body)
		if !ok {
			return
		}
		for _, v := range []string{r.Code, r.State} {
			if v == "" || len(v) > connect.MaxCodeLen {
				t.Fatalf("accepted %q", body)
			}
			for i := 0; i < len(v); i++ {
				if v[i] <= 0x20 || v[i] >= 0x7f {
					t.Fatalf("accepted %q", body)
				}
			}
		}
	})
}
