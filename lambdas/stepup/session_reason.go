package stepup

import (
	"context"
	"errors"

	"github.com/cognitobridge/cognitobridge/lambdas/vsession"
)

// Reason codes of the verification-session kind (contract.ProviderBlockIDSession).
// Create and Verify also use the shared ones: user_not_found, not_enrolled,
// enrollment_mismatch, record_failed, secret_unavailable, secret_invalid,
// provider_unavailable, deadline_exceeded, answer_malformed,
// answer_too_large, challenge_params_missing.
const (
	// ReasonSessionPending: the provider still reports the session
	// pending after Verify's wait.
	ReasonSessionPending Reason = "session_pending"
	// ReasonSessionExpired: the provider reports the session expired, its
	// result is past its expiry, or the challenge is older than the
	// session timeout.
	ReasonSessionExpired Reason = "session_expired"
	// ReasonSessionFailed: the session ended without a result (declined,
	// aborted).
	ReasonSessionFailed Reason = "session_failed"
	// ReasonSessionStale: the session completed before this challenge was
	// created (minus the skew).
	ReasonSessionStale Reason = "session_stale"
	// ReasonSessionMismatch: the provider answered with the result of
	// another session than the one this challenge started.
	ReasonSessionMismatch Reason = "session_mismatch"
	// ReasonSessionUnknown: the provider does not know the challenge's
	// session.
	ReasonSessionUnknown Reason = "session_unknown"
	// ReasonSessionSubjectMismatch: the session ran for another provider
	// identity than the enrolled one.
	ReasonSessionSubjectMismatch Reason = "session_subject_mismatch"
	// ReasonMatchFailed: the face did not match the enrolled person.
	ReasonMatchFailed Reason = "match_failed"
	// ReasonLivenessFailed: the face was not shown live.
	ReasonLivenessFailed Reason = "liveness_failed"
	// ReasonProviderAnswerInvalid: the provider's answer is not the
	// expected JSON, is oversized, or is inconsistent (a completion in the
	// future).
	ReasonProviderAnswerInvalid Reason = "provider_answer_invalid"
	// ReasonProviderRefused: the provider refused the request (4xx).
	ReasonProviderRefused Reason = "provider_refused"
	// ReasonProviderCredentials: the provider refused the API key, also
	// after one refetch of the secret.
	ReasonProviderCredentials Reason = "provider_credentials_refused"
	// ReasonSessionRequestInvalid: the enrolled subject, reason or session
	// id cannot be sent to the provider.
	ReasonSessionRequestInvalid Reason = "session_request_invalid"
)

// sessionErrReasons maps the vsession errors, the first match winning;
// any other error is ReasonProviderUnavailable.
var sessionErrReasons = []struct {
	err    error
	reason Reason
}{
	{vsession.ErrSecretUnavailable, ReasonSecretUnavailable},
	{vsession.ErrSecretInvalid, ReasonSecretInvalid},
	{vsession.ErrMalformed, ReasonProviderAnswerInvalid},
	{vsession.ErrUnknownSession, ReasonSessionUnknown},
	{vsession.ErrRefused, ReasonProviderRefused},
	{vsession.ErrCredentials, ReasonProviderCredentials},
	{vsession.ErrInvalidRequest, ReasonSessionRequestInvalid},
}

// sessionErrReason maps a vsession error; an exhausted budget wins.
func sessionErrReason(ctx context.Context, err error) Reason {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return ReasonDeadlineExceeded
	}
	r := ReasonProviderUnavailable
	for _, m := range sessionErrReasons {
		if errors.Is(err, m.err) {
			r = m.reason
			break
		}
	}
	return ctxReason(ctx, r)
}
