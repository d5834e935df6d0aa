package devstack

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/localcognito/template"
)

// ProviderLogin is an account at the loopback provider that does something
// in a sample, and what.
type ProviderLogin struct {
	Username, Password string
	// Use says what signing in with it shows, in one phrase.
	Use string
}

// providerLogins lists the provider accounts that work for a sample's page:
// the step-up account when it has a step-up provider (stepUpKind is its
// contract.EnvProvider value), and the federated accounts of the identity
// providers the page's client signs in with (idps). Only accounts a browser
// test signs in with are listed, each with what that test shows.
func providerLogins(stepUpKind string, idps []string, byPhone bool) []ProviderLogin {
	var out []ProviderLogin
	if stepUpKind != "" {
		out = append(out, ProviderLogin{ProviderUser, ProviderPassword, "the step-up of the seeded user (the provider's verified email is the user's)"})
	}
	switch {
	case slices.Contains(idps, "BlockID"):
		out = append(out,
			ProviderLogin{AssuredUser, ProviderPassword, "a BlockID account with identity assurance (amr ial2): custom:ial 2"},
			ProviderLogin{UnassuredUser, ProviderPassword, "a BlockID account without: no custom:ial"})
	case slices.Contains(idps, "Mosaic") && byPhone:
		out = append(out,
			ProviderLogin{NewcomerUser, ProviderPassword, "a phone number nobody here has: signs up a new federated user"},
			ProviderLogin{ProviderUser, ProviderPassword, "has the seeded user's phone number (written " + ProviderDemoPhone + "): refused at the federated sign-in (sign in with the password, then Connect)"},
			ProviderLogin{StrangerUser, ProviderPassword, "another phone number: Connect from the seeded user's account is refused (proof_required)"})
	case slices.Contains(idps, "Mosaic"):
		out = append(out,
			ProviderLogin{NewcomerUser, ProviderPassword, "signs up a new federated user"},
			ProviderLogin{ProviderUser, ProviderPassword, "has the seeded user's email: refused at the federated sign-in (sign in with the password, then Connect)"})
	}
	return out
}

// providerRole names what the loopback provider plays in a sample.
func providerRole(stepUpKind string, idps []string) string {
	var roles []string
	switch stepUpKind {
	case contract.ProviderBlockID:
		roles = append(roles, "a 1Kosmos BlockID tenant (the step-up)")
	case contract.ProviderOIDC:
		roles = append(roles, "an OpenID Provider such as Biopass (the step-up)")
	}
	for _, n := range idps {
		roles = append(roles, n+" (the pool's identity provider)")
	}
	if len(roles) == 0 {
		return "an OpenID Provider"
	}
	return strings.Join(roles, " and ")
}

// loginHint is the text the provider's login page shows: what it plays and
// whom to sign in as.
func loginHint(stepUpKind string, idps []string, byPhone bool) string {
	logins := providerLogins(stepUpKind, idps, byPhone)
	if len(logins) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Local demo: this loopback provider plays %s. Try ", providerRole(stepUpKind, idps))
	for i, l := range logins {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s / %s (%s)", l.Username, l.Password, l.Use)
	}
	b.WriteString(".")
	return b.String()
}

// pageProviders are the pool's identity providers the page's client signs
// in with (its SupportedIdentityProviders), sorted.
func pageProviders(pool *template.Pool, clientID string) []string {
	var out []string
	for _, c := range pool.Config.Clients {
		if c.ID != clientID {
			continue
		}
		for _, idp := range pool.Config.IdentityProviders {
			if slices.Contains(c.SupportedIdentityProviders, idp.Name) {
				out = append(out, idp.Name)
			}
		}
	}
	slices.Sort(out)
	return out
}
