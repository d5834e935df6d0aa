package proofing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/secretcache"
)

// MinHMACKeyBytes is the shortest accepted callback HMAC key.
const MinHMACKeyBytes = 32

// CachedSecret reads contract.IDVSecret through a secretcache.Cache. The
// value is never logged and never put into an error.
type CachedSecret struct{ Cache *secretcache.Cache }

var _ SecretSource = CachedSecret{}

// IDVSecret fetches (or reuses) and parses the secret.
func (c CachedSecret) IDVSecret(ctx context.Context) (contract.IDVSecret, error) {
	if c.Cache == nil {
		return contract.IDVSecret{}, errors.New("proofing: no secret cache")
	}
	raw, err := c.Cache.Value(ctx)
	if err != nil {
		return contract.IDVSecret{}, err
	}
	var s contract.IDVSecret
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return contract.IDVSecret{}, errors.New("proofing: IDV secret is not the expected JSON object")
	}
	return s, nil
}

// Invalidate drops the cached value.
func (c CachedSecret) Invalidate() {
	if c.Cache != nil {
		c.Cache.Invalidate()
	}
}

// HMACKey returns the callback key from the secret (at least
// MinHMACKeyBytes bytes).
func HMACKey(ctx context.Context, s SecretSource) ([]byte, error) {
	sec, err := s.IDVSecret(ctx)
	if err != nil {
		return nil, err
	}
	if len(sec.CallbackHMACKey) < MinHMACKeyBytes {
		return nil, fmt.Errorf("proofing: %s shorter than %d bytes", contract.IDVSecretKeyCallbackHMACKey, MinHMACKeyBytes)
	}
	return []byte(sec.CallbackHMACKey), nil
}
