package browser_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/cognitobridge/cognitobridge/lambdas/assurance"
	"github.com/cognitobridge/cognitobridge/lambdas/proofing"
	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/localcognito/devstack"
)

// callbackReasons returns the reason codes the proofing callback function
// logged.
func callbackReasons(st *devstack.Stack) []string {
	var out []string
	for _, line := range strings.Split(st.APIRunner.FunctionLogs(st.Proofing.CallbackFunction), "\n") {
		var rec struct {
			Reason string `json:"reason"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Reason != "" {
			out = append(out, rec.Reason)
		}
	}
	return out
}

// totpHelper serves the codes an authenticator app set up with a key would
// show, for the driver (flows-proofing.mjs), which must not compute TOTP
// itself: GET /totp?secret=… answers {code, step, wrong}: the RFC 6238
// code now (github.com/pquerna/otp: HMAC-SHA-1, 30 s, six digits, the
// parameters every authenticator app uses; not the endpoint's own
// function), its time step, and a six-digit code none of the steps the
// endpoint accepts now (the current one ±1) gives. Loopback only.
func totpHelper(t *testing.T) string {
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret := r.URL.Query().Get("secret")
		if r.URL.Path != "/totp" || secret == "" {
			http.Error(w, "GET /totp?secret=…", http.StatusBadRequest)
			return
		}
		now := time.Now()
		codes := map[string]bool{}
		var code string
		for _, off := range []int{-1, 0, 1} {
			c, err := totp.GenerateCodeCustom(secret, now.Add(time.Duration(off*30)*time.Second), opts)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			codes[c] = true
			if off == 0 {
				code = c
			}
		}
		wrong := code
		for n := 0; codes[wrong]; n++ {
			wrong = fmt.Sprintf("%06d", (n*7919+123457)%1000000)
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "step": now.Unix() / 30, "wrong": wrong})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// emailWritableTemplate writes a copy of the identity-proofing template
// whose app client may also write email: "a client of yours with email in
// its write list" (docs/identity-proofing.md, the trust decisions). The
// sample's own client may not (TestIdentityProofing shows the refusal).
func emailWritableTemplate(t *testing.T) string {
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "identity-proofing.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tmpl map[string]any
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range tmpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] != "AWS::Cognito::UserPoolClient" {
			continue
		}
		props := res["Properties"].(map[string]any)
		props["WriteAttributes"] = append(props["WriteAttributes"].([]any), "email")
		n++
	}
	if n != 1 {
		t.Fatalf("%d app clients in the template, want 1", n)
	}
	out, err := json.Marshal(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "identity-proofing.template.json")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startStackWithTemplate is startStack with the stack built from tmpl
// instead of the app's own template.
func startStackWithTemplate(t *testing.T, app, tmpl string) *devstack.Stack {
	t.Helper()
	chromium(t)
	driver(t)
	webBundle(t, app)
	var logs io.Writer = io.Discard
	if testing.Verbose() {
		logs = os.Stderr
	}
	st, err := devstack.Start(t.Context(), t, devstack.Options{App: app, Template: tmpl, Log: logs})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestIdentityProofing runs the identity-proofing sample in the browser:
// sign up with the handle's hash, confirm the email with Cognito's code,
// open the provider's session page (the loopback BlockID IDV fake) from
// POST /proofing/session, finish there; the relay signs the callback, the
// callback function asks the provider for the result and writes the
// assurance; the page polls until verified and signs in (SRP), and the
// pool's required TOTP MFA is set up at that first sign-in with codes this
// test computes from the key the page shows (a wrong one refused first,
// then the right one); the token carries custom:ial. A refresh keeps the
// assurance; the sample's client may not change the email; the refresh
// token, revoked at sign-out, is refused; a later sign-in asks for a fresh
// code. Its refusal twin: the IDV reports no match and no liveness, the
// page ends refused and the token carries no assurance. And the callback
// refuses the relay's request replayed, and altered.
func TestIdentityProofing(t *testing.T) {
	const app = "identity-proofing"
	st := startStack(t, app)
	if st.Proofing == nil || st.APIRunner == nil || st.Config.ProofingSessionURL == "" {
		t.Fatalf("no proofing wiring: %+v", st.Config)
	}
	password := devstack.DemoPassword
	totpURL := totpHelper(t)

	t.Run("rightful person signs up, is verified, sets up TOTP and signs in with the assurance", func(t *testing.T) {
		const user = "ada.proofing@example.com"
		o := runFlow(t, st, "proofing-verified", map[string]string{"USERNAME": user, "PASSWORD": password, "TOTP_URL": totpURL})
		x := o.Extra
		if x["verifiedState"] != "verified" {
			t.Fatalf("state %q: %s\nclaims: %s\nextra: %v\nconsole: %s\nrelay: %+v\ncallback: %v", x["verifiedState"], x["verifiedStatus"], x["verifiedClaims"], x, strings.Join(o.Console, "\n"), st.Proofing.Relay.Sent(), callbackReasons(st))
		}
		if !strings.Contains(x["verifiedClaims"], `"custom:ial (ID token)": "2"`) || !strings.Contains(x["verifiedClaims"], `"custom:ial_src (ID token)": "proofing"`) {
			t.Errorf("the token's assurance claims: %s", x["verifiedClaims"])
		}
		sent := st.Proofing.Relay.Sent()
		if len(sent) != 1 || sent[0].Status != http.StatusOK {
			t.Fatalf("relay callbacks %+v, want one answered 200", sent)
		}
		if got := callbackReasons(st); !slices.Equal(got, []string{proofing.ReasonAssured}) {
			t.Errorf("callback reasons %v, want [assured]", got)
		}

		t.Run("double clicks on Sign up and Verify: one account, one window, one sign-in, no refusal", func(t *testing.T) {
			// The relay's one callback and the one assured reason above are
			// the server's side; the page's is here.
			s := x["statesToVerified"]
			if strings.Count(s, "signing-up") != 1 || strings.Count(s, "proofing") != 1 || strings.Contains(s, "refused") || x["idvWindows"] != "1" {
				t.Errorf("the page went through %q with %s verification windows: want one sign-up, one verification, no refusal, one window", s, x["idvWindows"])
			}
		})
		t.Run("TOTP is set up at the first sign-in; a wrong code is refused, then the right one accepted", func(t *testing.T) {
			if x["setupKeyShown"] != "true" || !strings.HasPrefix(x["setupUri"], "otpauth://totp/") {
				t.Errorf("the set-up shows key %s, URI %q", x["setupKeyShown"], x["setupUri"])
			}
			if x["mfaRetryState"] != "mfa-retry" || !strings.Contains(x["mfaRetryStatus"], "EnableSoftwareTokenMFAException") {
				t.Errorf("after a wrong code: %s %q", x["mfaRetryState"], x["mfaRetryStatus"])
			}
		})
		t.Run("a refresh keeps the assurance while the email binding holds", func(t *testing.T) {
			if x["refreshState"] != "refreshed" || !strings.Contains(x["refreshClaims"], `"custom:ial (ID token)": "2"`) || !strings.Contains(x["refreshClaims"], `"custom:ial (access token)": "2"`) {
				t.Errorf("after the refresh: %s %s", x["refreshState"], x["refreshClaims"])
			}
		})
		t.Run("the sample's app client may not change the email", func(t *testing.T) {
			if x["emailChangeState"] != "email-refused" || !strings.Contains(x["emailChangeStatus"], "NotAuthorizedException") {
				t.Errorf("email change: %s %q", x["emailChangeState"], x["emailChangeStatus"])
			}
			if !strings.Contains(x["afterEmailRefusalClaims"], `"email": "`+user+`"`) || !strings.Contains(x["afterEmailRefusalClaims"], `"custom:ial (ID token)": "2"`) {
				t.Errorf("after the refused change and a refresh: %s", x["afterEmailRefusalClaims"])
			}
		})
		t.Run("after sign-out the revoked refresh token is refused", func(t *testing.T) {
			if x["refreshTokenKept"] != "true" || x["refreshBeforeSignOut"] != "200 tokens" {
				t.Fatalf("before sign-out: token found %s, refresh answered %q", x["refreshTokenKept"], x["refreshBeforeSignOut"])
			}
			if x["signOutState"] != "signed-out" || x["refreshAfterSignOut"] != "400 NotAuthorizedException" {
				t.Errorf("sign-out %s; the refresh token afterwards: %q", x["signOutState"], x["refreshAfterSignOut"])
			}
		})
		t.Run("a later sign-in asks for a fresh code", func(t *testing.T) {
			if x["signInState"] != "mfa" || x["signInSetupShown"] != "false" || x["secondStepLater"] != "true" {
				t.Errorf("second sign-in: state %s, set-up shown %s, a later step %s, help %q", x["signInState"], x["signInSetupShown"], x["secondStepLater"], x["signInHelp"])
			}
			if o.State != "signed-in" || !strings.Contains(o.Claims, `"custom:ial (ID token)": "2"`) {
				t.Errorf("after the second sign-in: %s %q %s", o.State, o.Status, o.Claims)
			}
		})
		t.Run("the same signed callback again is a replay", func(t *testing.T) {
			s := sent[0]
			again := st.Proofing.Relay.Send(s.SessionID, s.Timestamp, s.Signature, s.Body)
			if again.Status != http.StatusConflict {
				t.Fatalf("replayed callback answered %d %s", again.Status, again.Answer)
			}
			if got := callbackReasons(st); got[len(got)-1] != proofing.ReasonReplay {
				t.Fatalf("callback reasons %v, want replay last", got)
			}
		})
		t.Run("an altered callback fails the signature", func(t *testing.T) {
			s := sent[0]
			body := bytes.Replace(s.Body, []byte(devstack.CallbackEvent), []byte("session.completed.x"), 1)
			tampered := st.Proofing.Relay.Send(s.SessionID, s.Timestamp, s.Signature, body)
			if tampered.Status != http.StatusUnauthorized {
				t.Fatalf("altered callback answered %d %s", tampered.Status, tampered.Answer)
			}
			if got := callbackReasons(st); got[len(got)-1] != proofing.ReasonBadSignature {
				t.Fatalf("callback reasons %v, want bad_signature last", got)
			}
		})
	})

	t.Run("no match and no liveness: refused, and the token carries no assurance", func(t *testing.T) {
		before := len(callbackReasons(st))
		o := runFlow(t, st, "proofing-refused", map[string]string{"USERNAME": "mallory.proofing@example.com", "PASSWORD": password, "TOTP_URL": totpURL})
		if o.State != "refused" || !strings.Contains(o.Status, proofing.ReasonNoDocumentMatch) {
			t.Fatalf("state %q: %s\nclaims: %s\nconsole: %s", o.State, o.Status, o.Claims, strings.Join(o.Console, "\n"))
		}
		if !strings.Contains(o.Claims, `"custom:ial (ID token)": null`) || !strings.Contains(o.Claims, `"custom:ial (access token)": null`) {
			t.Errorf("the refused person's token claims: %s", o.Claims)
		}
		if got := callbackReasons(st)[before:]; !slices.Equal(got, []string{proofing.ReasonNoDocumentMatch}) {
			t.Errorf("callback reasons %v, want [no_document_match]", got)
		}
	})
}

// TestIdentityProofingEmailChange: a proofed person changes their email in
// the page, through a client that may write it (the sample's may not: see
// TestIdentityProofing). The pool verifies before it updates email: the old
// email stays active, and the assurance with it, until the code sent to the
// new address is entered; a wrong code is refused; once the new address is
// verified, the refreshed tokens carry it and no assurance, and pre token
// generation logged the broken binding.
func TestIdentityProofingEmailChange(t *testing.T) {
	const app = "identity-proofing"
	st := startStackWithTemplate(t, app, emailWritableTemplate(t))
	const user, next = "grace.proofing@example.com", "grace.new@example.com"
	o := runFlow(t, st, "proofing-email-change", map[string]string{"USERNAME": user, "PASSWORD": devstack.DemoPassword, "TOTP_URL": totpHelper(t), "NEW_EMAIL": next})
	x := o.Extra
	if x["verifiedState"] != "verified" || !strings.Contains(x["verifiedClaims"], `"custom:ial (ID token)": "2"`) {
		t.Fatalf("before the change: %s %s\nextra %v\nconsole: %s", x["verifiedState"], x["verifiedClaims"], x, strings.Join(o.Console, "\n"))
	}
	t.Run("pending: the old email stays active, and the assurance with it", func(t *testing.T) {
		if x["pendingState"] != "email-pending" || !strings.Contains(x["pendingStatus"], "stays "+user) {
			t.Fatalf("after the change: %s %q", x["pendingState"], x["pendingStatus"])
		}
		if !strings.Contains(x["pendingClaims"], `"email": "`+user+`"`) || !strings.Contains(x["pendingClaims"], `"custom:ial (ID token)": "2"`) {
			t.Errorf("the refreshed tokens while pending: %s", x["pendingClaims"])
		}
	})
	t.Run("a wrong code is refused", func(t *testing.T) {
		if x["wrongCodeState"] != "email-code-refused" || !strings.Contains(x["wrongCodeStatus"], "CodeMismatchException") {
			t.Errorf("wrong code: %s %q", x["wrongCodeState"], x["wrongCodeStatus"])
		}
	})
	t.Run("verified: the new email, and the assurance dropped", func(t *testing.T) {
		if o.State != "assurance-dropped" || !strings.Contains(o.Status, "verified for "+user) {
			t.Fatalf("after the code: %s %q\nclaims %s", o.State, o.Status, o.Claims)
		}
		for _, want := range []string{`"email": "` + next + `"`, `"custom:ial (ID token)": null`, `"custom:ial (access token)": null`} {
			if !strings.Contains(o.Claims, want) {
				t.Errorf("the refreshed tokens: %s, want %s", o.Claims, want)
			}
		}
		if got := reasons(st, localcognito.SlotPreTokenGeneration); !slices.Contains(got, assurance.ReasonBroken) {
			t.Errorf("pre token generation reasons %v, want %s", got, assurance.ReasonBroken)
		}
	})
}
