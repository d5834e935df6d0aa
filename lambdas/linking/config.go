package linking

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Provider name bounds from the API reference (ProviderUserIdentifierType:
// ProviderName length 1..32, pattern [\p{L}\p{M}\p{S}\p{N}\p{P}\p{Z}]+).
const maxProviderName = 32

var providerNamePattern = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}\p{Z}]+$`)

// cognitoProvider is the ProviderName of a native user (DestinationUser).
const cognitoProvider = "Cognito"

// Config is the linking behaviour's configuration.
type Config struct {
	// Providers are the identity provider names (as configured in the
	// pool) whose users may be linked. Required.
	Providers []string
	// MaxIdentities is how many identities a native user may already have
	// before linking another is refused. 1..contract.DefaultLinkMaxIdentities,
	// default contract.DefaultLinkMaxIdentities.
	MaxIdentities int
	// TrustedProviders are the Providers whose email verification the app
	// owner trusts: only their first sign-ins are linked automatically to
	// the one native user with the same verified email (and never to one
	// with MFA). Every other provider's sign-up that matches a native user
	// is refused with ConnectMessage. Default: none.
	//
	// Risk: a trusted provider that marks an address verified without
	// proving control of it (or whose accounts an attacker can register
	// with the victim's address) hands the attacker the victim's account on
	// their first sign-in, past the password. AWS: AdminLinkProviderForUser
	// "should only be used with external IdPs and provider attributes that
	// have been trusted by the application owner".
	TrustedProviders []string
}

// ConfigFromEnv reads contract.EnvLinkProviders (JSON array, required),
// contract.EnvLinkMaxIdentities and contract.EnvLinkTrustedProviders (JSON
// array) (both optional).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{MaxIdentities: contract.DefaultLinkMaxIdentities}
	var errs []error
	raw := strings.TrimSpace(getenv(contract.EnvLinkProviders))
	if raw == "" {
		errs = append(errs, fmt.Errorf("%s: expected a JSON array of identity provider names, received nothing", contract.EnvLinkProviders))
	} else if err := json.Unmarshal([]byte(raw), &c.Providers); err != nil {
		errs = append(errs, fmt.Errorf("%s: expected a JSON array of identity provider names, received %q", contract.EnvLinkProviders, raw))
	} else {
		c.Providers = append([]string(nil), c.Providers...)
	}
	if v := strings.TrimSpace(getenv(contract.EnvLinkMaxIdentities)); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > contract.DefaultLinkMaxIdentities {
			errs = append(errs, fmt.Errorf("%s: expected an integer 1..%d, received %q", contract.EnvLinkMaxIdentities, contract.DefaultLinkMaxIdentities, v))
		} else {
			c.MaxIdentities = n
		}
	}
	if raw := strings.TrimSpace(getenv(contract.EnvLinkTrustedProviders)); raw != "" {
		if err := json.Unmarshal([]byte(raw), &c.TrustedProviders); err != nil {
			errs = append(errs, fmt.Errorf("%s: expected a JSON array of identity provider names, received %q", contract.EnvLinkTrustedProviders, raw))
		}
	}
	if len(errs) == 0 {
		if err := c.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate checks the provider names (non-empty list; each 1..32
// characters of the API's pattern, not "Cognito"; no two equal ignoring
// ASCII case, since the event's user name prefix is matched that way),
// TrustedProviders (each one of Providers, exactly, once) and
// MaxIdentities.
func (c Config) Validate() error {
	var errs []error
	if len(c.Providers) == 0 {
		errs = append(errs, fmt.Errorf("%s: expected at least one identity provider name", contract.EnvLinkProviders))
	}
	for i, p := range c.Providers {
		switch {
		case p == "" || utf8.RuneCountInString(p) > maxProviderName || !utf8.ValidString(p) || !providerNamePattern.MatchString(p):
			errs = append(errs, fmt.Errorf("%s: entry %d: expected 1..%d letters, marks, symbols, digits, punctuation or spaces, received %q", contract.EnvLinkProviders, i, maxProviderName, p))
		case EqualFoldASCII(p, cognitoProvider):
			errs = append(errs, fmt.Errorf("%s: entry %d: %q names native users, not an identity provider", contract.EnvLinkProviders, i, p))
		}
		for _, q := range c.Providers[:i] {
			if EqualFoldASCII(p, q) {
				errs = append(errs, fmt.Errorf("%s: entry %d: %q repeats %q", contract.EnvLinkProviders, i, p, q))
			}
		}
	}
	for i, p := range c.TrustedProviders {
		if !slices.Contains(c.Providers, p) {
			errs = append(errs, fmt.Errorf("%s: entry %d: %q is not one of %s", contract.EnvLinkTrustedProviders, i, p, contract.EnvLinkProviders))
		}
		if slices.Contains(c.TrustedProviders[:i], p) {
			errs = append(errs, fmt.Errorf("%s: entry %d: %q listed twice", contract.EnvLinkTrustedProviders, i, p))
		}
	}
	if c.MaxIdentities < 1 || c.MaxIdentities > contract.DefaultLinkMaxIdentities {
		errs = append(errs, fmt.Errorf("%s: expected 1..%d, received %d", contract.EnvLinkMaxIdentities, contract.DefaultLinkMaxIdentities, c.MaxIdentities))
	}
	return errors.Join(errs...)
}

// ParseUserName splits an external provider's user name
// "<providerName>_<subject>" against the configured provider names. A
// name may itself contain "_": the longest configured name that is a
// prefix (ignoring ASCII case: Cognito may lower-case the prefix, e.g.
// "google_..." for the provider "Google") followed by "_" wins. The
// provider is returned as configured, the subject as in the event; ok is
// false when no name matches or the subject is empty.
func ParseUserName(userName string, providers []string) (provider, subject string, ok bool) {
	best := -1
	for i, p := range providers {
		n := len(p)
		if p == "" || len(userName) <= n+1 || userName[n] != '_' || !EqualFoldASCII(userName[:n], p) {
			continue
		}
		if best < 0 || n > len(providers[best]) {
			best = i
		}
	}
	if best < 0 {
		return "", "", false
	}
	p := providers[best]
	return p, userName[len(p)+1:], true
}

// Trusted reports whether provider (as configured, e.g. from ParseUserName)
// is one of TrustedProviders.
func (c Config) Trusted(provider string) bool { return slices.Contains(c.TrustedProviders, provider) }
