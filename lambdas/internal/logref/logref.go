// Package logref makes the few values the handlers put in log lines safe to
// log: one-way references instead of user names, subjects or sessions, and
// event fields clipped to a bounded length.
package logref

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Ref is a short one-way reference (48 bits of SHA-256 over the parts,
// NUL-separated) that correlates log lines without revealing the value.
// It is "" when there is nothing to refer to.
func Ref(parts ...string) string {
	if len(parts) == 0 || parts[0] == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:6])
}

// MaxField is the longest event field a log line carries.
const MaxField = 64

// Clip bounds a logged event field to MaxField bytes.
func Clip(s string) string {
	if len(s) > MaxField {
		return s[:MaxField] + "..."
	}
	return s
}
