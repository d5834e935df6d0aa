// Package secretcache keeps a Secrets Manager secret value in memory for a
// limited time, so a warm Lambda container does not call Secrets Manager on
// every invocation yet still picks up a rotated value without a redeploy.
//
// The cache never logs and never puts the value into an error.
package secretcache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Getter is the one Secrets Manager operation the cache needs; the SDK's
// *secretsmanager.Client satisfies it, and tests can pass a fake.
type Getter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

var _ Getter = (*secretsmanager.Client)(nil)

// ErrEmpty is returned when the secret exists but carries no value.
var ErrEmpty = errors.New("secretcache: secret has no value")

// Cache holds one secret's current value. It is safe for concurrent use;
// concurrent misses share a single fetch.
type Cache struct {
	getter   Getter
	secretID string
	ttl      time.Duration
	now      func() time.Time

	// fetch is a one-slot semaphore: whoever holds it may call Secrets
	// Manager. Waiting on it honours the caller's context.
	fetch chan struct{}

	mu        sync.Mutex
	value     string
	fetchedAt time.Time
	valid     bool
}

// New returns a cache for secretID (an ARN or name). A ttl of zero or less
// disables reuse: every Value call fetches.
func New(getter Getter, secretID string, ttl time.Duration) *Cache {
	return &Cache{
		getter:   getter,
		secretID: secretID,
		ttl:      ttl,
		now:      time.Now,
		fetch:    make(chan struct{}, 1),
	}
}

// SetClock replaces the time source; for tests.
func (c *Cache) SetClock(now func() time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = now
}

func (c *Cache) cached() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.valid && c.ttl > 0 && c.now().Sub(c.fetchedAt) < c.ttl {
		return c.value, true
	}
	return "", false
}

// Value returns the secret string, from memory when it is younger than the
// TTL, otherwise from Secrets Manager. A failed fetch is not cached.
func (c *Cache) Value(ctx context.Context) (string, error) {
	if v, ok := c.cached(); ok {
		return v, nil
	}
	select {
	case c.fetch <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("secretcache: waiting for fetch: %w", ctx.Err())
	}
	defer func() { <-c.fetch }()
	// Another caller may have fetched while we waited.
	if v, ok := c.cached(); ok {
		return v, nil
	}
	out, err := c.getter.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(c.secretID)})
	if err != nil {
		return "", fmt.Errorf("secretcache: GetSecretValue: %w", err)
	}
	var v string
	switch {
	case out == nil:
		return "", ErrEmpty
	case out.SecretString != nil:
		v = *out.SecretString
	case len(out.SecretBinary) > 0:
		v = string(out.SecretBinary)
	}
	if v == "" {
		return "", ErrEmpty
	}
	c.mu.Lock()
	c.value, c.fetchedAt, c.valid = v, c.now(), true
	c.mu.Unlock()
	return v, nil
}

// Invalidate drops the cached value so the next Value call fetches again,
// e.g. after the provider answered invalid_client because the secret was
// rotated.
func (c *Cache) Invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.value, c.valid = "", false
}
