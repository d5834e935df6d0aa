package contract

// Transaction step-up gate (issue 9, RFC 9470): a high-value route answers
// a request without a fresh step-up with 401 and
// WWW-Authenticate: Bearer error="insufficient_user_authentication". An HTTP
// API Lambda authorizer can only allow or deny (a deny is always API
// Gateway's bare 403), so the answer comes from the route's integration:
// the transaction authorizer runs in AuthorizerModeToken (it checks the
// access token and passes the step-up claims on), and the step-up gate
// function is the integration that checks the claims, answers the challenge,
// or invokes the real backend.
const (
	// EnvAuthorizerMode is the transaction authorizer's mode:
	// AuthorizerModeStepUp (default) or AuthorizerModeToken.
	EnvAuthorizerMode = "COGNITOBRIDGE_AUTHORIZER_MODE"
	// AuthorizerModeStepUp allows only tokens whose step-up is within the
	// window for a required reason (the HighValueAuthorizer).
	AuthorizerModeStepUp = "step_up"
	// AuthorizerModeToken allows every valid access token of the pool and
	// client and passes its step-up claims, if any, to the integration (the
	// GateAuthorizer, in front of the step-up gate).
	AuthorizerModeToken = "token"

	// AuthorizerContextStepUpReason is the authorizer context key of the
	// token's ClaimStepUpReason (absent when the token has none).
	AuthorizerContextStepUpReason = "stepup_reason"

	// EnvGateBackend is the step-up gate's backend: the name or ARN of the
	// Lambda function it invokes (RequestResponse, the same event) when the
	// step-up is fresh. Required. The gate also reads EnvStepUpMaxAgeSeconds
	// and EnvRequiredReasons.
	EnvGateBackend = "COGNITOBRIDGE_GATE_BACKEND"
	// EnvGateAcrValues is a JSON array of authentication context class
	// references the gate advertises in the challenge's acr_values.
	// Default: none (no acr_values).
	EnvGateAcrValues = "COGNITOBRIDGE_GATE_ACR_VALUES"
)

// ErrorInsufficientUserAuthentication is RFC 9470's error code.
const ErrorInsufficientUserAuthentication = "insufficient_user_authentication"

// MaxAcrValue bounds one acr value the gate advertises.
const MaxAcrValue = 128

// ValidAcrValue reports whether v can be one value of the challenge's
// acr_values (a space-separated list inside a quoted-string): 1 to
// MaxAcrValue printable ASCII characters without space, '"' or '\'. Both
// the construct and the gate use it.
func ValidAcrValue(v string) bool {
	if v == "" || len(v) > MaxAcrValue {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
