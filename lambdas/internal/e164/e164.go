// Package e164 normalizes telephone numbers to E.164 before any comparison
// (account linking, the connect proof): "+1 (202) 555-0143", "+1.202.555.0143"
// and "+12025550143" are the same number, and a comparison of the raw
// strings would either miss the rightful match or, worse, invite a lookup
// that a formatting trick steers.
//
// Parsing is libphonenumber's (github.com/nyaruka/phonenumbers, a maintained
// Go port of Google's library and its metadata). What it cannot normalize is
// refused, never guessed:
//   - no leading '+' (a national number: which country's? A provider that
//     sends "020 7946 0018" gets no match, rather than a match in a country
//     we picked);
//   - longer than MaxInputBytes, or any character but ASCII digits, one
//     leading '+', spaces and the punctuation of written numbers ( ) - . /
//     (libphonenumber would read "1-800-FLOWERS" as digits and skip
//     invisible characters; a verified phone claim carries neither);
//   - an extension ("+1 202 555 0143 ext. 7": E.164 has none);
//   - a number libphonenumber's metadata does not know as valid for its
//     country (IsValidNumber). A number from a range allocated after the
//     metadata release fails closed too: no automatic link, and the connect
//     proof falls back to a fresh step-up. Updating the module updates the
//     metadata.
package e164

import "github.com/nyaruka/phonenumbers"

// MaxInputBytes bounds what is parsed: E.164 allows 15 digits; 64 bytes
// leave room for spaces, dots, dashes and parentheses.
const MaxInputBytes = 64

// Normalize returns s in E.164 form ("+" and up to 15 digits) and true, or
// "" and false when s cannot be normalized (see the package comment).
func Normalize(s string) (string, bool) {
	if s == "" || len(s) > MaxInputBytes {
		return "", false
	}
	plus := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+' && !plus:
			plus = true
		case !plus && c != ' ':
			// Only spaces may come before the '+'.
			return "", false
		case c >= '0' && c <= '9', c == ' ', c == '(', c == ')', c == '-', c == '.', c == '/':
		default:
			return "", false
		}
	}
	if !plus {
		return "", false
	}
	// "ZZ": no default region, so only an international number parses.
	n, err := phonenumbers.Parse(s, "ZZ")
	if err != nil || n.GetExtension() != "" || !phonenumbers.IsValidNumber(n) {
		return "", false
	}
	out := phonenumbers.Format(n, phonenumbers.E164)
	if len(out) < 2 || len(out) > 16 || out[0] != '+' {
		return "", false
	}
	return out, true
}

// Equal reports whether a and b normalize to the same E.164 number. Two
// numbers that cannot be normalized are never equal.
func Equal(a, b string) bool {
	x, ok := Normalize(a)
	if !ok {
		return false
	}
	y, ok := Normalize(b)
	return ok && x == y
}
