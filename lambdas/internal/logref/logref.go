// Package logref makes the few values the handlers put in log lines safe to
// log: keyed one-way references instead of user names, emails, subjects or
// sessions, and event fields clipped to a bounded length.
//
// A reference is HMAC-SHA256 over the parts, never a plain hash: a list of
// email addresses hashed by anyone would otherwise reverse it. The key is
// the deployment's log reference key (a Secrets Manager secret, see
// contract.EnvLogRefKeySecretARN), installed at start by Use and refreshed
// like the provider secrets (a TTL cache): then references of one user
// correlate across every function and container of the deployment. Until a
// deployment key is loaded (none configured, or Secrets Manager not
// answering) references are keyed with a random key of this process,
// prefixed ProcessPrefix: they correlate within one container only, and
// nobody, not even the operator, can recompute them.
package logref

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// MinKeyBytes is the shortest deployment key accepted.
const MinKeyBytes = 32

// RefLen is the length of a reference made with the deployment key: 48 bits
// of the HMAC, hex.
const RefLen = 12

// ProcessPrefix marks a reference made with the process's own random key.
const ProcessPrefix = "p-"

// ErrShortKey is returned for a deployment key under MinKeyBytes.
var ErrShortKey = errors.New("logref: key shorter than 32 bytes")

// Ref is a short keyed reference to parts (NUL-separated) under the
// installed keyring's key, "" when there is nothing to refer to.
func Ref(parts ...string) string { return current.Load().Ref(parts...) }

// RefWithKey is Ref under an explicit key (no prefix); for tests and tools
// that hold the deployment key.
func RefWithKey(key []byte, parts ...string) string {
	if len(parts) == 0 || parts[0] == "" {
		return ""
	}
	m := hmac.New(sha256.New, key)
	for i, p := range parts {
		if i > 0 {
			m.Write([]byte{0})
		}
		m.Write([]byte(p))
	}
	return hex.EncodeToString(m.Sum(nil)[:RefLen/2])
}

// Source fetches the deployment key (typically a secretcache.Cache's Value,
// which keeps it for its TTL).
type Source func(ctx context.Context) (string, error)

// Keyring holds the deployment key and the process key. Safe for
// concurrent use.
type Keyring struct {
	process []byte
	src     Source
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time

	mu      sync.Mutex
	key     []byte
	keyAt   time.Time
	retryAt time.Time
	loading atomic.Bool
	lastErr error
}

// RetryAfter is how long a failed fetch of the deployment key is not
// retried by Ref.
const RetryAfter = 30 * time.Second

// DefaultTTL is how long a loaded deployment key is used before it is
// fetched again (a rotated key is picked up without a redeploy).
const DefaultTTL = 300 * time.Second

// NewKeyring returns a keyring with a fresh random process key. src may be
// nil (process key only). A ttl of zero or less means DefaultTTL.
func NewKeyring(src Source, ttl time.Duration) *Keyring {
	k := &Keyring{process: make([]byte, 32), src: src, ttl: ttl, timeout: 2 * time.Second, now: time.Now}
	if _, err := rand.Read(k.process); err != nil {
		panic("logref: no randomness: " + err.Error())
	}
	if k.ttl <= 0 {
		k.ttl = DefaultTTL
	}
	return k
}

// SetClock replaces the time source; for tests.
func (k *Keyring) SetClock(now func() time.Time) { k.mu.Lock(); k.now = now; k.mu.Unlock() }

// Load fetches the deployment key now and installs it; on failure the
// keyring keeps what it had (the last good key, or the process key).
func (k *Keyring) Load(ctx context.Context) error {
	if k.src == nil {
		return errors.New("logref: no key source")
	}
	v, err := k.src(ctx)
	if err == nil && len(v) < MinKeyBytes {
		err = ErrShortKey
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err != nil {
		k.lastErr, k.retryAt = err, k.now().Add(RetryAfter)
		return err
	}
	k.key, k.keyAt, k.lastErr = []byte(v), k.now(), nil
	return nil
}

// Keyed reports whether a deployment key is loaded.
func (k *Keyring) Keyed() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.key != nil
}

// LastError is the error of the last failed Load, nil after a success.
func (k *Keyring) LastError() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lastErr
}

// Ref is a reference under the deployment key, or under the process key
// (prefixed ProcessPrefix) while none is loaded. A key older than the TTL
// is refreshed in the background: Ref never waits for Secrets Manager.
func (k *Keyring) Ref(parts ...string) string {
	if k == nil {
		return ""
	}
	k.mu.Lock()
	now := k.now()
	key, stale := k.key, k.src != nil && (k.key == nil || now.Sub(k.keyAt) >= k.ttl) && !now.Before(k.retryAt)
	k.mu.Unlock()
	if stale && k.loading.CompareAndSwap(false, true) {
		go func() {
			defer k.loading.Store(false)
			ctx, cancel := context.WithTimeout(context.Background(), k.timeout)
			defer cancel()
			_ = k.Load(ctx)
		}()
	}
	if key == nil {
		r := RefWithKey(k.process, parts...)
		if r == "" {
			return ""
		}
		return ProcessPrefix + r
	}
	return RefWithKey(key, parts...)
}

// current is the keyring Ref uses: a process key only until Use installs
// the deployment's.
var current atomic.Pointer[Keyring]

func init() { current.Store(NewKeyring(nil, 0)) }

// Use installs k for Ref.
func Use(k *Keyring) {
	if k != nil {
		current.Store(k)
	}
}

// Current is the installed keyring.
func Current() *Keyring { return current.Load() }

// MaxField is the longest event field a log line carries.
const MaxField = 64

// Clip bounds a logged event field to MaxField bytes.
func Clip(s string) string {
	if len(s) > MaxField {
		return s[:MaxField] + "..."
	}
	return s
}
