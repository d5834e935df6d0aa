package stepup

import "github.com/cognitobridge/cognitobridge/lambdas/contract"

// Reason is the code logged with every decision (and returned by Define and
// the Verify checks) so an operator can tell why a sign-in was refused
// without the log carrying anything secret.
type Reason string

// Reason codes shared by the handlers.
const (
	ReasonOK            Reason = "ok"
	ReasonInternalError Reason = "internal_error"
	ReasonUserNotFound  Reason = "user_not_found"
)

// Define reason codes.
const (
	ReasonNextPasswordVerifier Reason = "next_password_verifier"
	ReasonNextCustomChallenge  Reason = "next_custom_challenge"
	ReasonRetryCustomChallenge Reason = "retry_custom_challenge"
	ReasonPasswordlessStart    Reason = "passwordless_start"
	ReasonPasswordRequired     Reason = "password_required"
	ReasonSRPFailed            Reason = "srp_failed"
	ReasonPasswordFailed       Reason = "password_failed"
	ReasonForeignChallenge     Reason = "foreign_challenge"
	ReasonSequenceInvalid      Reason = "sequence_invalid"
	ReasonAttemptsExceeded     Reason = "attempts_exceeded"
	// ReasonOKPasswordOnly: on-demand policy and no allowed reason named:
	// tokens after the password, without a step-up.
	ReasonOKPasswordOnly Reason = "ok_password_only"
)

// Create reason codes.
const (
	ReasonChallengeUnsupported Reason = "challenge_unsupported"
)

// Verify reason codes (the secret and provider ones apply to Create too).
const (
	ReasonAnswerMalformed     Reason = "answer_malformed"
	ReasonAnswerTooLarge      Reason = "answer_too_large"
	ReasonChallengeParamsBad  Reason = "challenge_params_missing"
	ReasonStateMismatch       Reason = "state_mismatch"
	ReasonSecretUnavailable   Reason = "secret_unavailable"
	ReasonSecretInvalid       Reason = "secret_invalid"
	ReasonProviderUnavailable Reason = "provider_unavailable"
	ReasonTokenExchangeFailed Reason = "token_exchange_failed"
	ReasonIDTokenMissing      Reason = "id_token_missing"
	ReasonIDTokenInvalid      Reason = "id_token_invalid"
	ReasonNonceMismatch       Reason = "nonce_mismatch"
	ReasonBindingMismatch     Reason = contract.ReasonBindingMismatch
	ReasonEmailNotVerified    Reason = "email_not_verified"
	ReasonACRInsufficient     Reason = "acr_insufficient"
	ReasonDeadlineExceeded    Reason = "deadline_exceeded"
	// ReasonAuthTimeMissing: fresh authentication is required and the ID
	// token has no auth_time.
	ReasonAuthTimeMissing Reason = "auth_time_missing"
	// ReasonAuthStale: the provider authentication happened before this
	// challenge was created (a warm session answered).
	ReasonAuthStale Reason = contract.ReasonAuthStale
	// ReasonEnrollmentMismatch: the user is enrolled with another provider
	// identity (issuer + sub).
	ReasonEnrollmentMismatch Reason = contract.ReasonEnrollmentMismatch
	// ReasonNotEnrolled: enrollment is admin-only and nobody enrolled the user.
	ReasonNotEnrolled Reason = "not_enrolled"
	// ReasonRecordFailed: the enrollment or the step-up record could not
	// be read or written.
	ReasonRecordFailed Reason = "record_failed"
)
