package browser_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/test/localcognito"
)

// stepUpShown is what the shared-pool page shows of the access token.
type stepUpShown struct {
	Username     string  `json:"username"`
	ClientID     string  `json:"client_id"`
	StepUpAt     *int64  `json:"stepup_at"`
	StepUpReason *string `json:"stepup_reason"`
}

func shownStepUp(t *testing.T, text string) stepUpShown {
	t.Helper()
	var s stepUpShown
	if err := json.Unmarshal([]byte(text), &s); err != nil {
		t.Fatalf("the page's claims %q: %v", text, err)
	}
	return s
}

// TestSharedPoolOnDemandStepUp runs the shared-pool sample's web client
// (the client the step-up protects, ON_DEMAND) with the real Define,
// Create, Verify and pre token generation binaries, the loopback OpenID
// Provider in a popup, and the sample's HTTP API (its step-up gate).
func TestSharedPoolOnDemandStepUp(t *testing.T) {
	st := startStack(t, "shared-pool")
	if st.Mode != "popup" || st.APIURL == "" {
		t.Fatalf("mode %q, API %q", st.Mode, st.APIURL)
	}
	mode := map[string]string{"MODE": string(st.Mode)}

	t.Run("ordinary sign-in gets no claims, the on-demand step-up gets them", func(t *testing.T) {
		o := runFlow(t, st, "sharedpool-stepup", mode)
		if o.Extra["ordinaryState"] != "signed-in" {
			t.Fatalf("password sign-in ended in %q: %s\nconsole: %s", o.Extra["ordinaryState"], o.Status, strings.Join(o.Console, "\n"))
		}
		ord := shownStepUp(t, o.Extra["ordinaryClaims"])
		if ord.ClientID != st.ClientID || ord.StepUpAt != nil || ord.StepUpReason != nil {
			t.Fatalf("the ordinary sign-in's access token: %+v, want the web client's without step-up claims", ord)
		}
		if !strings.HasPrefix(o.Extra["payBefore"], "POST /payments: 401") || !strings.Contains(o.Extra["payBefore"], "insufficient_user_authentication") {
			t.Errorf("POST /payments with the ordinary token: %q, want 401 insufficient_user_authentication", o.Extra["payBefore"])
		}
		if o.Extra["stepUpState"] != "stepped-up" {
			t.Fatalf("the step-up ended in %q: %s\nconsole: %s", o.Extra["stepUpState"], o.Status, strings.Join(o.Console, "\n"))
		}
		up := shownStepUp(t, o.Extra["stepUpClaims"])
		if up.StepUpAt == nil || up.StepUpReason == nil || *up.StepUpReason != "high_value_transaction" {
			t.Fatalf("the stepped-up access token: %+v", up)
		}
		if !strings.HasPrefix(o.Extra["payAfter"], "POST /payments: 200") {
			t.Errorf("POST /payments with the stepped-up token: %q, want 200", o.Extra["payAfter"])
		}
		if got := reasons(st, localcognito.SlotVerifyAuthChallenge); !slices.Contains(got, "ok") {
			t.Errorf("Verify reasons %v, want ok", got)
		}
	})
	t.Run("refresh drops the step-up claims, sign-out revokes the refresh token", func(t *testing.T) {
		from := len(reasons(st, localcognito.SlotPreTokenGeneration))
		o := runFlow(t, st, "sharedpool-session", mode)
		if o.Extra["stepUpState"] != "stepped-up" {
			t.Fatalf("the step-up ended in %q: %s\nconsole: %s", o.Extra["stepUpState"], o.Status, strings.Join(o.Console, "\n"))
		}
		noStepUpAfterRefresh(t, o, "high_value_transaction")
		if o.Session.After.Access.ClientID != st.ClientID {
			t.Errorf("the refreshed access token's client %q, want the web client %q", o.Session.After.Access.ClientID, st.ClientID)
		}
		if p := o.Extra["payAfterRefresh"]; !strings.HasPrefix(p, "POST /payments: 401") || !strings.Contains(p, "insufficient_user_authentication") {
			t.Errorf("POST /payments with the refreshed token: %q, want 401 insufficient_user_authentication", p)
		}
		// The web client is protected ON_DEMAND: the password sign-in and
		// the refresh pass without claims (ok_no_stepup), the step-up
		// consumes its record (ok).
		want := []string{"ok_no_stepup", "ok", "ok_no_stepup"}
		if got := reasons(st, localcognito.SlotPreTokenGeneration)[from:]; !slices.Equal(got, want) {
			t.Errorf("pre token generation reasons %v, want %v", got, want)
		}
		signedOutAndRevoked(t, o, "signed-out")
	})
	t.Run("a tampered code gets no step-up claims", func(t *testing.T) {
		before := len(reasons(st, localcognito.SlotVerifyAuthChallenge))
		o := runFlow(t, st, "sharedpool-tampered-code", mode)
		if o.Extra["ordinaryState"] != "signed-in" {
			t.Fatalf("password sign-in ended in %q: %s", o.Extra["ordinaryState"], o.Status)
		}
		if o.Tampered != 1 || o.SecondState == "" {
			t.Fatalf("tampered %d times, second challenge state %q\nconsole: %s", o.Tampered, o.SecondState, strings.Join(o.Console, "\n"))
		}
		if o.Extra["stepUpState"] != "refused" {
			t.Fatalf("the step-up ended in %q: %s", o.Extra["stepUpState"], o.Status)
		}
		if c := o.Extra["stepUpClaims"]; c != "" {
			if s := shownStepUp(t, c); s.StepUpAt != nil || s.StepUpReason != nil {
				t.Fatalf("step-up claims after a tampered code: %+v", s)
			}
		}
		got := reasons(st, localcognito.SlotVerifyAuthChallenge)[before:]
		if !slices.Contains(got, "token_exchange_failed") || slices.Contains(got, "ok") {
			t.Fatalf("Verify reasons %v, want token_exchange_failed and no ok", got)
		}
	})
	// Issue 20: a person's double clicks. On Pay, the button is disabled
	// while its payment runs: one POST /payments reaches the API and one
	// the backend, and the page says paid. On Sign in (the password alone,
	// no provider frame) and on Step up (one popup): no refusal on the way.
	t.Run("double clicks: one sign-in, one step-up popup, one payment, the page says paid", func(t *testing.T) {
		from, calls := len(st.APIs[apiID(st)].Records()), backendCalls(st)
		o := runFlow(t, st, "sharedpool-double-click", mode)
		x := o.Extra
		if x["signInState"] != "signed-in" || x["stepUpState"] != "stepped-up" {
			t.Fatalf("sign-in %q, step-up %q: %s\nconsole: %s", x["signInState"], x["stepUpState"], o.Status, strings.Join(o.Console, "\n"))
		}
		if o.State != "paid" || !strings.Contains(o.Status, "Paid 125.00 EUR") || !strings.HasPrefix(x["payment"], "POST /payments: 200") {
			t.Fatalf("state %q: %s; the page shows %q", o.State, o.Status, x["payment"])
		}
		// The server's side: the API saw one payment, the backend ran once.
		pays := paymentRecords(st, from)
		if len(pays) != 1 || pays[0].Status != 200 {
			t.Fatalf("POST /payments answers %+v, want one 200", pays)
		}
		if n := backendCalls(st) - calls; n != 1 {
			t.Fatalf("the backend was invoked %d times for one double click", n)
		}
		if x["popups"] != "1" || !signedIn(o) || x["accountShown"] != "true" || x["sessionShown"] != "true" {
			t.Errorf("popups %s, stored %s, account shown %s, session buttons %s", x["popups"], x["stored"], x["accountShown"], x["sessionShown"])
		}
		if s := x["states"]; strings.Contains(s, "refused") || strings.Contains(s, "expired") || strings.Count(s, "paying") != 1 {
			t.Errorf("the page went through %q: want no refusal and one payment", s)
		}
	})
}
