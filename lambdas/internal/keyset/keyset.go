// Package keyset verifies JWT signatures against a remote JSON Web Key Set
// (a Cognito user pool's jwks.json) without letting token senders decide
// when that key set is downloaded.
//
// go-oidc's RemoteKeySet downloads the key set again whenever a token names
// a key id (kid) it has not seen. Anyone can write any kid into a token
// header, so a stranger sending tokens with random kids makes every
// invocation call the JWKS endpoint: latency and cost here, and load (or
// throttling) on the endpoint the rightful tokens depend on. A Set instead
// keeps the last good key set and downloads at most once per MinInterval,
// whatever the tokens say:
//
//   - a kid in the cached set is verified from memory, never fetched;
//   - an unknown kid (or an empty cache) may trigger one fetch, only when
//     the previous attempt is at least MinInterval old; concurrent callers
//     share the one fetch in flight;
//   - a failed, oversized or malformed download keeps the last good keys
//     and still counts as an attempt, so a failing endpoint is not
//     hammered either.
//
// The price is that a token signed with a newly published key can be
// refused for up to MinInterval after the previous attempt; the endpoint's
// keys are not otherwise refreshed (like RemoteKeySet, a key removed from
// the endpoint stays trusted until the next fetch).
//
// Signatures are checked by go-jose only (ParseSignedCompact with the
// allowed algorithms, then Verify with the key of the token's kid): no
// cryptography here. Set implements go-oidc's oidc.KeySet, so it plugs into
// oidc.NewVerifier. It never logs a token or a kid.
package keyset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Defaults of the Set fields.
const (
	// DefaultMinInterval is the least time between two key set downloads.
	DefaultMinInterval = time.Minute
	// DefaultMaxBytes bounds a key set response body (Cognito's is about
	// 1 KiB).
	DefaultMaxBytes = 1 << 20
	// DefaultFetchTimeout bounds one download, whatever the callers'
	// contexts say (the download outlives a caller that gives up).
	DefaultFetchTimeout = 10 * time.Second
)

// DefaultAlgorithms is Algorithms when none are set: Cognito signs with
// RS256 only.
var DefaultAlgorithms = []jose.SignatureAlgorithm{jose.RS256}

// Errors of VerifySignature. go-oidc wraps them with %v, so callers of the
// verifier see their text only.
var (
	// ErrMalformed: the token is not a compact JWS with one of the allowed
	// algorithms.
	ErrMalformed = errors.New("keyset: malformed token or algorithm not allowed")
	// ErrNoKeyID: the token names no kid. Cognito always sets one, so a
	// kid-less token is not the pool's; refusing it keeps one rule (the kid
	// picks the key) and never triggers a download.
	ErrNoKeyID = errors.New("keyset: token has no key id")
	// ErrUnknownKey: the kid is not in the last good key set, and no fetch
	// was allowed or the fetch did not bring it.
	ErrUnknownKey = errors.New("keyset: unknown key id")
	// ErrBadSignature: the kid is known but no key of that id verifies.
	ErrBadSignature = errors.New("keyset: signature does not verify")
)

// Reason codes of the log lines.
const (
	ReasonFetched     = "jwks_fetched"
	ReasonFetchFailed = "jwks_fetch_failed"
)

// Set is a cached remote key set. Create it with New and set the exported
// fields before its first use; it is then safe for concurrent use.
type Set struct {
	// MinInterval is the least time between two download attempts,
	// successful or not. Default: DefaultMinInterval.
	MinInterval time.Duration
	// MaxBytes bounds the response body; a longer one is a failed
	// download. Default: DefaultMaxBytes.
	MaxBytes int64
	// FetchTimeout bounds one download. Default: DefaultFetchTimeout.
	FetchTimeout time.Duration
	// Algorithms are the signature algorithms accepted. Default:
	// DefaultAlgorithms.
	Algorithms []jose.SignatureAlgorithm
	// Now is the clock of the interval. Default: time.Now.
	Now func() time.Time
	// Logger receives one line per download attempt (reason code, key
	// count or error). Default: nil, no logging.
	Logger *slog.Logger

	url    string
	client *http.Client

	mu sync.Mutex
	// keys is the last good key set by kid (a kid may, rarely, name more
	// than one key).
	keys map[string][]jose.JSONWebKey
	// attempted is when the last download started; tried says whether
	// there was one.
	attempted time.Time
	tried     bool
	// inflight is closed when the download in flight ends; nil when none.
	inflight chan struct{}
}

// New returns a Set downloading url with client. The client is the
// caller's: its timeout, transport and redirect policy apply unchanged (a
// nil client makes every download fail, so nothing verifies).
func New(url string, client *http.Client) *Set {
	return &Set{url: url, client: client}
}

// VerifySignature checks jwt's signature and returns its payload. It
// implements oidc.KeySet; the verifier still checks the claims.
func (s *Set) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(jwt, s.algorithms())
	if err != nil || len(jws.Signatures) != 1 {
		return nil, ErrMalformed
	}
	header := jws.Signatures[0].Header
	if header.KeyID == "" {
		return nil, ErrNoKeyID
	}
	keys, ok := s.lookup(header.KeyID)
	if !ok {
		if err := s.refresh(ctx); err != nil {
			return nil, err
		}
		if keys, ok = s.lookup(header.KeyID); !ok {
			return nil, ErrUnknownKey
		}
	}
	for i := range keys {
		if keys[i].Algorithm != "" && keys[i].Algorithm != header.Algorithm {
			continue
		}
		if payload, err := jws.Verify(&keys[i]); err == nil {
			return payload, nil
		}
	}
	return nil, ErrBadSignature
}

func (s *Set) lookup(kid string) ([]jose.JSONWebKey, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys, ok := s.keys[kid]
	return keys, ok
}

// refresh joins the download in flight, or starts one when the last
// attempt is at least MinInterval old, and waits for it or for ctx. It
// returns nil when no download was allowed: the caller then finds the
// cache unchanged.
func (s *Set) refresh(ctx context.Context) error {
	s.mu.Lock()
	done := s.inflight
	if done == nil {
		now := s.now()
		if s.tried && now.Sub(s.attempted) < s.minInterval() {
			s.mu.Unlock()
			return nil
		}
		s.tried, s.attempted = true, now
		done = make(chan struct{})
		s.inflight = done
		// Detached from ctx so that a caller giving up does not waste the
		// download for the others; FetchTimeout bounds it instead.
		go s.download(context.WithoutCancel(ctx), done)
	}
	s.mu.Unlock()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// download fetches the key set once, replaces the cache only with a good
// set, and releases the waiters.
func (s *Set) download(ctx context.Context, done chan struct{}) {
	defer close(done)
	start := time.Now()
	keys, err := s.fetch(ctx)
	s.log(ctx, keys, err, time.Since(start))
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.keys = keys
	}
	s.inflight = nil
}

// log writes the one line of a download attempt.
func (s *Set) log(ctx context.Context, keys map[string][]jose.JSONWebKey, err error, took time.Duration) {
	if s.Logger == nil {
		return
	}
	ms := slog.Int64("duration_ms", took.Milliseconds())
	if err != nil {
		s.Logger.LogAttrs(ctx, slog.LevelWarn, "key set download failed; last good keys kept",
			slog.String("reason", ReasonFetchFailed), slog.String("error", err.Error()), ms)
		return
	}
	n := 0
	for _, k := range keys {
		n += len(k)
	}
	s.Logger.LogAttrs(ctx, slog.LevelInfo, "key set downloaded", slog.String("reason", ReasonFetched), slog.Int("keys", n), ms)
}

// fetch downloads and parses the key set. Its errors never carry the body.
func (s *Set) fetch(ctx context.Context) (map[string][]jose.JSONWebKey, error) {
	if s.client == nil {
		return nil, errors.New("no http client")
	}
	timeout := s.FetchTimeout
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	limit := s.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("body over %d bytes", limit)
	}
	return parse(body)
}

// parse reads a JWK Set, keeping the usable keys only: public signature
// keys with a kid. Unusable entries (unknown key types, private or
// symmetric keys, encryption keys) are skipped, as RFC 7517 section 5
// advises; a set with no usable key is an error, so it never replaces a
// good one.
func parse(body []byte) (map[string][]jose.JSONWebKey, error) {
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, errors.New("malformed key set")
	}
	keys := map[string][]jose.JSONWebKey{}
	for _, m := range raw.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(m); err != nil {
			continue
		}
		if k.KeyID == "" || !k.IsPublic() || !k.Valid() || k.Use != "" && k.Use != "sig" {
			continue
		}
		keys[k.KeyID] = append(keys[k.KeyID], k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no usable key in key set")
	}
	return keys, nil
}

func (s *Set) algorithms() []jose.SignatureAlgorithm {
	if len(s.Algorithms) == 0 {
		return DefaultAlgorithms
	}
	return s.Algorithms
}

func (s *Set) minInterval() time.Duration {
	if s.MinInterval <= 0 {
		return DefaultMinInterval
	}
	return s.MinInterval
}

func (s *Set) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}
