package e2e

// The per-user start cap (issue 14, section 5) through the real binaries:
// Create (OIDC challenges and BlockID verification sessions) and the
// proofing behaviour of pre sign-up, against moto's DynamoDB behind a
// counting proxy.

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/idvfake"
	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// dynamoCounter is a reverse proxy in front of moto_server that counts the
// DynamoDB calls by operation (the X-Amz-Target header) and forwards one
// request at a time. DynamoDB documents a conditional update as atomic;
// moto_server serves requests on threads without making it so, and the
// proxy's one-at-a-time forwarding gives moto the documented behaviour.
// Other services' requests (Secrets Manager) pass uncounted.
type dynamoCounter struct {
	URL   string
	mu    sync.Mutex // one request at a time
	cmu   sync.Mutex
	calls map[string]int
}

func startDynamoCounter(t *testing.T, moto string) *dynamoCounter {
	t.Helper()
	u, err := url.Parse(moto)
	if err != nil {
		t.Fatal(err)
	}
	c := &dynamoCounter{calls: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810."); ok {
			c.cmu.Lock()
			c.calls[op]++
			c.cmu.Unlock()
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c.URL = srv.URL
	return c
}

// take returns the calls counted since the last take.
func (c *dynamoCounter) take() map[string]int {
	c.cmu.Lock()
	defer c.cmu.Unlock()
	out := c.calls
	c.calls = map[string]int{}
	return out
}

func wantCalls(t *testing.T, got map[string]int, want map[string]int) {
	t.Helper()
	for op, n := range got {
		if want[op] != n {
			t.Errorf("DynamoDB %s: %d calls, want %d (all: %v)", op, n, want[op], got)
		}
	}
	for op, n := range want {
		if got[op] != n {
			t.Errorf("DynamoDB %s: %d calls, want %d (all: %v)", op, got[op], n, got)
		}
	}
}

// abandon is a client that leaves the challenge unanswered: what a script
// that only wants the provider started does.
func abandon(*testing.T, int, map[string]string) (string, bool) { return "", false }

// TestAttackChallengeFlood: a password holder (the password phished or
// leaked) scripts sign-ins of the victim and abandons each challenge, to
// make the provider work (and, for a verification session, reach the
// victim's device) as often as the pool lets them. Beyond the per-user cap
// (defaults: 10 challenges, 5 sessions per 15 minutes) Create refuses with
// user_cap_reached and nothing new is handed out or started at the
// provider. Each start costs one UpdateItem, and nothing else. Someone who
// knows only the user name counts nothing (Define wants the password
// first), so cannot lock the victim out; the victim's own sign-in under the
// cap passes, and another user is untouched by the flood.
func TestAttackChallengeFlood(t *testing.T) {
	moto := startMoto(t)

	t.Run("oidc challenges", func(t *testing.T) {
		db := startDynamoCounter(t, moto)
		peer := oidcpeer.Start(t, oidcpeer.Options{Users: peerUsers})
		// The handler's default cap (an empty value is left out).
		s := newStackWith(t, db.URL, peer, bindEmail, map[string]string{contract.EnvUserCapStarts: ""})
		bob := freshUser("bob", "0b6e2a3c-0000-4000-8000-0000000000b0", "bob@example.com")

		// Without the password: Define refuses before Create, nothing counts.
		db.take()
		for range 2 * contract.DefaultUserCapChallenges {
			r := s.pool.run(t, alice, client{srp: true, passwordOK: false, answer: abandon})
			if len(r.creates) != 0 || r.issued {
				t.Fatalf("a sign-in without the password got a challenge: %+v", r)
			}
		}
		wantCalls(t, db.take(), nil)

		// Alice's own sign-in: one start, one UpdateItem.
		own := s.pool.run(t, alice, stepUpClient(s, "alice", "alice-provider-pw"))
		s.remember(own)
		wantTokens(t, own)
		ownCalls := db.take()

		// The flood, with alice's password.
		var got []string
		var refused, handed int
		got = reasons(t, s.pool.create, func() {
			for range 2 * contract.DefaultUserCapChallenges {
				r := s.pool.run(t, alice, client{srp: true, passwordOK: true, answer: abandon})
				s.remember(r)
				if r.createFailed {
					refused++
					continue
				}
				handed += len(r.creates)
			}
		})
		if handed != contract.DefaultUserCapChallenges-1 || refused != contract.DefaultUserCapChallenges+1 {
			t.Fatalf("challenges handed out %d, refused %d; want %d and %d", handed, refused, contract.DefaultUserCapChallenges-1, contract.DefaultUserCapChallenges+1)
		}
		want := slices.Repeat([]string{"ok"}, contract.DefaultUserCapChallenges-1)
		want = append(want, slices.Repeat([]string{contract.ReasonUserCapReached}, contract.DefaultUserCapChallenges+1)...)
		if !slices.Equal(got, want) {
			t.Fatalf("Create reasons %q, want %q", got, want)
		}
		// One UpdateItem per start, refused ones included; nothing else.
		wantCalls(t, db.take(), map[string]int{"UpdateItem": 2 * contract.DefaultUserCapChallenges})
		if ownCalls["UpdateItem"] != 1 {
			t.Errorf("alice's start made %d UpdateItem calls, want 1 (all: %v)", ownCalls["UpdateItem"], ownCalls)
		}
		if n := peer.Calls()[oidcpeer.EndpointToken]; n != 1 {
			t.Errorf("token endpoint calls %d, want alice's one", n)
		}

		// Another user is untouched by the flood.
		wantTokens(t, s.pool.run(t, bob, stepUpClient(s, "bob", "bob-provider-pw")))
	})

	t.Run("verification sessions", func(t *testing.T) {
		db := startDynamoCounter(t, moto)
		s := newSessionStack(t, moto, map[string]string{contract.EnvUserCapStarts: "", "AWS_ENDPOINT_URL_DYNAMODB": db.URL})
		s.enroll(t, alice, sessAliceSubject)

		// Without the password: nothing counts, nothing starts.
		db.take()
		for range 2 * contract.DefaultUserCapSessions {
			if r := s.pool.run(t, alice, client{srp: true, passwordOK: false, answer: abandon}); len(r.creates) != 0 {
				t.Fatalf("a sign-in without the password got a session: %+v", r)
			}
		}
		wantCalls(t, db.take(), nil)
		if n := len(s.peer.Sessions()); n != 0 {
			t.Fatalf("%d sessions started without the password", n)
		}

		// Alice's own sign-in: her live face passes. Create reads her
		// enrollment and counts the start; Verify records.
		own := s.pool.run(t, alice, client{srp: true, passwordOK: true, answer: s.face(sessAliceSubject, true)})
		if !own.issued {
			t.Fatalf("alice's own sign-in: %+v", own)
		}
		ownCalls := db.take()

		got := reasons(t, s.pool.create, func() {
			for range 2 * contract.DefaultUserCapSessions {
				s.pool.run(t, alice, client{srp: true, passwordOK: true, answer: abandon})
			}
		})
		want := slices.Repeat([]string{"ok"}, contract.DefaultUserCapSessions-1)
		want = append(want, slices.Repeat([]string{contract.ReasonUserCapReached}, contract.DefaultUserCapSessions+1)...)
		if !slices.Equal(got, want) {
			t.Fatalf("Create reasons %q, want %q", got, want)
		}
		// Nothing started at the provider beyond the cap.
		if n := len(s.peer.Sessions()); n != contract.DefaultUserCapSessions {
			t.Fatalf("%d sessions started at the provider, want %d", n, contract.DefaultUserCapSessions)
		}
		// Each start: the enrollment read and one UpdateItem; a refused
		// start reads the enrollment, counts, and stops.
		wantCalls(t, db.take(), map[string]int{"GetItem": 2 * contract.DefaultUserCapSessions, "UpdateItem": 2 * contract.DefaultUserCapSessions})
		if ownCalls["UpdateItem"] != 1 {
			t.Errorf("alice's start made %d UpdateItem calls, want 1 (all: %v)", ownCalls["UpdateItem"], ownCalls)
		}
	})
}

// binPreSignUp is the pool's pre sign-up function (the proofing behaviour).
const binPreSignUp = "presignup"

// Credentials of the IDV fake (test values, as lambdas/proofing's tests use).
const (
	flLicense = "license-key-of-the-test-tenant"
	flPubKey  = "dGVzdC1wdWJsaWMta2V5"
	flDVCID   = "cognitobridge_dvcid"
)

// slowProvider is a reverse proxy in front of the IDV fake that answers a
// session start after delay, as a real provider takes a moment to create a
// document session.
func slowProvider(t *testing.T, upstream string, delay time.Duration) string {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == idvfake.PathCreate {
			time.Sleep(delay)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// proofingDecisions returns the reasons of the proofing behaviour's
// decision lines of f.
func proofingDecisions(t *testing.T, f *function) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(f.output(t), "\n") {
		var rec struct {
			Msg    string `json:"msg"`
			Reason string `json:"reason"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "proofing presignup decision" {
			out = append(out, rec.Reason)
		}
	}
	return out
}

// signUpEvent is the pre sign-up event of a self-service sign-up of name,
// with the hash of a fresh handle as validation data.
func signUpEvent(pool, name string) localcognito.PreSignUpEvent {
	var ev localcognito.PreSignUpEvent
	ev.EventHeader = localcognito.EventHeader{Version: "1", TriggerSource: "PreSignUp_SignUp", Region: region, UserPoolID: pool, UserName: name,
		CallerContext: localcognito.CallerContext{AWSSDKVersion: "aws-sdk-js-3.0.0", ClientID: "3n2e2eproofingclient0000000"}}
	ev.Request.UserAttributes = map[string]string{"email": name}
	h := make([]byte, 32)
	_, _ = rand.Read(h)
	sum := sha256.Sum256([]byte(hex.EncodeToString(h)))
	ev.Request.ValidationData = map[string]string{contract.ProofingHandleKey: hex.EncodeToString(sum[:])}
	return ev
}

// TestAttackProofingSessionFlood: someone sends many sign-ups of one user
// name at once. Each passes the live-record check before any of them has
// written its record, and each would start a document session at the
// provider (billed per session), all but one left orphaned. The per-user
// cap (default 3 per 15 minutes) lets only that many reach the provider;
// the rest are refused with user_cap_reached. Each start costs one
// UpdateItem. The rightful sign-up of another name, right after, passes.
//
// Eight warm pre sign-up functions (eight Lambda execution environments, as
// Cognito's concurrent sign-ups get) run the real binary; the provider takes
// 500 ms to create a session, so every check runs before any record exists.
func TestAttackProofingSessionFlood(t *testing.T) {
	moto := startMoto(t)
	db := startDynamoCounter(t, moto)
	idv := idvfake.New(t, idvfake.Credentials{LicenseKey: flLicense, PublicKey: flPubKey, SharedKey: bytes.Repeat([]byte{7}, 32), DVCID: flDVCID})
	secretJSON, _ := json.Marshal(contract.IDVSecret{LicenseKey: flLicense, PublicKey: flPubKey, SharedKey: base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)),
		DVCID: flDVCID, TenantDNS: "acme.1kosmos.net", Community: "default", CallbackHMACKey: "0123456789abcdef0123456789abcdef-callback"})
	const pool = "us-east-1_E2Eproof1"
	env := map[string]string{
		contract.EnvPreSignUpBehaviours:    contract.BehaviourProofing,
		contract.EnvProofingTable:          createTable(t, moto, "cognitobridge-e2e-proofing"),
		contract.EnvIDVBaseURL:             slowProvider(t, idv.URL(), 500*time.Millisecond),
		contract.EnvIDVSecretARN:           createRawSecret(t, moto, "cognitobridge/e2e/idv", string(secretJSON)),
		contract.EnvIDVCallbackURL:         "https://api.example.com/proofing/callback",
		"AWS_ENDPOINT_URL_DYNAMODB":        db.URL,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": moto,
	}
	const environments = 8
	fns := make([]*function, environments)
	for i := range fns {
		fns[i] = startFunction(t, binPreSignUp, env)
	}
	db.take()

	victim := "victim@example.com"
	errs := make([]error, environments)
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := signUpEvent(pool, victim)
			errs[i] = f.invoke(t, ev, &ev)
		}()
	}
	wg.Wait()

	count := map[string]int{}
	for i, f := range fns {
		for _, r := range proofingDecisions(t, f) {
			count[r]++
		}
		if r := proofingDecisions(t, f); len(r) != 1 || (errs[i] == nil) != (r[0] == "session_started") {
			t.Errorf("environment %d: decisions %q, error %v", i, r, errs[i])
		}
	}
	if n := len(idv.Starts()); n != contract.DefaultUserCapProofingSessions {
		t.Fatalf("%d document sessions started at the provider for one user name, want %d (decisions %v)", n, contract.DefaultUserCapProofingSessions, count)
	}
	want := map[string]int{
		"session_started":             1,
		"record_exists":               contract.DefaultUserCapProofingSessions - 1,
		contract.ReasonUserCapReached: environments - contract.DefaultUserCapProofingSessions,
	}
	if !maps.Equal(count, want) {
		t.Fatalf("decisions %v, want %v", count, want)
	}
	// Per sign-up: the live-record check and one UpdateItem; the starts
	// under the cap write the session index and (one of them) the record.
	wantCalls(t, db.take(), map[string]int{"GetItem": environments, "UpdateItem": environments, "PutItem": 2 * contract.DefaultUserCapProofingSessions})

	// Ada's sign-up, right after, passes: one count, one session.
	ev := signUpEvent(pool, "ada@example.com")
	if err := fns[0].invoke(t, ev, &ev); err != nil {
		t.Fatalf("ada's sign-up refused: %v\n%s", err, fns[0].output(t))
	}
	if n := len(idv.Starts()); n != contract.DefaultUserCapProofingSessions+1 {
		t.Fatalf("ada's sign-up started %d sessions", n-contract.DefaultUserCapProofingSessions)
	}
	wantCalls(t, db.take(), map[string]int{"GetItem": 1, "UpdateItem": 1, "PutItem": 2})
	for _, f := range fns {
		if out := f.output(t); strings.Contains(out, victim) || strings.Contains(out, "panic") {
			t.Errorf("%s output names the user or panicked:\n%s", f.name, out)
		}
	}
}
