package e2e

// The verification-session step-up (provider kind blockid-session) through
// the real Define, Create and Verify binaries, against the loopback step-up
// session API (test/vsessionpeer) and moto's DynamoDB and Secrets Manager.
// The person's part happens at the session URL Create handed to the
// client, as a browser would; the client answers {"done":true} and never
// sees the session id.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/enrollment"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
	"github.com/cognitobridge/cognitobridge/test/vsessionpeer"
)

const (
	sessIssuer       = "https://acme.1kosmos.net/oauth2/community/default/v1"
	sessAliceSubject = "alice-blockid-0001"
)

// sessionStack is one deployed verification-session step-up.
type sessionStack struct {
	peer  *vsessionpeer.Peer
	pool  *cognito
	fns   []*function
	table string
	moto  string
}

func newSessionStack(t *testing.T, moto string, extra map[string]string) *sessionStack {
	t.Helper()
	s := &sessionStack{moto: moto, peer: vsessionpeer.Start(t, vsessionpeer.Options{Users: []string{sessAliceSubject}})}
	t.Cleanup(func() { s.checkOutput(t) })
	stackSeq++
	secretARN := createSessionSecret(t, moto, fmt.Sprintf("cognitobridge/e2e-session/%d", stackSeq),
		contract.SessionSecret{APIKey: s.peer.APIKey(), TenantDNS: "acme.1kosmos.net", Community: "default"})
	s.table = createTable(t, moto, fmt.Sprintf("cognitobridge-e2e-session-%d", stackSeq))
	env := map[string]string{
		contract.EnvProvider:                 contract.ProviderBlockIDSession,
		contract.EnvSecretARN:                secretARN,
		contract.EnvSessionAPIURL:            s.peer.URL(),
		contract.EnvSessionPendingWaitMillis: "300",
		contract.EnvMaxAttempts:              "3",
		contract.EnvBudgetMillis:             "4000",
		contract.EnvStepUpTable:              s.table,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER":   moto,
		"AWS_ENDPOINT_URL_DYNAMODB":          moto,
	}
	// One stack runs many sign-ins of the same users: the largest per-user
	// cap, unless the test names its own (TestAttackChallengeFlood).
	env[contract.EnvUserCapStarts] = strconv.Itoa(contract.MaxUserCapStarts)
	maps.Copy(env, extra)
	s.pool = &cognito{
		poolID:   "us-east-1_E2Esess01",
		clientID: "3n2e2esessionclient00000000",
		define:   startFunction(t, binDefine, map[string]string{contract.EnvMaxAttempts: "3", contract.EnvAllowPasswordless: extra[contract.EnvAllowPasswordless]}),
		create:   startFunction(t, binCreate, env),
		verify:   startFunction(t, binVerify, env),
	}
	s.fns = []*function{s.pool.define, s.pool.create, s.pool.verify}
	return s
}

// checkOutput: JSON lines only, and neither the API key nor any session
// id in any function's output.
func (s *sessionStack) checkOutput(t *testing.T) {
	secrets := []string{s.peer.APIKey()}
	for _, st := range s.peer.Sessions() {
		secrets = append(secrets, st.ID)
	}
	for _, f := range s.fns {
		out := f.output(t)
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if line != "" && !json.Valid([]byte(line)) {
				t.Errorf("%s wrote a line that is not a JSON log record: %q", f.name, line)
			}
		}
		for _, v := range secrets {
			if strings.Contains(out, v) {
				t.Errorf("%s output carries the API key or a session id", f.name)
			}
		}
		if strings.Contains(out, "panic") {
			t.Errorf("%s panicked:\n%s", f.name, out)
		}
	}
}

// enroll pre-enrolls a Cognito user with the administrator store, as
// cognitobridge-enroll does.
func (s *sessionStack) enroll(t *testing.T, u poolUser, subject string) {
	t.Helper()
	st := enrollment.NewStore(motoserver.DynamoDB(s.moto), s.table, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := st.PreEnroll(ctx, s.pool.poolID, u.attrs["sub"], enrollment.Identity{Issuer: sessIssuer, Subject: subject}, "admin:e2e"); err != nil {
		t.Fatal(err)
	}
}

// face is the client: it opens the session URL, where the person shows
// face (live or not), then answers done.
func (s *sessionStack) face(face string, live bool) func(*testing.T, int, map[string]string) (string, bool) {
	return func(t *testing.T, _ int, pub map[string]string) (string, bool) {
		t.Helper()
		if _, ok := pub[contract.PublicSessionURL]; !ok || len(pub) != 3 {
			t.Fatalf("public parameters %v", slices.Sorted(maps.Keys(pub)))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.peer.Person(ctx, pub[contract.PublicSessionURL], face, live); err != nil {
			t.Fatalf("person at the session URL: %v", err)
		}
		return `{"done":true}`, true
	}
}

// doneAtOnce answers done without anyone at the session URL.
func doneAtOnce(*testing.T, int, map[string]string) (string, bool) { return `{"done":true}`, true }

// recorded reports whether the sign-in's step-up record (the last
// challenge's stepupBinding, this app client) is in the table for the guard.
func (s *sessionStack) recorded(t *testing.T, u poolUser, r signIn) bool {
	t.Helper()
	if len(r.creates) == 0 {
		return false
	}
	pub := r.creates[len(r.creates)-1].Response.PublicChallengeParameters
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	key := s.pool.poolID + "#" + u.attrs["sub"] + "#" + contract.BindingHash(pub[contract.PublicStepUpBinding])
	out, err := motoserver.DynamoDB(s.moto).GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: key}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := out.Item[contract.RecordClientID].(*types.AttributeValueMemberS)
	return c != nil && c.Value == s.pool.clientID
}

func createSessionSecret(tb testing.TB, endpoint, name string, s contract.SessionSecret) string {
	tb.Helper()
	client := secretsmanager.New(secretsmanager.Options{Region: region, BaseEndpoint: aws.String(endpoint), Credentials: motoserver.Credentials})
	b, _ := json.Marshal(s)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(string(b))})
	if err != nil {
		tb.Fatalf("moto CreateSecret: %v", err)
	}
	return aws.ToString(out.ARN)
}

func TestSessionStepUpEndToEnd(t *testing.T) {
	moto := startMoto(t)
	s := newSessionStack(t, moto, nil)
	s.enroll(t, alice, sessAliceSubject)
	withPassword := func(answer func(*testing.T, int, map[string]string) (string, bool)) client {
		return client{srp: true, passwordOK: true, answer: answer}
	}

	t.Run("the enrolled person's live face passes and is recorded", func(t *testing.T) {
		r := s.pool.run(t, alice, withPassword(s.face(sessAliceSubject, true)))
		if !r.issued || !slices.Equal(r.verifies, []bool{true}) {
			t.Fatalf("not issued: %+v", r)
		}
		started, _ := s.peer.Last()
		if started.Subject != sessAliceSubject || started.Reason != contract.StepUpReasonHighValueTransaction {
			t.Fatalf("session started as %+v", started)
		}
		if !s.recorded(t, alice, r) {
			t.Fatal("no step-up record for the guard")
		}
	})
	t.Run("another face: three sessions, each refused match_failed", func(t *testing.T) {
		got := reasons(t, s.pool.verify, func() {
			r := s.pool.run(t, alice, withPassword(s.face("mallory-face", true)))
			if r.issued || !slices.Equal(r.verifies, []bool{false, false, false}) {
				t.Fatalf("%+v", r)
			}
		})
		if !slices.Equal(got, []string{"match_failed", "match_failed", "match_failed"}) {
			t.Fatalf("verify reasons %q", got)
		}
	})
	t.Run("a replayed (not live) face is refused liveness_failed", func(t *testing.T) {
		got := reasons(t, s.pool.verify, func() {
			if r := s.pool.run(t, alice, withPassword(sequence(s.face(sessAliceSubject, false)))); r.issued {
				t.Fatal("issued")
			}
		})
		if len(got) == 0 || got[0] != "liveness_failed" {
			t.Fatalf("verify reasons %q", got)
		}
	})
	t.Run("done before the face: session_pending, then the person passes", func(t *testing.T) {
		got := reasons(t, s.pool.verify, func() {
			r := s.pool.run(t, alice, withPassword(sequence(doneAtOnce, s.face(sessAliceSubject, true))))
			if !r.issued || !slices.Equal(r.verifies, []bool{false, true}) {
				t.Fatalf("%+v", r)
			}
		})
		if !slices.Equal(got, []string{"session_pending", "ok"}) {
			t.Fatalf("verify reasons %q", got)
		}
	})
	t.Run("a user nobody enrolled gets no session", func(t *testing.T) {
		carol := poolUser{name: "carol", attrs: map[string]string{"sub": "0b6e2a3c-0000-4000-8000-0000000ca201", "email": "carol@example.com", "email_verified": "true"}}
		before := len(s.peer.Sessions())
		got := reasons(t, s.pool.create, func() {
			if r := s.pool.run(t, carol, withPassword(doneAtOnce)); !r.createFailed {
				t.Fatalf("%+v", r)
			}
		})
		if !slices.Equal(got, []string{"not_enrolled"}) || len(s.peer.Sessions()) != before {
			t.Fatalf("create reasons %q, %d new sessions", got, len(s.peer.Sessions())-before)
		}
	})
	t.Run("the provider down: refused inside the budget", func(t *testing.T) {
		s.peer.SetFault(vsessionpeer.EndpointResult, vsessionpeer.Fault{Hang: true})
		defer s.peer.SetFault(vsessionpeer.EndpointResult, vsessionpeer.Fault{})
		once := func(t *testing.T, n int, pub map[string]string) (string, bool) {
			if n > 0 {
				return "", false // one hanging attempt is enough
			}
			return s.face(sessAliceSubject, true)(t, n, pub)
		}
		got := reasons(t, s.pool.verify, func() {
			// invoke fails the test if Verify does not answer inside
			// Cognito's 5 s.
			if r := s.pool.run(t, alice, withPassword(once)); r.issued || !slices.Equal(r.verifies, []bool{false}) {
				t.Fatalf("%+v", r)
			}
		})
		if !slices.Equal(got, []string{"deadline_exceeded"}) {
			t.Fatalf("verify reasons %q", got)
		}
	})
}

// TestSessionUnknownUserPasswordless: with passwordless sign-in allowed, an
// unknown user name gets a challenge of the same shape as an enrolled
// user's, and the provider is never asked about it.
func TestSessionUnknownUserPasswordless(t *testing.T) {
	moto := startMoto(t)
	s := newSessionStack(t, moto, map[string]string{contract.EnvAllowPasswordless: "true"})
	s.enroll(t, alice, sessAliceSubject)
	real := s.pool.run(t, alice, client{answer: s.face(sessAliceSubject, true)})
	if !real.issued {
		t.Fatalf("%+v", real)
	}
	calls := s.peer.Calls(vsessionpeer.EndpointStart) + s.peer.Calls(vsessionpeer.EndpointResult)
	r := s.pool.run(t, unknown, client{answer: func(t *testing.T, _ int, pub map[string]string) (string, bool) {
		realPub := real.creates[0].Response.PublicChallengeParameters
		if !slices.Equal(slices.Sorted(maps.Keys(pub)), slices.Sorted(maps.Keys(realPub))) || len(pub[contract.PublicSessionURL]) != len(realPub[contract.PublicSessionURL]) {
			t.Fatalf("decoy %v does not look like %v", pub, realPub)
		}
		return `{"done":true}`, true
	}})
	if r.issued || len(r.creates) != 3 {
		t.Fatalf("%+v", r)
	}
	if n := s.peer.Calls(vsessionpeer.EndpointStart) + s.peer.Calls(vsessionpeer.EndpointResult); n != calls {
		t.Fatalf("the provider was asked %d times about an unknown user", n-calls)
	}
}

// TestSessionStartupWithoutTable: Create of the session kind reads the
// enrollment, so it refuses to start without the step-up table, naming the
// key, before polling for events.
func TestSessionStartupWithoutTable(t *testing.T) {
	f := startFunction(t, binCreate, map[string]string{
		contract.EnvProvider:  contract.ProviderBlockIDSession,
		contract.EnvSecretARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:session-AbCdEf",
	})
	select {
	case <-f.proc.Exited():
	case <-time.After(10 * time.Second):
		t.Fatal("stepup-create kept running without the step-up table")
	}
	out := f.output(t)
	if f.proc.Err() == nil || !strings.Contains(out, contract.EnvStepUpTable) || !strings.Contains(out, `"reason":"config_invalid"`) || strings.Contains(out, "panic") {
		t.Fatalf("exit %v, output:\n%s", f.proc.Err(), out)
	}
	if f.api.NextCalls() != 0 {
		t.Fatal("the runtime polled for events")
	}
}
