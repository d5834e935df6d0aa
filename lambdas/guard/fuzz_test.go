package guard

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/pretokengen"
)

// FuzzHandleEvent feeds arbitrary event JSON through the Lambda handler:
// it never panics, and tokens are never allowed unless the trigger source
// is exactly refresh or the store really consumed a fresh record for the
// event's (userPoolId, sub) written for the event's app client.
func FuzzHandleEvent(f *testing.F) {
	f.Add([]byte(cognitoV1), true)
	f.Add([]byte(cognitoV2), false)
	f.Add([]byte(`{"triggerSource":"TokenGeneration_RefreshTokens"}`), false)
	f.Add([]byte(`{"userPoolId":"p#","request":{"userAttributes":{"sub":"x"}}}`), true)
	f.Add([]byte(`null`), true)
	f.Add([]byte(strings.Replace(cognitoV1, `"stepup_binding": "`, `"stepup_binding": "x`, 1)), true)
	f.Add([]byte(strings.Replace(cognitoV1, client, "2other98765432", 1)), true)
	f.Add([]byte(`{"request":null,"response":{"claimsOverrideDetails":{"claimsToSuppress":["sub"]}}}`), false)
	f.Add([]byte(strings.Replace(cognitoV2, `{"k": "v", `, `{"stepup_reason": "high_value_transaction", `, 1)), true)
	f.Add([]byte(strings.Replace(cognitoV2, `{"k": "v", `, `{"stepup_reason": "high_value_transaction\u0000", `, 1)), true)
	h := New(nil, time.Minute)
	h.Logger = slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	h.Now = func() time.Time { return now0 }
	f.Fuzz(func(t *testing.T, payload []byte, seed bool) {
		store := newFakeStore()
		if seed {
			store.put(pool, sub, now0)
		}
		h.store = store
		out, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), payload)
		if err != nil {
			return
		}
		// Decode as aws-lambda-go does: the first JSON value, trailing data ignored.
		var ev Event
		if jerr := json.NewDecoder(bytes.NewReader(payload)).Decode(&ev); jerr != nil {
			t.Fatalf("passed an event it could not decode: %v", jerr)
		}
		if ev.TriggerSource == TriggerRefreshTokens {
			return
		}
		want := ev.UserPoolID + "#" + ev.Request.UserAttributes["sub"] + "#" + contract.BindingHash(binding)
		if ev.Request.ClientMetadata[contract.MetadataStepUpBinding] != binding {
			t.Fatalf("passed for a sign-in that does not echo the challenge's value: %s", payload)
		}
		if len(store.consumed) != 1 || store.consumed[0] != want {
			t.Fatalf("passed without consuming %q (consumed %v): %s", want, store.consumed, payload)
		}
		if ev.CallerContext.ClientID != client {
			t.Fatalf("passed for app client %q, record was for %q: %s", ev.CallerContext.ClientID, client, payload)
		}
		var resp struct {
			Response map[string]json.RawMessage `json:"response"`
		}
		if jerr := json.Unmarshal(out, &resp); jerr != nil || len(resp.Response) != 1 {
			t.Fatalf("pass response %s", out)
		}
		if !pretokengen.IsV2(ev.Version) {
			if string(resp.Response["claimsOverrideDetails"]) != "null" {
				t.Fatalf("v1 claims changed: %s", out)
			}
			return
		}
		// A consumed record on a v2/3 event: exactly the two step-up claims
		// in both tokens, the reason from the allow-list.
		wantClaims := fmt.Sprintf(`{"cognitobridge:stepup_at":%d,"cognitobridge:stepup_reason":%q}`, now0.Unix(), StepUpReason(ev.Request.ClientMetadata, DefaultReasons))
		wantDetails := `{"idTokenGeneration":{"claimsToAddOrOverride":` + wantClaims + `},"accessTokenGeneration":{"claimsToAddOrOverride":` + wantClaims + `}}`
		if got := string(resp.Response["claimsAndScopeOverrideDetails"]); got != wantDetails {
			t.Fatalf("v2 claims = %s, want %s", got, wantDetails)
		}
	})
}
