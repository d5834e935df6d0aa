package linking

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/federation"
	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
)

// synthError synthesizes the stack of f's construct and returns the
// validation error (what `cdk synth` shows), "" when it synthesizes.
func synthError(f func() interface{}) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = strings.TrimSpace(strings.ReplaceAll(toString(r), "\n", " "))
		}
	}()
	f()
	return ""
}

func toString(r interface{}) string {
	if e, ok := r.(error); ok {
		return e.Error()
	}
	if s, ok := r.(string); ok {
		return s
	}
	return ""
}

// TestLinkedProviderMapsNoTrustedAttribute: a provider whose
// mapping writes email and email_verified cannot be linked; the message
// names the attribute and the custom attribute to map instead. Linkable
// maps into custom:idp_email; the explicit opt-in TrustedForAttributes
// synthesizes (the risk is the app owner's).
func TestLinkedProviderMapsNoTrustedAttribute(t *testing.T) {
	build := func(linkable, trusted bool, linkFirst bool) string {
		return synthError(func() interface{} {
			stack := cdktest.NewStack()
			props := mosaicProps()
			if linkable {
				props.Linkable = jsii.Bool(true)
			}
			if trusted {
				props.TrustedForAttributes = jsii.Bool(true)
			}
			pool := awscognito.NewUserPool(stack, jsii.String("Pool"), nil)
			props.UserPool = pool
			if linkFirst {
				NewLinking(stack, jsii.String("Linking"), &LinkingProps{UserPool: pool, ProviderNames: jsii.Strings("Mosaic"), Code: cdktest.StubCode(t)})
				federation.NewFederation(stack, jsii.String("Mosaic"), props)
			} else {
				fed := federation.NewFederation(stack, jsii.String("Mosaic"), props)
				NewLinking(stack, jsii.String("Linking"), &LinkingProps{UserPool: pool, ProviderNames: &[]*string{fed.ProviderName()}, Code: cdktest.StubCode(t)})
			}
			return assertions.Template_FromStack(stack, nil)
		})
	}
	for _, first := range []bool{false, true} {
		msg := build(false, false, first)
		for _, want := range []string{
			`linking: expected the attribute mapping of provider "Mosaic", which can be linked to native users, to map nothing into email (`,
			"map the claim into custom:idp_email instead",
			"map nothing into email_verified", "map the claim into custom:idp_email_verified instead",
			"federation.FederationProps.TrustedForAttributes",
		} {
			if !strings.Contains(msg, want) {
				t.Fatalf("linking defined first=%v: synth error %q, want it to contain %q", first, msg, want)
			}
		}
		if msg := build(true, false, first); msg != "" {
			t.Fatalf("a Linkable provider: %s", msg)
		}
		if msg := build(true, true, first); msg != "" {
			t.Fatalf("a provider trusted for its attributes: %s", msg)
		}
	}
}
