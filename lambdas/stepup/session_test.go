package stepup_test

// The verification-session step-up through the Create and Verify handlers
// (Handle, as Lambda calls them), against the loopback step-up session API
// (test/vsessionpeer) and the in-memory DynamoDB fake of the benchmarks:
// the rightful face session beside every way it must be refused.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/enrollment"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup/recordhook"
	"github.com/cognitobridge/cognitobridge/test/syncbuf"
	"github.com/cognitobridge/cognitobridge/test/vsessionpeer"

	"log/slog"
)

const (
	sessPool     = "eu-west-1_Session1"
	sessClient   = "sessionclient00000000000001"
	sessTenant   = "acme.1kosmos.net"
	sessIssuer   = "https://acme.1kosmos.net/oauth2/community/default/v1"
	aliceSubject = "alice-blockid-0001"
	bobSubject   = "bob-blockid-0002"
	sessBudget   = 1500 * time.Millisecond
)

var (
	sessAlice = map[string]string{"sub": "5e550000-0000-4000-8000-00000000a11c", "email": "alice@example.com", "email_verified": "true"}
	sessCarol = map[string]string{"sub": "5e550000-0000-4000-8000-0000000ca201", "email": "carol@example.com", "email_verified": "true"}
)

// sessionSecret is a SecretSource over a contract.SessionSecret.
type sessionSecret struct {
	mu  sync.Mutex
	raw string
}

func (s *sessionSecret) Value(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.raw, nil
}
func (*sessionSecret) Invalidate() {}

type sessionRig struct {
	t      *testing.T
	peer   *vsessionpeer.Peer
	db     *countingDynamoDB
	store  *steprecord.Store
	create *stepup.CreateHandler
	verify *stepup.VerifyHandler
	logs   *syncbuf.Buffer // shared by both handlers
}

func newSessionRig(t *testing.T, env map[string]string) *sessionRig {
	t.Helper()
	peer := vsessionpeer.Start(t, vsessionpeer.Options{Users: []string{aliceSubject, bobSubject}})
	e := map[string]string{
		contract.EnvProvider:      contract.ProviderBlockIDSession,
		contract.EnvSecretARN:     "arn:aws:secretsmanager:eu-west-1:123456789012:secret:session-AbCdEf",
		contract.EnvSessionAPIURL: peer.URL(),
		contract.EnvBudgetMillis:  strconv.Itoa(int(sessBudget / time.Millisecond)),
	}
	maps.Copy(e, env)
	cfg, err := stepup.ConfigFromEnv(func(k string) string { return e[k] })
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(contract.SessionSecret{APIKey: peer.APIKey(), TenantDNS: sessTenant, Community: "default"})
	sec := &sessionSecret{raw: string(raw)}
	r := &sessionRig{t: t, peer: peer, db: newCountingDynamoDB(), logs: &syncbuf.Buffer{}}
	r.store = steprecord.New(r.db, "stepup", 0)
	logger := slog.New(slog.NewJSONHandler(r.logs, nil))
	r.create = stepup.NewSessionCreateHandler(cfg, sec, nil, r.store)
	r.create.Logger = logger
	r.verify = stepup.NewSessionVerifyHandler(cfg, sec, nil, recordhook.New(r.store))
	r.verify.Logger = logger
	r.enroll(sessAlice["sub"], sessIssuer, aliceSubject)
	t.Cleanup(func() {
		logs := r.logs.String()
		for _, secret := range []string{peer.APIKey()} {
			if strings.Contains(logs, secret) {
				t.Error("the API key reached the log")
			}
		}
		for _, s := range peer.Sessions() {
			if strings.Contains(logs, s.ID) {
				t.Error("a session id reached the log")
			}
		}
	})
	return r
}

// enroll writes an enrollment item as an administrator would.
func (r *sessionRig) enroll(sub, issuer, subject string) {
	key, err := enrollment.Key(sessPool, sub)
	if err != nil {
		r.t.Fatal(err)
	}
	r.db.mu.Lock()
	defer r.db.mu.Unlock()
	r.db.items[key] = map[string]types.AttributeValue{
		contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: key},
		contract.EnrollIssuer:       &types.AttributeValueMemberS{Value: issuer},
		contract.EnrollSubject:      &types.AttributeValueMemberS{Value: subject},
		contract.EnrolledAt:         &types.AttributeValueMemberN{Value: "1"},
		contract.EnrolledBy:         &types.AttributeValueMemberS{Value: "admin:test"},
	}
}

func sessHeader(trigger string) stepup.Header {
	return stepup.Header{
		Version: "1", TriggerSource: trigger, Region: "eu-west-1", UserPoolID: sessPool, UserName: "alice",
		CallerContext: stepup.CallerContext{AWSSDKVersion: "aws-sdk-js-3.0.0", ClientID: sessClient},
	}
}

var passwordDone = []stepup.ChallengeResult{
	{ChallengeName: stepup.ChallengeSRPA, ChallengeResult: true},
	{ChallengeName: stepup.ChallengePasswordVerifier, ChallengeResult: true},
}

type sessUser struct {
	attrs    map[string]string
	notFound bool
	session  []stepup.ChallengeResult
}

var (
	alicePW = sessUser{attrs: sessAlice, session: passwordDone}
	carolPW = sessUser{attrs: sessCarol, session: passwordDone}
)

// createFor runs Create and returns its response, or the error.
func (r *sessionRig) createFor(u sessUser) (stepup.CreateResponse, error) {
	ev := stepup.CreateEvent{Header: sessHeader("CreateAuthChallenge_Authentication")}
	ev.Request = stepup.CreateRequest{UserAttributes: u.attrs, ChallengeName: stepup.ChallengeCustom, Session: u.session, UserNotFound: u.notFound}
	if ev.Request.UserAttributes == nil {
		ev.Request.UserAttributes = map[string]string{}
	}
	out, err := r.create.Handle(context.Background(), ev)
	return out.Response, err
}

// verifyWith runs Verify for a challenge with the given answer.
func (r *sessionRig) verifyWith(u sessUser, c stepup.CreateResponse, answer json.RawMessage) bool {
	ev := stepup.VerifyEvent{Header: sessHeader("VerifyAuthChallengeResponse_Authentication")}
	ev.Request = stepup.VerifyRequest{
		UserAttributes:             u.attrs,
		PrivateChallengeParameters: c.PrivateChallengeParameters,
		ChallengeAnswer:            answer,
		ClientMetadata:             map[string]string{contract.MetadataStepUpBinding: c.PublicChallengeParameters[contract.PublicStepUpBinding]},
		UserNotFound:               u.notFound,
	}
	if ev.Request.UserAttributes == nil {
		ev.Request.UserAttributes = map[string]string{}
	}
	out, err := r.verify.Handle(context.Background(), ev)
	if err != nil {
		r.t.Fatalf("Verify returned an error: %v", err)
	}
	return out.Response.AnswerCorrect
}

// lastReason is the reason of the last decision line of trigger.
func (r *sessionRig) lastReason(trigger string) string {
	var reason string
	sc := bufio.NewScanner(strings.NewReader(r.logs.String()))
	for sc.Scan() {
		var line struct{ Msg, Trigger, Reason string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "stepup decision" && line.Trigger == trigger {
			reason = line.Reason
		}
	}
	return reason
}

// consumed reports whether the guard would find this sign-in's record.
func (r *sessionRig) consumed(u sessUser, c stepup.CreateResponse) bool {
	_, err := r.store.ConsumeAt(context.Background(), steprecord.SignIn{PoolID: sessPool, Sub: u.attrs["sub"], ClientID: sessClient,
		BindingHash: contract.BindingHash(c.PublicChallengeParameters[contract.PublicStepUpBinding])}, time.Now(), time.Minute)
	if errors.Is(err, steprecord.ErrUnavailable) || errors.Is(err, steprecord.ErrInvalidKey) {
		r.t.Fatal(err)
	}
	return err == nil
}

func (r *sessionRig) providerCalls() int {
	return r.peer.Calls(vsessionpeer.EndpointStart) + r.peer.Calls(vsessionpeer.EndpointResult)
}

// wantPublicShape checks the public parameters: exactly provider,
// sessionUrl and stepupBinding, and nothing private.
func wantPublicShape(t *testing.T, c stepup.CreateResponse) {
	t.Helper()
	keys := slices.Sorted(maps.Keys(c.PublicChallengeParameters))
	if !slices.Equal(keys, []string{contract.PublicProvider, contract.PublicSessionURL, contract.PublicStepUpBinding}) {
		t.Fatalf("public parameters %v", keys)
	}
	if c.PublicChallengeParameters[contract.PublicProvider] != contract.ProviderBlockIDSession || c.ChallengeMetadata != contract.ChallengeMetadata {
		t.Fatalf("provider %q, metadata %q", c.PublicChallengeParameters[contract.PublicProvider], c.ChallengeMetadata)
	}
	for _, v := range c.PrivateChallengeParameters {
		for k, p := range c.PublicChallengeParameters {
			if k != contract.PublicProvider && strings.Contains(p, v) {
				t.Fatalf("a private value is in the public %s", k)
			}
		}
	}
}

func TestSessionStepUp(t *testing.T) {
	r := newSessionRig(t, nil)
	c, err := r.createFor(alicePW)
	if err != nil {
		t.Fatal(err)
	}
	wantPublicShape(t, c)
	started, _ := r.peer.Last()
	if started.Subject != aliceSubject || started.Reason != contract.StepUpReasonHighValueTransaction || started.TimeoutSeconds != 300 {
		t.Fatalf("session started as %+v", started)
	}
	if c.PublicChallengeParameters[contract.PublicSessionURL] != started.URL || c.PrivateChallengeParameters[contract.PrivateSessionID] != started.ID {
		t.Fatal("the challenge does not carry the started session")
	}
	if err := r.peer.Person(context.Background(), started.URL, aliceSubject, true); err != nil {
		t.Fatal(err)
	}
	calls := r.db.calls.Load()
	if !r.verifyWith(alicePW, c, stepup.SessionAnswerJSON()) {
		t.Fatalf("rightful face session refused: %s", r.lastReason("verify"))
	}
	if n := r.db.calls.Load() - calls; n != 1 {
		t.Fatalf("warm Verify made %d DynamoDB calls, want 1", n)
	}
	if calls != 1 {
		t.Fatalf("Create made %d DynamoDB calls, want 1 (the enrollment read)", calls)
	}
	if !r.consumed(alicePW, c) {
		t.Fatal("no step-up record for the guard")
	}
}

// TestSessionRefusals is the refusal matrix: each row is one challenge of
// the enrolled user, something done to its session or its answer, and the
// reason Verify must give.
func TestSessionRefusals(t *testing.T) {
	otherSession := ""
	cases := []struct {
		name   string
		before func(r *sessionRig, s vsessionpeer.Started, c *stepup.CreateResponse)
		answer json.RawMessage
		want   stepup.Reason
		// noResult: Verify must not ask the provider at all.
		noResult bool
	}{
		{name: "pending", want: stepup.ReasonSessionPending},
		{name: "expired", before: func(r *sessionRig, s vsessionpeer.Started, _ *stepup.CreateResponse) { r.peer.Expire(s.ID) }, want: stepup.ReasonSessionExpired},
		{name: "failed (declined)", before: func(r *sessionRig, s vsessionpeer.Started, _ *stepup.CreateResponse) { r.peer.Fail(s.ID) }, want: stepup.ReasonSessionFailed},
		{name: "match false (another face)", before: person("mallory-face", true), want: stepup.ReasonMatchFailed},
		{name: "liveness false (a replayed face)", before: person(aliceSubject, false), want: stepup.ReasonLivenessFailed},
		{name: "subject mismatch", before: completedThen(func(m map[string]any) { m["user_id"] = bobSubject }), want: stepup.ReasonSessionSubjectMismatch},
		{name: "result of another session id", before: func(r *sessionRig, s vsessionpeer.Started, c *stepup.CreateResponse) {
			// Bob's own, completed, genuine session: its result must not
			// count for this challenge.
			other, err := r.createFor(sessUser{attrs: map[string]string{"sub": "bob-cognito-sub"}, session: passwordDone})
			if err == nil || other.PrivateChallengeParameters != nil {
				t.Fatal("bob is not enrolled; his Create must fail")
			}
			r.enroll("bob-cognito-sub", sessIssuer, bobSubject)
			other, err = r.createFor(sessUser{attrs: map[string]string{"sub": "bob-cognito-sub"}, session: passwordDone})
			if err != nil {
				t.Fatal(err)
			}
			otherSession = other.PrivateChallengeParameters[contract.PrivateSessionID]
			r.peer.Complete(otherSession, true, true)
			r.peer.Complete(s.ID, true, true)
			r.peer.SetFault(vsessionpeer.EndpointResult, vsessionpeer.Fault{Rewrite: func(m map[string]any) { m["challenge_id"] = otherSession }})
		}, want: stepup.ReasonSessionMismatch},
		{name: "unknown session at the provider", before: fault(vsessionpeer.Fault{Status: 404}), want: stepup.ReasonSessionUnknown},
		{name: "provider 500", before: fault(vsessionpeer.Fault{Status: 500}), want: stepup.ReasonProviderUnavailable},
		{name: "provider 429", before: fault(vsessionpeer.Fault{Status: 429}), want: stepup.ReasonProviderUnavailable},
		{name: "provider refuses the key", before: fault(vsessionpeer.Fault{Status: 401}), want: stepup.ReasonProviderCredentials},
		{name: "malformed JSON", before: fault(vsessionpeer.Fault{Body: `{"challenge_id":`}), want: stepup.ReasonProviderAnswerInvalid},
		{name: "verdict as a string", before: completedThen(func(m map[string]any) { m["match_result"] = "true" }), want: stepup.ReasonProviderAnswerInvalid},
		{name: "oversized body", before: func(r *sessionRig, s vsessionpeer.Started, _ *stepup.CreateResponse) {
			r.peer.Complete(s.ID, true, true)
			r.peer.SetFault(vsessionpeer.EndpointResult, vsessionpeer.Fault{Oversize: 1 << 20})
		}, want: stepup.ReasonProviderAnswerInvalid},
		{name: "hang", before: fault(vsessionpeer.Fault{Hang: true}), want: stepup.ReasonDeadlineExceeded},
		{name: "completed before the challenge", before: completedThen(func(m map[string]any) {
			m["completed_at"] = time.Now().Add(-10 * time.Minute).UTC().Format(time.RFC3339)
		}), want: stepup.ReasonSessionStale},
		{name: "completed in the future", before: completedThen(func(m map[string]any) {
			m["completed_at"] = time.Now().Add(10 * time.Minute).UTC().Format(time.RFC3339)
		}), want: stepup.ReasonProviderAnswerInvalid},
		{name: "result past its expiry", before: completedThen(func(m map[string]any) {
			m["expires_at"] = time.Now().Add(-5 * time.Minute).UTC().Format(time.RFC3339)
		}), want: stepup.ReasonSessionExpired},
		{name: "challenge older than the session timeout", before: func(r *sessionRig, s vsessionpeer.Started, c *stepup.CreateResponse) {
			r.peer.Complete(s.ID, true, true)
			c.PrivateChallengeParameters[contract.PrivateCreatedAt] = strconv.FormatInt(time.Now().Add(-10*time.Minute).UnixMilli(), 10)
		}, want: stepup.ReasonSessionExpired, noResult: true},
		{name: "re-enrolled between Create and Verify", before: func(r *sessionRig, s vsessionpeer.Started, _ *stepup.CreateResponse) {
			r.peer.Complete(s.ID, true, true)
			r.enroll(sessAlice["sub"], sessIssuer, bobSubject)
		}, want: stepup.ReasonEnrollmentMismatch},
		{name: "answer done:false", before: person(aliceSubject, true), answer: rawJSONString(`{"done":false}`), want: stepup.ReasonAnswerMalformed, noResult: true},
		{name: "answer carrying a session id", before: person(aliceSubject, true), answer: rawJSONString(`{"done":true,"sessionId":"x"}`), want: stepup.ReasonAnswerMalformed, noResult: true},
		{name: "answer an object, not a string", before: person(aliceSubject, true), answer: json.RawMessage(`{"done":true}`), want: stepup.ReasonAnswerMalformed, noResult: true},
		{name: "answer too large", before: person(aliceSubject, true), answer: rawJSONString(`{"done":true` + strings.Repeat(" ", 100) + `}`), want: stepup.ReasonAnswerTooLarge, noResult: true},
		{name: "private session id missing", before: func(r *sessionRig, s vsessionpeer.Started, c *stepup.CreateResponse) {
			r.peer.Complete(s.ID, true, true)
			delete(c.PrivateChallengeParameters, contract.PrivateSessionID)
		}, want: stepup.ReasonChallengeParamsBad, noResult: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := newSessionRig(t, nil)
			c, err := r.createFor(alicePW)
			if err != nil {
				t.Fatalf("%v: %s", err, r.lastReason("create"))
			}
			s, _ := r.peer.Last()
			if tc.before != nil {
				tc.before(r, s, &c)
			}
			answer := tc.answer
			if answer == nil {
				answer = stepup.SessionAnswerJSON()
			}
			results := r.peer.Calls(vsessionpeer.EndpointResult)
			start := time.Now()
			if r.verifyWith(alicePW, c, answer) {
				t.Fatal("answerCorrect: the step-up passed")
			}
			if d := time.Since(start); d > sessBudget+200*time.Millisecond {
				t.Fatalf("refused after %v, beyond the %v budget", d, sessBudget)
			}
			if got := r.lastReason("verify"); got != string(tc.want) {
				t.Fatalf("reason %q, want %q", got, tc.want)
			}
			if tc.noResult && r.peer.Calls(vsessionpeer.EndpointResult) != results {
				t.Fatal("Verify asked the provider")
			}
			if r.consumed(alicePW, c) {
				t.Fatal("a refused step-up left a record")
			}
		})
	}
}

// TestSessionCreateRefusals: who gets no session, and what Create tells.
func TestSessionCreateRefusals(t *testing.T) {
	t.Run("unknown user: a decoy of the same shape, nobody asked", func(t *testing.T) {
		r := newSessionRig(t, nil)
		real, err := r.createFor(alicePW)
		if err != nil {
			t.Fatal(err)
		}
		realURL := real.PublicChallengeParameters[contract.PublicSessionURL]
		calls, db := r.providerCalls(), r.db.calls.Load()
		nobody := sessUser{notFound: true}
		c, err := r.createFor(nobody)
		if err != nil {
			t.Fatalf("unknown user refused at Create (%v): that tells the user does not exist", err)
		}
		wantPublicShape(t, c)
		decoyURL := c.PublicChallengeParameters[contract.PublicSessionURL]
		if decoyURL == realURL || len(decoyURL) != len(realURL) || decoyURL[:strings.LastIndex(decoyURL, "/")] != realURL[:strings.LastIndex(realURL, "/")] {
			t.Fatalf("decoy URL %q does not look like the real %q", decoyURL, realURL)
		}
		if r.verifyWith(nobody, c, stepup.SessionAnswerJSON()) {
			t.Fatal("unknown user passed")
		}
		if got := r.lastReason("verify"); got != string(stepup.ReasonUserNotFound) {
			t.Fatalf("reason %q", got)
		}
		if r.providerCalls() != calls || r.db.calls.Load() != db {
			t.Fatal("the unknown user reached the provider or the table")
		}
	})
	t.Run("not enrolled after the password: refused, nobody asked", func(t *testing.T) {
		r := newSessionRig(t, nil)
		if _, err := r.createFor(carolPW); err == nil {
			t.Fatal("Create started a session for a user nobody enrolled")
		}
		if got := r.lastReason("create"); got != string(stepup.ReasonNotEnrolled) {
			t.Fatalf("reason %q", got)
		}
		if r.providerCalls() != 0 {
			t.Fatal("the provider was called")
		}
	})
	t.Run("not enrolled, password not proven (passwordless): a decoy, refused at Verify", func(t *testing.T) {
		r := newSessionRig(t, map[string]string{contract.EnvAllowPasswordless: "true"})
		carol := sessUser{attrs: sessCarol}
		c, err := r.createFor(carol)
		if err != nil {
			t.Fatal(err)
		}
		wantPublicShape(t, c)
		if r.verifyWith(carol, c, stepup.SessionAnswerJSON()) || r.lastReason("verify") != string(stepup.ReasonNotEnrolled) {
			t.Fatalf("verify reason %q", r.lastReason("verify"))
		}
		if r.providerCalls() != 0 {
			t.Fatal("the provider was called")
		}
	})
	t.Run("enrolled with another provider's identity", func(t *testing.T) {
		r := newSessionRig(t, nil)
		r.enroll(sessCarol["sub"], "https://other.example/issuer", "carol-elsewhere")
		if _, err := r.createFor(carolPW); err == nil || r.lastReason("create") != string(stepup.ReasonEnrollmentMismatch) {
			t.Fatalf("err %v, reason %q", err, r.lastReason("create"))
		}
	})
	for name, f := range map[string]struct {
		fault vsessionpeer.Fault
		want  stepup.Reason
	}{
		"start 500":       {vsessionpeer.Fault{Status: 500}, stepup.ReasonProviderUnavailable},
		"start malformed": {vsessionpeer.Fault{Body: `{"challenge_id":"a"}`}, stepup.ReasonProviderAnswerInvalid},
		"start oversized": {vsessionpeer.Fault{Oversize: 1 << 20}, stepup.ReasonProviderAnswerInvalid},
		"start hang":      {vsessionpeer.Fault{Hang: true}, stepup.ReasonDeadlineExceeded},
	} {
		t.Run(name, func(t *testing.T) {
			r := newSessionRig(t, nil)
			r.peer.SetFault(vsessionpeer.EndpointStart, f.fault)
			start := time.Now()
			if _, err := r.createFor(alicePW); err == nil {
				t.Fatal("Create succeeded")
			}
			if d := time.Since(start); d > sessBudget+200*time.Millisecond {
				t.Fatalf("took %v", d)
			}
			if got := r.lastReason("create"); got != string(f.want) {
				t.Fatalf("reason %q, want %q", got, f.want)
			}
		})
	}
	t.Run("start for a subject the provider does not know", func(t *testing.T) {
		r := newSessionRig(t, nil)
		r.enroll(sessCarol["sub"], sessIssuer, "carol-unknown-at-provider")
		if _, err := r.createFor(carolPW); err == nil || r.lastReason("create") != string(stepup.ReasonProviderRefused) {
			t.Fatalf("err %v, reason %q", err, r.lastReason("create"))
		}
	})
}

// TestSessionPendingThenDone: the browser may say done a moment before the
// provider has the result; Verify waits (inside the budget) and passes.
func TestSessionPendingThenDone(t *testing.T) {
	r := newSessionRig(t, nil)
	c, err := r.createFor(alicePW)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := r.peer.Last()
	go func() {
		time.Sleep(300 * time.Millisecond)
		r.peer.Complete(s.ID, true, true)
	}()
	if !r.verifyWith(alicePW, c, stepup.SessionAnswerJSON()) {
		t.Fatalf("refused: %s", r.lastReason("verify"))
	}
	if n := r.peer.Calls(vsessionpeer.EndpointResult); n < 2 {
		t.Fatalf("%d result calls", n)
	}
}

func TestSessionConfig(t *testing.T) {
	base := map[string]string{
		contract.EnvProvider:  contract.ProviderBlockIDSession,
		contract.EnvSecretARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:s-AbCdEf",
	}
	cfg, err := stepup.ConfigFromEnv(func(k string) string { return base[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Session.Reason != contract.StepUpReasonHighValueTransaction || cfg.Session.Timeout != 300*time.Second || cfg.Session.PendingWait != time.Second || cfg.Session.APIURL != "" {
		t.Fatalf("defaults: %+v", cfg.Session)
	}
	for key, v := range map[string]string{
		contract.EnvSessionAPIURL:            "http://tenant.example.com",
		contract.EnvSessionReason:            "High Value",
		contract.EnvSessionTimeoutSeconds:    "10",
		contract.EnvSessionPendingWaitMillis: "5000",
	} {
		e := maps.Clone(base)
		e[key] = v
		_, err := stepup.ConfigFromEnv(func(k string) string { return e[k] })
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%q: %v", key, v, err)
		}
	}
}

func person(face string, live bool) func(*sessionRig, vsessionpeer.Started, *stepup.CreateResponse) {
	return func(r *sessionRig, s vsessionpeer.Started, _ *stepup.CreateResponse) {
		if err := r.peer.Person(context.Background(), s.URL, face, live); err != nil {
			r.t.Fatal(err)
		}
	}
}

func completedThen(rewrite func(map[string]any)) func(*sessionRig, vsessionpeer.Started, *stepup.CreateResponse) {
	return func(r *sessionRig, s vsessionpeer.Started, _ *stepup.CreateResponse) {
		r.peer.Complete(s.ID, true, true)
		r.peer.SetFault(vsessionpeer.EndpointResult, vsessionpeer.Fault{Rewrite: rewrite})
	}
}

func fault(f vsessionpeer.Fault) func(*sessionRig, vsessionpeer.Started, *stepup.CreateResponse) {
	return func(r *sessionRig, s vsessionpeer.Started, _ *stepup.CreateResponse) {
		r.peer.Complete(s.ID, true, true)
		r.peer.SetFault(vsessionpeer.EndpointResult, f)
	}
}

func rawJSONString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// FuzzParseSessionAnswer: only the one exact answer passes.
func FuzzParseSessionAnswer(f *testing.F) {
	for _, s := range []string{`"{\"done\":true}"`, `"{\"done\":true,\"done\":true}"`, `"{\"Done\":true}"`, `{"done":true}`, `"{\"done\":true} "`, `"{ \"done\" : true }"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if stepup.ParseSessionAnswer(raw) != stepup.ReasonOK {
			return
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("accepted a non-string: %q", raw)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil || len(m) != 1 || m["done"] != true {
			t.Fatalf("accepted %q", s)
		}
	})
}
