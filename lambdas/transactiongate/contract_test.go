package transactiongate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// httpAPIEvent is an HTTP API Lambda integration event, payload format 2.0,
// shaped like the API Gateway developer guide's example ("Working with AWS
// Lambda proxy integrations for HTTP APIs"), with the authorizer context a
// token-mode transaction authorizer leaves in requestContext.authorizer.lambda
// (CONTEXT).
const httpAPIEvent = `{
  "version": "2.0",
  "routeKey": "POST /payments",
  "rawPath": "/payments",
  "rawQueryString": "currency=EUR",
  "cookies": ["session=abc"],
  "headers": {
    "accept": "application/json",
    "authorization": "Bearer eyJraWQiOiJwb29sLTEiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl",
    "content-length": "44",
    "content-type": "application/json",
    "host": "abcdef123.execute-api.us-east-1.amazonaws.com",
    "user-agent": "agent",
    "x-forwarded-for": "203.0.113.7"
  },
  "queryStringParameters": {"currency": "EUR"},
  "requestContext": {
    "accountId": "123456789012",
    "apiId": "abcdef123",
    "authorizer": {
      "lambda": CONTEXT
    },
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
  "body": "{\"amount\":\"125.00\",\"to\":\"DE89370400440532013000\"}",
  "pathParameters": {},
  "isBase64Encoded": false,
  "stageVariables": {}
}`

func contextJSON(at int64, reason string) string {
	return fmt.Sprintf(`{"stepup_at": %d, "stepup_reason": %q, "sub": %q}`, at, reason, bob)
}

// TestContractThroughLambdaHandler: what API Gateway receives from the gate
// through aws-lambda-go's handler, byte for byte, for a stale step-up, a
// token without one and a fresh one (the backend's payload relayed as it
// is, the event handed over unchanged).
func TestContractThroughLambdaHandler(t *testing.T) {
	const backendPayload = `{"statusCode":200,"headers":{"content-type":"application/json","cache-control":"no-store"},"body":"{\"ok\":true,\"sub\":\"` + bob + `\"}"}`
	b := okBackend(backendPayload)
	h, logs := newGate(t, b, nil)
	invoke := func(ctxJSON string) (string, []byte) {
		t.Helper()
		ev := []byte(strings.ReplaceAll(httpAPIEvent, "CONTEXT", ctxJSON))
		out, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), ev)
		if err != nil {
			t.Fatalf("Invoke: %v", err)
		}
		return string(out), ev
	}

	stale, _ := invoke(contextJSON(now0.Add(-6*time.Minute).Unix(), "high_value_transaction"))
	want := `{"statusCode":401,"headers":{"Cache-Control":"no-store","Content-Type":"application/json",` +
		`"WWW-Authenticate":"Bearer error=\"insufficient_user_authentication\", error_description=\"More recent authentication is required\", max_age=300"},` +
		`"body":"{\"error\":\"insufficient_user_authentication\",\"error_description\":\"More recent authentication is required\",\"max_age\":300,\"stepup_reasons\":[\"high_value_transaction\"]}",` +
		`"isBase64Encoded":false}`
	if stale != want {
		t.Fatalf("stale step-up:\n got %s\nwant %s", stale, want)
	}
	none, _ := invoke(fmt.Sprintf(`{"sub": %q}`, bob))
	if !strings.Contains(none, `"statusCode":401`) || !strings.Contains(none, `error_description=\"A step-up authentication is required\", max_age=300"`) {
		t.Fatalf("no step-up: %s", none)
	}
	if b.count() != 0 {
		t.Fatal("backend invoked for a refused request")
	}

	got, ev := invoke(contextJSON(now0.Add(-20*time.Second).Unix(), "high_value_transaction"))
	if got != backendPayload {
		t.Fatalf("fresh step-up: %s", got)
	}
	if b.count() != 1 || !bytes.Equal(b.calls[0].Payload, ev) {
		t.Fatalf("backend calls %d, payload forwarded unchanged: %v", b.count(), b.count() == 1 && bytes.Equal(b.calls[0].Payload, ev))
	}

	// Three requests, three JSON lines; none carries the token, the body or
	// the sub.
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("log lines = %d: %s", len(lines), logs)
	}
	for i, want := range []string{"stepup_stale", "no_stepup", "ok"} {
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil || m["reason"] != want || m["requestId"] != "JKJaXmPLvHcESHA=" {
			t.Fatalf("line %d = %s (%v)", i, lines[i], err)
		}
	}
	for _, secret := range []string{"eyJraWQi", "c2lnbmF0dXJl", "DE89370400440532013000", bob, "session=abc"} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("log holds %q", secret)
		}
	}

	// Payloads that are not an API Gateway event never reach the backend.
	for _, bad := range []string{`{`, `[]`, `"x"`, `{"version":"2.0","requestContext":{"authorizer":{"lambda":"x"}}}`} {
		out, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), []byte(bad))
		if err == nil && !strings.Contains(string(out), `"statusCode":500`) {
			t.Fatalf("%s: %s", bad, out)
		}
	}
	if b.count() != 1 {
		t.Fatal("backend invoked for a malformed event")
	}
}
