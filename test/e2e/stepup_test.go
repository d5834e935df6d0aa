package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// Accounts at the provider. Alice's provider email differs in case from her
// Cognito email, as real mailboxes do.
var peerUsers = []oidcpeer.User{
	{Username: "alice", Password: "alice-provider-pw", Email: "Alice@Example.com", EmailVerified: true},
	{Username: "bob", Password: "bob-provider-pw", Email: "bob@example.com", EmailVerified: true},
	{Username: "mallory", Password: "mallory-provider-pw", Email: "mallory@example.com", EmailVerified: true},
}

// Users of the fake pool.
var (
	alice = poolUser{name: "alice", attrs: map[string]string{
		"sub": "0b6e2a3c-0000-4000-8000-00000000a11c", "email": "alice@example.com", "email_verified": "true",
	}}
	unknown = poolUser{name: "nobody", notFound: true}
)

// binding selects how Verify ties the ID token to the Cognito user.
type binding struct {
	claim, attribute, mode string
	clientIDInSecret       bool
}

var (
	bindEmail    = binding{claim: "email", attribute: "email", mode: contract.BindModeEmail}
	bindUsername = binding{claim: oidcpeer.ClaimUsername, attribute: contract.BindAttributeUsername, mode: contract.BindModeExact, clientIDInSecret: true}
)

// stack is one deployed step-up: a secret in moto, the three functions and
// the fake pool around them.
type stack struct {
	peer      *oidcpeer.Peer
	pool      *cognito
	fns       []*function
	table     string          // the step-up table in moto
	sensitive []string        // values that must never appear in a function's output
	tokens    func() []string // ID tokens the provider issued, and their parts
}

var stackSeq int

// newStack deploys the three handler binaries configured as the construct
// would configure a generic OIDC step-up against peer.
func newStack(t *testing.T, motoEndpoint string, peer *oidcpeer.Peer, b binding) *stack {
	t.Helper()
	return newStackWith(t, motoEndpoint, peer, b, nil)
}

// newStackWith is newStack with extra Create/Verify environment.
func newStackWith(t *testing.T, motoEndpoint string, peer *oidcpeer.Peer, b binding, extra map[string]string) *stack {
	t.Helper()
	s := &stack{peer: peer, sensitive: []string{peer.ClientSecret()}}
	// Registered first, so it runs after the functions are stopped.
	t.Cleanup(func() { s.checkOutput(t) })

	sec := contract.ProviderSecret{ClientSecret: peer.ClientSecret()}
	env := map[string]string{
		contract.EnvProvider:      contract.ProviderOIDC,
		contract.EnvIssuer:        peer.Issuer(),
		contract.EnvRedirectURI:   peer.RedirectURI(),
		contract.EnvScopes:        "openid email",
		contract.EnvBindClaim:     b.claim,
		contract.EnvBindAttribute: b.attribute,
		contract.EnvBindMode:      b.mode,
		contract.EnvMaxAttempts:   "3",
		contract.EnvBudgetMillis:  "4000",
	}
	if b.clientIDInSecret {
		sec.ClientID = peer.ClientID()
	} else {
		env[contract.EnvClientID] = peer.ClientID()
	}
	stackSeq++
	if extra[contract.EnvTokenAuthMethod] != contract.TokenAuthPrivateKeyJWT {
		env[contract.EnvSecretARN] = createSecret(t, motoEndpoint, fmt.Sprintf("cognitobridge/e2e/%d", stackSeq), sec)
		env["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = motoEndpoint
	} else {
		// private_key_jwt: no secret exists; the client id is configuration
		// and the key is in moto's KMS.
		env[contract.EnvClientID] = peer.ClientID()
		env["AWS_ENDPOINT_URL_KMS"] = motoEndpoint
	}
	// One stack runs many sign-ins of the same users: the largest per-user
	// cap, unless the test names its own (TestAttackChallengeFlood).
	env[contract.EnvUserCapStarts] = strconv.Itoa(contract.MaxUserCapStarts)
	for k, v := range extra {
		env[k] = v
	}
	// The step-up table (enrollments, records and the per-user start
	// counters), as the construct creates it; Create, Verify and the guard
	// reach it in moto.
	s.table = createTable(t, motoEndpoint, fmt.Sprintf("cognitobridge-e2e-%d", stackSeq))
	tableEnv := map[string]string{
		contract.EnvStepUpTable:     s.table,
		"AWS_ENDPOINT_URL_DYNAMODB": motoEndpoint,
	}
	verifyEnv := maps.Clone(env)
	maps.Copy(verifyEnv, tableEnv)

	s.pool = &cognito{
		poolID:   "us-east-1_E2Etest01",
		clientID: "3n2e2eclientid0000000000000",
		define:   startFunction(t, binDefine, map[string]string{contract.EnvMaxAttempts: "3"}),
		// Create counts each user's starts in the table: the same table
		// environment as Verify.
		create: startFunction(t, binCreate, verifyEnv),
		verify: startFunction(t, binVerify, verifyEnv),
		guard:  startFunction(t, binGuard, guardEnv(tableEnv)),
	}
	s.fns = []*function{s.pool.define, s.pool.create, s.pool.verify, s.pool.guard}
	return s
}

// guardEnv is the environment of the pool's pre token generation function
// with the step-up guard behaviour over the table, protecting every client.
func guardEnv(tableEnv map[string]string) map[string]string {
	env := maps.Clone(tableEnv)
	env[contract.EnvPreTokenBehaviours] = contract.BehaviourStepUpGuard
	return env
}

// checkOutput asserts that every line the functions wrote is a JSON log
// record and none carries a secret, a code, a PKCE verifier, a nonce, a
// state or a JWT.
func (s *stack) checkOutput(t *testing.T) {
	for _, f := range s.fns {
		out := f.output(t)
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if line == "" {
				continue
			}
			if !json.Valid([]byte(line)) {
				t.Errorf("%s wrote a line that is not a JSON log record: %q", f.name, line)
			}
		}
		secret := s.sensitive
		if s.tokens != nil {
			secret = append(slices.Clone(secret), s.tokens()...)
		}
		for _, v := range secret {
			if v != "" && strings.Contains(out, v) {
				t.Errorf("%s output carries a sensitive value (%d bytes)", f.name, len(v))
			}
		}
		for _, marker := range []string{"eyJ", "panic", "goroutine "} {
			if strings.Contains(out, marker) {
				t.Errorf("%s output contains %q:\n%s", f.name, marker, out)
			}
		}
	}
}

// remember adds the private parameters and state of a sign-in's challenges
// to the values that must not be logged.
func (s *stack) remember(r signIn) {
	for _, c := range r.creates {
		for k, v := range c.Response.PrivateChallengeParameters {
			// The challenge's creation time (epoch ms) is no secret, and
			// an EMF line's _aws.Timestamp (epoch ms) of the same
			// millisecond carries the same digits.
			if k != contract.PrivateCreatedAt {
				s.sensitive = append(s.sensitive, v)
			}
		}
		s.sensitive = append(s.sensitive, c.Response.PublicChallengeParameters[contract.PublicState], c.Response.PublicChallengeParameters[contract.PublicStepUpBinding])
	}
}

// browser is the client that sends the user through the provider's login
// as login and answers with the code and state the redirect carries.
func (s *stack) browser(login, password string) func(*testing.T, int, map[string]string) (string, bool) {
	return func(t *testing.T, _ int, pub map[string]string) (string, bool) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		code, state, err := s.peer.BrowserLogin(ctx, pub[contract.PublicAuthorizeURL], login, password)
		if err != nil {
			t.Fatalf("browser login as %s: %v", login, err)
		}
		s.sensitive = append(s.sensitive, code)
		return answerJSON(code, state), true
	}
}

// sequence returns answer functions for the n-th challenge, the last one
// repeated.
func sequence(answers ...func(*testing.T, int, map[string]string) (string, bool)) func(*testing.T, int, map[string]string) (string, bool) {
	return func(t *testing.T, n int, pub map[string]string) (string, bool) {
		return answers[min(n, len(answers)-1)](t, n, pub)
	}
}

func wrongCode(_ *testing.T, n int, pub map[string]string) (string, bool) {
	return answerJSON(fmt.Sprintf("not-a-code-%d", n), pub[contract.PublicState]), true
}

// reasons runs fn and returns the decision reasons f logged meanwhile.
func reasons(t *testing.T, f *function, fn func()) []string {
	t.Helper()
	before := len(f.decisions(t))
	fn()
	return f.decisions(t)[before:]
}

func wantDefines(t *testing.T, r signIn, want ...string) {
	t.Helper()
	if !slices.Equal(r.defines, want) {
		t.Fatalf("Define answered %q, want %q", r.defines, want)
	}
}

func TestStepUpEndToEnd(t *testing.T) {
	moto := startMoto(t)
	peer := oidcpeer.Start(t, oidcpeer.Options{Users: peerUsers})
	// An identity "mutator" that only records the ID tokens the provider
	// issues, so the log check can look for them (and their signatures).
	var (
		mu     sync.Mutex
		issued []string
	)
	peer.SetTokenMutator(func(idToken string) string {
		mu.Lock()
		issued = append(issued, idToken)
		mu.Unlock()
		return idToken
	})
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if len(issued) == 0 {
			t.Error("the provider issued no ID token")
		}
	})
	tokens := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var out []string
		for _, tok := range issued {
			out = append(out, tok)
			if parts := strings.Split(tok, "."); len(parts) == 3 {
				out = append(out, parts[1], parts[2])
			}
		}
		return out
	}

	t.Run("bind email", func(t *testing.T) {
		s := newStack(t, moto, peer, bindEmail)
		s.tokens = tokens
		srp := client{srp: true, passwordOK: true}

		t.Run("happy path issues tokens", func(t *testing.T) {
			cl := srp
			cl.answer = s.browser("alice", "alice-provider-pw")
			r := s.pool.run(t, alice, cl)
			s.remember(r)
			wantDefines(t, r, localcognito.ChallengePassword, localcognito.ChallengeCustom, "issueTokens")
			if !r.issued || !slices.Equal(r.verifies, []bool{true}) {
				t.Fatalf("sign-in %+v", r)
			}
			checkChallenge(t, r.creates[0], peer)
		})

		t.Run("wrong answer then right answer", func(t *testing.T) {
			cl := srp
			cl.answer = sequence(wrongCode, s.browser("alice", "alice-provider-pw"))
			var r signIn
			got := reasons(t, s.pool.verify, func() { r = s.pool.run(t, alice, cl) })
			s.remember(r)
			wantDefines(t, r, localcognito.ChallengePassword, localcognito.ChallengeCustom, localcognito.ChallengeCustom, "issueTokens")
			if !r.issued || !slices.Equal(r.verifies, []bool{false, true}) {
				t.Fatalf("sign-in %+v", r)
			}
			if !slices.Equal(got, []string{"token_exchange_failed", "ok"}) {
				t.Errorf("Verify reasons %q", got)
			}
			if a, b := r.creates[0].Response.PrivateChallengeParameters, r.creates[1].Response.PrivateChallengeParameters; a[contract.PrivateState] == b[contract.PrivateState] || a[contract.PrivateNonce] == b[contract.PrivateNonce] {
				t.Error("a new challenge reused the state or nonce of the previous one")
			}
		})

		t.Run("three wrong answers fail", func(t *testing.T) {
			// A wrong code; a real code of alice with a state of another
			// challenge; an answer that is not the expected JSON.
			realCodeOtherState := func(t *testing.T, n int, pub map[string]string) (string, bool) {
				a, _ := s.browser("alice", "alice-provider-pw")(t, n, pub)
				var m map[string]string
				_ = json.Unmarshal([]byte(a), &m)
				return answerJSON(m["code"], "state-of-another-challenge"), true
			}
			malformed := func(*testing.T, int, map[string]string) (string, bool) { return `{"code":""}`, true }
			cl := srp
			cl.answer = sequence(wrongCode, realCodeOtherState, malformed)
			var r signIn
			got := reasons(t, s.pool.verify, func() { r = s.pool.run(t, alice, cl) })
			s.remember(r)
			wantDefines(t, r, localcognito.ChallengePassword, localcognito.ChallengeCustom, localcognito.ChallengeCustom, localcognito.ChallengeCustom, "failAuthentication")
			if r.issued || !r.failed || !slices.Equal(r.verifies, []bool{false, false, false}) {
				t.Fatalf("sign-in %+v", r)
			}
			if !slices.Equal(got, []string{"token_exchange_failed", "state_mismatch", "answer_malformed"}) {
				t.Errorf("Verify reasons %q", got)
			}
		})

		t.Run("custom auth without SRP fails", func(t *testing.T) {
			cl := client{srp: false, answer: s.browser("alice", "alice-provider-pw")}
			var r signIn
			got := reasons(t, s.pool.define, func() { r = s.pool.run(t, alice, cl) })
			wantDefines(t, r, "failAuthentication")
			if len(r.creates) != 0 {
				t.Fatal("Create was invoked for a sign-in without password")
			}
			if !slices.Equal(got, []string{"password_required"}) {
				t.Errorf("Define reasons %q", got)
			}
		})

		t.Run("password failure fails", func(t *testing.T) {
			cl := client{srp: true, passwordOK: false, answer: s.browser("alice", "alice-provider-pw")}
			var r signIn
			got := reasons(t, s.pool.define, func() { r = s.pool.run(t, alice, cl) })
			wantDefines(t, r, localcognito.ChallengePassword, "failAuthentication")
			if len(r.creates) != 0 {
				t.Fatal("Create was invoked after a failed password")
			}
			if !slices.Equal(got, []string{"next_password_verifier", "password_failed"}) {
				t.Errorf("Define reasons %q", got)
			}
		})

		t.Run("another user's code is not accepted", func(t *testing.T) {
			// Alice signs in to the pool; the provider login is Bob's, on
			// the authorize URL of Alice's challenge (state and nonce match).
			cl := srp
			cl.answer = s.browser("bob", "bob-provider-pw")
			var r signIn
			got := reasons(t, s.pool.verify, func() { r = s.pool.run(t, alice, cl) })
			s.remember(r)
			if r.issued || !r.failed || slices.Contains(r.verifies, true) {
				t.Fatalf("sign-in %+v", r)
			}
			// Alice enrolled at her first step-up above: Bob's identity is
			// not hers, whatever the emails say.
			if !slices.Equal(got, []string{"enrollment_mismatch", "enrollment_mismatch", "enrollment_mismatch"}) {
				t.Errorf("Verify reasons %q", got)
			}
		})

		t.Run("unknown user never gets tokens", func(t *testing.T) {
			// The worst case: Cognito's fake SRP for the unknown user is
			// reported passed, and the provider answer is a valid code.
			cl := srp
			cl.answer = s.browser("alice", "alice-provider-pw")
			var r signIn
			got := reasons(t, s.pool.verify, func() { r = s.pool.run(t, unknown, cl) })
			s.remember(r)
			if r.issued || !r.failed || slices.Contains(r.verifies, true) {
				t.Fatalf("sign-in %+v", r)
			}
			if !slices.Equal(got, []string{"user_not_found", "user_not_found", "user_not_found"}) {
				t.Errorf("Verify reasons %q", got)
			}
			// Same shapes as a known user whose answers are wrong.
			known := srp
			known.answer = wrongCode
			k := s.pool.run(t, alice, known)
			s.remember(k)
			if !slices.Equal(r.defines, k.defines) || !slices.Equal(r.verifies, k.verifies) {
				t.Errorf("unknown user: Define %q / Verify %v; known user: Define %q / Verify %v", r.defines, r.verifies, k.defines, k.verifies)
			}
			for i := range r.creates {
				u, kk := r.creates[i].Response, k.creates[i].Response
				if !slices.Equal(slices.Sorted(maps.Keys(u.PublicChallengeParameters)), slices.Sorted(maps.Keys(kk.PublicChallengeParameters))) ||
					!slices.Equal(slices.Sorted(maps.Keys(u.PrivateChallengeParameters)), slices.Sorted(maps.Keys(kk.PrivateChallengeParameters))) ||
					u.ChallengeMetadata != kk.ChallengeMetadata {
					t.Errorf("challenge %d differs in shape: unknown %v / known %v", i, u, kk)
				}
			}
		})
	})

	t.Run("bind username", func(t *testing.T) {
		s := newStack(t, moto, peer, bindUsername)
		s.tokens = tokens
		t.Run("happy path issues tokens", func(t *testing.T) {
			r := s.pool.run(t, alice, client{srp: true, passwordOK: true, answer: s.browser("alice", "alice-provider-pw")})
			s.remember(r)
			wantDefines(t, r, localcognito.ChallengePassword, localcognito.ChallengeCustom, "issueTokens")
			checkChallenge(t, r.creates[0], peer)
		})
		t.Run("another user's code is not accepted", func(t *testing.T) {
			var r signIn
			got := reasons(t, s.pool.verify, func() {
				r = s.pool.run(t, alice, client{srp: true, passwordOK: true, answer: s.browser("bob", "bob-provider-pw")})
			})
			s.remember(r)
			if r.issued || slices.Contains(r.verifies, true) {
				t.Fatalf("sign-in %+v", r)
			}
			if len(got) == 0 || got[0] != "enrollment_mismatch" {
				t.Errorf("Verify reasons %q", got)
			}
		})
	})
}

// checkChallenge asserts what the client receives: an authorize URL of the
// provider with state, nonce and PKCE S256, and nothing private.
func checkChallenge(t *testing.T, c localcognito.CreateAuthChallengeEvent, peer *oidcpeer.Peer) {
	t.Helper()
	pub, priv := c.Response.PublicChallengeParameters, c.Response.PrivateChallengeParameters
	if c.Response.ChallengeMetadata != contract.ChallengeMetadata {
		t.Errorf("challengeMetadata %q", c.Response.ChallengeMetadata)
	}
	for _, k := range []string{contract.PrivateState, contract.PrivateNonce, contract.PrivateCodeVerifier} {
		if priv[k] == "" {
			t.Errorf("private parameter %q missing", k)
		}
	}
	u, err := url.Parse(pub[contract.PublicAuthorizeURL])
	if err != nil || u.Scheme+"://"+u.Host != peer.Issuer() {
		t.Fatalf("authorizeUrl %q is not the provider's", pub[contract.PublicAuthorizeURL])
	}
	q := u.Query()
	if q.Get("state") != priv[contract.PrivateState] || pub[contract.PublicState] != priv[contract.PrivateState] ||
		q.Get("nonce") != priv[contract.PrivateNonce] || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("client_id") != peer.ClientID() || q.Get("redirect_uri") != peer.RedirectURI() {
		t.Errorf("authorizeUrl query %v does not match the challenge", q)
	}
	for k, v := range pub {
		if strings.Contains(v, priv[contract.PrivateCodeVerifier]) {
			t.Errorf("public parameter %q carries the PKCE verifier", k)
		}
	}
}
