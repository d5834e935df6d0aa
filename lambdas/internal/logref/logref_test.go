package logref

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var (
	keyA = strings.Repeat("a", 32) + "-deployment-one"
	keyB = strings.Repeat("b", 32) + "-deployment-two"
)

func fixed(v string) Source { return func(context.Context) (string, error) { return v, nil } }

// TestLogRefsKeyed: a reference is an HMAC under the deployment key: the
// same input gives the same reference under one key and different ones
// under two keys, and never the unsalted SHA-256 prefix anyone could
// recompute from a list of addresses.
func TestLogRefsKeyed(t *testing.T) {
	ctx := context.Background()
	one, two := NewKeyring(fixed(keyA), time.Hour), NewKeyring(fixed(keyB), time.Hour)
	for _, k := range []*Keyring{one, two} {
		if err := k.Load(ctx); err != nil || !k.Keyed() {
			t.Fatalf("Load: %v", err)
		}
	}
	const pool, email = "eu-west-1_AbCd", "alice@example.com"
	a1, a2, b := one.Ref(pool, email), one.Ref(pool, email), two.Ref(pool, email)
	if a1 != a2 || len(a1) != RefLen {
		t.Fatalf("same key, same input: %q %q", a1, a2)
	}
	if a1 == b {
		t.Fatalf("two deployment keys gave the same reference %q", a1)
	}
	if a1 != RefWithKey([]byte(keyA), pool, email) {
		t.Fatal("the keyring does not use its deployment key")
	}
	plain := sha256.Sum256([]byte(pool + "\x00" + email))
	for _, r := range []string{a1, b} {
		if strings.HasPrefix(hex.EncodeToString(plain[:]), r) || strings.Contains(r, "alice") {
			t.Fatalf("reference %q is reversible", r)
		}
	}
	if one.Ref(pool, "bob@example.com") == a1 || one.Ref("poo", "l"+email) == one.Ref("pool", email) {
		t.Fatal("distinct inputs collide")
	}
	if one.Ref() != "" || one.Ref("") != "" {
		t.Fatal("empty input must give an empty reference")
	}
}

// A keyring without a deployment key uses its own random key: references
// are marked, differ between processes and are not the unsalted hash.
func TestProcessKeyFallback(t *testing.T) {
	p1, p2 := NewKeyring(nil, 0), NewKeyring(nil, 0)
	r1, r2 := p1.Ref("pool", "alice"), p2.Ref("pool", "alice")
	if !strings.HasPrefix(r1, ProcessPrefix) || r1 == r2 || r1 != p1.Ref("pool", "alice") {
		t.Fatalf("process refs %q %q", r1, r2)
	}
	if Ref("pool", "alice") == "" || !strings.HasPrefix(Ref("pool", "alice"), ProcessPrefix) {
		t.Fatal("the default keyring must key with the process key")
	}
}

func TestShortOrFailingKeyKeepsWhatItHad(t *testing.T) {
	ctx := context.Background()
	if err := NewKeyring(fixed("short"), 0).Load(ctx); !errors.Is(err, ErrShortKey) {
		t.Fatalf("short key: %v", err)
	}
	var fail atomic.Bool
	calls := atomic.Int32{}
	src := func(context.Context) (string, error) {
		calls.Add(1)
		if fail.Load() {
			return "", errors.New("secrets manager down")
		}
		return keyA, nil
	}
	var clock atomic.Int64
	clock.Store(1_000_000)
	advance := func(d time.Duration) { clock.Add(int64(d / time.Second)) }
	k := NewKeyring(src, time.Minute)
	k.SetClock(func() time.Time { return time.Unix(clock.Load(), 0) })
	if err := k.Load(ctx); err != nil {
		t.Fatal(err)
	}
	good := k.Ref("x")
	fail.Store(true)
	advance(2 * time.Minute) // stale: Ref refreshes in the background
	if got := k.Ref("x"); got != good {
		t.Fatalf("stale key not used while refreshing: %q", got)
	}
	waitFor(t, func() bool { return k.LastError() != nil })
	n := calls.Load()
	for i := 0; i < 5; i++ {
		_ = k.Ref("x")
	}
	time.Sleep(20 * time.Millisecond)
	if calls.Load() != n {
		t.Fatalf("failed fetch retried within %s: %d calls", RetryAfter, calls.Load()-n)
	}
	fail.Store(false)
	advance(RetryAfter)
	_ = k.Ref("x")
	waitFor(t, func() bool { return k.LastError() == nil && calls.Load() > n })
}

// A rotated deployment key is picked up once the TTL has passed.
func TestRotationPickedUpAfterTTL(t *testing.T) {
	var v atomic.Value
	v.Store(keyA)
	var clock atomic.Int64
	clock.Store(2_000_000)
	k := NewKeyring(func(context.Context) (string, error) { return v.Load().(string), nil }, time.Minute)
	k.SetClock(func() time.Time { return time.Unix(clock.Load(), 0) })
	if err := k.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := k.Ref("u")
	v.Store(keyB)
	if k.Ref("u") != before {
		t.Fatal("rotated within the TTL")
	}
	clock.Add(60)
	_ = k.Ref("u")
	waitFor(t, func() bool { return k.Ref("u") == RefWithKey([]byte(keyB), "u") })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestClip(t *testing.T) {
	if got := Clip(strings.Repeat("x", 100)); len(got) != MaxField+3 {
		t.Fatalf("clipped to %d", len(got))
	}
	if Clip("short") != "short" {
		t.Fatal("short values unchanged")
	}
}

// BenchmarkRef: the cost of one keyed reference with a loaded key.
func BenchmarkRef(b *testing.B) {
	k := NewKeyring(fixed(keyA), time.Hour)
	if err := k.Load(context.Background()); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_ = k.Ref("eu-west-1_AbCd", "alice@example.com")
	}
}
