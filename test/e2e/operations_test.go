package e2e

// End to end: operations (issue 17). The decision lines of the real
// binaries are CloudWatch embedded metric format documents as the
// specification describes them (read by test/emfspec, written from the
// documentation, not from the producer), and the alarms of every sample's
// synthesized template (test/testdata) name exactly the metrics and
// dimensions those lines carry. The one-invocation middleware form
// (lambdas/cmd/transaction-transfers, package stepuphttp) answers as the
// gate does, and both forms are measured: invocations and latency per call.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/emfspec"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

const binTxTransfers = "transaction-transfers"

// jwtAuthorizerFake is a FAKE of API Gateway's JWT authorizer for one
// route, from "Controlling access to HTTP APIs with JWT authorizers": the
// token's signature against the issuer's keys, iss, exp, and client_id (an
// access token has no aud) among the audience; a failure is 401
// {"message":"Unauthorized"}; the claims reach the integration as
// requestContext.authorizer.jwt.claims, every value a string (numbers
// without exponent, as the local HTTP API emulation renders them).
type jwtAuthorizerFake struct {
	pool     *txPool
	audience []string
}

func (a jwtAuthorizerFake) claims(authorization string) (map[string]string, bool) {
	raw, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok {
		return nil, false
	}
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, false
	}
	payload, err := jws.Verify(&a.pool.key.PublicKey)
	if err != nil {
		return nil, false
	}
	var c map[string]any
	if json.Unmarshal(payload, &c) != nil || c["iss"] != a.pool.issuer() {
		return nil, false
	}
	if exp, _ := c["exp"].(float64); time.Unix(int64(exp), 0).Before(time.Now()) {
		return nil, false
	}
	if cid, _ := c["client_id"].(string); !slices.Contains(a.audience, cid) {
		return nil, false
	}
	out := map[string]string{}
	for k, v := range c {
		switch x := v.(type) {
		case string:
			out[k] = x
		case float64:
			out[k] = fmt.Sprintf("%d", int64(x))
		default:
			b, _ := json.Marshal(x)
			out[k] = string(b)
		}
	}
	return out, true
}

// middlewareStack is POST /transfers: the JWT authorizer fake, then the
// transfers binary as the route's one Lambda integration.
type middlewareStack struct {
	pool      *txPool
	authz     jwtAuthorizerFake
	transfers *function
	requests  int
}

func newMiddlewareStack(t *testing.T, pool *txPool) *middlewareStack {
	t.Helper()
	s := &middlewareStack{pool: pool}
	// The audience lists another client of the pool too: its tokens pass
	// API Gateway, and the backend refuses them.
	s.authz = jwtAuthorizerFake{pool: pool, audience: []string{pool.client, otherClient}}
	s.transfers = startFunction(t, binTxTransfers, map[string]string{
		contract.EnvTokenClientID:       pool.client,
		contract.EnvStepUpMaxAgeSeconds: "300",
		contract.EnvRequiredReasons:     `["high_value_transaction"]`,
		contract.EnvGateAcrValues:       `["urn:cognitobridge:stepup"]`,
	})
	return s
}

const otherClient = "4other0client000000000000"

func (s *middlewareStack) call(t *testing.T, authorization, body string) httpResponse {
	t.Helper()
	s.requests++
	claims, ok := s.authz.claims(authorization)
	if !ok {
		return httpResponse{status: 401, body: `{"message":"Unauthorized"}`}
	}
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /transfers", RawPath: "/transfers", Body: body,
		Headers: map[string]string{"authorization": authorization, "content-type": "application/json"}}
	ev.RequestContext.RequestID = fmt.Sprintf("mw-e2e-%d", s.requests)
	ev.RequestContext.RouteKey = "POST /transfers"
	ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path = "POST", "/transfers"
	ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims}}
	out, isErr := s.transfers.invokeRaw(t, mustJSON(t, ev), 3*time.Second)
	return proxyResponse(out, isErr)
}

// TestStepUpMiddlewareRFC9470: through the real transfers binary behind
// the JWT authorizer, the middleware answers exactly as the gate does (the
// same header, the same body) for an old step-up, none, another reason; a
// token of another client of the pool passes API Gateway and is refused by
// the backend; a fresh step-up runs the transfer for the token's user.
func TestStepUpMiddlewareRFC9470(t *testing.T) {
	gate := newTxStack(t, txBackendARN)
	mw := newMiddlewareStack(t, gate.pool)
	const transfer = `{"amount":"125.00","currency":"EUR","to":"DE89370400440532013000"}`
	for _, tc := range []struct {
		name  string
		token string
	}{
		{"old step-up", gate.pool.accessToken(t, txBob, time.Now().Add(-2*time.Hour), "high_value_transaction")},
		{"no step-up", gate.pool.accessToken(t, txBob, time.Time{}, "")},
		{"another reason", gate.pool.accessToken(t, txBob, time.Now(), contract.StepUpReasonSignIn)},
	} {
		g, m := gate.api.call(t, "Bearer "+tc.token, transfer), mw.call(t, "Bearer "+tc.token, transfer)
		if m.status != 401 || g.status != 401 || m.headers["WWW-Authenticate"] != g.headers["WWW-Authenticate"] || m.body != g.body ||
			m.headers["Cache-Control"] != "no-store" || !strings.Contains(m.headers["WWW-Authenticate"], `error="insufficient_user_authentication"`) {
			t.Fatalf("%s: middleware %+v, gate %+v", tc.name, m, g)
		}
	}
	if r := mw.call(t, "Bearer "+gate.pool.accessToken(t, txBob, time.Now().Add(-2*time.Hour), "high_value_transaction"), transfer); r.headers["WWW-Authenticate"] != wantChallenge {
		t.Fatalf("old step-up: %v", r.headers)
	}
	// Another client's token, with a fresh step-up of its own.
	other := *gate.pool
	other.client = otherClient
	if r := mw.call(t, "Bearer "+other.accessToken(t, txBob, time.Now(), "high_value_transaction"), transfer); r.status != 403 || strings.Contains(r.body, "ok") {
		t.Fatalf("another client's token: %+v", r)
	}
	if r := mw.call(t, "", transfer); r.status != 401 {
		t.Fatalf("no token: %+v", r)
	}
	r := mw.call(t, "Bearer "+gate.pool.accessToken(t, txAlice, time.Now(), "high_value_transaction"), transfer)
	var body struct {
		OK    bool   `json:"ok"`
		Sub   string `json:"sub"`
		Route string `json:"route"`
	}
	if r.status != 200 || json.Unmarshal([]byte(r.body), &body) != nil || !body.OK || body.Sub != txAlice || body.Route != "POST /transfers" {
		t.Fatalf("fresh step-up: %+v", r)
	}
	if got, want := strings.Join(mw.transfers.decisions(t), ","), "stepup_stale,no_stepup,reason_mismatch,stepup_stale,wrong_client,ok"; got != want {
		t.Fatalf("middleware reasons = %s, want %s", got, want)
	}
	if out := mw.transfers.output(t); strings.Contains(out, "DE89370400440532013000") || strings.Contains(out, "eyJ") {
		t.Fatal("the middleware logged the body or a token")
	}
}

// TestHighValueCallCost measures both forms of a high-value call on this
// machine, binaries warm: Lambda invocations per call (counted at the
// Runtime APIs) and the latency the client sees, for a fresh step-up (the
// backend runs) and a stale one (the challenge). -short runs 20 calls.
func TestHighValueCallCost(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 20
	}
	gate := newTxStack(t, txBackendARN)
	mw := newMiddlewareStack(t, gate.pool)
	fresh := gate.pool.accessToken(t, txBob, time.Now(), "high_value_transaction")
	stale := gate.pool.accessToken(t, txBob, time.Now().Add(-2*time.Hour), "high_value_transaction")
	type form struct {
		name  string
		call  func(string) httpResponse
		count func() int
	}
	forms := []form{
		{"gate (authorizer, gate, backend)", func(tok string) httpResponse { return gate.api.call(t, "Bearer "+tok, `{}`) },
			func() int {
				return gate.authz.api.Invocations() + gate.gate.api.Invocations() + gate.echo.api.Invocations()
			}},
		{"middleware (JWT authorizer, backend)", func(tok string) httpResponse { return mw.call(t, "Bearer "+tok, `{}`) },
			func() int { return mw.transfers.api.Invocations() }},
	}
	for _, f := range forms {
		f.call(fresh) // warm
		for _, tc := range []struct {
			what, token string
			status      int
		}{{"fresh", fresh, 200}, {"stale", stale, 401}} {
			before := f.count()
			lat := make([]time.Duration, 0, n)
			for i := 0; i < n; i++ {
				begin := time.Now()
				if r := f.call(tc.token); r.status != tc.status {
					t.Fatalf("%s %s: %+v", f.name, tc.what, r)
				}
				lat = append(lat, time.Since(begin))
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			line := fmt.Sprintf("cost: %s, %s step-up: %d calls, invocations/call %.2f, p50 %.2f ms, p99 %.2f ms",
				f.name, tc.what, n, float64(f.count()-before)/float64(n), ms(lat[n/2]), ms(lat[n*99/100]))
			t.Log(line)
			fmt.Println(line)
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// TestDecisionLinesAreEMF: every decision line of the real transaction
// binaries (authorizer, gate, middleware) and of a step-up sign-in
// (Define, Create, Verify, pre token generation) parses as an EMF document
// as CloudWatch documents it; and every alarm on the CognitoBridge
// namespace in every sample's synthesized template names a metric and
// dimension set those lines carry, with Handler and Reason values the
// handlers log.
func TestDecisionLinesAreEMF(t *testing.T) {
	gate := newTxStack(t, txBackendARN)
	mw := newMiddlewareStack(t, gate.pool)
	for _, tok := range []string{
		gate.pool.accessToken(t, txBob, time.Now(), "high_value_transaction"),
		gate.pool.accessToken(t, txBob, time.Now().Add(-time.Hour), "high_value_transaction"),
	} {
		gate.api.call(t, "Bearer "+tok, `{}`)
		mw.call(t, "Bearer "+tok, `{}`)
	}
	fns := []*function{gate.authz, gate.gate, mw.transfers}
	// The step-up triggers: one sign-in through the real binaries.
	moto := startMoto(t)
	peer := oidcpeer.Start(t, oidcpeer.Options{Users: peerUsers})
	s := newStack(t, moto, peer, bindEmail)
	cl := client{srp: true, passwordOK: true, answer: s.browser("alice", "alice-provider-pw")}
	if r := s.pool.run(t, alice, cl); !r.issued {
		t.Fatalf("sign-in %+v", r)
	}
	fns = append(fns, s.fns...)

	// (metric name, dimension names) -> the dimension values seen.
	type signature struct{ name, dims string }
	seen := map[signature][]map[string]string{}
	handlers := map[string]bool{}
	for _, f := range fns {
		out := f.output(t)
		docs, err := emfspec.Lines(out)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		decisions := 0
		for _, line := range strings.Split(out, "\n") {
			var rec map[string]json.RawMessage
			// A decision line: a reason and a duration; the key set's
			// download line (an event inside a decision) is not one.
			if json.Unmarshal([]byte(line), &rec) == nil && rec["reason"] != nil && rec["duration_ms"] != nil && string(rec["msg"]) != `"key set downloaded"` {
				decisions++
				if rec["_aws"] == nil {
					t.Errorf("%s: a decision line without _aws: %s", f.name, line)
				}
				if string(rec["reason"]) != string(rec[contract.DimensionReason]) {
					t.Errorf("%s: reason %s, Reason dimension %s", f.name, rec["reason"], rec[contract.DimensionReason])
				}
			}
		}
		if len(docs) == 0 || len(docs) != decisions {
			t.Fatalf("%s: %d EMF documents for %d decision lines", f.name, len(docs), decisions)
		}
		for _, d := range docs {
			for _, m := range d.Metrics {
				if m.Namespace != contract.MetricNamespace {
					t.Fatalf("%s: namespace %s", f.name, m.Namespace)
				}
				names := make([]string, 0, len(m.Dimensions))
				for k := range m.Dimensions {
					names = append(names, k)
				}
				sort.Strings(names)
				sig := signature{m.Name, strings.Join(names, ",")}
				seen[sig] = append(seen[sig], m.Dimensions)
				if h := m.Dimensions[contract.DimensionHandler]; h != "" {
					handlers[h] = true
				}
				if m.Dimensions[contract.DimensionFunction] != f.name {
					t.Fatalf("%s: Function dimension %q", f.name, m.Dimensions[contract.DimensionFunction])
				}
				if m.Dimensions["user"] != "" || m.Dimensions["requestId"] != "" {
					t.Fatalf("%s: a high-cardinality dimension %v", f.name, m.Dimensions)
				}
			}
		}
	}
	want := []signature{
		{contract.MetricDecisions, strings.Join([]string{contract.DimensionFunction, contract.DimensionHandler, contract.DimensionReason}, ",")},
		{contract.MetricDuration, contract.DimensionFunction},
		{contract.MetricFaults, contract.DimensionFunction},
	}
	var got []signature
	for s := range seen {
		got = append(got, s)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].name < got[j].name })
	if !slices.Equal(got, want) {
		t.Fatalf("metric signatures %v, want %v", got, want)
	}
	for _, h := range []string{contract.HandlerStepUpDefine, contract.HandlerStepUpCreate, contract.HandlerStepUpVerify,
		contract.HandlerPreTokenStepUpGuard, contract.HandlerTransactionAuthorizer, contract.HandlerTransactionGate, contract.HandlerTransactionMiddleware} {
		if !handlers[h] {
			t.Errorf("no decision line with Handler %s (seen %v)", h, handlers)
		}
	}

	// The alarms of every sample refer to exactly those names.
	templates, _ := filepath.Glob(filepath.Join("..", "testdata", "*.template.json"))
	if len(templates) == 0 {
		t.Fatal("no golden templates")
	}
	watched := map[string]bool{}
	for _, w := range contract.WatchedRefusals {
		watched[w.Handler+"/"+w.Reason] = true
	}
	for _, path := range templates {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var tmpl struct {
			Resources map[string]struct {
				Type       string
				Properties json.RawMessage
			}
		}
		if err := json.Unmarshal(raw, &tmpl); err != nil {
			t.Fatal(err)
		}
		alarms := 0
		for id, r := range tmpl.Resources {
			if r.Type != "AWS::CloudWatch::Alarm" {
				continue
			}
			for _, m := range alarmMetrics(t, r.Properties) {
				if m.Namespace != contract.MetricNamespace {
					continue
				}
				alarms++
				names := make([]string, 0, len(m.Dimensions))
				for _, d := range m.Dimensions {
					names = append(names, d.Name)
				}
				sort.Strings(names)
				if _, ok := seen[signature{m.MetricName, strings.Join(names, ",")}]; !ok {
					t.Errorf("%s %s: alarm on %s %v, which no decision line carries", filepath.Base(path), id, m.MetricName, names)
				}
				var handler, reason string
				for _, d := range m.Dimensions {
					s, _ := d.Value.(string)
					switch d.Name {
					case contract.DimensionHandler:
						handler = s
					case contract.DimensionReason:
						reason = s
					}
				}
				if m.MetricName == contract.MetricDecisions && !watched[handler+"/"+reason] {
					t.Errorf("%s %s: alarm on %s/%s, not a watched refusal", filepath.Base(path), id, handler, reason)
				}
			}
		}
		if alarms == 0 {
			t.Errorf("%s: no alarm on the %s metrics", filepath.Base(path), contract.MetricNamespace)
		}
	}
}

type alarmMetric struct {
	Namespace, MetricName string
	Dimensions            []struct {
		Name  string
		Value any
	}
}

// alarmMetrics is the metric of an AWS::CloudWatch::Alarm, or the metrics
// of its Metrics (metric math) array.
func alarmMetrics(t *testing.T, props json.RawMessage) []alarmMetric {
	t.Helper()
	var p struct {
		alarmMetric
		Metrics []struct {
			MetricStat *struct {
				Metric alarmMetric
			}
		}
	}
	if err := json.Unmarshal(props, &p); err != nil {
		t.Fatal(err)
	}
	var out []alarmMetric
	if p.MetricName != "" {
		out = append(out, p.alarmMetric)
	}
	for _, m := range p.Metrics {
		if m.MetricStat != nil {
			out = append(out, m.MetricStat.Metric)
		}
	}
	return out
}
