/**
 * Why a step-up did not produce an answer.
 *
 * - `timeout`: no valid answer before the timeout (or, for `resumeAfterRedirect`, the
 *   redirect came back after Amplify's stored sign-in state expired).
 * - `closed`: the user closed the popup.
 * - `cancelled`: the caller's AbortSignal fired.
 * - `popup_blocked`: `window.open` returned null.
 * - `provider_error`: the provider redirected back with `error=...` (see `providerError`).
 * - `invalid_challenge`: the challenge's public parameters are missing or malformed.
 * - `unsupported_provider`: the challenge names a provider kind this module does not know.
 * - `invalid_options`: the options cannot work (no container for an iframe, a bad reason...).
 * - `state_mismatch`: a redirect came back with another `state` than the one stored.
 * - `invalid_callback`: the callback URL carries no usable `code`/`state`/`error`.
 * - `no_opener`: `completeCallback` runs in a page that has neither an opener nor a parent.
 * - `rejected`: identity proofing answered `rejected` (see `pollUntilVerified`).
 * - `too_many_rounds`: `drive` got more custom challenges than `maxRounds`.
 * - `superseded`: a newer challenge started in the same container; this one's frame is gone.
 */
export type StepUpErrorCode =
  | 'timeout'
  | 'closed'
  | 'cancelled'
  | 'popup_blocked'
  | 'provider_error'
  | 'invalid_challenge'
  | 'unsupported_provider'
  | 'invalid_options'
  | 'state_mismatch'
  | 'invalid_callback'
  | 'no_opener'
  | 'rejected'
  | 'too_many_rounds'
  | 'superseded';

/** The one error type this module rejects with. `code` is stable; `message` is for people. */
export class StepUpError extends Error {
  override readonly name = 'StepUpError';
  readonly code: StepUpErrorCode;
  /** For `provider_error`: the provider's OAuth `error` code (RFC 6749 section 4.1.2.1). */
  readonly providerError?: string;

  constructor(code: StepUpErrorCode, message?: string, providerError?: string) {
    super(message ?? code);
    this.code = code;
    if (providerError !== undefined) this.providerError = providerError;
  }
}

/** The error an aborted signal stands for. */
export function abortError(): StepUpError {
  return new StepUpError('cancelled', 'the step-up was cancelled');
}
