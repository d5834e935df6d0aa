package e2e

// The per-user start cap (issue 14, section 5) through the real binaries:
// Create (OIDC challenges and BlockID verification sessions) and the
// proofing behaviour of pre sign-up, against moto's DynamoDB behind a
// counting proxy.

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
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
