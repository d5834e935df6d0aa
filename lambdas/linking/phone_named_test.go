package linking_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/mototest"
	"github.com/cognitobridge/cognitobridge/lambdas/linking"
	"github.com/cognitobridge/cognitobridge/test/cognitofake"
)

// Mosaic by phone (issue 18): the provider's verified phone number, mapped
// into custom:idp_phone by a linkable provider, links like the email does:
// only for a provider declared trusted, never onto a user with MFA, after
// E.164 normalization on both sides.

// nativePhone adds a native user with a verified phone number (as Cognito
// stores it: E.164) and no email.
func (e *namedEnv) nativePhone(name, phone string) {
	e.t.Helper()
	mototest.CreateUser(e.t, e.ctx, e.client, e.pool, name, "phone_number", phone, "phone_number_verified", "true")
}

// phoneSignUp is the first sign-in of a Mosaic-by-phone account, with the
// linkable preset's mapping (custom:idp_phone, custom:idp_phone_verified),
// through the handler configured by env, as deployed.
func (e *namedEnv) phoneSignUp(provider, subject, phone, verified string, env map[string]string) error {
	e.t.Helper()
	return e.firstSignIn(e.handler(env), provider, subject, map[string]string{
		contract.AttrIdPPhone: phone, contract.AttrIdPPhoneVerified: verified, "sub": "new"})
}

var (
	untrustedMosaic = map[string]string{contract.EnvLinkProviders: `["Mosaic"]`}
	trustedMosaic   = map[string]string{contract.EnvLinkProviders: `["Mosaic"]`, contract.EnvLinkTrustedProviders: `["Mosaic"]`}
)

// TestAttackProviderPhoneTakesOverAccount: an attacker holds a Mosaic
// account whose verified phone is the victim's (a recycled number, a SIM
// swap, a provider that verified loosely) and signs in through the hosted
// UI. Mosaic is not declared trusted (the sample): the sign-up is refused
// with the connect message, however the number is written, and the
// victim's account gains no identity. Beside it, a number nobody uses
// signs up as a new federated user.
func TestAttackProviderPhoneTakesOverAccount(t *testing.T) {
	e := newNamedEnv(t)
	e.nativePhone("victim-native", "+12025550143")
	for i, written := range []string{"+12025550143", "+1 (202) 555-0143", "+1.202.555.0143"} {
		err := e.phoneSignUp("Mosaic", "attacker-"+string(rune('a'+i)), written, "true", untrustedMosaic)
		if err == nil || err.Error() != linking.PhoneConnectMessage("Mosaic") {
			t.Fatalf("takeover sign-up with %q: %v, want %q", written, err, linking.PhoneConnectMessage("Mosaic"))
		}
	}
	if n := e.fake.Calls("AdminLinkProviderForUser"); n != 0 {
		t.Fatalf("AdminLinkProviderForUser called %d times", n)
	}
	if ids := e.identities("victim-native"); len(ids) != 0 {
		t.Fatalf("the victim gained identities: %v", ids)
	}
	if err := e.phoneSignUp("Mosaic", "rightful", "+1 202 555 0199", "true", untrustedMosaic); err != nil {
		t.Fatalf("a number nobody uses: %v", err)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"reason":"connect_required"`) || !strings.Contains(logs, `"reason":"no_candidate"`) {
		t.Errorf("log %s", logs)
	}
	if strings.Contains(logs, "2025550143") || strings.Contains(logs, "555-0143") || strings.Contains(logs, "attacker-") {
		t.Errorf("a phone number or subject logged: %s", logs)
	}
}

// TestAttackUnnormalizablePhoneLookup: numbers the behaviour cannot
// normalize to E.164 (national digits, letters, an extension) or that the
// provider does not say are verified are never looked up: the sign-up goes
// on as a separate federated user, no ListUsers call is made with them.
func TestAttackUnnormalizablePhoneLookup(t *testing.T) {
	e := newNamedEnv(t)
	e.nativePhone("victim-native", "+12025550143")
	for _, c := range []struct{ phone, verified, reason string }{
		{"2025550143", "true", "phone_invalid"},
		{"+1 202 555 0143 ext. 1", "true", "phone_invalid"},
		{"+1 202 FLOWERS", "true", "phone_invalid"},
		{"+12025550143", "True", "phone_not_verified"},
		{"+12025550143", "", "phone_not_verified"},
	} {
		before := e.fake.Calls("ListUsers")
		if err := e.phoneSignUp("Mosaic", "x", c.phone, c.verified, untrustedMosaic); err != nil {
			t.Fatalf("%q (%q): %v", c.phone, c.verified, err)
		}
		if n := e.fake.Calls("ListUsers"); n != before {
			t.Errorf("%q: looked up (%d ListUsers calls)", c.phone, n-before)
		}
		if !strings.Contains(e.logs.String(), `"reason":"`+c.reason+`"`) {
			t.Errorf("%q: no %s in %s", c.phone, c.reason, e.logs.String())
		}
	}
}

// TestTrustedProviderLinksByPhone: a provider declared trusted links its
// first sign-in onto the one native user with that verified phone (written
// differently by the provider), never onto one with MFA.
func TestTrustedProviderLinksByPhone(t *testing.T) {
	e := newNamedEnv(t)
	e.nativePhone("dan-native", "+447911123456")
	if err := e.phoneSignUp("Mosaic", "dan-sub", "+44 7911 123456", "true", trustedMosaic); err != nil {
		t.Fatalf("trusted sign-up: %v", err)
	}
	want := cognitofake.Link{UserPoolID: e.pool,
		Destination: cognitofake.Identifier{ProviderName: "Cognito", ProviderAttributeValue: "dan-native"},
		Source:      cognitofake.Identifier{ProviderName: "Mosaic", ProviderAttributeName: "Cognito_Subject", ProviderAttributeValue: "dan-sub"}}
	if l := e.fake.Links(); len(l) != 1 || l[0] != want {
		t.Fatalf("links %+v, want %+v", l, want)
	}
	if err := e.phoneSignUp("Mosaic", "other-sub", "+447911123456", "true", trustedMosaic); err == nil || err.Error() != linking.MsgAlreadyLinkedPhone {
		t.Fatalf("second identity of the provider: %v", err)
	}

	e.nativePhone("erin-native", "+33612345678")
	if _, err := e.client.AdminSetUserMFAPreference(e.ctx, &cip.AdminSetUserMFAPreferenceInput{
		UserPoolId: aws.String(e.pool), Username: aws.String("erin-native"),
		SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true, PreferredMfa: true},
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.phoneSignUp("Mosaic", "erin-sub", "+33 6 12 34 56 78", "true", trustedMosaic); err == nil || err.Error() != linking.PhoneConnectMessage("Mosaic") {
		t.Fatalf("MFA user: %v, want %q", err, linking.PhoneConnectMessage("Mosaic"))
	}
	if l := e.fake.Links(); len(l) != 1 {
		t.Fatalf("links %+v", l)
	}
	if !strings.Contains(e.logs.String(), `"reason":"mfa_enabled"`) || !strings.Contains(e.logs.String(), `"reason":"linked"`) {
		t.Errorf("log %s", e.logs.String())
	}
}
