package keyset

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/keyset/keysettest"
)

// The pool's key, a stranger's and the pool's next key (generated once per
// test binary).
var poolKey, strangerKey, newKey = keysettest.Keys()

// peer is a JWKS endpoint that counts its requests. Its answer is body when
// set, else the JSON of keys; status and gate change it.
type peer struct {
	srv      *httptest.Server
	requests atomic.Int32
	mu       sync.Mutex
	keys     []jose.JSONWebKey
	body     []byte
	status   int
	location string
	// gate, when set, holds every answer until it is closed.
	gate chan struct{}
}

func newPeer(t testing.TB) *peer {
	t.Helper()
	p := &peer{status: http.StatusOK}
	p.setKeys(map[string]*rsa.PrivateKey{"pool-1": poolKey})
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		p.mu.Lock()
		gate, status, body, location := p.gate, p.status, p.body, p.location
		if body == nil || r.URL.Path == "/moved" {
			status, body = http.StatusOK, nil
			body, _ = json.Marshal(jose.JSONWebKeySet{Keys: p.keys})
		}
		p.mu.Unlock()
		if gate != nil {
			<-gate
		}
		if location != "" {
			w.Header().Set("location", location)
		}
		w.Header().Set("content-type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *peer) setKeys(keys map[string]*rsa.PrivateKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys = keysettest.JWKs(keys)
}

func (p *peer) answer(status int, body string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status = status
	p.body = nil
	p.location = ""
	if body != "" {
		p.body = []byte(body)
	}
}

// clock is a settable time source.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Unix(1_700_000_000, 0).UnixNano())
	return c
}
func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
func newSet(p *peer, c *clock) *Set {
	s := New(p.srv.URL+"/jwks.json", p.srv.Client())
	s.Now = c.Now
	return s
}
func randomKID(t testing.TB) string         { return hex.EncodeToString(randomBytes(t, 16)) }
func payloadOf(t testing.TB) map[string]any { return map[string]any{"sub": "bob", "jti": randomKID(t)} }
func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func sign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string) string {
	t.Helper()
	return keysettest.Sign(t, alg, key, kid, payloadOf(t))
}

// strangerTokens are n tokens with random kids, properly signed by a key
// that is not the pool's.
func strangerTokens(t testing.TB, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = sign(t, jose.RS256, strangerKey, randomKID(t))
	}
	return out
}

var (
	burstOnce sync.Once
	burst     []string
)

// strangerBurst is 1000 stranger tokens, signed once for all tests.
func strangerBurst(t testing.TB) []string {
	t.Helper()
	burstOnce.Do(func() { burst = strangerTokens(t, 1000) })
	return burst
}

// TestUnknownKidBurst: however many tokens with unknown kids arrive, the key
// set is downloaded at most once per MinInterval, and a rightful token keeps
// verifying beside them.
func TestUnknownKidBurst(t *testing.T) {
	tokens := strangerBurst(t)
	for _, tc := range []struct {
		name string
		// warm: a rightful token is verified first (one download).
		warm bool
		// workers verify the burst concurrently (1: in order).
		workers int
		// step advances the clock after each token.
		step time.Duration
		// maxRequests bounds the downloads of the whole test.
		maxRequests int32
	}{
		{"cold, in order", false, 1, 0, 1},
		{"warm, in order", true, 1, 0, 1},
		{"cold, 32 concurrent", false, 32, 0, 1},
		{"warm, 32 concurrent", true, 32, 0, 1},
		// 1000 tokens over 1000 s: one download per minute at most.
		{"in order over 1000 s", true, 1, time.Second, 1 + 1000/60 + 1},
		{"32 concurrent over 1000 s", true, 32, time.Second, 1 + 1000/60 + 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeer(t)
			c := newClock()
			s := newSet(p, c)
			good := sign(t, jose.RS256, poolKey, "pool-1")
			if tc.warm {
				if _, err := s.VerifySignature(context.Background(), good); err != nil {
					t.Fatal(err)
				}
			}
			var refused, verified atomic.Int32
			work := make(chan string)
			var wg sync.WaitGroup
			for w := 0; w < tc.workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for tok := range work {
						if _, err := s.VerifySignature(context.Background(), tok); err != nil {
							refused.Add(1)
						}
						c.Advance(tc.step)
						if _, err := s.VerifySignature(context.Background(), good); err == nil {
							verified.Add(1)
						}
					}
				}()
			}
			for _, tok := range tokens {
				work <- tok
			}
			close(work)
			wg.Wait()
			n := p.requests.Load()
			t.Logf("%d stranger tokens, %d downloads", len(tokens), n)
			if n < 1 || n > tc.maxRequests {
				t.Fatalf("downloads = %d, want 1 to %d", n, tc.maxRequests)
			}
			if refused.Load() != int32(len(tokens)) {
				t.Fatalf("stranger tokens refused = %d of %d", refused.Load(), len(tokens))
			}
			if verified.Load() != int32(len(tokens)) {
				t.Fatalf("rightful token verified %d of %d times", verified.Load(), len(tokens))
			}
		})
	}
}

// TestRotation: a token of a newly published kid is refused without a
// download until MinInterval has passed since the last one, then picked
// up by one download; the interval is configurable.
func TestRotation(t *testing.T) {
	for _, interval := range []time.Duration{0, 10 * time.Second} {
		want := interval
		if want == 0 {
			want = DefaultMinInterval
		}
		t.Run(want.String(), func(t *testing.T) {
			p := newPeer(t)
			c := newClock()
			s := newSet(p, c)
			s.MinInterval = interval
			ctx := context.Background()
			if _, err := s.VerifySignature(ctx, sign(t, jose.RS256, poolKey, "pool-1")); err != nil {
				t.Fatal(err)
			}
			p.setKeys(map[string]*rsa.PrivateKey{"pool-1": poolKey, "pool-2": newKey})
			rotated := sign(t, jose.RS256, newKey, "pool-2")
			c.Advance(want - time.Nanosecond)
			if _, err := s.VerifySignature(ctx, rotated); !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("within the interval: %v, want ErrUnknownKey", err)
			}
			if n := p.requests.Load(); n != 1 {
				t.Fatalf("downloads within the interval = %d, want 1", n)
			}
			c.Advance(time.Nanosecond)
			if _, err := s.VerifySignature(ctx, rotated); err != nil {
				t.Fatalf("after the interval: %v", err)
			}
			if n := p.requests.Load(); n != 2 {
				t.Fatalf("downloads = %d, want 2", n)
			}
			// A key the endpoint dropped goes with the next download.
			p.setKeys(map[string]*rsa.PrivateKey{"pool-2": newKey})
			c.Advance(want)
			if _, err := s.VerifySignature(ctx, sign(t, jose.RS256, strangerKey, "pool-3")); !errors.Is(err, ErrUnknownKey) {
				t.Fatal(err)
			}
			if _, err := s.VerifySignature(ctx, sign(t, jose.RS256, poolKey, "pool-1")); !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("dropped key: %v", err)
			}
			if n := p.requests.Load(); n != 3 {
				t.Fatalf("downloads = %d, want 3", n)
			}
		})
	}
}

// TestFailedDownloadKeepsLastGoodKeys: whatever goes wrong with a download,
// the last good keys keep verifying, the attempt counts against the
// interval, and the next good download after it is used.
func TestFailedDownloadKeepsLastGoodKeys(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	privJWK, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: newKey, KeyID: "pool-2", Algorithm: "RS256", Use: "sig"}}})
	encJWK, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &newKey.PublicKey, KeyID: "pool-2", Algorithm: "RSA-OAEP", Use: "enc"}}})
	noKidJWK, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &newKey.PublicKey, Algorithm: "RS256", Use: "sig"}}})
	for _, tc := range []struct {
		name   string
		status int
		body   string
		setup  func(*Set)
	}{
		{"503", http.StatusServiceUnavailable, "unavailable", nil},
		{"404", http.StatusNotFound, "not found", nil},
		// The caller's client decides about redirects; this one follows
		// none, so the key set at /moved is never read.
		{"redirect not followed by the client", http.StatusFound, "moved", func(s *Set) {
			s.client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		}},
		{"not JSON", http.StatusOK, "<html>", nil},
		{"truncated JSON", http.StatusOK, `{"keys":[`, nil},
		{"no keys", http.StatusOK, `{"keys":[]}`, nil},
		{"keys not a list", http.StatusOK, `{"keys":{}}`, nil},
		{"only an unknown key type", http.StatusOK, `{"keys":[{"kty":"OKP","crv":"Ed448","kid":"x","x":"AAAA"}]}`, nil},
		{"only a symmetric key", http.StatusOK, `{"keys":[{"kty":"oct","kid":"pool-2","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}]}`, nil},
		{"only a private key", http.StatusOK, string(privJWK), nil},
		{"only an encryption key", http.StatusOK, string(encJWK), nil},
		{"only a key without kid", http.StatusOK, string(noKidJWK), nil},
		{"over MaxBytes", http.StatusOK, `{"keys":[],"pad":"` + strings.Repeat("x", 2048) + `"}`, func(s *Set) { s.MaxBytes = 1024 }},
		{"over the default 1 MiB", http.StatusOK, `{"keys":[],"pad":"` + strings.Repeat("x", DefaultMaxBytes) + `"}`, nil},
		{"no client", http.StatusOK, "", func(s *Set) { s.client = nil }},
		{"timeout", http.StatusOK, "", func(s *Set) { s.FetchTimeout = time.Nanosecond }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPeer(t)
			c := newClock()
			s := newSet(p, c)
			var logs bytes.Buffer
			s.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			ctx := context.Background()
			good := sign(t, jose.RS256, poolKey, "pool-1")
			if _, err := s.VerifySignature(ctx, good); err != nil {
				t.Fatal(err)
			}
			if tc.setup != nil {
				tc.setup(s)
			}
			p.answer(tc.status, tc.body)
			if tc.status == http.StatusFound {
				p.mu.Lock()
				p.location = "/moved"
				p.mu.Unlock()
			}
			p.setKeys(map[string]*rsa.PrivateKey{"pool-2": newKey})
			rotated := sign(t, jose.RS256, newKey, "pool-2")
			c.Advance(DefaultMinInterval)
			before := p.requests.Load()
			if _, err := s.VerifySignature(ctx, rotated); !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("after a failed download: %v, want ErrUnknownKey", err)
			}
			if _, err := s.VerifySignature(ctx, good); err != nil {
				t.Fatalf("last good key after a failed download: %v", err)
			}
			// The failure counts: no second attempt within the interval.
			for i := 0; i < 10; i++ {
				_, _ = s.VerifySignature(ctx, sign(t, jose.RS256, strangerKey, randomKID(t)))
			}
			if n := p.requests.Load() - before; n > 1 {
				t.Fatalf("requests after the failure = %d, want at most 1", n)
			}
			if !strings.Contains(logs.String(), `"reason":"`+ReasonFetchFailed+`"`) {
				t.Fatalf("no failure logged: %s", logs.String())
			}
			// Mixed sets keep the usable keys only.
			p.answer(http.StatusOK, "")
			p.mu.Lock()
			p.keys = append(p.keys, jose.JSONWebKey{Key: &ecKey.PublicKey, KeyID: "ec-1", Algorithm: "ES256", Use: "sig"})
			p.mu.Unlock()
			s.client = p.srv.Client()
			s.MaxBytes, s.FetchTimeout = 0, 0
			c.Advance(DefaultMinInterval)
			if _, err := s.VerifySignature(ctx, rotated); err != nil {
				t.Fatalf("after recovery: %v", err)
			}
			if _, err := s.VerifySignature(ctx, good); !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("dropped key after recovery: %v", err)
			}
		})
	}
}

// TestColdStartFailure: with no keys yet, a failed download refuses
// everything, is not retried within the interval, and is retried after.
func TestColdStartFailure(t *testing.T) {
	p := newPeer(t)
	c := newClock()
	s := newSet(p, c)
	p.answer(http.StatusInternalServerError, "boom")
	good := sign(t, jose.RS256, poolKey, "pool-1")
	for i := 0; i < 20; i++ {
		if _, err := s.VerifySignature(context.Background(), good); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if n := p.requests.Load(); n != 1 {
		t.Fatalf("downloads = %d, want 1", n)
	}
	p.answer(http.StatusOK, "")
	c.Advance(DefaultMinInterval)
	if _, err := s.VerifySignature(context.Background(), good); err != nil {
		t.Fatal(err)
	}
}

// TestVerification: only a signature by the key of the token's own kid,
// with an allowed algorithm, verifies; refusals of known kids never
// download.
func TestVerification(t *testing.T) {
	p := newPeer(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.keys = append(p.keys,
		jose.JSONWebKey{Key: &ecKey.PublicKey, KeyID: "ec-1", Algorithm: "ES256", Use: "sig"},
		jose.JSONWebKey{Key: &newKey.PublicKey, KeyID: "pool-ps", Algorithm: "PS256", Use: "sig"},
		jose.JSONWebKey{Key: &newKey.PublicKey, KeyID: "no-alg"},
	)
	p.mu.Unlock()
	c := newClock()
	s := newSet(p, c)
	good := sign(t, jose.RS256, poolKey, "pool-1")
	if payload, err := s.VerifySignature(context.Background(), good); err != nil || !strings.Contains(string(payload), `"sub":"bob"`) {
		t.Fatalf("good token: %q, %v", payload, err)
	}
	parts := strings.Split(good, ".")
	for _, tc := range []struct {
		name  string
		token string
		algs  []jose.SignatureAlgorithm
		want  error
	}{
		{"right key, default algorithms", good, nil, nil},
		{"key without alg", sign(t, jose.RS256, newKey, "no-alg"), nil, nil},
		{"known kid, another key", sign(t, jose.RS256, strangerKey, "pool-1"), nil, ErrBadSignature},
		{"payload swapped", parts[0] + "." + strings.Split(sign(t, jose.RS256, strangerKey, "pool-1"), ".")[1] + "." + parts[2], nil, ErrBadSignature},
		{"signature stripped", parts[0] + "." + parts[1] + ".", nil, ErrBadSignature},
		{"no kid", sign(t, jose.RS256, poolKey, ""), nil, ErrNoKeyID},
		{"ES256 not allowed", sign(t, jose.ES256, ecKey, "ec-1"), nil, ErrMalformed},
		{"ES256 allowed", sign(t, jose.ES256, ecKey, "ec-1"), []jose.SignatureAlgorithm{jose.RS256, jose.ES256}, nil},
		{"key alg differs from token alg", sign(t, jose.RS256, newKey, "pool-ps"), []jose.SignatureAlgorithm{jose.RS256, jose.PS256}, ErrBadSignature},
		{"PS256 key, PS256 token", sign(t, jose.PS256, newKey, "pool-ps"), []jose.SignatureAlgorithm{jose.RS256, jose.PS256}, nil},
		{"HS256 keyed with a kid's public key", func() string {
			signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("pool-1 public key bytes, 32+ long")},
				(&jose.SignerOptions{}).WithHeader("kid", "pool-1"))
			if err != nil {
				t.Fatal(err)
			}
			jws, _ := signer.Sign([]byte(`{}`))
			out, _ := jws.CompactSerialize()
			return out
		}(), []jose.SignatureAlgorithm{jose.RS256, jose.HS256}, ErrBadSignature},
		{"alg none", "eyJhbGciOiJub25lIiwia2lkIjoicG9vbC0xIn0.e30.", nil, ErrMalformed},
		{"JSON serialization", `{"payload":"e30","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`, nil, ErrMalformed},
		{"garbage", "a.b.c", nil, ErrMalformed},
		{"empty", "", nil, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s.Algorithms = tc.algs
			_, err := s.VerifySignature(context.Background(), tc.token)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if n := p.requests.Load(); n != 1 {
		t.Fatalf("downloads = %d, want 1", n)
	}
}

// TestConcurrentCallersShareOneDownload: callers that miss while a download
// is in flight wait for that one download; a caller that gives up returns
// at once without cancelling it for the others.
func TestConcurrentCallersShareOneDownload(t *testing.T) {
	p := newPeer(t)
	gate := make(chan struct{})
	p.mu.Lock()
	p.gate = gate
	p.mu.Unlock()
	s := newSet(p, newClock())
	good := sign(t, jose.RS256, poolKey, "pool-1")
	strangers := strangerTokens(t, 8)

	// The first caller starts the download, then gives up while it is
	// held: it returns at once, and the download goes on for the others.
	impatient, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() {
		_, err := s.VerifySignature(impatient, good)
		gaveUp <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for p.requests.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no download started")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case err := <-gaveUp:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("impatient caller: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("impatient caller did not return while the download was held")
	}

	const callers = 64
	errs := make(chan error, callers)
	var started, wg sync.WaitGroup
	for i := 0; i < callers; i++ {
		wg.Add(1)
		started.Add(1)
		go func() {
			defer wg.Done()
			tok := good
			if i%2 == 1 {
				tok = strangers[i%len(strangers)]
			}
			started.Done()
			_, err := s.VerifySignature(context.Background(), tok)
			if (err == nil) != (tok == good) {
				errs <- err
			}
		}()
	}
	started.Wait()
	time.Sleep(20 * time.Millisecond) // let most callers join the download
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("unexpected outcome: %v", err)
	}
	if n := p.requests.Load(); n != 1 {
		t.Fatalf("downloads = %d, want 1", n)
	}
}

// BenchmarkUnknownKid is the cost of refusing a token with an unknown kid
// once the interval forbids a download (parse and map lookup only).
func BenchmarkUnknownKid(b *testing.B) {
	p := newPeer(b)
	s := newSet(p, newClock())
	tokens := strangerTokens(b, 64)
	_, _ = s.VerifySignature(context.Background(), tokens[0])
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.VerifySignature(context.Background(), tokens[i%len(tokens)]); err == nil {
			b.Fatal("verified")
		}
	}
	if n := p.requests.Load(); n != 1 {
		b.Fatalf("downloads = %d", n)
	}
}
