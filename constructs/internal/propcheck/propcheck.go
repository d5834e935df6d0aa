// Package propcheck holds the prop validation helpers shared by the
// constructs. Each check returns nil for a nil (unset) value unless told the
// value is required, and nil for an unresolved CDK token, which can only be
// checked at deploy time. Error messages name the field and what was
// received; the constructs' tests assert them, so keep them stable.
package propcheck

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
)

// Patterns of plain values shared by several constructs.
var (
	// Alnum matches letters and digits only (also the empty string).
	Alnum = regexp.MustCompile(`^[A-Za-z0-9]*$`)
	// NotAlnum matches every character that is not a letter or digit.
	NotAlnum = regexp.MustCompile(`[^A-Za-z0-9]`)
	// Hostname matches a DNS host name with at least two labels and an
	// optional port, without scheme or path.
	Hostname = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+(:[0-9]{1,5})?$`)
	// PathPart matches one URL path segment of unreserved characters.
	PathPart = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)
)

// IsToken reports whether s holds an unresolved CDK token. Plain strings
// are decided without starting jsii.
func IsToken(s *string) bool {
	if s == nil || !strings.Contains(*s, "${Token[") && !strings.Contains(*s, "#{Token[") {
		return false
	}
	return *awscdk.Token_IsUnresolved(*s)
}

// IsTokenNumber reports whether v is an unresolved CDK number token (CDK
// encodes them as huge negative doubles, so plain numbers are decided
// without starting jsii).
func IsTokenNumber(v float64) bool {
	return v < -1e289 && *awscdk.Token_IsUnresolved(v)
}

// IsTokenList reports whether any value of l is an unresolved CDK token.
func IsTokenList(l *[]*string) bool {
	if l == nil {
		return false
	}
	for _, s := range *l {
		if IsToken(s) {
			return true
		}
	}
	return false
}

// Show renders s for an error message: "nil" or the quoted value.
func Show(s *string) string {
	if s == nil {
		return "nil"
	}
	return fmt.Sprintf("%q", *s)
}

// unset reports whether s is beyond checking at synth (nil, or a token),
// with the error of a required value left nil.
func unset(field string, s *string, required bool) (bool, error) {
	if s == nil {
		if required {
			return true, fmt.Errorf("expected %s to be set, received nil", field)
		}
		return true, nil
	}
	return IsToken(s), nil
}

// URL requires an absolute https URL without fragment or user info (http
// only for loopback hosts, for local development). required=false accepts
// nil.
func URL(field string, s *string, required bool) error {
	if done, err := unset(field, s, required); done {
		return err
	}
	u, err := url.Parse(*s)
	ok := err == nil && u.Host != "" && u.User == nil && u.Fragment == "" &&
		(u.Scheme == "https" || u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1"))
	if !ok {
		return fmt.Errorf("expected %s to be an absolute https URL without fragment, received %s", field, Show(s))
	}
	return nil
}

// NonEmpty requires a value that is not blank. required=false accepts nil.
func NonEmpty(field string, s *string, required bool) error {
	if done, err := unset(field, s, required); done {
		return err
	}
	if strings.TrimSpace(*s) == "" {
		return fmt.Errorf("expected %s to be non-empty, received %s", field, Show(s))
	}
	return nil
}

// List requires a nil list or one of at least one non-blank value;
// noSpaces also rejects values containing white space. A list holding a
// token is not checked.
func List(field string, l *[]*string, noSpaces bool) error {
	if l == nil || IsTokenList(l) {
		return nil
	}
	if len(*l) == 0 {
		return fmt.Errorf("expected %s to hold at least one value or be nil, received []", field)
	}
	for i, s := range *l {
		name := fmt.Sprintf("%s[%d]", field, i)
		if err := NonEmpty(name, s, true); err != nil {
			return err
		}
		if noSpaces && strings.ContainsAny(*s, " \t\r\n") {
			return fmt.Errorf("expected %s without spaces, received %s", name, Show(s))
		}
	}
	return nil
}

// OneOf requires s, when set, to be one of allowed.
func OneOf(field string, s *string, allowed ...string) error {
	if s == nil || IsToken(s) {
		return nil
	}
	for _, a := range allowed {
		if *s == a {
			return nil
		}
	}
	return fmt.Errorf("expected %s to be one of %q, received %s", field, allowed, Show(s))
}

// Range requires v, when set, to lie in [lo, hi]; integer also requires a
// whole number.
func Range(field string, v *float64, lo, hi float64, integer bool) error {
	if v == nil || IsTokenNumber(*v) {
		return nil
	}
	if *v < lo || *v > hi || integer && *v != float64(int64(*v)) {
		kind := "a number"
		if integer {
			kind = "an integer"
		}
		return fmt.Errorf("expected %s to be %s between %g and %g, received %g", field, kind, lo, hi, *v)
	}
	return nil
}

// DurationMillis requires d, when set, to lie in [lo, hi] milliseconds
// (the message speaks in seconds).
func DurationMillis(field string, d awscdk.Duration, lo, hi float64) error {
	if d == nil {
		return nil
	}
	ms := *d.ToMilliseconds(nil)
	if IsTokenNumber(ms) {
		return nil
	}
	if ms < lo || ms > hi {
		return fmt.Errorf("expected %s between %g and %g seconds, received %g seconds", field, lo/1000, hi/1000, ms/1000)
	}
	return nil
}

// WholeSeconds requires d, when set, to be a whole number of seconds (for
// values a handler reads as whole seconds).
func WholeSeconds(field string, d awscdk.Duration) error {
	if d == nil {
		return nil
	}
	ms := *d.ToMilliseconds(nil)
	if IsTokenNumber(ms) {
		return nil
	}
	if ms != float64(int64(ms/1000))*1000 {
		return fmt.Errorf("expected %s to be whole seconds, received %g seconds", field, ms/1000)
	}
	return nil
}

// First returns the first non-nil error of errs, or nil.
func First(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
