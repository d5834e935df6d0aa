package proofing

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/secretcache"
)

// The document registry: which accounts an identity document proofed. It
// holds a keyed hash (HMAC-SHA256 under the deployment's document key) of
// the document's type, issuing country and identifying number, never the
// number itself: without the key a list of document numbers cannot be
// matched against it.

// DefaultMaxAccountsPerDocument is how many accounts one document proofs
// when contract.EnvProofingMaxAccountsPerDocument is not set.
const DefaultMaxAccountsPerDocument = 1

// MaxMaxAccountsPerDocument bounds the setting.
const MaxMaxAccountsPerDocument = 100

// MinDocumentKeyBytes is the shortest document key accepted.
const MinDocumentKeyBytes = 32

// DocumentKeyTTL is how long the document key is reused before it is
// fetched again.
const DocumentKeyTTL = 300 * time.Second

// ErrDocumentUnidentified is returned for a result without a document
// number: the registry cannot count it.
var ErrDocumentUnidentified = errors.New("proofing: the result names no document number")

// DocumentKeySource yields the document key.
type DocumentKeySource interface {
	DocumentKey(ctx context.Context) ([]byte, error)
}

// CachedDocumentKey reads the document key through a secretcache.Cache.
type CachedDocumentKey struct{ Cache *secretcache.Cache }

// DocumentKey fetches (or reuses) the key; it must be at least
// MinDocumentKeyBytes long.
func (c CachedDocumentKey) DocumentKey(ctx context.Context) ([]byte, error) {
	if c.Cache == nil {
		return nil, errors.New("proofing: no document key cache")
	}
	v, err := c.Cache.Value(ctx)
	if err != nil {
		return nil, err
	}
	if len(v) < MinDocumentKeyBytes {
		return nil, fmt.Errorf("proofing: document key shorter than %d bytes", MinDocumentKeyBytes)
	}
	return []byte(v), nil
}

// StaticDocumentKey is a fixed key (tests, tools).
type StaticDocumentKey []byte

// DocumentKey returns the key.
func (k StaticDocumentKey) DocumentKey(context.Context) ([]byte, error) {
	if len(k) < MinDocumentKeyBytes {
		return nil, fmt.Errorf("proofing: document key shorter than %d bytes", MinDocumentKeyBytes)
	}
	return k, nil
}

// normalizeDocumentPart upper-cases and drops spaces, hyphens and dots, so
// "AB 123-456" and "ab123456" are one document.
func normalizeDocumentPart(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r) || r == '-' || r == '.':
			return -1
		default:
			return unicode.ToUpper(r)
		}
	}, s)
}

// DocumentHash is the registry key of a document: hex HMAC-SHA256 under key
// of its type, issuing country and number (normalized), NUL-separated.
func DocumentHash(key []byte, docType, country, number string) (string, error) {
	number = normalizeDocumentPart(number)
	if number == "" || len(number) > 128 {
		return "", ErrDocumentUnidentified
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("cognitobridge-document-v1"))
	for _, p := range []string{docType, normalizeDocumentPart(country), number} {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return hex.EncodeToString(m.Sum(nil)), nil
}

// DocumentKeyFromEnv returns the document key source for
// contract.EnvProofingDocumentKeySecretARN.
func DocumentKeyFromEnv(getenv func(string) string, sm secretcache.Getter) (DocumentKeySource, error) {
	arn := strings.TrimSpace(getenv(contract.EnvProofingDocumentKeySecretARN))
	if arn == "" {
		return nil, fmt.Errorf("%s: expected a Secrets Manager secret ARN, received nothing", contract.EnvProofingDocumentKeySecretARN)
	}
	return CachedDocumentKey{Cache: secretcache.New(sm, arn, DocumentKeyTTL)}, nil
}

// MaxAccountsFromEnv reads contract.EnvProofingMaxAccountsPerDocument.
func MaxAccountsFromEnv(getenv func(string) string) (int, error) {
	v := strings.TrimSpace(getenv(contract.EnvProofingMaxAccountsPerDocument))
	if v == "" {
		return DefaultMaxAccountsPerDocument, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxMaxAccountsPerDocument {
		return 0, fmt.Errorf("%s: expected a whole number in [1, %d], received %q", contract.EnvProofingMaxAccountsPerDocument, MaxMaxAccountsPerDocument, v)
	}
	return n, nil
}

// EmailHash is the lower-case hex HMAC-SHA256, under the document key, of
// "email\x00" and the address in ASCII lower case: what a verified record
// keeps of the email it proofed (Outcome.EmailHash). The prefix keeps it
// apart from the document hashes under the same key.
func EmailHash(key []byte, email string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("email\x00"))
	m.Write([]byte(strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, email)))
	return hex.EncodeToString(m.Sum(nil))
}
