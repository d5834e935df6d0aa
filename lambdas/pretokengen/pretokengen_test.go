package pretokengen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/envtest"
)

type fixed struct {
	name string
	d    Decision
	runs *int
	boom bool
}

func (f fixed) Name() string { return f.name }
func (f fixed) Apply(context.Context, Event) Decision {
	if f.runs != nil {
		*f.runs++
	}
	if f.boom {
		panic("boom")
	}
	return f.d
}

func TestHandlerComposes(t *testing.T) {
	errCustom := errors.New("step-up required")
	pass := func(claims map[string]any) Decision { return Decision{Pass: true, Reason: "ok", Claims: claims} }
	for _, tc := range []struct {
		name       string
		version    string
		behaviours []Behaviour
		wantErr    error
		wantResp   string
		laterRuns  int
	}{
		{name: "one passing, no claims, v2", version: "2", behaviours: []Behaviour{fixed{name: "a", d: pass(nil)}}, wantResp: `{"claimsAndScopeOverrideDetails":null}`},
		{name: "claims merged into both tokens", version: "2", behaviours: []Behaviour{
			fixed{name: "a", d: pass(map[string]any{"x": 1})}, fixed{name: "b", d: pass(map[string]any{"y": "z"})},
		}, wantResp: `{"claimsAndScopeOverrideDetails":{"idTokenGeneration":{"claimsToAddOrOverride":{"x":1,"y":"z"}},"accessTokenGeneration":{"claimsToAddOrOverride":{"x":1,"y":"z"}}}}`},
		{name: "v1 gets no claims", version: "1", behaviours: []Behaviour{fixed{name: "a", d: pass(map[string]any{"x": 1})}}, wantResp: `{"claimsOverrideDetails":null}`},
		{name: "a suppressed claim is removed from the ID token and added by no behaviour", version: "2", behaviours: []Behaviour{
			fixed{name: "a", d: pass(map[string]any{"x": 1, "y": "z"})}, fixed{name: "b", d: Decision{Pass: true, Reason: "ok", Suppress: []string{"x"}}},
		}, wantResp: `{"claimsAndScopeOverrideDetails":{"idTokenGeneration":{"claimsToAddOrOverride":{"y":"z"},"claimsToSuppress":["x"]},"accessTokenGeneration":{"claimsToAddOrOverride":{"y":"z"}}}}`},
		{name: "v1 suppresses but adds nothing", version: "1", behaviours: []Behaviour{
			fixed{name: "a", d: Decision{Pass: true, Reason: "ok", Claims: map[string]any{"y": 1}, Suppress: []string{"x"}}},
		}, wantResp: `{"claimsOverrideDetails":{"claimsToSuppress":["x"]}}`},
		{name: "a refusal stops the rest with its error", version: "2", behaviours: []Behaviour{
			fixed{name: "a", d: Decision{Reason: "no", Refusal: errCustom}}, fixed{name: "b", d: pass(nil)},
		}, wantErr: errCustom},
		{name: "a refusal without an error is the generic one", version: "2", behaviours: []Behaviour{fixed{name: "a", d: Decision{Reason: "no"}}}, wantErr: ErrRefused},
		{name: "a panic refuses", version: "2", behaviours: []Behaviour{fixed{name: "a", boom: true}}, wantErr: ErrRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := New(tc.behaviours...)
			h.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			ev := Event{}
			ev.Version, ev.TriggerSource, ev.UserName = tc.version, "TokenGeneration_Authentication", "alice"
			out, err := h.Handle(context.Background(), ev)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err == nil {
				b, _ := json.Marshal(out.Response)
				if string(b) != tc.wantResp {
					t.Fatalf("response %s, want %s", b, tc.wantResp)
				}
			}
			if strings.Contains(logs.String(), "alice") || !strings.Contains(logs.String(), `"behaviour":"a"`) {
				t.Fatalf("log %s", logs.String())
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	get := func(v string) func(string) string { return envtest.One(contract.EnvPreTokenBehaviours, v) }
	if n, err := ConfigFromEnv(get(" stepup_guard ")); err != nil || len(n) != 1 || n[0] != contract.BehaviourStepUpGuard {
		t.Fatalf("= %v, %v", n, err)
	}
	for _, bad := range []string{"", "stepup_guard,stepup_guard", "unknown", ","} {
		if _, err := ConfigFromEnv(get(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := Build([]string{"stepup_guard"}, nil); err == nil {
		t.Error("a behaviour without factory was built")
	}
}
