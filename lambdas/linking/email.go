package linking

import (
	"strings"
	"unicode/utf8"
)

// MaxEmailBytes caps an email the behaviour will look up (RFC 5321 path
// limit, 256 minus the angle brackets).
const MaxEmailBytes = 254

// ValidEmail reports whether s may be looked up: non-empty, at most
// MaxEmailBytes, valid UTF-8, no control characters (C0, DEL, C1). It is
// deliberately not trimmed nor otherwise normalized: " a@x" is not "a@x".
func ValidEmail(s string) bool {
	if s == "" || len(s) > MaxEmailBytes || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return false
		}
	}
	return true
}

// LowerASCII maps A-Z to a-z and leaves every other byte alone, so no
// Unicode case rule (Kelvin sign, dotless i, ...) can make two different
// addresses equal.
func LowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// EqualFoldASCII compares a and b ignoring ASCII case only (unlike
// strings.EqualFold, which folds "K" (U+212A) to "k").
func EqualFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// EscapeFilterValue escapes s for the quoted value of a ListUsers filter:
// the API reference says "Quotation marks within the filter string must be
// escaped using the backslash (\) character"; the backslash itself is
// escaped too, so a value ending in a backslash cannot escape the closing
// quote.
func EscapeFilterValue(s string) string {
	if !strings.ContainsAny(s, `"\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// EmailFilter is the ListUsers filter for an exact email match.
func EmailFilter(email string) string {
	return `email = "` + EscapeFilterValue(email) + `"`
}

// PhoneFilter is the ListUsers filter for an exact phone_number match
// (phone: E.164, digits after the '+', so nothing to escape; escaped all
// the same).
func PhoneFilter(phone string) string {
	return `phone_number = "` + EscapeFilterValue(phone) + `"`
}
