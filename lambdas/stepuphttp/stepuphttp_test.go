package stepuphttp

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognitobridge/cognitobridge/lambdas/authorizer/stepupclaim"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/transactiongate"
	"github.com/cognitobridge/cognitobridge/test/emfspec"
)

const (
	client = "3mw0client0000000000000000"
	bob    = "0d6e3a6c-0000-4000-8000-00000000b0b0"
)

var now = time.Unix(1_760_000_000, 0)

func cfg() Config {
	return Config{ClientID: client, Policy: stepupclaim.Policy{MaxAge: 300 * time.Second, RequiredReasons: []string{"high_value_transaction"}, AcrValues: []string{"urn:cognitobridge:stepup"}}}
}

// claims as API Gateway's JWT authorizer passes them: every value a string.
func claims(stepUpAt time.Time, reason string, edit func(map[string]string)) map[string]string {
	c := map[string]string{"sub": bob, "client_id": client, "token_use": "access", "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X", "exp": "1760003600", "scope": "aws.cognito.signin.user.admin"}
	if !stepUpAt.IsZero() {
		c[contract.ClaimStepUpAt] = strconv.FormatInt(stepUpAt.Unix(), 10)
		c[contract.ClaimStepUpReason] = reason
	}
	if edit != nil {
		edit(c)
	}
	return c
}

func guard(t *testing.T, buf *bytes.Buffer) *Guard {
	t.Helper()
	g, err := New(cfg())
	if err != nil {
		t.Fatal(err)
	}
	g.Now = func() time.Time { return now }
	g.Logger = slog.New(slog.NewJSONHandler(buf, nil))
	return g
}

func event(c map[string]string) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "POST /transfers", RawPath: "/transfers", Body: `{"amount":"10.00"}`,
		Headers: map[string]string{"content-type": "application/json"}}
	ev.RequestContext.HTTP.Method = "POST"
	ev.RequestContext.RequestID = "r-1"
	if c != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: c}}
	}
	return ev
}

// TestMiddlewareRFC9470: each way a token can fall short, through the
// aws-lambda-go wrapper and the net/http middleware; the backend runs only
// for a fresh step-up of this client, and the challenge is the gate's,
// byte for byte.
func TestMiddlewareRFC9470(t *testing.T) {
	gate := transactiongate.Config{Backend: "b", Policy: cfg().Policy}
	for _, tc := range []struct {
		name   string
		claims map[string]string
		status int
		reason Reason
		desc   string
	}{
		{"fresh step-up", claims(now.Add(-time.Minute), "high_value_transaction", nil), 200, ReasonOK, ""},
		{"old step-up", claims(now.Add(-2*time.Hour), "high_value_transaction", nil), 401, ReasonStepUpStale, "More recent authentication is required"},
		{"just past the window", claims(now.Add(-301*time.Second), "high_value_transaction", nil), 401, ReasonStepUpStale, "More recent authentication is required"},
		{"ordinary sign-in, no step-up claims", claims(time.Time{}, "", nil), 401, ReasonNoStepUp, "A step-up authentication is required"},
		{"step-up for another reason", claims(now, contract.StepUpReasonSignIn, nil), 401, ReasonReasonMismatch, "A step-up authentication for this transaction is required"},
		{"step-up in the future", claims(now.Add(time.Hour), "high_value_transaction", nil), 401, ReasonStepUpFuture, "A step-up authentication is required"},
		{"step-up time not digits", claims(now, "high_value_transaction", func(c map[string]string) { c[contract.ClaimStepUpAt] = "1.76e9" }), 401, ReasonNoStepUp, "A step-up authentication is required"},
		{"token of another client", claims(now, "high_value_transaction", func(c map[string]string) { c["client_id"] = "4other0client000000000000" }), 403, ReasonWrongClient, ""},
		{"ID token", claims(now, "high_value_transaction", func(c map[string]string) { c["token_use"] = "id"; delete(c, "client_id"); c["aud"] = client }), 403, ReasonNotAccessToken, ""},
		{"no JWT authorizer", nil, 500, ReasonNoAuthorizerContext, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, form := range []string{"lambda", "net/http"} {
				var buf bytes.Buffer
				g := guard(t, &buf)
				ran := false
				var status int
				var headers map[string]string
				var body string
				switch form {
				case "lambda":
					resp, err := g.Wrap(func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
						ran = true
						if d, ok := FromContext(ctx); !ok || d.Sub != bob {
							t.Errorf("decision in context: %+v %v", d, ok)
						}
						return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "done"}, nil
					})(context.Background(), event(tc.claims))
					if err != nil {
						t.Fatal(err)
					}
					status, headers, body = resp.StatusCode, resp.Headers, resp.Body
				case "net/http":
					h := g.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						ran = true
						_, _ = io.WriteString(w, "done")
					}))
					r := httptest.NewRequest("POST", "/transfers", strings.NewReader("{}"))
					if tc.claims != nil {
						r = r.WithContext(WithClaims(r.Context(), tc.claims))
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, r)
					status, body = rec.Code, rec.Body.String()
					headers = map[string]string{}
					for _, k := range []string{"WWW-Authenticate", "Content-Type", "Cache-Control"} {
						if v := rec.Header().Get(k); v != "" {
							headers[k] = v
						}
					}
				}
				if status != tc.status || ran != (tc.status == 200) {
					t.Fatalf("%s: status %d, backend ran %v", form, status, ran)
				}
				if tc.status == 401 {
					want := gate.Challenge(transactiongate.Reason(tc.reason))
					if !reflect.DeepEqual(headers, want.Headers) || body != want.Body {
						t.Fatalf("%s: challenge %v %s, the gate's %v %s", form, headers, body, want.Headers, want.Body)
					}
					if !strings.Contains(headers["WWW-Authenticate"], `error="insufficient_user_authentication"`) ||
						!strings.Contains(headers["WWW-Authenticate"], `error_description="`+tc.desc+`"`) ||
						!strings.HasSuffix(headers["WWW-Authenticate"], `, max_age=300, acr_values="urn:cognitobridge:stepup"`) {
						t.Fatalf("%s: %s", form, headers["WWW-Authenticate"])
					}
				}
				// One line, an EMF document with this reason.
				docs, err := emfspec.Lines(buf.String())
				if err != nil || len(docs) != 1 {
					t.Fatalf("%s: %v %q", form, err, buf.String())
				}
				var line struct{ Reason string }
				_ = json.Unmarshal(docs[0].Root["Reason"], &line.Reason)
				if line.Reason != string(tc.reason) || strings.Contains(buf.String(), `"amount"`) {
					t.Fatalf("%s: logged %s", form, buf.String())
				}
			}
		})
	}
}

// TestLambdaAdapter: the http.Handler behind Lambda sees the request and
// the decision, and its response comes back in the event response.
func TestLambdaAdapter(t *testing.T) {
	var buf bytes.Buffer
	g := guard(t, &buf)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /transfers", func(w http.ResponseWriter, r *http.Request) {
		d, ok := FromContext(r.Context())
		b, _ := io.ReadAll(r.Body)
		if !ok || d.Sub != bob || string(b) != `{"amount":"10.00"}` || r.Header.Get("Content-Type") != "application/json" || r.URL.RawQuery != "x=1" {
			t.Errorf("request: %+v %v %s %v", d, ok, b, r.Header)
		}
		http.SetCookie(w, &http.Cookie{Name: "c", Value: "1"})
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		_, _ = io.WriteString(w, `{"ok":true}`)
	})
	ev := event(claims(now, "high_value_transaction", nil))
	ev.RawQueryString = "x=1"
	resp, err := g.Lambda(mux)(context.Background(), ev)
	if err != nil || resp.StatusCode != 201 || resp.Body != `{"ok":true}` || resp.Headers["content-type"] != "application/json" || len(resp.Cookies) != 1 {
		t.Fatalf("%+v %v", resp, err)
	}
}

// TestConfig: every configuration error at once, "expected …, received …".
func TestConfig(t *testing.T) {
	_, err := ConfigFromEnv(func(k string) string {
		return map[string]string{contract.EnvTokenClientID: "", contract.EnvGateAcrValues: `["a b"]`}[k]
	})
	if err == nil || !strings.Contains(err.Error(), contract.EnvTokenClientID+": expected an app client id") || !strings.Contains(err.Error(), contract.EnvGateAcrValues) {
		t.Fatalf("%v", err)
	}
	c, err := ConfigFromEnv(func(k string) string { return map[string]string{contract.EnvTokenClientID: client}[k] })
	if err != nil || c.MaxAge != 5*time.Minute || len(c.RequiredReasons) != 1 {
		t.Fatalf("%+v %v", c, err)
	}
}
