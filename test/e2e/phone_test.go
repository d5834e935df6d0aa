package e2e

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// Mosaic by phone (issue 18) through the real connect binaries: the
// provider's mapping is the one the mosaic-passwordless-phone golden
// template ships (custom:idp_phone), the provider is asked for "openid
// phone" as the sample's connect functions ask.

// phoneSampleMapping is the Mosaic provider's mapping in the phone golden.
func phoneSampleMapping(t *testing.T) map[string]string {
	t.Helper()
	m := mappingOf(t, filepath.Join("..", "testdata", "mosaic-passwordless-phone.template.json"))
	if m[contract.AttrIdPPhone] != "phone_number" || m["phone_number"] != "" {
		t.Fatalf("the phone sample's mapping %v", m)
	}
	return m
}

var phoneProviderUsers = []oidcpeer.User{
	// Ann's own Mosaic-by-phone account: her number, written the way a
	// provider may write it.
	{Username: "ann@mosaic-phone", Password: "ann-phone-pw", Subject: "mosaic-phone-ann", Phone: "+1 (202) 555-0143", PhoneVerified: true},
	// The thief's account: their own verified number.
	{Username: "thief@mosaic-phone", Password: "thief-phone-pw", Subject: "mosaic-phone-thief", Phone: "+12025550199", PhoneVerified: true},
	// Ann's number, but the provider does not say it is verified.
	{Username: "unverified@mosaic-phone", Password: "unverified-phone-pw", Subject: "mosaic-phone-unverified", Phone: "+12025550143"},
	// Ann's digits as a national number: no country, not normalizable.
	{Username: "national@mosaic-phone", Password: "national-phone-pw", Subject: "mosaic-phone-national", Phone: "2025550143", PhoneVerified: true},
}

// TestAttackConnectWithAnotherPhone: someone holding only Ann's password
// signs in and connects a Mosaic-by-phone account of their own (another
// verified number), one whose number is Ann's but not verified, and one
// that gives Ann's digits without a country. Each is refused
// (proof_required) and nothing is linked. Beside them, Ann connects her own
// account: the verified numbers match after E.164 normalization (the
// account's "+12025550143", the provider's "+1 (202) 555-0143"), the phone
// proof holds, and her identities gain the Mosaic subject.
func TestAttackConnectWithAnotherPhone(t *testing.T) {
	w := newAccountWorldWith(t, worldOptions{
		mapping:       phoneSampleMapping(t),
		scopes:        "openid phone",
		providerUsers: phoneProviderUsers,
		seed:          map[string]map[string]string{"ann": {"phone_number": "+12025550143", "phone_number_verified": "true"}},
	})
	for _, u := range []struct{ name, password string }{
		{"thief@mosaic-phone", "thief-phone-pw"},
		{"unverified@mosaic-phone", "unverified-phone-pw"},
		{"national@mosaic-phone", "national-phone-pw"},
	} {
		status, body := w.connect(w.signIn("ann"), u.name, u.password)
		if status != http.StatusForbidden || body["error"] != "proof_required" {
			t.Fatalf("%s: %d %v\n%s", u.name, status, body, w.callback.output(t))
		}
	}
	if ids := identitiesOf(w.user("ann")); ids != "" {
		t.Fatalf("Ann's identities after the refused connects: %s", ids)
	}
	if evs := w.accountEvents(); len(evs) != 0 {
		t.Fatalf("account events after the refused connects: %v", evs)
	}

	status, body := w.connect(w.signIn("ann"), "ann@mosaic-phone", "ann-phone-pw")
	if status != http.StatusOK || body["connected"] != true {
		t.Fatalf("Ann's connect: %d %v\n%s", status, body, w.callback.output(t))
	}
	if ids := identitiesOf(w.user("ann")); !strings.Contains(ids, `"userId":"mosaic-phone-ann"`) {
		t.Fatalf("Ann's identities: %s", ids)
	}
	if got := w.callback.decisions(t); strings.Join(got, ",") != "proof_required,proof_required,proof_required,connected" {
		t.Fatalf("callback reasons %v", got)
	}
	out := w.callback.output(t)
	if !strings.Contains(out, `"proof":"phone"`) {
		t.Errorf("the connect did not pass on the phone proof: %s", out)
	}
	for _, secret := range []string{"2025550143", "555-0143", "2025550199"} {
		if strings.Contains(out, secret) {
			t.Errorf("a phone number in the callback's log: %s", out)
		}
	}

	// Ann's own federated sign-in by phone: the account's phone_number is
	// still hers, the provider's word sits in custom:idp_phone.
	w.federatedSignIn("ann@mosaic-phone", "ann-phone-pw")
	if a := w.user("ann"); a["phone_number"] != "+12025550143" || a["phone_number_verified"] != "true" || a[contract.AttrIdPPhone] != "+1 (202) 555-0143" {
		t.Fatalf("after Ann's federated sign-in: %v", a)
	}
}
