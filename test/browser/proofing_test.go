package browser_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/lambdas/proofing"
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

// TestIdentityProofing runs the identity-proofing sample in the browser:
// sign up with the handle's hash, confirm the email with Cognito's code,
// open the provider's session page (the loopback BlockID IDV fake) from
// POST /proofing/session, finish there; the relay signs the callback, the
// callback function asks the provider for the result and writes the
// assurance; the page polls until verified and signs in (SRP) with a token
// carrying custom:ial. Its refusal twin: the IDV reports no match and no
// liveness, the page ends refused and the token carries no assurance. And
// the callback refuses the relay's request replayed, and altered.
func TestIdentityProofing(t *testing.T) {
	const app = "identity-proofing"
	st := startStack(t, app)
	if st.Proofing == nil || st.APIRunner == nil || st.Config.ProofingSessionURL == "" {
		t.Fatalf("no proofing wiring: %+v", st.Config)
	}
	password := devstack.DemoPassword

	t.Run("rightful person signs up, is verified and signed in with the assurance", func(t *testing.T) {
		o := runFlow(t, st, "proofing-verified", map[string]string{"USERNAME": "ada.proofing@example.com", "PASSWORD": password})
		if o.State != "verified" {
			t.Fatalf("state %q: %s\nclaims: %s\nconsole: %s\nrelay: %+v\ncallback: %v", o.State, o.Status, o.Claims, strings.Join(o.Console, "\n"), st.Proofing.Relay.Sent(), callbackReasons(st))
		}
		if !strings.Contains(o.Claims, `"custom:ial (ID token)": "2"`) || !strings.Contains(o.Claims, `"custom:ial_src (ID token)": "proofing"`) {
			t.Errorf("the token's assurance claims: %s", o.Claims)
		}
		sent := st.Proofing.Relay.Sent()
		if len(sent) != 1 || sent[0].Status != http.StatusOK {
			t.Fatalf("relay callbacks %+v, want one answered 200", sent)
		}
		if got := callbackReasons(st); !slices.Equal(got, []string{proofing.ReasonAssured}) {
			t.Errorf("callback reasons %v, want [assured]", got)
		}

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
		o := runFlow(t, st, "proofing-refused", map[string]string{"USERNAME": "mallory.proofing@example.com", "PASSWORD": password})
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
