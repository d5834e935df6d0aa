package contract

import "strings"

// Operations metrics (issue 17). Every handler's decision line is also a
// CloudWatch embedded metric format (EMF) document: CloudWatch Logs extracts
// the metrics below from the line the handler writes anyway (no
// PutMetricData). The alarms and the dashboard of constructs/monitoring refer
// to the same names, so both sides use these constants and nothing else.
//
// Dimensions are low-cardinality by construction: the function's own name
// (one per deployed function), the handler (a constant below) and the
// reason code (a constant of the handler's package). No user reference,
// client id, request id or pool id is ever a dimension.
const (
	// MetricNamespace is the CloudWatch namespace of every metric.
	MetricNamespace = "CognitoBridge"

	// MetricDecisions is 1 per decision line, with the dimensions
	// DimensionFunction, DimensionHandler and DimensionReason: a count of
	// decisions per handler and reason. Unit Count.
	MetricDecisions = "Decisions"
	// MetricFaults is 1 when the decision is a failure of the system (a
	// dependency unavailable, an internal error, a deadline; see
	// FaultReason) and 0 otherwise, with the dimension DimensionFunction.
	// Unit Count.
	MetricFaults = "Faults"
	// MetricDuration is the decision's time in milliseconds, with the
	// dimension DimensionFunction. Unit Milliseconds.
	MetricDuration = "Duration"

	// DimensionFunction is the Lambda function's name
	// (AWS_LAMBDA_FUNCTION_NAME): it tells one deployment from another.
	DimensionFunction = "Function"
	// DimensionHandler is one of the Handler… values below.
	DimensionHandler = "Handler"
	// DimensionReason is the decision's reason code (the line's "reason").
	DimensionReason = "Reason"

	// UnitCount and UnitMilliseconds are the CloudWatch units of the metrics.
	UnitCount        = "Count"
	UnitMilliseconds = "Milliseconds"
)

// Values of DimensionHandler: what decided.
const (
	HandlerStepUpDefine          = "stepup_define"
	HandlerStepUpCreate          = "stepup_create"
	HandlerStepUpVerify          = "stepup_verify"
	HandlerPreTokenPrefix        = "pretokengen_" // + the behaviour's name
	HandlerPreTokenStepUpGuard   = HandlerPreTokenPrefix + BehaviourStepUpGuard
	HandlerPreTokenAssurance     = HandlerPreTokenPrefix + BehaviourAssurance
	HandlerPreSignUp             = "presignup"
	HandlerPreSignUpLinking      = "presignup_" + BehaviourLinking
	HandlerPreSignUpProofing     = "presignup_" + BehaviourProofing
	HandlerConnectStart          = "connect_start"
	HandlerConnectCallback       = "connect_callback"
	HandlerConnectDisconnect     = "connect_disconnect"
	HandlerProofingSession       = "proofing_session"
	HandlerProofingCallback      = "proofing_callback"
	HandlerTransactionAuthorizer = "transaction_authorizer"
	HandlerTransactionGate       = "transaction_gate"
	// HandlerTransactionMiddleware is the one-invocation form of the gate
	// (package stepuphttp) inside a Go backend.
	HandlerTransactionMiddleware = "transaction_middleware"
)

// Reason codes the default alarms watch (each handler package defines its
// codes from these).
const (
	ReasonEnrollmentMismatch = "enrollment_mismatch"
	ReasonAuthStale          = "auth_stale"
	ReasonBindingMismatch    = "binding_mismatch"
	ReasonBindingMissing     = "binding_missing"
	ReasonRecordOtherClient  = "record_other_client"
)

// WatchedRefusal is a refusal whose spike the default alarms report.
type WatchedRefusal struct {
	// Handler is a DimensionHandler value, Reason a DimensionReason value.
	Handler, Reason string
	// Meaning says what a spike usually is, for the alarm's description.
	Meaning string
}

// WatchedRefusals are the refusals the monitoring alarms on by default:
// each is rare for rightful users, so a spike is an attack or a broken
// client.
var WatchedRefusals = []WatchedRefusal{
	{HandlerStepUpVerify, ReasonEnrollmentMismatch, "a provider identity other than the enrolled one answered the step-up: someone answering with their own provider account, or a user re-enrolled at the provider"},
	{HandlerStepUpVerify, ReasonAuthStale, "the provider answered from a session older than the challenge: a replayed or pre-obtained authorization code, or a provider ignoring max_age"},
	{HandlerStepUpVerify, ReasonBindingMismatch, "the provider's ID token is about another person than the Cognito user"},
	{HandlerPreTokenStepUpGuard, ReasonBindingMissing, "sign-ins reaching token issuance without echoing the step-up binding: a client that does not send it, or tokens sought past the step-up"},
	{HandlerPreTokenStepUpGuard, ReasonRecordOtherClient, "a step-up record of another app client was presented"},
}

// CommandHandlers maps a handler command (lambdas/cmd/<name>) to the
// DimensionHandler values its decision lines carry. The pre sign-up and
// pre token generation functions log one line per behaviour they run, and
// the pre sign-up one an overall line as well.
var CommandHandlers = map[string][]string{
	"stepup-define":          {HandlerStepUpDefine},
	"stepup-create":          {HandlerStepUpCreate},
	"stepup-verify":          {HandlerStepUpVerify},
	"pretokengen":            {HandlerPreTokenStepUpGuard, HandlerPreTokenAssurance},
	"presignup":              {HandlerPreSignUp, HandlerPreSignUpLinking, HandlerPreSignUpProofing},
	"connect-start":          {HandlerConnectStart},
	"connect-callback":       {HandlerConnectCallback},
	"connect-disconnect":     {HandlerConnectDisconnect},
	"proofing-session":       {HandlerProofingSession},
	"proofing-callback":      {HandlerProofingCallback},
	"transaction-authorizer": {HandlerTransactionAuthorizer},
	"transaction-gate":       {HandlerTransactionGate},
	"transaction-transfers":  {HandlerTransactionMiddleware},
}

// FaultReason reports whether a reason code is a failure of the system
// rather than a decision about the request: an internal error, a panic, a
// deadline, a record that could not be read or written, or any
// "…_unavailable" dependency. Faults count in MetricFaults whatever the
// line's level.
func FaultReason(reason string) bool {
	switch reason {
	case "internal_error", "panic", "deadline_exceeded", "record_failed", "backend_timeout", "backend_error", "backend_invalid_response":
		return true
	}
	return strings.HasSuffix(reason, "_unavailable")
}

// Construct metadata types (node metadata, not in the template) by which
// constructs/monitoring finds what to watch.
const (
	// MetadataHandlerCommand marks a function built from lambdas/cmd/<name>;
	// its data is <name>.
	MetadataHandlerCommand = "cognitobridge:handler-command"
	// MetadataTable marks a table of the constructs; its data is what the
	// table holds ("stepup", "connect", "proofing").
	MetadataTable = "cognitobridge:table"
)
