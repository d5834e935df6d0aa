import { StepUpError, abortError } from './errors.js';
import { answerChallenge, type AnswerOptions, type ConfirmSignInArgs } from './answer.js';

/** The part of Amplify v6's `SignInOutput` (`ConfirmSignInOutput`) that `drive` reads. */
export interface SignInOutputLike {
  isSignedIn: boolean;
  nextStep: { signInStep: string; additionalInfo?: Record<string, string> };
}

export interface DriveOptions extends AnswerOptions {
  /**
   * How many custom challenges to answer at most. A wrong answer gets a new challenge
   * (fresh state and binding) until the server's MaxAttempts (default 3), so the default is 3.
   */
  maxRounds?: number;
  /** Called before each answer after the first (the previous one was refused). */
  onRetry?: (round: number) => void;
}

/**
 * Follows a `signIn` output: while the next step is `CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE`,
 * answers the challenge in `nextStep.additionalInfo` with `answerChallenge` and calls the
 * injected `confirmSignIn`. Returns the first output with another step (`DONE`, or a step
 * this module does not handle). Popup, iframe and session kinds only (redirect mode leaves
 * the page: use `beginRedirect`/`resumeAfterRedirect`).
 *
 * ```ts
 * import { signIn, confirmSignIn } from 'aws-amplify/auth';
 * const first = await signIn({ username, password, options: { authFlowType: 'CUSTOM_WITH_SRP' } });
 * const out = await drive({ confirmSignIn }, first, { container });
 * ```
 */
export async function drive<O extends SignInOutputLike>(
  auth: { confirmSignIn: (input: ConfirmSignInArgs) => Promise<O> },
  first: O,
  opts: DriveOptions = {},
): Promise<O> {
  if (opts.mode === 'redirect') throw new StepUpError('invalid_options', 'drive does not support redirect mode');
  if (opts.signal?.aborted) throw abortError();
  const max = opts.maxRounds ?? 3;
  let out = first;
  for (let round = 0; out.nextStep.signInStep === 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE'; round++) {
    if (round >= max) throw new StepUpError('too_many_rounds', `more than ${max} custom challenges`);
    if (round > 0) opts.onRetry?.(round);
    const args = await answerChallenge(out.nextStep.additionalInfo, opts);
    out = await auth.confirmSignIn(args);
    // Aborted while the answer was with Cognito: this flow was superseded and must not go on
    // (nor hand its output to a page that moved on).
    if (opts.signal?.aborted) throw abortError();
  }
  return out;
}
