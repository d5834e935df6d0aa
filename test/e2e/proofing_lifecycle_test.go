package e2e

// Issue 14, section 3: a verified proofing is final. The identity-proofing
// sample runs as its golden template configures it (test/localcognito's
// devstack, without its page): the real pre sign-up, proofing-session,
// proofing-callback and pre token generation binaries, the local Cognito
// endpoint holding the users, the BlockID IDV fake and the relay that signs
// callbacks, moto behind them.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/lambdas/assurance"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/proofing"
	"github.com/cognitobridge/cognitobridge/test/idvfake"
	"github.com/cognitobridge/cognitobridge/test/lambdaproc"
	"github.com/cognitobridge/cognitobridge/test/localcognito/devstack"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
)

// proofingStack starts the identity-proofing sample without its page.
func proofingStack(t *testing.T) (*devstack.Stack, *cip.Client) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts the identity-proofing sample")
	}
	startMoto(t) // skips without moto_server, as the other tests here
	var logs io.Writer = io.Discard
	if testing.Verbose() {
		logs = os.Stderr
	}
	bins := t.TempDir()
	if err := lambdaproc.Build(t.Context(), "", bins, "presignup", "pretokengen", "proofing-session", "proofing-callback"); err != nil {
		t.Fatal(err)
	}
	st, err := devstack.Start(t.Context(), t, devstack.Options{App: "identity-proofing", NoPage: true, BinDir: bins, Log: logs})
	if err != nil {
		t.Fatal(err)
	}
	if st.Proofing == nil || st.Config.ProofingSessionURL == "" {
		t.Fatalf("no proofing wiring: %+v", st.Config)
	}
	api := cip.New(cip.Options{Region: region, BaseEndpoint: aws.String(st.EndpointURL), Credentials: motoserver.Credentials, RetryMaxAttempts: 1})
	return st, api
}

// proofUser signs email up with a proofing handle, confirms the emailed
// code, asks the session endpoint for the session, lets the IDV report
// outcome and has the relay send the signed callback; it returns the
// session id and the callback's answer.
func proofUser(t *testing.T, st *devstack.Stack, api *cip.Client, email string, outcome idvfake.Outcome) (string, devstack.Sent) {
	t.Helper()
	ctx := t.Context()
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	handle := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(handle))
	up, err := api.SignUp(ctx, &cip.SignUpInput{
		ClientId: aws.String(st.ClientID), Username: aws.String(email), Password: aws.String(devstack.DemoPassword),
		ValidationData: []ciptypes.AttributeType{{Name: aws.String(contract.ProofingHandleKey), Value: aws.String(hex.EncodeToString(sum[:]))}},
	})
	if err != nil {
		t.Fatalf("sign-up of %s: %v", email, err)
	}
	if _, err := api.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(st.ClientID), Username: aws.String(email),
		ConfirmationCode: aws.String(st.Cognito.PendingCode(email, "SignUp"))}); err != nil {
		t.Fatalf("confirming %s: %v", email, err)
	}
	// The user name is the generated id SignUp returns (the pool's user
	// name is the email), as the sample's page sends it.
	body, _ := json.Marshal(proofing.SessionRequest{Username: aws.ToString(up.UserSub), Handle: handle})
	resp, err := http.Post(st.Config.ProofingSessionURL, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var sess proofing.SessionResponse
	err = json.NewDecoder(resp.Body).Decode(&sess)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || sess.SessionURL == "" {
		t.Fatalf("session of %s: %d %+v %v", email, resp.StatusCode, sess, err)
	}
	starts := st.Proofing.IDV.Starts()
	sid := starts[len(starts)-1].ID
	st.Proofing.IDV.Set(sid, outcome)
	return sid, st.Proofing.Relay.Notify(sid)
}

// lateCallback is the relay (or the provider's retry) notifying sid again,
// later: a new timestamp, so a new signature and no replay.
func lateCallback(st *devstack.Stack, sid string, after time.Duration) devstack.Sent {
	body, _ := json.Marshal(proofing.CallbackBody{SessionID: sid, Event: devstack.CallbackEvent})
	ts := strconv.FormatInt(time.Now().Add(after).Unix(), 10)
	return st.Proofing.Relay.Send(sid, ts, proofing.Sign([]byte(st.Proofing.HMACKey()), ts, body), body)
}

func userAttrs(t *testing.T, api *cip.Client, pool, username string) map[string]string {
	t.Helper()
	out, err := api.AdminGetUser(t.Context(), &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String(username)})
	if err != nil {
		t.Fatalf("AdminGetUser %s: %v", username, err)
	}
	attrs := map[string]string{}
	for _, a := range out.UserAttributes {
		attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	return attrs
}

func setAttrs(t *testing.T, api *cip.Client, pool, username string, kv ...string) {
	t.Helper()
	var attrs []ciptypes.AttributeType
	for i := 0; i+1 < len(kv); i += 2 {
		attrs = append(attrs, ciptypes.AttributeType{Name: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	if _, err := api.AdminUpdateUserAttributes(t.Context(), &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(pool), Username: aws.String(username), UserAttributes: attrs}); err != nil {
		t.Fatalf("AdminUpdateUserAttributes %s: %v", username, err)
	}
}

// idTokenIAL issues tokens for username through the pool (the real pre
// token generation binary runs) and returns the ID token's custom:ial, ""
// when it has none.
func idTokenIAL(t *testing.T, st *devstack.Stack, username string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	tok, err := st.Cognito.IssueTokens(ctx, st.ClientID, username, []string{"openid"})
	if err != nil {
		t.Fatalf("token issuance for %s: %v", username, err)
	}
	claims := jwtClaims(t, tok.IDToken)
	s, _ := claims[contract.AttrIAL].(string)
	return s
}

func jwtClaims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestAttackLateProofingCallbackAfterEmailChange: Ada is proofed with her
// verified email; then the account's email changes (an administrator,
// another client of the pool, or whoever holds her session on a client
// that may write email) to an address that gets verified. The assurance no
// longer holds: it was bound to Ada's email. A callback for her finished
// session arriving later (the provider's retry, the relay re-sending, or
// anyone who can make the relay notify again) must not proof the new
// address: before the fix the callback asked Cognito for the current email
// and bound a fresh assurance to it. The rightful proofing beside it: Ada's
// own callback grants the assurance, and a retried callback while nothing
// changed keeps it.
func TestAttackLateProofingCallbackAfterEmailChange(t *testing.T) {
	st, api := proofingStack(t)
	pool := st.Pool.Config.PoolID
	const ada, mallory = "ada.late@example.com", "mallory.late@example.com"

	sid, first := proofUser(t, st, api, ada, idvfake.Outcome{DocumentMatch: true, Liveness: true, DocumentNumber: "L1234567"})
	if first.Status != http.StatusOK {
		t.Fatalf("Ada's callback: %d %s", first.Status, first.Answer)
	}
	// The internal user name: the sign-in name (the email) changes below.
	out, err := api.AdminGetUser(t.Context(), &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String(ada)})
	if err != nil {
		t.Fatal(err)
	}
	user := aws.ToString(out.Username)
	attrs := userAttrs(t, api, pool, user)
	if attrs[contract.AttrIAL] != "2" || attrs[contract.AttrIALEmail] != ada || !assurance.Bound(attrs) {
		t.Fatalf("Ada's assurance after her proofing: %v", attrs)
	}
	if got := idTokenIAL(t, st, user); got != "2" {
		t.Fatalf("Ada's ID token custom:ial %q, want 2", got)
	}
	// A retried callback while nothing changed: still assured, nothing new.
	if again := lateCallback(st, sid, time.Second); again.Status != http.StatusOK {
		t.Errorf("a retried callback: %d %s", again.Status, again.Answer)
	}
	if got := userAttrs(t, api, pool, user); got[contract.AttrIALAt] != attrs[contract.AttrIALAt] || !assurance.Bound(got) {
		t.Errorf("a retried callback changed the assurance: %v, was %v", got, attrs)
	}

	// The email changes and is verified.
	setAttrs(t, api, pool, user, "email", mallory, "email_verified", "true")
	if got := idTokenIAL(t, st, user); got != "" {
		t.Fatalf("after the email change the ID token carries custom:ial %q", got)
	}

	// The late callback for Ada's session.
	late := lateCallback(st, sid, 2*time.Second)
	t.Logf("late callback: %d %s", late.Status, late.Answer)
	after := userAttrs(t, api, pool, user)
	if assurance.Bound(after) || after[contract.AttrIALEmail] == mallory {
		t.Errorf("the late callback proofed the new email: %v", after)
	}
	if got := idTokenIAL(t, st, user); got != "" {
		t.Errorf("after the late callback the ID token carries custom:ial %q", got)
	}
}
