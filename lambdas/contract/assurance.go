package contract

import "fmt"

// Issue 8: assurance nobody can self-assert, proofing bound to the account,
// keyed log references. These names are shared by the constructs
// (constructs/federation, constructs/proofing, constructs/internal/logkey)
// and the handlers (lambdas/assurance, lambdas/proofing,
// lambdas/internal/boot).

// EnvLogRefKeySecretARN is the ARN of the Secrets Manager secret holding the
// deployment's log reference key (a generated string of at least 32
// characters): logref.Ref is HMAC-SHA256 under it. Optional: without it
// references are keyed with a random key of the process.
const EnvLogRefKeySecretARN = "COGNITOBRIDGE_LOGREF_KEY_SECRET_ARN"

// Assurance attributes. Only the backend writes them (AdminUpdateUserAttributes
// from the proofing callback or the assurance behaviour); no app client may
// list them in WriteAttributes, and none may be mapped from an identity
// provider. Every name starts with AssuranceAttributePrefix.
const (
	// AttrIALEmail is the email the assurance is bound to: the verified
	// email at proofing time, or the email the assurance provider mapped at
	// its sign-in. custom:ial counts only while email equals it and
	// email_verified is "true".
	AttrIALEmail = "custom:ial_email"
	// AttrIALSource names who granted custom:ial: AssuranceSourceProofing or
	// the identity provider's name.
	AttrIALSource = "custom:ial_src"
	// AssuranceAttributePrefix starts every assurance attribute's name.
	AssuranceAttributePrefix = "custom:ial"
)

// AssuranceAttributes are the backend-only attributes of an assurance.
var AssuranceAttributes = []string{AttrIAL, AttrIALAt, AttrIALEmail, AttrIALSource}

// AssuranceSourceProofing is AttrIALSource for identity proofing at sign-up.
const AssuranceSourceProofing = "proofing"

// AttrIdPIALRaw receives the assurance provider's claim (e.g. BlockID's
// "amr") through the identity provider's attribute mapping. Cognito needs
// the hosted sign-in client to write a mapped attribute, so this one is
// untrusted by design: nothing reads it except the assurance behaviour at
// the provider's own sign-in (TokenGeneration_HostedAuth), which turns it
// into the backend-only AttrIAL.
const AttrIdPIALRaw = "custom:idp_ial_raw"

// Pre token generation behaviour of the assurance (lambdas/assurance): at
// every issuance custom:ial reaches the tokens only while its binding holds
// (email equal to AttrIALEmail and verified), otherwise the assurance
// attributes are suppressed from the ID token and deleted from the user; at
// a hosted sign-in through one of EnvAssuranceProviders the provider's
// mapped claim (AttrIdPIALRaw) becomes the backend-only assurance.
const (
	BehaviourAssurance = "assurance"
	// EnvAssuranceProviders is a JSON array of identity provider names whose
	// mapped assurance claim is turned into custom:ial. Default: none.
	EnvAssuranceProviders = "COGNITOBRIDGE_ASSURANCE_PROVIDERS"
	// EnvAssuranceMinimumLevel is the lowest identity assurance level an
	// identity provider's claim must state to grant custom:ial (a decimal
	// integer from MinAssuranceLevel to MaxAssuranceLevel); a lower level
	// grants nothing and withdraws what that provider granted. Default:
	// DefaultAssuranceMinimumLevel. It does not apply to identity proofing,
	// whose level the proofing provider's result sets.
	EnvAssuranceMinimumLevel = "COGNITOBRIDGE_ASSURANCE_MINIMUM_LEVEL"
)

// Bounds and default of EnvAssuranceMinimumLevel: the identity assurance
// levels of NIST SP 800-63A (IAL1 is a self-asserted identity, IAL2 and
// IAL3 are proofed). The default is the level the BlockID federation asks
// for (scope /assurance/ial/2).
const (
	MinAssuranceLevel            = 1
	MaxAssuranceLevel            = 3
	DefaultAssuranceMinimumLevel = 2
)

// ParseAssuranceMinimumLevel reads EnvAssuranceMinimumLevel's value; "" is
// DefaultAssuranceMinimumLevel.
func ParseAssuranceMinimumLevel(s string) (int, error) {
	if s == "" {
		return DefaultAssuranceMinimumLevel, nil
	}
	// One decimal digit: no sign, space or leading zero.
	if len(s) != 1 || s[0] < '0'+MinAssuranceLevel || s[0] > '0'+MaxAssuranceLevel {
		return 0, fmt.Errorf("%s: expected an integer from %d to %d, received %q", EnvAssuranceMinimumLevel, MinAssuranceLevel, MaxAssuranceLevel, clipValue(s))
	}
	n := int(s[0] - '0')
	return n, nil
}

// CheckAssuranceLevel reports whether v is an assurance level (an integer
// from MinAssuranceLevel to MaxAssuranceLevel).
func CheckAssuranceLevel(v float64) error {
	if v != float64(int(v)) || v < MinAssuranceLevel || v > MaxAssuranceLevel {
		return fmt.Errorf("expected an integer from %d to %d, received %v", MinAssuranceLevel, MaxAssuranceLevel, v)
	}
	return nil
}

func clipValue(s string) string {
	if len(s) > 16 {
		return s[:16] + "..."
	}
	return s
}

// Proofing: the document registry.
const (
	// EnvProofingDocumentKeySecretARN is the Secrets Manager secret holding
	// the key of the document number hash (a generated string of at least
	// 32 characters). It must never rotate: the registry's hashes would no
	// longer match.
	EnvProofingDocumentKeySecretARN = "COGNITOBRIDGE_PROOFING_DOCUMENT_KEY_SECRET_ARN"
	// EnvProofingMaxAccountsPerDocument is how many accounts one identity
	// document may proof. Default: 1.
	EnvProofingMaxAccountsPerDocument = "COGNITOBRIDGE_PROOFING_MAX_ACCOUNTS_PER_DOCUMENT"
)
