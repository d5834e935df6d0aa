package authorizer

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// httpAPIAuthorizerEvent is an HTTP API Lambda authorizer request, payload
// format 2.0, shaped like the API Gateway developer guide's example.
const httpAPIAuthorizerEvent = `{
  "version": "2.0",
  "type": "REQUEST",
  "routeArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/POST/payments",
  "identitySource": ["AUTHORIZATION"],
  "routeKey": "POST /payments",
  "rawPath": "/payments",
  "rawQueryString": "currency=EUR",
  "cookies": ["cookie1", "cookie2"],
  "headers": {
    "accept": "application/json",
    "authorization": "AUTHORIZATION",
    "content-length": "42",
    "content-type": "application/json",
    "host": "abcdef123.execute-api.us-east-1.amazonaws.com",
    "user-agent": "agent",
    "x-forwarded-for": "203.0.113.7"
  },
  "queryStringParameters": {"currency": "EUR"},
  "requestContext": {
    "accountId": "123456789012",
    "apiId": "abcdef123",
    "authentication": null,
    "domainName": "abcdef123.execute-api.us-east-1.amazonaws.com",
    "domainPrefix": "abcdef123",
    "http": {
      "method": "POST",
      "path": "/payments",
      "protocol": "HTTP/1.1",
      "sourceIp": "203.0.113.7",
      "userAgent": "agent"
    },
    "requestId": "JKJaXmPLvHcESHA=",
    "routeKey": "POST /payments",
    "stage": "$default",
    "time": "14/Nov/2023:22:13:20 +0000",
    "timeEpoch": 1700000000000
  },
  "pathParameters": {},
  "stageVariables": {}
}`

func TestContractThroughLambdaHandler(t *testing.T) {
	p := newJWKSPeer(t)
	h, logs := newHandler(t, p, nil)
	invoke := func(authorization string) string {
		t.Helper()
		payload := strings.ReplaceAll(httpAPIAuthorizerEvent, "AUTHORIZATION", authorization)
		out, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), []byte(payload))
		if err != nil {
			t.Fatalf("Invoke: %v", err)
		}
		return string(out)
	}

	token := sign(t, poolKey, "pool-1", accessClaimsFor(p.issuer(), bob))
	want := fmt.Sprintf(`{"isAuthorized":true,"context":{"%s":%d,"%s":"%s","%s":"%s"}}`,
		contract.AuthorizerContextStepUpAt, now0.Unix()-31, contract.AuthorizerContextStepUpReason, contract.StepUpReasonHighValueTransaction,
		contract.AuthorizerContextSub, bob)
	if got := invoke("Bearer " + token); got != want {
		t.Fatalf("fresh step-up = %s, want %s", got, want)
	}

	stale := accessClaimsFor(p.issuer(), bob)
	stale[contract.ClaimStepUpAt] = now0.Unix() - 301
	for _, auth := range []string{"", "Basic x", "Bearer " + sign(t, poolKey, "pool-1", stale)} {
		if got := invoke(auth); got != `{"isAuthorized":false}` {
			t.Fatalf("refusal = %s", got)
		}
	}

	// One JSON log line per decision, with the route and reason, and
	// nothing of the token.
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("log lines = %d: %s", len(lines), logs)
	}
	var last map[string]any
	if err := json.Unmarshal([]byte(lines[3]), &last); err != nil {
		t.Fatal(err)
	}
	if last["reason"] != "stepup_stale" || last["routeKey"] != "POST /payments" || last["requestId"] != "JKJaXmPLvHcESHA=" || last["level"] != "WARN" {
		t.Fatalf("log line = %v", last)
	}
	for _, part := range strings.Split(token, ".") {
		if strings.Contains(logs.String(), part) {
			t.Fatal("log holds part of the token")
		}
	}
	if strings.Contains(logs.String(), bob) {
		t.Fatal("log holds the sub in clear")
	}

	// Malformed events never authorize.
	for _, bad := range []string{`{`, `[]`, `{"headers":{"authorization":5}}`, `null`} {
		out, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), []byte(bad))
		if err == nil && strings.Contains(string(out), `"isAuthorized":true`) {
			t.Fatalf("%s authorized", bad)
		}
	}
}
