package browser_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/localcognito/devstack"
)

// TestFederatedSignIn runs the OIDC federation style (Mosaic): Amplify v6
// signInWithRedirect through the local pool domain (hosted endpoints on
// loopback TLS, its certificate trusted by key for this run only), the
// loopback provider's login, the real pre sign-up binary with the linking
// behaviour (its admin calls on the local pool), and back on the page.
func TestFederatedSignIn(t *testing.T) {
	st := startStack(t, "mosaic-passwordless")
	if st.HostedURL == "" || st.HostedSPKI == "" || st.Config.OAuthDomain == "" || st.Config.ProviderName != "Mosaic" {
		t.Fatalf("no hosted sign-in: %q %q %+v", st.HostedURL, st.HostedSPKI, st.Config)
	}

	t.Run("rightful user signs in with Mosaic", func(t *testing.T) {
		o := runFlow(t, st, "federated-signin", map[string]string{"HOSTED_SPKI": st.HostedSPKI, "PROVIDER_USER": devstack.NewcomerUser})
		if o.State != "signed-in" {
			t.Fatalf("state %q: %s\nconsole: %s", o.State, o.Status, strings.Join(o.Console, "\n"))
		}
		if !strings.Contains(o.Claims, devstack.NewcomerEmail) || !strings.Contains(o.Claims, `"Mosaic_`) || !strings.Contains(o.Status, "with Mosaic") {
			t.Errorf("claims %s, status %q", o.Claims, o.Status)
		}
		if got := reasons(st, localcognito.SlotPreSignUp); !slices.Contains(got, "no_candidate") {
			t.Errorf("pre sign-up reasons %v, want no_candidate", got)
		}
	})
	t.Run("first sign-in with a native user's email is refused", func(t *testing.T) {
		o := runFlow(t, st, "federated-refused", map[string]string{"HOSTED_SPKI": st.HostedSPKI, "PROVIDER_USER": devstack.ProviderUser})
		if o.State != "refused" || !strings.Contains(o.Status, "Sign in with your password, then connect Mosaic from your account") {
			t.Fatalf("state %q: %s\nconsole: %s", o.State, o.Status, strings.Join(o.Console, "\n"))
		}
		if o.Claims != "" {
			t.Errorf("claims shown after a refusal: %s", o.Claims)
		}
		if got := reasons(st, localcognito.SlotPreSignUp); !slices.Contains(got, "connect_required") {
			t.Errorf("pre sign-up reasons %v, want connect_required", got)
		}
	})
}
