package browser_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/test/localcognito/devstack"
)

// advancer serves POST /advance?ms=N: it moves the stack's local Cognito
// clock forward (devstack.Clock), so that a flow can let the client's
// AuthSessionValidity (5 minutes in the samples, 3 at least as Cognito
// allows) pass at the server without waiting it.
func advancer(t *testing.T, st *devstack.Stack) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ms, err := strconv.Atoi(r.URL.Query().Get("ms"))
		if r.Method != http.MethodPost || err != nil || ms <= 0 {
			http.Error(w, "POST ?ms=N", http.StatusBadRequest)
			return
		}
		st.Clock.Advance(time.Duration(ms) * time.Millisecond)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// signedIn reports whether the driver found tokens in Amplify's storage.
func signedIn(o outcome) bool { return o.Extra["stored"] != "" && o.Extra["stored"] != "null" }

// TestOrdinaryMistakes (issue 20): what a person does by mistake never makes
// a page show what is not true. blockid-stepup: a double-click on Sign in
// (one frame, signed in, no refusal), a second sign-in while signed in (the
// earlier claims leave the screen), the session expiring at the provider
// (at the server, then at the page: "sign in again", signed out).
// transaction-stepup: a double-click on Pay (one payment, "paid").
func TestOrdinaryMistakes(t *testing.T) {
	t.Run("blockid-stepup", func(t *testing.T) {
		st := startStack(t, "blockid-stepup")
		if st.Config.AuthSessionValidity != 5 {
			t.Fatalf("/config.json authSessionValidity %d, want the client's 5", st.Config.AuthSessionValidity)
		}
		mode := map[string]string{"MODE": string(st.Mode)}

		t.Run("double-click on Sign in: one frame, signed in, no refusal", func(t *testing.T) {
			o := runFlow(t, st, "double-click-signin", mode)
			if o.Extra["framesAtProvider"] != "1" {
				t.Errorf("%s provider frames on the page, want 1", o.Extra["framesAtProvider"])
			}
			if o.State != "signed-in" || !signedIn(o) || o.Extra["sessionShown"] != "true" {
				t.Fatalf("state %q (%s), stored %s, session buttons %s", o.State, o.Status, o.Extra["stored"], o.Extra["sessionShown"])
			}
			if s := o.Extra["states"]; strings.Contains(s, "refused") || strings.Contains(s, "expired") {
				t.Errorf("the page went through %q: a refusal showed", s)
			}
		})
		t.Run("a second sign-in while signed in clears the earlier claims, then signs in", func(t *testing.T) {
			o := runFlow(t, st, "second-signin", mode)
			if o.Extra["first"] != "signed-in" {
				t.Fatalf("the first sign-in ended in %q", o.Extra["first"])
			}
			if o.Extra["duringState"] != "stepup" || o.Extra["duringClaims"] != "" || o.Extra["duringSessionShown"] != "false" {
				t.Errorf("during the second sign-in: state %q, claims %q, session buttons %s", o.Extra["duringState"], o.Extra["duringClaims"], o.Extra["duringSessionShown"])
			}
			if !strings.HasPrefix(o.Extra["duringCountdown"], "Time left at your provider: 4:") {
				t.Errorf("countdown %q, want the client's 5 minutes less the margin", o.Extra["duringCountdown"])
			}
			if o.State != "signed-in" || !signedIn(o) || o.Extra["frames"] != "0" {
				t.Fatalf("state %q (%s), stored %s, frames %s", o.State, o.Status, o.Extra["stored"], o.Extra["frames"])
			}
		})
		// The clock moves forward from here on: these run last.
		adv := map[string]string{"MODE": string(st.Mode), "ADVANCE_URL": advancer(t, st)}
		expired := func(t *testing.T, o outcome) {
			t.Helper()
			if o.State != "expired" || !strings.Contains(o.Status, "The sign-in expired: sign in again.") {
				t.Fatalf("state %q: %s", o.State, o.Status)
			}
			if signedIn(o) || o.Extra["sessionShown"] != "false" || o.Extra["frames"] != "0" {
				t.Fatalf("stored %s, session buttons %s, frames %s: not signed out", o.Extra["stored"], o.Extra["sessionShown"], o.Extra["frames"])
			}
			if o.Extra["details"] != "true false" {
				t.Errorf("the raw error (summary shown, text shown): %s, want collapsed", o.Extra["details"])
			}
		}
		t.Run("the session expires at the server while the person is at the provider", func(t *testing.T) {
			o := runFlow(t, st, "expire-at-server", adv)
			expired(t, o)
			if !strings.Contains(o.Status, "NotAuthorizedException: Invalid session for the user, session is expired.") {
				t.Errorf("the details lack Cognito's answer: %s", o.Status)
			}
		})
		t.Run("the page ends the wait when the session validity runs out", func(t *testing.T) {
			adv["CLOCK"] = "1"
			o := runFlow(t, st, "expire-at-page", adv)
			if !strings.HasPrefix(o.Extra["countdown"], "Time left at your provider: 4:5") {
				t.Errorf("countdown %q", o.Extra["countdown"])
			}
			expired(t, o)
			if !strings.Contains(o.Status, "timeout") {
				t.Errorf("the details lack the module's timeout: %s", o.Status)
			}
		})
	})
	t.Run("transaction-stepup", func(t *testing.T) {
		st := startStack(t, "transaction-stepup")
		mode := map[string]string{"MODE": string(st.Mode)}
		t.Run("double-click on Pay: one payment, the page says paid", func(t *testing.T) {
			from, calls := len(st.APIs[apiID(st)].Records()), backendCalls(st)
			o := runFlow(t, st, "double-click-pay", mode)
			if o.State != "paid" || !strings.Contains(o.Status, "Paid 125.00 EUR") {
				t.Fatalf("state %q: %s\nconsole: %s", o.State, o.Status, strings.Join(o.Console, "\n"))
			}
			pays := paymentRecords(st, from)
			if len(pays) != 2 || pays[0].Status != 401 || pays[1].Status != 200 {
				t.Fatalf("POST /payments answers %+v, want 401 then 200", pays)
			}
			if n := backendCalls(st) - calls; n != 1 {
				t.Fatalf("the backend was invoked %d times", n)
			}
			if o.Extra["popups"] != "1" || !signedIn(o) || o.Extra["accountShown"] != "true" {
				t.Errorf("popups %s, stored %s, account shown %s", o.Extra["popups"], o.Extra["stored"], o.Extra["accountShown"])
			}
		})
	})
}
