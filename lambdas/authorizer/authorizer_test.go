package authorizer

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/keyset"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/keyset/keysettest"
)

var now0 = time.Unix(1_700_000_000, 0)

const (
	poolPath  = "/us-east-1_AbCdEf123"
	otherPool = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other9999"
	client    = "1example23456789"
	bob       = "0d6e3a6c-0000-4000-8000-00000000b0b0"
	alice     = "6f1c2c3e-0000-4000-8000-000000000001"
)

// The pool's key, another key and the pool's next key (generated once per
// test binary).
var poolKey, otherKey, rotatedKey = keysettest.Keys()

// jwksPeer serves a user pool's key set on loopback, like
// https://cognito-idp.{region}.amazonaws.com/{poolId}/.well-known/jwks.json.
type jwksPeer struct {
	srv     *httptest.Server
	fetches atomic.Int32
	mu      sync.Mutex
	keys    []jose.JSONWebKey
	down    atomic.Bool
}

func newJWKSPeer(t testing.TB) *jwksPeer {
	t.Helper()
	p := &jwksPeer{}
	p.setKeys(map[string]*rsa.PrivateKey{"pool-1": poolKey})
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != poolPath+"/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		p.fetches.Add(1)
		if p.down.Load() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		p.mu.Lock()
		set := jose.JSONWebKeySet{Keys: p.keys}
		p.mu.Unlock()
		w.Header().Set("content-type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *jwksPeer) setKeys(keys map[string]*rsa.PrivateKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = keysettest.JWKs(keys)
}

func (p *jwksPeer) issuer() string { return p.srv.URL + poolPath }

// newHandler is a handler for the peer's pool and the test client, with a
// fixed clock and its log captured.
func newHandler(t testing.TB, p *jwksPeer, mutate func(*Config)) (*Handler, *bytes.Buffer) {
	t.Helper()
	cfg := Config{Issuer: p.issuer(), ClientID: client}
	if mutate != nil {
		mutate(&cfg)
	}
	h, err := New(cfg, p.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	h.Now = func() time.Time { return now0 }
	h.keys.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	return h, &logs
}

// keyClock is the settable clock of a handler's key set refetch interval
// (apart from Handler.Now, the clock of the token checks).
type keyClock struct{ ns atomic.Int64 }

func (c *keyClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *keyClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// setKeyClock gives h's key set a settable clock; before h's first use.
func setKeyClock(h *Handler) *keyClock {
	c := &keyClock{}
	c.ns.Store(now0.UnixNano())
	h.keys.Now = c.now
	return c
}

// accessClaimsFor are the claims of a Cognito access token issued to sub
// right after a step-up sign-in with reason high_value_transaction.
func accessClaimsFor(issuer, sub string) map[string]any {
	return map[string]any{
		"sub":                      sub,
		"iss":                      issuer,
		"client_id":                client,
		"origin_jti":               "2b1c…",
		"event_id":                 "0b9c7a5e-1111-4000-8000-000000000000",
		"token_use":                "access",
		"scope":                    "aws.cognito.signin.user.admin",
		"auth_time":                now0.Add(-30 * time.Second).Unix(),
		"exp":                      now0.Add(time.Hour - 30*time.Second).Unix(),
		"iat":                      now0.Add(-30 * time.Second).Unix(),
		"jti":                      "4d9f…",
		"username":                 "bob",
		contract.ClaimStepUpAt:     now0.Add(-31 * time.Second).Unix(),
		contract.ClaimStepUpReason: contract.StepUpReasonHighValueTransaction,
	}
}

func sign(t testing.TB, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	return keysettest.Sign(t, jose.RS256, key, kid, claims)
}

// bearers returns with: the Authorization header of bob's access token
// from p's pool, its claims first changed by mut.
func bearers(t testing.TB, p *jwksPeer) func(mut func(c map[string]any)) string {
	iss := p.issuer()
	return func(mut func(c map[string]any)) string {
		c := accessClaimsFor(iss, bob)
		mut(c)
		return "Bearer " + sign(t, poolKey, "pool-1", c)
	}
}

// unsigned builds a compact token with any header and no valid signature.
func unsigned(header, claims map[string]any, sig []byte) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	return enc(h) + "." + enc(c) + "." + enc(sig)
}

func request(authorization string) events.APIGatewayV2CustomAuthorizerV2Request {
	req := events.APIGatewayV2CustomAuthorizerV2Request{
		Version:  "2.0",
		Type:     "REQUEST",
		RouteKey: "POST /payments",
		RawPath:  "/payments",
		Headers:  map[string]string{"content-type": "application/json"},
	}
	req.RequestContext.RequestID = "req-1"
	if authorization != "" {
		req.Headers["authorization"] = authorization
		req.IdentitySource = []string{authorization}
	}
	return req
}

func TestAuthorizerMatrix(t *testing.T) {
	p := newJWKSPeer(t)
	iss := p.issuer()
	with := bearers(t, p)
	fresh := with(func(map[string]any) {})

	// A token of alice without step-up claims, and bob's with them: the
	// claims of one pasted into the other keep alice's signature.
	aliceNoStepUp := sign(t, poolKey, "pool-1", func() map[string]any {
		c := accessClaimsFor(iss, alice)
		delete(c, contract.ClaimStepUpAt)
		delete(c, contract.ClaimStepUpReason)
		return c
	}())
	parts := strings.Split(aliceNoStepUp, ".")
	pasted := accessClaimsFor(iss, alice) // alice's claims plus bob's step-up claims
	payload, _ := json.Marshal(pasted)
	copiedClaims := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]

	pubDER, _ := x509.MarshalPKIXPublicKey(&poolKey.PublicKey)

	for _, tc := range []struct {
		name   string
		header string
		want   Reason
	}{
		{"fresh step-up passes", fresh, ReasonOK},
		{"no token", "", ReasonNoToken},
		{"other scheme", "Basic Ym9iOnB3", ReasonNoToken},
		{"scheme only", "Bearer", ReasonNoToken},
		{"scheme and spaces", "Bearer    ", ReasonNoToken},
		{"lower-case scheme", "bearer " + strings.TrimPrefix(fresh, "Bearer "), ReasonOK},
		{"token without scheme", strings.TrimPrefix(fresh, "Bearer "), ReasonNoToken},
		{"malformed header: one segment", "Bearer abc", ReasonTokenInvalid},
		{"malformed header: two segments", "Bearer abc.def", ReasonTokenInvalid},
		{"malformed header: empty segment", "Bearer abc..def", ReasonTokenInvalid},
		{"malformed header: four segments", fresh + ".x", ReasonTokenInvalid},
		{"malformed header: two tokens", fresh + " " + strings.TrimPrefix(fresh, "Bearer "), ReasonTokenInvalid},
		{"malformed header: comma-joined", fresh + "," + fresh, ReasonTokenInvalid},
		{"malformed header: padding", fresh + "=", ReasonTokenInvalid},
		{"oversized", "Bearer " + strings.Repeat("a", MaxTokenBytes) + ".b.c", ReasonTokenInvalid},
		{"expired", with(func(c map[string]any) { c["exp"] = now0.Add(-time.Second).Unix() }), ReasonTokenExpired},
		{"expires now", with(func(c map[string]any) { c["exp"] = now0.Unix() }), ReasonTokenExpired},
		{"no exp", with(func(c map[string]any) { delete(c, "exp") }), ReasonTokenInvalid},
		{"issued in the future", with(func(c map[string]any) { c["iat"] = now0.Add(time.Minute).Unix() }), ReasonTokenInvalid},
		{"no sub", with(func(c map[string]any) { delete(c, "sub") }), ReasonTokenInvalid},
		{"wrong pool (issuer), same key", with(func(c map[string]any) { c["iss"] = otherPool }), ReasonWrongIssuer},
		{"issuer with trailing slash", with(func(c map[string]any) { c["iss"] = iss + "/" }), ReasonWrongIssuer},
		{"no issuer", with(func(c map[string]any) { delete(c, "iss") }), ReasonWrongIssuer},
		{"another pool's key", "Bearer " + sign(t, otherKey, "pool-1", accessClaimsFor(iss, bob)), ReasonTokenInvalid},
		{"another pool's key, unknown kid", "Bearer " + sign(t, otherKey, "other-1", accessClaimsFor(iss, bob)), ReasonTokenInvalid},
		{"wrong client", with(func(c map[string]any) { c["client_id"] = "2other98765432" }), ReasonWrongClient},
		{"no client_id", with(func(c map[string]any) { delete(c, "client_id") }), ReasonWrongClient},
		{"ID token where an access token is required", with(func(c map[string]any) {
			c["token_use"] = "id"
			c["aud"] = client
			delete(c, "client_id")
		}), ReasonNotAccessToken},
		{"no token_use", with(func(c map[string]any) { delete(c, "token_use") }), ReasonNotAccessToken},
		{"no step-up claim (ordinary sign-in, refresh or V1 trigger)", with(func(c map[string]any) {
			delete(c, contract.ClaimStepUpAt)
			delete(c, contract.ClaimStepUpReason)
		}), ReasonNoStepUp},
		{"step-up claim null", with(func(c map[string]any) { c[contract.ClaimStepUpAt] = nil }), ReasonNoStepUp},
		{"step-up claim fractional", with(func(c map[string]any) { c[contract.ClaimStepUpAt] = 1.7e9 + 0.5 }), ReasonNoStepUp},
		{"step-up claim negative", with(func(c map[string]any) { c[contract.ClaimStepUpAt] = -1 }), ReasonNoStepUp},
		{"step-up claim zero", with(func(c map[string]any) { c[contract.ClaimStepUpAt] = 0 }), ReasonNoStepUp},
		{"step-up claim boolean", with(func(c map[string]any) { c[contract.ClaimStepUpAt] = true }), ReasonNoStepUp},
		{"step-up claim as digit string", with(func(c map[string]any) { c[contract.ClaimStepUpAt] = "1699999990" }), ReasonOK},
		{"step-up claim as other string", with(func(c map[string]any) { c[contract.ClaimStepUpAt] = "1699999990.0" }), ReasonNoStepUp},
		{"step-up older than the window", with(func(c map[string]any) { c[contract.ClaimStepUpAt] = now0.Add(-DefaultMaxAge - time.Second).Unix() }), ReasonStepUpStale},
		{"step-up exactly the window old", with(func(c map[string]any) { c[contract.ClaimStepUpAt] = now0.Add(-DefaultMaxAge).Unix() }), ReasonOK},
		{"step-up in the future", with(func(c map[string]any) { c[contract.ClaimStepUpAt] = now0.Add(ClockSkew + time.Second).Unix() }), ReasonStepUpFuture},
		{"step-up within clock skew", with(func(c map[string]any) { c[contract.ClaimStepUpAt] = now0.Add(ClockSkew).Unix() }), ReasonOK},
		{"reason mismatch (plain step-up sign-in)", with(func(c map[string]any) { c[contract.ClaimStepUpReason] = contract.StepUpReasonSignIn }), ReasonReasonMismatch},
		{"reason missing", with(func(c map[string]any) { delete(c, contract.ClaimStepUpReason) }), ReasonReasonMismatch},
		{"reason not a string", with(func(c map[string]any) { c[contract.ClaimStepUpReason] = []string{"high_value_transaction"} }), ReasonReasonMismatch},
		{"reason case differs", with(func(c map[string]any) { c[contract.ClaimStepUpReason] = "HIGH_VALUE_TRANSACTION" }), ReasonReasonMismatch},
		{"step-up claims copied into another token", "Bearer " + copiedClaims, ReasonTokenInvalid},
		{"alg none", "Bearer " + unsigned(map[string]any{"alg": "none", "kid": "pool-1"}, accessClaimsFor(iss, bob), nil), ReasonTokenInvalid},
		{"HS256 keyed with the public key", "Bearer " + func() string {
			signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: pubDER}, nil)
			if err != nil {
				t.Fatal(err)
			}
			payload, _ := json.Marshal(accessClaimsFor(iss, bob))
			jws, _ := signer.Sign(payload)
			s, _ := jws.CompactSerialize()
			return s
		}(), ReasonTokenInvalid},
		{"signature stripped", "Bearer " + strings.Join(strings.Split(strings.TrimPrefix(fresh, "Bearer "), ".")[:2], ".") + ".", ReasonTokenInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, logs := newHandler(t, p, nil)
			resp, err := h.Handle(context.Background(), request(tc.header))
			if err != nil {
				t.Fatalf("Handle returned an error: %v", err)
			}
			var line map[string]any
			if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
				t.Fatalf("log is not one JSON line: %v: %s", err, logs)
			}
			if line["reason"] != string(tc.want) {
				t.Fatalf("reason = %v, want %s", line["reason"], tc.want)
			}
			if resp.IsAuthorized != (tc.want == ReasonOK) {
				t.Fatalf("isAuthorized = %v for %s", resp.IsAuthorized, tc.want)
			}
			if tc.want != ReasonOK && resp.Context != nil {
				t.Fatalf("refusal carries context %v", resp.Context)
			}
			if tok := strings.TrimSpace(strings.TrimPrefix(tc.header, "Bearer")); len(tok) > 20 {
				for _, part := range strings.Split(tok, ".") {
					if len(part) > 8 && strings.Contains(logs.String(), part) {
						t.Fatalf("log holds part of the token: %s", logs)
					}
				}
			}
		})
	}
}

// TestStepUpOfAnotherUser: the context names the token's own user. Bob's
// fresh step-up authorizes bob only, whatever the request says about alice,
// and a backend that acts for context.sub never acts for alice.
func TestStepUpOfAnotherUser(t *testing.T) {
	p := newJWKSPeer(t)
	h, _ := newHandler(t, p, nil)
	req := request("Bearer " + sign(t, poolKey, "pool-1", accessClaimsFor(p.issuer(), bob)))
	req.RawPath = "/users/" + alice + "/payments"
	req.Headers["x-user-sub"] = alice
	req.QueryStringParameters = map[string]string{"sub": alice}
	resp, _ := h.Handle(context.Background(), req)
	if !resp.IsAuthorized || resp.Context[contract.AuthorizerContextSub] != bob || len(resp.Context) != 3 ||
		resp.Context[contract.AuthorizerContextStepUpReason] != contract.StepUpReasonHighValueTransaction {
		t.Fatalf("resp = %+v", resp)
	}
	if resp.Context[contract.AuthorizerContextStepUpAt] != now0.Add(-31*time.Second).Unix() {
		t.Fatalf("stepup_at = %v", resp.Context[contract.AuthorizerContextStepUpAt])
	}
	// Alice's token without a step-up of her own is refused, even while
	// bob's step-up is fresh.
	c := accessClaimsFor(p.issuer(), alice)
	delete(c, contract.ClaimStepUpAt)
	delete(c, contract.ClaimStepUpReason)
	if resp, _ := h.Handle(context.Background(), request("Bearer "+sign(t, poolKey, "pool-1", c))); resp.IsAuthorized {
		t.Fatal("alice authorized by bob's step-up")
	}
}

func TestWindowAndReasonsConfigured(t *testing.T) {
	p := newJWKSPeer(t)
	h, _ := newHandler(t, p, func(c *Config) {
		c.MaxAge = 20 * time.Second
		c.RequiredReasons = []string{"payout_change", "sign_in"}
	})
	for _, tc := range []struct {
		age    time.Duration
		reason string
		want   Reason
	}{
		{10 * time.Second, "sign_in", ReasonOK},
		{10 * time.Second, "payout_change", ReasonOK},
		{10 * time.Second, "high_value_transaction", ReasonReasonMismatch},
		{21 * time.Second, "sign_in", ReasonStepUpStale},
	} {
		c := accessClaimsFor(p.issuer(), bob)
		c[contract.ClaimStepUpAt] = now0.Add(-tc.age).Unix()
		c[contract.ClaimStepUpReason] = tc.reason
		if got := h.Decide(context.Background(), "Bearer "+sign(t, poolKey, "pool-1", c)); got.Reason != tc.want {
			t.Errorf("age %v reason %s: %s, want %s", tc.age, tc.reason, got.Reason, tc.want)
		}
	}
}

// TestKeySetCachedAndRotated: the key set is fetched once and reused; a
// token of a new key id makes it fetch again, but only once the refetch
// interval has passed (until then it is refused: otherwise anyone could
// force a fetch per request); a key set outage refuses.
func TestKeySetCachedAndRotated(t *testing.T) {
	p := newJWKSPeer(t)
	h, _ := newHandler(t, p, nil)
	clock := setKeyClock(h)
	good := "Bearer " + sign(t, poolKey, "pool-1", accessClaimsFor(p.issuer(), bob))
	for i := 0; i < 5; i++ {
		if d := h.Decide(context.Background(), good); d.Reason != ReasonOK {
			t.Fatalf("call %d: %s", i, d.Reason)
		}
	}
	if n := p.fetches.Load(); n != 1 {
		t.Fatalf("key set fetched %d times for 5 calls, want 1", n)
	}
	p.setKeys(map[string]*rsa.PrivateKey{"pool-1": poolKey, "pool-2": rotatedKey})
	rotated := "Bearer " + sign(t, rotatedKey, "pool-2", accessClaimsFor(p.issuer(), bob))
	clock.advance(keyset.DefaultMinInterval - time.Second)
	if d := h.Decide(context.Background(), rotated); d.Reason != ReasonTokenInvalid {
		t.Fatalf("rotated key within the refetch interval: %s", d.Reason)
	}
	if n := p.fetches.Load(); n != 1 {
		t.Fatalf("fetches within the refetch interval = %d, want 1", n)
	}
	clock.advance(time.Second)
	if d := h.Decide(context.Background(), rotated); d.Reason != ReasonOK {
		t.Fatalf("rotated key: %s", d.Reason)
	}
	if n := p.fetches.Load(); n != 2 {
		t.Fatalf("fetches after rotation = %d, want 2", n)
	}

	// An outage after that keeps the last good keys.
	p.down.Store(true)
	clock.advance(keyset.DefaultMinInterval)
	if d := h.Decide(context.Background(), "Bearer "+sign(t, otherKey, "other-1", accessClaimsFor(p.issuer(), bob))); d.Reason != ReasonTokenInvalid {
		t.Fatalf("unknown kid during an outage: %s", d.Reason)
	}
	if d := h.Decide(context.Background(), rotated); d.Reason != ReasonOK || p.fetches.Load() != 3 {
		t.Fatalf("last good key during an outage: %s after %d fetches", d.Reason, p.fetches.Load())
	}

	down := newJWKSPeer(t)
	down.down.Store(true)
	h2, _ := newHandler(t, down, nil)
	for i := 0; i < 3; i++ {
		if d := h2.Decide(context.Background(), "Bearer "+sign(t, poolKey, "pool-1", accessClaimsFor(down.issuer(), bob))); d.Reason != ReasonTokenInvalid {
			t.Fatalf("key set down: %s", d.Reason)
		}
	}
	if n := down.fetches.Load(); n != 1 {
		t.Fatalf("fetches of a key set that is down = %d, want 1", n)
	}
}

// TestUnknownKidBurstFetchesBounded: a burst of tokens that look like the
// pool's but carry random kids (signed by a stranger's key) does not make
// the authorizer fetch the key set per request: one fetch per refetch
// interval at most, while a rightful token sent beside them is authorized
// every time.
func TestUnknownKidBurstFetchesBounded(t *testing.T) {
	const burst, workers = 1000, 16
	p := newJWKSPeer(t)
	h, logs := newHandler(t, p, nil)
	clock := setKeyClock(h)
	var keyLogs bytes.Buffer
	h.keys.Logger = slog.New(slog.NewJSONHandler(&keyLogs, nil))
	rightful := "Bearer " + sign(t, poolKey, "pool-1", accessClaimsFor(p.issuer(), bob))
	strangers := make([]string, burst)
	for i := range strangers {
		kid := make([]byte, 16)
		if _, err := rand.Read(kid); err != nil {
			t.Fatal(err)
		}
		strangers[i] = "Bearer " + sign(t, otherKey, hex.EncodeToString(kid), accessClaimsFor(p.issuer(), bob))
	}

	// run sends the burst from workers goroutines, each also sending the
	// rightful token after every stranger's.
	run := func() (authorized, refused int32) {
		var ok, no atomic.Int32
		work := make(chan string)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for tok := range work {
					if resp, err := h.Handle(context.Background(), request(tok)); err != nil || resp.IsAuthorized {
						t.Errorf("stranger token: authorized=%v err=%v", resp.IsAuthorized, err)
					} else {
						no.Add(1)
					}
					if resp, err := h.Handle(context.Background(), request(rightful)); err != nil || !resp.IsAuthorized {
						t.Errorf("rightful token refused during the burst: err=%v", err)
					} else {
						ok.Add(1)
					}
				}
			}()
		}
		for _, tok := range strangers {
			work <- tok
		}
		close(work)
		wg.Wait()
		return ok.Load(), no.Load()
	}

	// Cold start: the first requests share one fetch, the rest none.
	ok, no := run()
	cold := p.fetches.Load()
	t.Logf("cold burst: %d random-kid tokens refused, %d rightful authorized, %d key set fetches", no, ok, cold)
	if cold < 1 || cold > 2 {
		t.Fatalf("fetches for a cold burst of %d unknown kids = %d, want 1 or 2", burst, cold)
	}
	if ok != burst || no != burst {
		t.Fatalf("authorized %d and refused %d, want %d each", ok, no, burst)
	}
	// A minute later the same burst may fetch once more, no more.
	clock.advance(keyset.DefaultMinInterval)
	run()
	warm := p.fetches.Load() - cold
	t.Logf("burst one interval later: %d more fetches", warm)
	if warm > 1 {
		t.Fatalf("fetches for a second burst = %d, want at most 1", warm)
	}

	// Every decision logged its reason; the fetches logged theirs; no kid
	// or token part in either log.
	if n := strings.Count(logs.String(), `"reason":"token_invalid"`); n != 2*burst {
		t.Fatalf("token_invalid lines = %d, want %d", n, 2*burst)
	}
	if n := strings.Count(keyLogs.String(), `"reason":"`+keyset.ReasonFetched+`"`); int32(n) != p.fetches.Load() {
		t.Fatalf("fetch lines = %d for %d fetches: %s", n, p.fetches.Load(), keyLogs.String())
	}
	for _, tok := range strangers[:50] {
		header := strings.Split(strings.TrimPrefix(tok, "Bearer "), ".")[0]
		if strings.Contains(logs.String(), header) || strings.Contains(keyLogs.String(), header) {
			t.Fatal("a token header was logged")
		}
	}
}

func TestAmbiguousAuthorizationHeaders(t *testing.T) {
	p := newJWKSPeer(t)
	h, _ := newHandler(t, p, nil)
	good := "Bearer " + sign(t, poolKey, "pool-1", accessClaimsFor(p.issuer(), bob))
	req := request(good)
	req.Headers["Authorization"] = good
	if resp, _ := h.Handle(context.Background(), req); resp.IsAuthorized {
		t.Fatal("two Authorization headers authorized")
	}
	req = request("")
	req.Headers["AUTHORIZATION"] = good
	if resp, _ := h.Handle(context.Background(), req); !resp.IsAuthorized {
		t.Fatal("upper-case header name refused")
	}
	// The identity source alone (no header) is not a token.
	req = request("")
	req.IdentitySource = []string{good}
	if resp, _ := h.Handle(context.Background(), req); resp.IsAuthorized {
		t.Fatal("identity source without header authorized")
	}
}

func TestNilHandlerRefuses(t *testing.T) {
	var h *Handler
	resp, err := h.Handle(context.Background(), request("Bearer a.b.c"))
	if err != nil || resp.IsAuthorized {
		t.Fatalf("= %+v, %v", resp, err)
	}
}

func TestConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	base := map[string]string{
		contract.EnvTokenIssuer:   "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC",
		contract.EnvTokenClientID: client,
	}
	cfg, err := ConfigFromEnv(env(base))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.JWKSURL != "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC/.well-known/jwks.json" ||
		cfg.MaxAge != 5*time.Minute || len(cfg.RequiredReasons) != 1 || cfg.RequiredReasons[0] != "high_value_transaction" {
		t.Fatalf("defaults = %+v", cfg)
	}
	set := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range base {
			m[a] = b
		}
		m[k] = v
		return m
	}
	cfg, err = ConfigFromEnv(env(set(contract.EnvStepUpMaxAgeSeconds, "60")))
	if err != nil || cfg.MaxAge != time.Minute {
		t.Fatalf("max age: %+v %v", cfg, err)
	}
	cfg, err = ConfigFromEnv(env(set(contract.EnvRequiredReasons, `["payout_change"]`)))
	if err != nil || cfg.RequiredReasons[0] != "payout_change" {
		t.Fatalf("reasons: %+v %v", cfg, err)
	}
	for _, bad := range []map[string]string{
		set(contract.EnvTokenIssuer, ""),
		set(contract.EnvTokenIssuer, "http://cognito-idp.eu-west-1.amazonaws.com/x"),
		set(contract.EnvTokenIssuer, "cognito-idp.eu-west-1.amazonaws.com/x"),
		set(contract.EnvTokenJWKSURL, "ftp://x/jwks"),
		set(contract.EnvTokenClientID, ""),
		set(contract.EnvStepUpMaxAgeSeconds, "0"),
		set(contract.EnvStepUpMaxAgeSeconds, "3601"),
		set(contract.EnvStepUpMaxAgeSeconds, "5m"),
		set(contract.EnvRequiredReasons, `[]`),
		set(contract.EnvRequiredReasons, `null`),
		set(contract.EnvRequiredReasons, `["Bad Reason"]`),
		set(contract.EnvRequiredReasons, `"high_value_transaction"`),
	} {
		if _, err := ConfigFromEnv(env(bad)); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}

func TestParseBearer(t *testing.T) {
	for _, tc := range []struct {
		in, tok string
		reason  Reason
	}{
		{"Bearer a.b.c", "a.b.c", ""},
		{"  Bearer   a.b.c  ", "a.b.c", ""},
		{"BEARER a-_.b.c", "a-_.b.c", ""},
		{"", "", ReasonNoToken},
		{"Bearer", "", ReasonNoToken},
		{"Bearer\ta.b.c", "", ReasonNoToken},
		{"Token a.b.c", "", ReasonNoToken},
		{"Bearer a.b.c\x00", "", ReasonTokenInvalid},
		{"Bearer a.b.c\n", "", ReasonTokenInvalid},
		{"Bearer a.b.", "", ReasonTokenInvalid},
		{"Bearer .b.c", "", ReasonTokenInvalid},
		{"Bearer a+b.c.d", "", ReasonTokenInvalid},
		{"Bearer a/b.c.d", "", ReasonTokenInvalid},
		{"Bearer a.b.c.d.e", "", ReasonTokenInvalid},
		{"Bearer ä.b.c", "", ReasonTokenInvalid},
	} {
		tok, reason := ParseBearer(tc.in)
		if tok != tc.tok || reason != tc.reason {
			t.Errorf("ParseBearer(%q) = %q, %q; want %q, %q", tc.in, tok, reason, tc.tok, tc.reason)
		}
	}
}
