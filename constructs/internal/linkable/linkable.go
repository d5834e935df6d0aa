// Package linkable keeps a provider that can be linked to a native user
// (constructs/linking's pre sign-up linking, constructs/connect) from
// mapping into an attribute the pool trusts.
//
// Cognito re-applies a provider's attribute mapping at every sign-in
// through it, linked users included (REPORTED, not documented: amplify-js
// issue 7300; issue 835 of
// aws-solutions-library-samples/accelerated-intelligent-document-processing-on-aws,
// a controlled experiment on two pools, and its follow-up PR 840, which
// reports that AttributesRequireVerificationBeforeUpdate does not stop a
// mapping write). So whoever holds a linked provider account controls every
// attribute the provider maps: with email and email_verified mapped, they
// change the email at the provider, sign in once, and the account's
// verified email is theirs; ForgotPassword does the rest.
//
// Check adds a synth-time validation to the linking or connect construct:
// every identity provider of the same stack with one of the linked names
// must map nothing into contract.TrustedAttributes, unless it was declared
// trusted for its attributes (MarkTrusted, from
// federation.FederationProps.TrustedForAttributes). A provider defined
// outside the stack (imported) cannot be checked.
package linkable

import (
	"fmt"
	"slices"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// trustedMetadata is the metadata type MarkTrusted adds to a provider.
const trustedMetadata = "cognitobridge:trusted-for-attributes"

// MarkTrusted records that the app owner declared provider (the
// CfnUserPoolIdentityProvider) trusted for its attributes.
func MarkTrusted(provider constructs.IConstruct) {
	provider.Node().AddMetadata(jsii.String(trustedMetadata), jsii.String("true"), nil)
}

func trusted(c constructs.IConstruct) bool {
	if m := c.Node().Metadata(); m != nil {
		for _, e := range *m {
			if e != nil && e.Type != nil && *e.Type == trustedMetadata {
				return true
			}
		}
	}
	return false
}

// SafeAlternative names the attribute to map instead of a trusted one.
func SafeAlternative(attr string) string {
	switch attr {
	case "email":
		return contract.AttrIdPEmail
	case "email_verified":
		return contract.AttrIdPEmailVerified
	case "phone_number":
		return contract.AttrIdPPhone
	case "phone_number_verified":
		return contract.AttrIdPPhoneVerified
	}
	return "a custom attribute such as " + contract.AttrIdPEmail + ", which nothing trusts"
}

// TrustedIn returns the trusted attributes among the mapped pool
// attributes, sorted.
func TrustedIn(mapped []string) []string {
	var out []string
	for _, a := range mapped {
		if slices.Contains(contract.TrustedAttributes, a) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// Message is the refusal for provider mapping attr (who: the construct
// that refuses, as in "linking").
func Message(field, provider, attr string) string {
	return fmt.Sprintf("expected %s of provider %q, which can be linked to native users, to map nothing into %s "+
		"(Cognito re-applies the mapping at every sign-in through a linked provider, so whoever holds the provider account "+
		"could rewrite the account's %s), received a mapping for it: map the claim into %s instead, or declare the provider "+
		"trusted for its attributes (federation.FederationProps.TrustedForAttributes)", field, provider, attr, attr, SafeAlternative(attr))
}

// Check adds to scope a validation, run at synth: each identity provider
// of scope's stack named in names maps no trusted attribute unless marked
// trusted. who prefixes the messages ("linking", "connect").
func Check(scope constructs.Construct, who string, names func() []string) {
	scope.Node().AddValidation(&validation{scope: scope, who: who, names: names})
}

type validation struct {
	scope constructs.Construct
	who   string
	names func() []string
}

func (v *validation) Validate() *[]*string {
	var errs []*string
	names := v.names()
	for _, c := range *awscdk.Stack_Of(v.scope).Node().FindAll(constructs.ConstructOrder_PREORDER) {
		p, ok := c.(awscognito.CfnUserPoolIdentityProvider)
		if !ok || p.ProviderName() == nil || !slices.Contains(names, *p.ProviderName()) || trusted(p) {
			continue
		}
		for _, attr := range TrustedIn(Mapped(p.AttributeMapping())) {
			errs = append(errs, jsii.String(v.who+": "+Message("the attribute mapping", *p.ProviderName(), attr)))
		}
	}
	return &errs
}

// Mapped returns the pool attribute names of a CfnUserPoolIdentityProvider's
// AttributeMapping (pool attribute -> provider claim).
func Mapped(m interface{}) []string {
	var out []string
	switch mm := m.(type) {
	case map[string]interface{}:
		for k := range mm {
			out = append(out, k)
		}
	case map[string]*string:
		for k := range mm {
			out = append(out, k)
		}
	case *map[string]*string:
		if mm != nil {
			for k := range *mm {
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}
