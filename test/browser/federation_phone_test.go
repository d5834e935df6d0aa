package browser_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/localcognito/devstack"
)

// TestFederatedSignInByPhone runs the Mosaic sample by phone (the template
// of `cdk synth -c mosaicIdentifier=phone`): the provider's verified phone
// lands in custom:idp_phone; a phone number nobody has signs up; the seeded
// user's phone, written otherwise by the provider, is refused at the
// federated sign-in (E.164 normalization finds the account: connect
// required); connecting a provider account with another phone is refused
// (proof_required) and links nothing; connecting the provider account with
// the account's phone passes on the phone proof, and the next Mosaic sign-in
// lands in the native account.
func TestFederatedSignInByPhone(t *testing.T) {
	st := startStack(t, "mosaic-passwordless-phone")
	if st.HostedURL == "" || st.Config.ProviderName != "Mosaic" || !slices.Contains(st.Config.Scopes, "phone") {
		t.Fatalf("no hosted sign-in by phone: %q %+v", st.HostedURL, st.Config)
	}
	hosted := map[string]string{"HOSTED_SPKI": st.HostedSPKI}
	with := func(user string) map[string]string {
		m := map[string]string{"PROVIDER_USER": user}
		for k, v := range hosted {
			m[k] = v
		}
		return m
	}

	t.Run("a phone number nobody has signs up with Mosaic", func(t *testing.T) {
		o := runFlow(t, st, "federated-signin", with(devstack.NewcomerUser))
		if o.State != "signed-in" || !strings.Contains(o.Status, "with Mosaic") {
			t.Fatalf("state %q: %s\nconsole: %s", o.State, o.Status, strings.Join(o.Console, "\n"))
		}
		var c map[string]any
		if err := json.Unmarshal([]byte(o.Claims), &c); err != nil {
			t.Fatal(err)
		}
		// The provider's word, in the attribute nothing trusts; never the
		// account's phone_number.
		if c[contract.AttrIdPPhone] != devstack.NewcomerPhone || c[contract.AttrIdPPhoneVerified] != "true" || c["phone_number"] != nil {
			t.Errorf("claims %s", o.Claims)
		}
		if got := reasons(st, localcognito.SlotPreSignUp); !slices.Contains(got, "no_candidate") {
			t.Errorf("pre sign-up reasons %v, want no_candidate", got)
		}
	})
	t.Run("first sign-in with a native user's phone, written otherwise, is refused", func(t *testing.T) {
		o := runFlow(t, st, "federated-refused", with(devstack.ProviderUser))
		if o.State != "refused" || !strings.Contains(o.Status, "An account with this phone number already exists. Sign in with your password, then connect Mosaic from your account") {
			t.Fatalf("state %q: %s\nconsole: %s", o.State, o.Status, strings.Join(o.Console, "\n"))
		}
		if o.Claims != "" {
			t.Errorf("claims shown after a refusal: %s", o.Claims)
		}
		if got := reasons(st, localcognito.SlotPreSignUp); !slices.Contains(got, "connect_required") {
			t.Errorf("pre sign-up reasons %v, want connect_required", got)
		}
	})
	t.Run("connecting a provider account with another phone is refused and links nothing", func(t *testing.T) {
		from := len(connectReasons(t, st))
		o := runFlow(t, st, "connect-refused", with(devstack.StrangerUser))
		if o.ConnectState != "refused" || !strings.Contains(o.ConnectStatus, "proof_required") {
			t.Fatalf("connect ended in %q: %s\nconsole: %s", o.ConnectState, o.ConnectStatus, strings.Join(o.Console, "\n"))
		}
		if got := connectReasons(t, st)[from:]; !slices.Equal(got, []string{"proof_required"}) {
			t.Fatalf("connect-callback reasons %v, want [proof_required]", got)
		}
		if u := adminGetUser(t, st, devstack.DemoUsername); strings.Contains(u.Attributes["identities"], "Mosaic") {
			t.Fatalf("an identity was linked: %s", u.Attributes["identities"])
		}
	})
	t.Run("the native user connects Mosaic by the phone proof, then signs in with it", func(t *testing.T) {
		from := len(connectProofs(t, st))
		before := adminGetUser(t, st, devstack.DemoUsername)
		if before.Attributes["phone_number"] != devstack.DemoPhone || before.Attributes["phone_number_verified"] != "true" {
			t.Fatalf("the seeded user: %v", before.Attributes)
		}
		o := runFlow(t, st, "connect-then-federated", with(devstack.ProviderUser))
		if o.ConnectState != "connected" || !strings.Contains(o.ConnectStatus, "Mosaic connected") {
			t.Fatalf("connect ended in %q: %s\nconsole: %s", o.ConnectState, o.ConnectStatus, strings.Join(o.Console, "\n"))
		}
		// The proof that held: the verified phone on both sides, equal
		// after E.164 normalization (the account's +12025550143, the
		// provider's +1 (202) 555-0143); the account has no MFA or step-up.
		if got := connectProofs(t, st)[from:]; !slices.Equal(got, []string{"connected/phone"}) {
			t.Fatalf("connect-callback decisions %v, want [connected/phone]", got)
		}
		native, fed := pageClaims(t, o.NativeClaims), pageClaims(t, o.Claims)
		if native.Username != devstack.DemoUsername || native.Sub != before.Sub {
			t.Fatalf("the password sign-in showed %+v", native)
		}
		if o.State != "signed-in" || fed.Sub != native.Sub || !slices.Contains(fed.Identities, "Mosaic") {
			t.Fatalf("the Mosaic sign-in ended in %q (%s) on %+v, want the native user %+v", o.State, o.Status, fed, native)
		}
		// The provider's phone never became the account's.
		if u := adminGetUser(t, st, devstack.DemoUsername); u.Attributes["phone_number"] != devstack.DemoPhone || u.Attributes["phone_number_verified"] != "true" {
			t.Fatalf("the account's phone after the Mosaic sign-in: %v", u.Attributes)
		}
	})
}

// connectProofs returns "reason/proof" of each connect-callback decision.
func connectProofs(t *testing.T, st *devstack.Stack) []string {
	t.Helper()
	for id, fn := range st.Pool.Functions {
		if fn.Binary != "connect-callback" {
			continue
		}
		var out []string
		for _, line := range strings.Split(st.APIRunner.FunctionLogs(id), "\n") {
			if rec := logFields(line); rec["handler"] == "connect-callback" && rec["reason"] != "" {
				out = append(out, rec["reason"]+"/"+rec["proof"])
			}
		}
		return out
	}
	t.Fatal("the template has no connect-callback function")
	return nil
}
