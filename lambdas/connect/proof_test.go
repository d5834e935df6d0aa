package connect

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func TestProven(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	window := 15 * time.Minute
	verified := account{email: "Ann@Example.com", emailVerified: true, phone: "+12025550143", phoneVerified: true}
	match := providerClaims{email: "ann@example.com", emailVerified: true}
	all := contract.ConnectProofs
	for _, c := range []struct {
		name   string
		proofs []string
		caller Caller
		acct   account
		prov   providerClaims
		want   string
	}{
		{"verified email on both sides, ASCII case folded", all, Caller{}, verified, match, contract.ConnectProofEmail},
		{"the thief's own provider account: another email", all, Caller{}, verified, providerClaims{email: "thief@example.com", emailVerified: true}, ""},
		{"provider email not verified", all, Caller{}, verified, providerClaims{email: "ann@example.com"}, ""},
		{"account email not verified", all, Caller{}, account{email: "ann@example.com"}, match, ""},
		{"no email on either side", all, Caller{}, account{emailVerified: true}, providerClaims{emailVerified: true}, ""},
		{"verified phone", all, Caller{}, verified, providerClaims{phone: "+12025550143", phoneVerified: true}, contract.ConnectProofPhone},
		{"verified phone, written otherwise (E.164 after normalization)", all, Caller{}, verified, providerClaims{phone: "+1 (202) 555-0143", phoneVerified: true}, contract.ConnectProofPhone},
		{"the thief's own provider account: another phone", all, Caller{}, verified, providerClaims{phone: "+12025550199", phoneVerified: true}, ""},
		{"the same digits as a national number: no country, no match", all, Caller{}, verified, providerClaims{phone: "2025550143", phoneVerified: true}, ""},
		{"phone without verification", all, Caller{}, verified, providerClaims{phone: "+12025550143"}, ""},
		{"account phone not verified", all, Caller{}, account{phone: "+12025550143"}, providerClaims{phone: "+12025550143", phoneVerified: true}, ""},
		{"no phone on either side", all, Caller{}, account{phoneVerified: true}, providerClaims{phoneVerified: true}, ""},
		{"phone not accepted by this deployment", []string{contract.ConnectProofEmail}, Caller{}, verified, providerClaims{phone: "+12025550143", phoneVerified: true}, ""},
		{"fresh step-up", all, Caller{StepUpAt: now.Add(-time.Minute).Unix()}, account{}, providerClaims{}, contract.ConnectProofStepUp},
		{"stale step-up", all, Caller{StepUpAt: now.Add(-window - time.Second).Unix()}, account{}, providerClaims{}, ""},
		{"step-up in the future", all, Caller{StepUpAt: now.Add(time.Minute).Unix()}, account{}, providerClaims{}, ""},
		{"MFA on the account", all, Caller{}, account{mfa: true}, providerClaims{}, contract.ConnectProofMFA},
		{"MFA not accepted by this deployment", []string{contract.ConnectProofStepUp}, Caller{}, account{mfa: true}, providerClaims{}, ""},
		{"email not accepted by this deployment", []string{contract.ConnectProofMFA}, Caller{}, verified, match, ""},
	} {
		if got := proven(c.proofs, c.caller, c.acct, c.prov, now, window); got != c.want {
			t.Errorf("%s: proven = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestProviderClaims(t *testing.T) {
	raw := map[string]json.RawMessage{"email": json.RawMessage(`"a@example.com"`), "email_verified": json.RawMessage(`"true"`),
		"phone_number": json.RawMessage(`5`), "phone_number_verified": json.RawMessage(`true`)}
	p := claimsOf(raw)
	if p.email != "a@example.com" || !p.emailVerified || p.phone != "" || !p.phoneVerified {
		t.Fatalf("claims %+v", p)
	}
	if stepUpAt(map[string]string{contract.ClaimStepUpAt: "1800000000"}) != 1_800_000_000 || stepUpAt(map[string]string{contract.ClaimStepUpAt: "x"}) != 0 || stepUpAt(nil) != 0 {
		t.Fatal("stepUpAt")
	}
}

func TestConfigProofs(t *testing.T) {
	base := Config{}
	if got := base.proofs(); len(got) != 4 {
		t.Fatalf("default proofs %v", got)
	}
	env := map[string]string{contract.EnvConnectProofs: "stepup,nope"}
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), contract.EnvConnectProofs+`: expected distinct names of email, phone, stepup, mfa, received "stepup,nope"`) {
		t.Fatal("an unknown proof passed")
	}
}
