package lambdarun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/test/localcognito/lambdarun"
	"github.com/cognitobridge/cognitobridge/test/localcognito/template"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
	"github.com/cognitobridge/cognitobridge/test/syncbuf"
)

// TestAPIFunctionsAndInvokeAPI runs the transaction sample's gate and echo
// backend (non-trigger functions): the gate reaches the backend through the
// loopback Lambda Invoke API, by the ARN the template gives it; a value
// substitution is applied and logged.
func TestAPIFunctionsAndInvokeAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the handlers and starts moto_server")
	}
	moto := motoserver.Start(t)
	path := filepath.Join("..", "..", "testdata", "transaction-stepup.template.json")
	pool, err := template.Load(path, template.Options{Parameters: map[string]string{
		"OidcClientId": "c", "ClientSecret": "s", "OidcIssuer": "https://op.example", "OidcRedirectUri": "https://app.example/cb",
	}})
	if err != nil {
		t.Fatal(err)
	}
	var gate, echo, authz string
	for id, fn := range pool.Functions {
		switch fn.Binary {
		case "transaction-gate":
			gate = id
		case "transaction-echo":
			echo = id
		case "transaction-authorizer":
			authz = id
		}
	}
	issuer := "https://cognito-idp.us-east-1.amazonaws.com/" + pool.Config.PoolID
	var log syncbuf.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	r, err := lambdarun.Start(ctx, pool, lambdarun.Options{
		MotoEndpoint: moto,
		Functions:    []string{gate, echo, authz},
		InvokeAPI:    true,
		Substitute:   map[string]string{issuer: "http://127.0.0.1:1/" + pool.Config.PoolID},
		Logs:         &log,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = r.Close()
		if t.Failed() {
			t.Logf("runner log:\n%s", log.String())
		}
	})
	if len(r.Functions()) != 3 || r.InvokeURL() == "" {
		t.Fatalf("functions %+v, invoke URL %q", r.Functions(), r.InvokeURL())
	}
	if !strings.Contains(log.String(), "COGNITOBRIDGE_TOKEN_ISSUER substituted: "+issuer+" -> http://127.0.0.1:1/") {
		t.Errorf("no logged substitution:\n%s", log.String())
	}

	// The gate with a fresh step-up in the authorizer's context invokes
	// the backend once; without one it answers 401 and invokes nothing.
	event := func(lambdaCtx string) []byte {
		return []byte(`{"version":"2.0","routeKey":"POST /payments","rawPath":"/payments","headers":{"content-type":"application/json"},` +
			`"requestContext":{"requestId":"r1","routeKey":"POST /payments","http":{"method":"POST","path":"/payments"},"authorizer":{"lambda":` + lambdaCtx + `}},"body":"{}","isBase64Encoded":false}`)
	}
	out, fnErr, err := r.InvokeFunction(ctx, gate, event(`{"sub":"bob"}`))
	if err != nil || fnErr || !strings.Contains(string(out), `"statusCode":401`) {
		t.Fatalf("gate without step-up: %s %v %v", out, fnErr, err)
	}
	if n := len(r.InvokeCalls()); n != 0 {
		t.Fatalf("%d invocations without a step-up", n)
	}
	out, fnErr, err = r.InvokeFunction(ctx, gate, event(fmt.Sprintf(`{"sub":"bob","stepup_at":%d,"stepup_reason":"high_value_transaction"}`, time.Now().Unix())))
	if err != nil || fnErr || !strings.Contains(string(out), `"statusCode":200`) {
		t.Fatalf("gate with step-up: %s %v %v", out, fnErr, err)
	}
	calls := r.InvokeCalls()
	if len(calls) != 1 || calls[0].Function != echo || calls[0].FunctionName != pool.Functions[echo].ARN {
		t.Fatalf("invocations %+v", calls)
	}

	// The Invoke API by name, by partial ARN, and an unknown function.
	for name, want := range map[string]int{
		pool.Functions[echo].Name:                            200,
		"123456789012:function:" + pool.Functions[echo].Name: 200,
		pool.Functions[echo].ARN + ":$LATEST":                200,
		"nope":                                               404,
		pool.Functions[echo].ARN + ":live":                   404,
	} {
		resp, err := http.Post(r.InvokeURL()+"/2015-03-31/functions/"+name+"/invocations", "application/json", bytes.NewReader(event(`{"sub":"bob"}`)))
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != want || (want == 404 && resp.Header.Get("X-Amzn-ErrorType") != "ResourceNotFoundException") {
			t.Errorf("%s: %d %v", name, resp.StatusCode, body)
		}
	}
	if !strings.Contains(r.FunctionLogs(gate), `"reason"`) {
		t.Errorf("gate logs:\n%s", r.FunctionLogs(gate))
	}
}
