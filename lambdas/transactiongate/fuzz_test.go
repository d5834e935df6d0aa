package transactiongate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// FuzzGateEvent feeds arbitrary integration events to the gate: it never
// panics and never errors, every answer is a JSON response, and the backend
// is invoked only for an event whose authorizer context (read here with a
// generic decoder) has a sub and a required reason, with the event passed
// through unchanged.
func FuzzGateEvent(f *testing.F) {
	fresh := now0.Add(-time.Minute).Unix()
	for _, ctx := range []string{
		contextJSON(fresh, "high_value_transaction"),
		contextJSON(fresh, "sign_in"),
		contextJSON(now0.Add(-time.Hour).Unix(), "high_value_transaction"),
		fmt.Sprintf(`{"sub": %q, "stepup_at": "%d", "stepup_reason": "high_value_transaction"}`, bob, fresh),
		fmt.Sprintf(`{"sub": %q}`, bob),
		`{}`, `null`, `"x"`, `[]`,
		fmt.Sprintf(`{"sub": %q, "sub": "", "stepup_at": %d, "stepup_reason": "high_value_transaction"}`, bob, fresh),
	} {
		f.Add([]byte(strings.ReplaceAll(httpAPIEvent, "CONTEXT", ctx)))
	}
	for _, s := range []string{``, `{`, `null`, `{"version":"2.0"}`, `{"version":"2.0","requestContext":{"authorizer":null}}`, "\x00"} {
		f.Add([]byte(s))
	}
	b := okBackend(`{"statusCode":204}`)
	h, err := New(Config{Backend: backendARN}, b)
	if err != nil {
		f.Fatal(err)
	}
	h.Logger = slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	h.Now = func() time.Time { return now0 }
	f.Fuzz(func(t *testing.T, ev []byte) {
		before := b.count()
		out, err := h.Handle(context.Background(), ev)
		if err != nil || !json.Valid(out) {
			t.Fatalf("Handle = %q, %v", out, err)
		}
		if b.count() == before {
			var r Response
			if json.Unmarshal(out, &r) != nil || r.StatusCode != 401 && r.StatusCode != 500 {
				t.Fatalf("refusal %s", out)
			}
			return
		}
		var generic struct {
			RequestContext struct {
				Authorizer struct {
					Lambda map[string]any `json:"lambda"`
				} `json:"authorizer"`
			} `json:"requestContext"`
		}
		if err := json.Unmarshal(ev, &generic); err != nil {
			t.Fatalf("backend invoked for an event a generic decoder rejects (%v): %q", err, ev)
		}
		l := generic.RequestContext.Authorizer.Lambda
		if sub, _ := l[contract.AuthorizerContextSub].(string); sub == "" || l[contract.AuthorizerContextStepUpReason] != "high_value_transaction" {
			t.Fatalf("backend invoked for context %v", l)
		}
		if string(out) != `{"statusCode":204}` || !bytes.Equal(b.calls[len(b.calls)-1].Payload, ev) {
			t.Fatalf("relay %s", out)
		}
	})
}
