// Compile-time only (npm run typecheck): Amplify v6's real functions and outputs fit the
// structural types this module accepts, so `drive({ confirmSignIn }, await signIn(...))` and
// `hostedSignIn(name, { signInWithRedirect })` type-check in an app. Never bundled.
import type { confirmSignIn, signIn, signInWithRedirect, SignInOutput, ConfirmSignInInput } from 'aws-amplify/auth';
import { drive, hostedSignIn, answerChallenge, type ConfirmSignInArgs } from '../src/index.js';

declare const confirm: typeof confirmSignIn;
declare const start: typeof signIn;
declare const redirect: typeof signInWithRedirect;

export async function check(): Promise<void> {
  const first: SignInOutput = await start({ username: 'u', password: 'p', options: { authFlowType: 'CUSTOM_WITH_SRP', clientMetadata: { stepup_reason: 'high_value_transaction' } } });
  const out: SignInOutput = await drive({ confirmSignIn: confirm }, first, {});
  void out;
  if (first.nextStep.signInStep === 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE') {
    const args: ConfirmSignInArgs = await answerChallenge(first.nextStep.additionalInfo, {});
    const input: ConfirmSignInInput = args; // answerChallenge's result is a confirmSignIn input
    await confirm(input);
  }
  await hostedSignIn('Mosaic', { signInWithRedirect: redirect });
}
