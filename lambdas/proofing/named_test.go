package proofing_test

// Issue 8, section 3: proofing binds the proof to the account. Each test
// runs the real handlers (pre sign-up, session, callback and the pool's
// pre token generation with the assurance behaviour) against moto
// (Cognito through test/cognitofake, DynamoDB, Secrets Manager) and the
// IDV fake.

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/assurance"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/presignup"
	"github.com/cognitobridge/cognitobridge/lambdas/pretokengen"
	"github.com/cognitobridge/cognitobridge/lambdas/proofing"
	"github.com/cognitobridge/cognitobridge/test/idvfake"
)

// proofed signs username up, confirms the emailed code, fetches the session
// URL and lets the provider report outcome; it returns the session id and
// the callback's answer.
func (w *world) proof(username string, outcome idvfake.Outcome, at time.Time) (string, apiAnswer) {
	w.t.Helper()
	handle, hash := newHandle()
	if _, err := w.signUp(username, hash); err != nil {
		w.t.Fatalf("sign-up of %s refused: %v", username, err)
	}
	w.confirmEmail(username)
	if a := w.askSession(username, handle); a.Status != 200 || a.Body["sessionUrl"] == "" {
		w.t.Fatalf("session of %s: %+v", username, a)
	}
	starts := w.idv.Starts()
	sid := starts[len(starts)-1].ID
	w.idv.Set(sid, outcome)
	return sid, w.callbackFor(sid, at)
}

// issue runs the pool's pre token generation function (the assurance
// behaviour, as lambdas/cmd/pretokengen composes it) for the user as
// Cognito would at a token issuance: the user's current attributes, a
// version 2 event. It returns the response's override details.
func (w *world) issue(username, source string) (claims map[string]any, suppressed []string) {
	w.t.Helper()
	b, err := assurance.New(w.cog, assurance.Config{})
	if err != nil {
		w.t.Fatal(err)
	}
	h := pretokengen.New(b)
	h.Logger = nil
	_, attrs := w.user(username)
	var ev pretokengen.Event
	ev.Version, ev.TriggerSource, ev.UserPoolID, ev.UserName = "2", source, w.poolID, username
	ev.CallerContext.ClientID = w.clientID
	ev.Request.UserAttributes = attrs
	raw, _ := json.Marshal(ev)
	outRaw, err := lambda.NewHandler(h.Handle).Invoke(w.ctx, raw)
	if err != nil {
		w.t.Fatalf("pre token generation refused: %v", err)
	}
	var out struct {
		Response struct {
			Details *pretokengen.ClaimsAndScopeOverrideDetails `json:"claimsAndScopeOverrideDetails"`
		} `json:"response"`
	}
	if err := json.Unmarshal(outRaw, &out); err != nil {
		w.t.Fatal(err)
	}
	if d := out.Response.Details; d != nil && d.IDTokenGeneration != nil {
		return d.IDTokenGeneration.ClaimsToAddOrOverride, d.IDTokenGeneration.ClaimsToSuppress
	}
	return nil, nil
}

func (w *world) setAttrs(username string, kv ...string) {
	w.t.Helper()
	var attrs []ciptypes.AttributeType
	for i := 0; i+1 < len(kv); i += 2 {
		attrs = append(attrs, ciptypes.AttributeType{Name: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	if _, err := w.cog.AdminUpdateUserAttributes(w.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(w.poolID), Username: aws.String(username), UserAttributes: attrs}); err != nil {
		w.t.Fatal(err)
	}
}

// TestEmailChangeAfterProofing: the proof is bound to the verified email
// it was granted for (custom:ial_email). The app client the construct
// creates cannot change email at all (its write list has no email: see
// constructs/proofing and test/writelists_test.go); when the email changes
// anyway (an administrator, or another client of the pool), the next token
// issuance drops the assurance: suppressed from the tokens and deleted
// from the user, and changing the email back does not restore it.
func TestEmailChangeAfterProofing(t *testing.T) {
	w := newWorld(t)
	now := time.Now()
	if _, a := w.proof("alice", idvfake.Outcome{DocumentMatch: true, Liveness: true, DocumentNumber: "P1234567"}, now); a.Status != 200 {
		t.Fatalf("proofing: %+v; log %s", a, w.logs.String())
	}
	// Before any change: the assurance reaches the tokens.
	claims, suppressed := w.issue("alice", "TokenGeneration_Authentication")
	if claims[contract.AttrIAL] != "2" || suppressed != nil {
		t.Fatalf("bound assurance: claims %v, suppressed %v", claims, suppressed)
	}

	// The email changes to another address, which even gets verified.
	w.setAttrs("alice", "email", "mallory@example.com", "email_verified", "true")
	claims, suppressed = w.issue("alice", "TokenGeneration_RefreshTokens")
	if claims[contract.AttrIAL] != nil || !slices.Equal(suppressed, contract.AssuranceAttributes) {
		t.Fatalf("after the email change: claims %v, suppressed %v", claims, suppressed)
	}
	if _, attrs := w.user("alice"); attrs[contract.AttrIAL] != "" || attrs[contract.AttrIALEmail] != "" || attrs[contract.AttrIALAt] != "" {
		t.Fatalf("assurance kept on the user after the email change: %v", attrs)
	}
	// Back to the proofed address: the assurance stays dropped.
	w.setAttrs("alice", "email", "alice@example.com", "email_verified", "true")
	if claims, _ := w.issue("alice", "TokenGeneration_Authentication"); claims[contract.AttrIAL] != nil {
		t.Fatalf("assurance restored by changing the email back: %v", claims)
	}

	// An unverified email drops it too (a fresh proofing of another user).
	if _, a := w.proof("bob", idvfake.Outcome{DocumentMatch: true, Liveness: true, DocumentNumber: "P7654321"}, now.Add(time.Second)); a.Status != 200 {
		t.Fatalf("proofing bob: %+v", a)
	}
	w.setAttrs("bob", "email_verified", "false")
	if _, suppressed := w.issue("bob", "TokenGeneration_Authentication"); !slices.Equal(suppressed, contract.AssuranceAttributes) {
		t.Fatalf("unverified email: suppressed %v", suppressed)
	}
}

// TestSameDocumentSecondAccountRefused: one identity document proofs at
// most MaxAccountsPerDocument accounts (default 1). A second account with
// the same document (the same number, written differently) is refused with
// a clear reason the user sees at the session endpoint; the registry holds
// a keyed hash, never the number.
func TestSameDocumentSecondAccountRefused(t *testing.T) {
	w := newWorld(t)
	now := time.Now()
	if _, a := w.proof("alice", idvfake.Outcome{DocumentMatch: true, Liveness: true, DocumentNumber: "P1234567", Country: "us"}, now); a.Status != 200 {
		t.Fatalf("first account: %+v; log %s", a, w.logs.String())
	}
	handle, hash := newHandle()
	if _, err := w.signUp("bob", hash); err != nil {
		t.Fatal(err)
	}
	w.confirmEmail("bob")
	if a := w.askSession("bob", handle); a.Status != 200 {
		t.Fatalf("bob's session: %+v", a)
	}
	starts := w.idv.Starts()
	bobSession := starts[len(starts)-1].ID
	w.idv.Set(bobSession, idvfake.Outcome{DocumentMatch: true, Liveness: true, DocumentNumber: "p 1234-567", Country: "US"})
	a := w.callbackFor(bobSession, now.Add(time.Second))
	if a.Status != 409 || a.Body["error"] != "document_in_use" || !strings.Contains(w.logs.String(), `"reason":"document_in_use"`) {
		t.Fatalf("second account: %+v", a)
	}
	if _, attrs := w.user("bob"); attrs[contract.AttrIAL] != "" {
		t.Fatalf("second account assured: %v", attrs)
	}
	// The user learns why.
	st := w.askSession("bob", handle)
	if st.Status != 200 || st.Body["status"] != "rejected" || st.Body["reason"] != proofing.ReasonDocumentInUse ||
		!strings.Contains(st.Body["message"], "already been used to verify another account") {
		t.Fatalf("bob's status: %+v", st)
	}
	// The registry: one document, one account, a keyed hash only.
	out, err := w.ddb.Scan(w.ctx, &dynamodb.ScanInput{TableName: aws.String(w.table)})
	if err != nil {
		t.Fatal(err)
	}
	docs := 0
	for _, item := range out.Items {
		pk := sattr(item, contract.RecordPartitionKey)
		if strings.Contains(fmt.Sprint(item), "1234567") || strings.Contains(fmt.Sprint(item), "1234-567") {
			t.Fatalf("the document number is stored: %v", item)
		}
		if !strings.HasPrefix(pk, "document#") {
			continue
		}
		docs++
		accounts, _ := item[proofing.AttrAccounts].(*ddbtypes.AttributeValueMemberSS)
		if accounts == nil || !slices.Equal(accounts.Value, []string{w.poolID + "#alice"}) || item[contract.RecordExpiresAt] != nil {
			t.Fatalf("registry item %v", item)
		}
	}
	if docs != 1 {
		t.Fatalf("%d registry items, want 1", docs)
	}
	// Alice's retried callback still passes: the same account counts once.
	if a := w.callbackFor(w.idv.Starts()[0].ID, now.Add(2*time.Second)); a.Status != 200 {
		t.Fatalf("first account again: %+v", a)
	}

	// With MaxAccountsPerDocument 2 a second account is let through, a
	// third is not.
	two, err := proofing.NewCallbackHandler(w.idvImpl, w.store, w.cog, w.secret, w.docKey, 2, w.hc)
	if err != nil {
		t.Fatal(err)
	}
	two.Logger = nil
	w.callback = two
	for i, user := range []string{"carol", "dave"} {
		_, a := w.proof(user, idvfake.Outcome{DocumentMatch: true, Liveness: true, DocumentNumber: "P5555555"}, now.Add(time.Duration(3+i)*time.Second))
		if want := []int{200, 200}[i]; a.Status != want {
			t.Fatalf("%s with a limit of 2: %+v", user, a)
		}
	}
	if _, a := w.proof("erin", idvfake.Outcome{DocumentMatch: true, Liveness: true, DocumentNumber: "P5555555"}, now.Add(5*time.Second)); a.Status != 409 {
		t.Fatalf("third account with a limit of 2: %+v", a)
	}
}

// TestPlaintextResultRefused: a provider answer that is not encrypted under
// the shared key (the result, or the /verify verdicts) is refused: where it
// came from and whether it was changed cannot be checked. Nothing is
// granted, the record is not rejected (a later, authenticated answer can
// still pass), and the same session passes once the provider answers
// properly.
func TestPlaintextResultRefused(t *testing.T) {
	w := newWorld(t)
	now := time.Now()
	for i, o := range []idvfake.Outcome{
		{DocumentMatch: true, Liveness: true, Plaintext: true},
		{DocumentMatch: true, Liveness: true, PlaintextVerify: true},
	} {
		user := []string{"alice", "bob"}[i]
		sid, a := w.proof(user, o, now.Add(time.Duration(i)*time.Second))
		if a.Status != 502 || a.Body["error"] != "upstream_unverifiable" {
			t.Fatalf("%s: %+v", user, a)
		}
		if _, attrs := w.user(user); attrs[contract.AttrIAL] != "" {
			t.Fatalf("%s assured from a plaintext answer: %v", user, attrs)
		}
		if s := sattr(w.record(user), "status"); s != proofing.StatusPending {
			t.Fatalf("%s: record %s", user, s)
		}
		if !strings.Contains(w.logs.String(), `"reason":"result_unauthenticated"`) {
			t.Fatalf("log %s", w.logs.String())
		}
		w.idv.Set(sid, idvfake.Outcome{DocumentMatch: true, Liveness: true})
		if a := w.callbackFor(sid, now.Add(time.Duration(10+i)*time.Second)); a.Status != 200 {
			t.Fatalf("%s, encrypted answer: %+v", user, a)
		}
	}
}

// The session URL is a bearer capability: no URL before the email is
// verified, and a callback for a user whose email is not verified grants
// nothing (a URL obtained some other way).
func TestContactVerifiedBeforeAssurance(t *testing.T) {
	w := newWorld(t)
	handle, hash := newHandle()
	if _, err := w.signUp("alice", hash); err != nil {
		t.Fatal(err)
	}
	if a := w.askSession("alice", handle); a.Status != 409 || a.Body["error"] != "contact_unverified" || a.Body["sessionUrl"] != "" {
		t.Fatalf("session before the email is verified: %+v", a)
	}
	sid := w.idv.Starts()[0].ID
	w.idv.Set(sid, idvfake.Outcome{DocumentMatch: true, Liveness: true})
	resultCalls := w.idv.Calls(idvfake.PathResult)
	if a := w.callbackFor(sid, time.Now()); a.Status != 409 || a.Body["error"] != "contact_unverified" {
		t.Fatalf("callback before the email is verified: %+v", a)
	}
	if w.idv.Calls(idvfake.PathResult) != resultCalls {
		t.Fatal("the provider was asked for a result of an unverified contact")
	}
	if st, attrs := w.user("alice"); st != "UNCONFIRMED" || attrs[contract.AttrIAL] != "" {
		t.Fatalf("user %s %v", st, attrs)
	}
	// Confirmed (the code) but email_verified withdrawn: still nothing.
	w.confirmEmail("alice")
	w.setAttrs("alice", "email_verified", "false")
	if a := w.callbackFor(sid, time.Now().Add(time.Second)); a.Status != 409 {
		t.Fatalf("callback with an unverified email: %+v", a)
	}
	w.setAttrs("alice", "email_verified", "true")
	if a := w.callbackFor(sid, time.Now().Add(2*time.Second)); a.Status != 200 {
		t.Fatalf("callback after verification: %+v", a)
	}
}

// A stored sign-up whose Cognito user does not exist (the sign-up failed
// after the trigger): the session endpoint answers as for an unknown user.
func TestSessionForAMissingCognitoUser(t *testing.T) {
	w := newWorld(t)
	handle, hash := newHandle()
	ev := presignup.Event{Header: presignup.Header{TriggerSource: presignup.TriggerSignUp, UserPoolID: w.poolID, UserName: "ghost"},
		Request: presignup.Request{ValidationData: map[string]string{contract.ProofingHandleKey: hash}}}
	if _, err := lambda.NewHandler(w.presign.Handle).Invoke(w.ctx, mustJSON(ev)); err != nil {
		t.Fatal(err)
	}
	if a := w.askSession("ghost", handle); a.Status != 404 || a.Body["error"] != "not_found" {
		t.Fatalf("missing Cognito user: %+v", a)
	}
}

// TestVerifiedProofingIsFinal (issue 14): a callback for a session whose
// record is verified answers already_verified and changes nothing, even
// after the email changed; the record keeps the keyed hash of the email it
// proofed, never the address. (Through the real binaries:
// test/e2e TestAttackLateProofingCallbackAfterEmailChange.)
func TestVerifiedProofingIsFinal(t *testing.T) {
	w := newWorld(t)
	now := time.Now()
	sid, a := w.proof("alice", idvfake.Outcome{DocumentMatch: true, Liveness: true, DocumentNumber: "F1234567"}, now)
	if a.Status != 200 || a.Body["status"] != "assured" {
		t.Fatalf("proofing: %+v", a)
	}
	_, before := w.user("alice")
	w.setAttrs("alice", "email", "mallory@example.com", "email_verified", "true")
	late := w.callbackFor(sid, now.Add(2*time.Second))
	if late.Status != 200 || late.Body["status"] != proofing.ReasonAlreadyVerified {
		t.Fatalf("late callback: %+v", late)
	}
	if _, after := w.user("alice"); after[contract.AttrIALEmail] != before[contract.AttrIALEmail] || after[contract.AttrIALAt] != before[contract.AttrIALAt] {
		t.Errorf("the late callback changed the assurance: %v, was %v", after, before)
	}
	if !strings.Contains(w.logs.String(), `"reason":"already_verified"`) {
		t.Errorf("no already_verified decision logged:\n%s", w.logs.String())
	}
	key, err := w.docKey.DocumentKey(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	item, err := w.ddb.GetItem(w.ctx, &dynamodb.GetItemInput{TableName: aws.String(w.table),
		Key: map[string]ddbtypes.AttributeValue{contract.RecordPartitionKey: &ddbtypes.AttributeValueMemberS{Value: w.poolID + "#alice"}}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := item.Item[proofing.AttrEmailHash].(*ddbtypes.AttributeValueMemberS)
	if got == nil || got.Value != proofing.EmailHash(key, "ALICE@example.com") || strings.Contains(fmt.Sprint(item.Item), "alice@example.com") {
		t.Errorf("the verified record: %v", item.Item)
	}
}
