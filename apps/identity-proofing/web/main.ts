// The identity-proofing sample: sign up, confirm the email with the code
// Cognito sent, verify your identity with 1Kosmos BlockID IDV (document +
// selfie) in a new window, then sign in: the token carries the assurance
// (custom:ial) the proofing granted.
//
// The order is the server's (lambdas/proofing): the sign-up sends only the
// SHA-256 of a random handle the page keeps (validationData
// proofing_handle_sha256); POST /proofing/session answers the handle's
// holder with the session URL once the email is confirmed; the provider's
// result reaches the callback (signed, through a relay), never through this
// page; the page polls the session endpoint until verified or rejected.
//
// The pool's user name is the email (UsernameAttributes), so Cognito's
// user name is the generated id signUp returns (userId): the proofing
// record is keyed by it, and the page sends it to the session endpoint.
//
// The password is kept in this page's memory (never stored) from the
// sign-up to the sign-in after the verification, so the person does not
// type it twice in one sitting.
//
// <body data-state>: ready, confirm, confirmed, proofing, verified,
// refused (the browser tests wait on it).
import {
  confirmSignIn,
  confirmSignUp,
  fetchAuthSession,
  signIn,
  signOut,
  signUp,
  type SignInOutput,
} from 'aws-amplify/auth';
import {
  fetchProofingSession,
  forgetProofingHandle,
  newProofingHandle,
  pollUntilVerified,
  proofingValidationData,
  recallProofingHandle,
  rememberProofingHandle,
  StepUpError,
  type ProofingStatus,
} from '@cognitobridge/client';
import { $, claims, configure, errorCode, setState, showTitle, type PageConfig } from '../../web/common.js';

interface Config extends PageConfig {
  /** POST /proofing/session (the stack's SessionUrl output; locally on the page's own origin). */
  proofingSessionUrl: string;
}

function refusal(err: unknown): string {
  return `${errorCode(err)}: ${(err as Error).message}`;
}

async function main() {
  showTitle(
    'Sign up, then verify your identity',
    'Create an account and confirm your email. Then verify your identity with an identity document and a selfie (1Kosmos BlockID): once the provider confirms it, your sign-in carries an identity assurance (IAL2).',
  );
  const cfg = await configure<Config>();

  let email = '';
  let password = '';
  let userId = '';

  // snippet:proofing-session
  const session = (signal?: AbortSignal): Promise<ProofingStatus> => {
    const handle = recallProofingHandle(userId);
    if (handle === null) throw new StepUpError('invalid_options', 'no proofing handle in this tab');
    return fetchProofingSession(cfg.proofingSessionUrl, userId, handle, signal ? { signal } : {});
  };
  // end snippet

  // 1. Sign up with the handle's hash; the handle stays in this tab.
  $('signup').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    email = $<HTMLInputElement>('username').value.trim();
    password = $<HTMLInputElement>('password').value;
    try {
      setState('signing-up', 'Creating your account…');
      // snippet:proofing-signup
      const handle = newProofingHandle();
      const out = await signUp({
        username: email,
        password,
        // No user attributes: the user name is the email, Cognito sets the
        // email attribute from it, and this app client may not write email
        // (the assurance is bound to it; see DESIGN "Binding"). Amplify's
        // types ask for the field.
        options: {
          userAttributes: {},
          validationData: await proofingValidationData(handle),
        },
      });
      userId = out.userId ?? email;
      rememberProofingHandle(userId, handle);
      // end snippet
      $('signup').hidden = true;
      $('confirm').hidden = false;
      if (cfg.local) {
        // LOCAL only: the local stack hands out the code Cognito would email.
        const r = await fetch(`/dev/confirmation-code?username=${encodeURIComponent(email)}`, { cache: 'no-store' });
        if (r.ok) $<HTMLInputElement>('code').value = ((await r.json()) as { code: string }).code;
      }
      setState('confirm', `We sent a code to ${email}. Enter it to confirm your email.`);
    } catch (err) {
      setState('refused', `Sign-up refused (${refusal(err)})`);
    }
  });

  // 2. Confirm the email with Cognito's code.
  $('confirm').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await confirmSignUp({
        username: email,
        confirmationCode: $<HTMLInputElement>('code').value.trim(),
      });
      $('confirm').hidden = true;
      $('proof').hidden = false;
      setState('confirmed', 'Email confirmed. Verify your identity to finish.');
    } catch (err) {
      setState('refused', `The code was not accepted (${refusal(err)})`);
    }
  });

  // 3. The verification session, in a new window; then wait for the result.
  $('verify').addEventListener('click', async () => {
    // Opened in the click itself, so no popup blocker stops it.
    const win = window.open('', 'cognitobridge-idv');
    try {
      // snippet:proofing-poll
      const first = await session();
      if (first.status === 'contact_unverified')
        throw new StepUpError('invalid_options', first.message ?? 'confirm your email first');
      if (first.status === 'pending' && first.sessionUrl) {
        if (win) win.location.href = first.sessionUrl;
        else window.open(first.sessionUrl, 'cognitobridge-idv');
      } else {
        win?.close();
      }
      $('proof').hidden = true;
      setState(
        'proofing',
        'Complete the verification in the new window; this page continues when the provider has confirmed it.',
      );
      await pollUntilVerified((signal) => session(signal), {
        intervalMs: 1000,
        timeoutMs: 10 * 60 * 1000,
      });
      forgetProofingHandle();
      await signInAndShow('verified', 'Identity verified. Signed in; your token carries the assurance.');
      // end snippet
    } catch (err) {
      win?.close();
      if (err instanceof StepUpError && err.code === 'rejected') {
        const st = await session().catch(() => null);
        forgetProofingHandle();
        const why = st?.message ?? 'the identity verification did not pass';
        // Signed in anyway: the account exists, without any assurance.
        await signInAndShow('refused', `Identity not verified (${st?.reason ?? 'rejected'}): ${why}`).catch(() =>
          setState('refused', `Identity not verified: ${why}`),
        );
        return;
      }
      setState('refused', `Identity verification failed (${refusal(err)})`);
    }
  });

  // 4. Sign in (SRP) and show the assurance claims.
  async function signInAndShow(state: string, text: string) {
    await signOut().catch(() => undefined);
    let out: SignInOutput = await signIn({ username: email, password });
    out = await mfaSteps(out);
    if (!out.isSignedIn) throw new Error(`next step ${out.nextStep.signInStep}`);
    const s = await fetchAuthSession();
    const id = claims(s.tokens?.idToken?.toString());
    const access = claims(s.tokens?.accessToken?.toString());
    $('claims').textContent = JSON.stringify(
      {
        email: id['email'] ?? null,
        'custom:ial (ID token)': id['custom:ial'] ?? null,
        'custom:ial_src (ID token)': id['custom:ial_src'] ?? null,
        'custom:ial (access token)': access['custom:ial'] ?? null,
      },
      null,
      2,
    );
    setState(state, text);
  }

  // The sample pool requires MFA (TOTP): a first sign-in sets it up. Not
  // exercised locally (the local endpoint does not model MFA).
  async function mfaSteps(out: SignInOutput): Promise<SignInOutput> {
    while (!out.isSignedIn) {
      const step = out.nextStep;
      if (
        step.signInStep !== 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP' &&
        step.signInStep !== 'CONFIRM_SIGN_IN_WITH_TOTP_CODE'
      )
        return out;
      $('totp').hidden = false;
      $('totp-help').textContent =
        step.signInStep === 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP'
          ? `Add this key to your authenticator app: ${step.totpSetupDetails.sharedSecret}`
          : 'Enter the code your authenticator app shows.';
      setState('mfa', 'Your account needs a second factor.');
      const code = await new Promise<string>((resolve) => {
        $('totp').addEventListener(
          'submit',
          (ev) => {
            ev.preventDefault();
            resolve($<HTMLInputElement>('totp-code').value.trim());
          },
          { once: true },
        );
      });
      $('totp').hidden = true;
      out = await confirmSignIn({ challengeResponse: code });
    }
    return out;
  }

  setState('ready', 'Sign up with your email and a password.');
}

main().catch((err) => setState('refused', `The page could not start: ${(err as Error).message}`));
