package browser_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/test/localcognito"

	"github.com/cognitobridge/cognitobridge/test/localcognito/devstack"
	"github.com/cognitobridge/cognitobridge/test/localcognito/httpapi"
)

// paymentRecords returns what the local HTTP API answered to POST
// /payments, from the n-th record on.
func paymentRecords(st *devstack.Stack, from int) []httpapi.Record {
	var out []httpapi.Record
	for _, r := range st.APIs[apiID(st)].Records()[from:] {
		if r.RouteKey == "POST /payments" && r.Method == "POST" {
			out = append(out, r)
		}
	}
	return out
}

func apiID(st *devstack.Stack) string {
	for id := range st.APIs {
		return id
	}
	return ""
}

// backendCalls counts the gate's invocations of the echo backend (through
// the loopback Lambda Invoke API; GET /balance reaches the backend as an
// integration, not through it).
func backendCalls(st *devstack.Stack) int {
	n := 0
	for _, c := range st.APIRunner.InvokeCalls() {
		if c.Function != "" && st.Pool.Functions[c.Function].Binary == "transaction-echo" {
			n++
		}
	}
	return n
}

// TestTransactionStepUp runs the transaction style (RFC 9470 on demand) in
// the browser: the password signs in and reads the balance, the payment's
// 401 insufficient_user_authentication starts a step-up sign-in for the
// reason the API names, the provider confirms in a popup, and the one
// retry is paid. Its refusal twin: the user closes the popup, the ordinary
// token alone gets the 401 and the backend is never called.
func TestTransactionStepUp(t *testing.T) {
	const app = "transaction-stepup"
	st := startStack(t, app)
	if st.APIURL == "" || st.Config.APIURL != st.APIURL || st.APIRunner == nil {
		t.Fatalf("no local HTTP API: %q %+v", st.APIURL, st.Config)
	}
	mode := map[string]string{"MODE": string(st.Mode)}
	wantChallenge := `Bearer error="insufficient_user_authentication"`

	t.Run("closing the step-up popup leaves the payment unpaid", func(t *testing.T) {
		from, calls := len(st.APIs[apiID(st)].Records()), backendCalls(st)
		o := runFlow(t, st, "transaction-close-popup", mode)
		if o.State != "refused" {
			t.Fatalf("state %q: %s", o.State, o.Status)
		}
		// The step-up sign-in signed the password session out first: the
		// page is signed out too, and says so (issue 20).
		if o.Extra["stored"] != "null" || o.Extra["accountShown"] != "false" || o.Extra["sessionShown"] != "false" || !strings.Contains(o.Status, "signed out: sign in again") {
			t.Errorf("after the closed popup: stored %s, account shown %s, session buttons %s, status %q", o.Extra["stored"], o.Extra["accountShown"], o.Extra["sessionShown"], o.Status)
		}
		pays := paymentRecords(st, from)
		if len(pays) != 1 || pays[0].Status != 401 || !strings.HasPrefix(pays[0].Header.Get("WWW-Authenticate"), wantChallenge) {
			t.Fatalf("POST /payments answers %+v, want one 401 challenge", pays)
		}
		if n := backendCalls(st) - calls; n != 0 {
			t.Fatalf("the backend was invoked %d times without a step-up", n)
		}
	})
	t.Run("rightful user pays after a step-up in a popup", func(t *testing.T) {
		from, calls := len(st.APIs[apiID(st)].Records()), backendCalls(st)
		o := runFlow(t, st, "transaction-pay", mode)
		if o.State != "paid" {
			t.Fatalf("state %q: %s\nclaims: %s\nconsole: %s", o.State, o.Status, o.Claims, strings.Join(o.Console, "\n"))
		}
		pays := paymentRecords(st, from)
		if len(pays) != 2 || pays[0].Status != 401 || pays[1].Status != 200 {
			t.Fatalf("POST /payments answers %+v, want 401 then 200", pays)
		}
		if h := pays[0].Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, wantChallenge) {
			t.Fatalf("the 401 carried WWW-Authenticate %q", h)
		}
		if n := backendCalls(st) - calls; n != 1 {
			t.Fatalf("the backend was invoked %d times for one payment", n)
		}
		if !strings.Contains(o.Claims, `"stepup_reason": "high_value_transaction"`) {
			t.Errorf("the stepped-up token's claims: %s", o.Claims)
		}
		if b := o.Extra["balance"]; !strings.Contains(b, "1250.00 EUR") {
			t.Errorf("after the password sign-in the page shows the balance %q, want an amount", b)
		}
	})
	t.Run("refresh after the payment drops the step-up claims, sign-out revokes the refresh token", func(t *testing.T) {
		from := len(reasons(st, localcognito.SlotPreTokenGeneration))
		o := runFlow(t, st, "transaction-session", mode)
		if o.Extra["payState"] != "paid" {
			t.Fatalf("the payment ended in %q: %s\nconsole: %s", o.Extra["payState"], o.Status, strings.Join(o.Console, "\n"))
		}
		noStepUpAfterRefresh(t, o, "high_value_transaction")
		// The client is protected ON_DEMAND: the password sign-in and the
		// refresh pass without claims (ok_no_stepup), the payment's step-up
		// sign-in consumes its record (ok).
		want := []string{"ok_no_stepup", "ok", "ok_no_stepup"}
		if got := reasons(st, localcognito.SlotPreTokenGeneration)[from:]; !slices.Equal(got, want) {
			t.Errorf("pre token generation reasons %v, want %v", got, want)
		}
		signedOutAndRevoked(t, o, "signed-out")
	})
}
