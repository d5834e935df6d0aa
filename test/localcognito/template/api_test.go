package template

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTransactionAPI: the transaction-stepup sample's HTTP API, its routes,
// authorizers and integrations, and its API functions, as the template
// gives them.
func TestTransactionAPI(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "transaction-stepup.template.json")
	p, err := Load(path, Options{Parameters: allParameters(t, path)})
	if err != nil {
		t.Fatal(err)
	}
	for _, bin := range []string{"transaction-authorizer", "transaction-gate", "transaction-echo", "stepup-define", "pretokengen"} {
		found := false
		for _, fn := range p.Functions {
			found = found || fn.Binary == bin
		}
		if !found {
			t.Errorf("no function runs %s: %v", bin, p.Functions)
		}
	}
	for slot, fn := range p.Triggers {
		if p.Functions[fn.LogicalID] != fn {
			t.Errorf("trigger %s: Functions[%s] is another *Function", slot, fn.LogicalID)
		}
	}
	if len(p.APIs) != 1 {
		t.Fatalf("APIs %v", p.APIs)
	}
	api := p.APIs[0]
	if len(api.ID) != 10 || api.Endpoint != "https://"+api.ID+".execute-api.us-east-1.amazonaws.com" {
		t.Errorf("api id %q endpoint %q", api.ID, api.Endpoint)
	}
	if c := api.Cors; c == nil || strings.Join(c.AllowOrigins, ",") != "*" || strings.Join(c.ExposeHeaders, ",") != "www-authenticate" ||
		strings.Join(c.AllowHeaders, ",") != "authorization,content-type" || c.AllowCredentials || c.MaxAge != 600 {
		t.Errorf("cors %+v", api.Cors)
	}
	if len(api.Stages) != 1 || api.Stages[0].Name != "$default" || !api.Stages[0].AutoDeploy {
		t.Errorf("stages %+v", api.Stages)
	}
	routes := map[string]*Route{}
	for _, r := range api.Routes {
		routes[r.RouteKey] = r
	}
	bal, pay := routes["GET /balance"], routes["POST /payments"]
	if bal == nil || pay == nil {
		t.Fatalf("routes %v", routes)
	}
	issuer := "https://cognito-idp.us-east-1.amazonaws.com/" + p.Config.PoolID
	if a := bal.Authorizer; bal.AuthorizationType != "JWT" || a == nil || a.Type != "JWT" || a.Issuer != issuer ||
		len(a.Audience) != 1 || a.Audience[0] != p.Config.Clients[0].ID || strings.Join(a.IdentitySource, ",") != "$request.header.Authorization" {
		t.Errorf("GET /balance authorizer %+v", bal.Authorizer)
	}
	if in := bal.Integration; in == nil || p.Functions[in.Function].Binary != "transaction-echo" || in.PayloadFormatVersion != "2.0" || in.Type != "AWS_PROXY" ||
		in.Timeout != 30*time.Second || !strings.HasSuffix(in.FunctionARN, ":function:transaction-stepup-"+in.Function) {
		t.Errorf("GET /balance integration %+v", bal.Integration)
	}
	if a := pay.Authorizer; pay.AuthorizationType != "CUSTOM" || a == nil || a.Type != "REQUEST" || p.Functions[a.Function].Binary != "transaction-authorizer" ||
		!a.EnableSimpleResponses || a.PayloadFormatVersion != "2.0" || a.ResultTTL != 0 || !strings.HasPrefix(a.FunctionARN, "arn:aws:lambda:us-east-1:123456789012:function:") {
		t.Errorf("POST /payments authorizer %+v", pay.Authorizer)
	}
	if in := pay.Integration; in == nil || p.Functions[in.Function].Binary != "transaction-gate" {
		t.Errorf("POST /payments integration %+v", pay.Integration)
	}
	// The gate names the backend by the ARN the echo function has.
	gate := p.Functions[pay.Integration.Function]
	if got := gate.Environment["COGNITOBRIDGE_GATE_BACKEND"]; got != bal.Integration.FunctionARN {
		t.Errorf("gate backend %q, echo %q", got, bal.Integration.FunctionARN)
	}
	if s := Summary(p); !strings.Contains(s, `route "POST /payments": CUSTOM TransactionsGate -> `) {
		t.Errorf("summary:\n%s", s)
	}
}

func TestLambdaARNOfURI(t *testing.T) {
	const arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
	for in, want := range map[string]string{
		arn: arn,
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + arn + "/invocations": arn,
	} {
		if got := lambdaARNOfURI(in); got != want {
			t.Errorf("%s: %s", in, got)
		}
	}
}
