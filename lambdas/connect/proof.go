package connect

import (
	"encoding/json"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/authorizer/stepupclaim"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/e164"
)

// The proof of a connect (issue 14): a recent password sign-in is not
// enough, since whoever holds only the password could connect a provider
// account of their own to the victim's account, silently and for good (it
// survives a password reset). The callback also needs one of the
// configured proofs (Config.Proofs, default all):
//
//   - contract.ConnectProofEmail: the provider's ID token says
//     email_verified true for an email equal (ASCII case-insensitive) to the
//     account's email, itself verified: the provider account belongs to
//     whoever controls the account's mailbox;
//   - contract.ConnectProofPhone: the provider's ID token says
//     phone_number_verified true for a phone_number equal to the account's
//     phone_number, itself verified, both normalized to E.164 first
//     (lambdas/internal/e164: "+1 (202) 555-0143" is "+12025550143"; a
//     number either side cannot normalize proves nothing);
//   - contract.ConnectProofStepUp: the caller's access token carries the
//     step-up claim (contract.ClaimStepUpAt, added by the step-up guard
//     only on a step-up sign-in, never on a refresh) no older than
//     Config.MaxAuthAge;
//   - contract.ConnectProofMFA: Cognito MFA is enabled for the account
//     (AdminGetUser), so its sign-in asked for the second factor. Remembered
//     devices weaken this: a sign-in from a device the user chose to
//     remember skips MFA, and so does a sign-in through a flow Cognito MFA
//     does not cover (custom authentication, adaptive authentication that
//     judged the sign-in low risk); see constructs/connect.
//
// The risks of each choice are in constructs/connect.ConnectProps.Proofs.

// Proof outcomes logged in the "proof" field.
const proofNone = "none"

// account is what the proof reads of the account (AdminGetUser).
type account struct {
	email, phone                 string
	emailVerified, phoneVerified bool
	mfa                          bool
}

// providerClaims are the provider ID token's identity claims.
type providerClaims struct {
	email, phone                 string
	emailVerified, phoneVerified bool
}

// claimsOf reads the identity claims of a verified ID token; a claim of the
// wrong type counts as absent.
func claimsOf(c map[string]json.RawMessage) providerClaims {
	var p providerClaims
	str := func(k string) string {
		var s string
		if json.Unmarshal(c[k], &s) != nil {
			return ""
		}
		return s
	}
	p.email, p.phone = str("email"), str("phone_number")
	p.emailVerified, p.phoneVerified = verifiedClaim(c["email_verified"]), verifiedClaim(c["phone_number_verified"])
	return p
}

// verifiedClaim: JSON true, or the string "true" (some providers send a
// string).
func verifiedClaim(raw json.RawMessage) bool {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && s == "true"
}

// proven returns the first configured proof that holds, "" when none does.
func proven(proofs []string, caller Caller, a account, p providerClaims, now time.Time, window time.Duration) string {
	for _, proof := range proofs {
		switch proof {
		case contract.ConnectProofEmail:
			if a.emailVerified && p.emailVerified && a.email != "" && len(a.email) <= 2048 && equalFoldASCII(a.email, p.email) {
				return proof
			}
		case contract.ConnectProofPhone:
			if a.phoneVerified && p.phoneVerified && e164.Equal(a.phone, p.phone) {
				return proof
			}
		case contract.ConnectProofStepUp:
			// Any reason: the step-up of this sign-in, within the window.
			at := time.Unix(caller.StepUpAt, 0)
			if caller.StepUpAt > 0 && !at.After(now.Add(stepupclaim.ClockSkew)) && now.Sub(at) <= window {
				return proof
			}
		case contract.ConnectProofMFA:
			if a.mfa {
				return proof
			}
		}
	}
	return ""
}

// stepUpAt reads the step-up claim the JWT authorizer passed on (a string
// of the claim's JSON value), 0 when absent or malformed.
func stepUpAt(claims map[string]string) int64 {
	v, ok := claims[contract.ClaimStepUpAt]
	if !ok {
		return 0
	}
	n, ok := stepupclaim.EpochSeconds(json.RawMessage(`"` + v + `"`))
	if !ok {
		return 0
	}
	return n
}
