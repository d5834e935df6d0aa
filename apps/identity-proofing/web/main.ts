// The identity-proofing sample: sign up, confirm the email with the code
// Cognito sent, verify your identity with 1Kosmos BlockID IDV (document +
// selfie) in a new window, then sign in: the pool requires TOTP MFA, so the
// first sign-in sets up an authenticator app and every later one asks for
// its code; the token carries the assurance (custom:ial) the proofing
// granted. Signed in, the person can refresh the session, sign out, and
// change their email: the pool keeps the old email active until the new one
// is verified with a code, and the assurance, bound to the email it was
// granted for, no longer applies once the new one is verified.
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
// Everything the page says about the assurance it reads from the tokens
// Cognito just issued (never from what it expects).
//
// Each action is a flow of common.ts runFlow (one at a time, the latest
// wins), its buttons disabled while it runs: a double click on Sign up
// creates one account, one on "Verify my identity" opens one window and
// signs in once (two sign-ins would race for the one TOTP step, and the
// loser would show a refusal beside the winner's tokens). A refusal shows
// one sentence, the raw error under Details; one that ended the session
// puts the page back at its sign-in form.
//
// <body data-state> (the browser tests wait on it): ready, signing-up,
// confirm, confirmed, proofing, mfa, mfa-retry, verified, signed-in,
// refreshed, signed-out, email-pending, email-code-refused, email-refused,
// email-verified, assurance-dropped, refused.
import {
  confirmSignIn,
  confirmSignUp,
  confirmUserAttribute,
  fetchAuthSession,
  signIn,
  signOut,
  signUp,
  updateUserAttributes,
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
import {
  $,
  claims,
  configure,
  errorCode,
  explain,
  runFlow,
  setState,
  showRefusal,
  showTitle,
  type Flow,
  type PageConfig,
} from '../../web/common.js';

interface Config extends PageConfig {
  /** POST /proofing/session (the stack's SessionUrl output; locally on the page's own origin). */
  proofingSessionUrl: string;
}

type Claims = Record<string, unknown>;

/** Thrown when Amplify holds no tokens (signed out, or a refused refresh cleared them). */
class SignedOut extends Error {
  constructor() {
    super('not signed in');
    this.name = 'SignedOut';
  }
}

function refusal(err: unknown): string {
  return `${errorCode(err)}: ${(err as Error).message}`;
}

const button = (id: string) => $<HTMLButtonElement>(id);

async function main() {
  showTitle(
    'Sign up, then verify your identity',
    'Create an account and confirm your email. Then verify your identity with an identity document and a selfie (1Kosmos BlockID): once the provider confirms it, your sign-in carries an identity assurance (IAL2).',
  );
  const cfg = await configure<Config>();

  let email = '';
  let password = '';
  let userId = '';
  // The email of the tokens last shown.
  let shownEmail = '';

  // snippet:proofing-session
  const session = (signal?: AbortSignal): Promise<ProofingStatus> => {
    const handle = recallProofingHandle(userId);
    if (handle === null) throw new StepUpError('invalid_options', 'no proofing handle in this tab');
    return fetchProofingSession(cfg.proofingSessionUrl, userId, handle, signal ? { signal } : {});
  };
  // end snippet

  // 1. Sign up with the handle's hash; the handle stays in this tab.
  $('signup').addEventListener('submit', (ev) => {
    ev.preventDefault();
    email = $<HTMLInputElement>('username').value.trim();
    password = $<HTMLInputElement>('password').value;
    void runFlow(
      [button('submit'), button('signin-submit')],
      async (flow) => {
        flow.setState('signing-up', 'Creating your account…');
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
        flow.check();
        $('signup').hidden = true;
        $('confirm').hidden = false;
        if (cfg.local) {
          // LOCAL only: the local stack hands out the code Cognito would email.
          const r = await fetch(`/dev/confirmation-code?username=${encodeURIComponent(email)}`, { cache: 'no-store' });
          if (r.ok) $<HTMLInputElement>('code').value = ((await r.json()) as { code: string }).code;
        }
        flow.setState('confirm', `We sent a code to ${email}. Enter it to confirm your email.`);
      },
      (err) => showRefusal(err, 'Not signed up. '),
    );
  });

  // 2. Confirm the email with Cognito's code.
  $('confirm').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void runFlow(
      button('confirm-submit'),
      async (flow) => {
        await confirmSignUp({
          username: email,
          confirmationCode: $<HTMLInputElement>('code').value.trim(),
        });
        flow.check();
        $('confirm').hidden = true;
        $('proof').hidden = false;
        setState('confirmed', 'Email confirmed. Verify your identity to finish.');
      },
      (err) => showRefusal(err, 'Email not confirmed. '),
    );
  });

  // 3. The verification session, in a new window; then wait for the result.
  $('verify').addEventListener('click', () => {
    void runFlow(button('verify'), verify, (err) => showRefusal(err, 'Identity not verified. '));
  });
  async function verify(flow: Flow): Promise<void> {
    // Opened in the click itself (runFlow runs this up to its first await
    // inside the click), so no popup blocker stops it.
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
      flow.setState(
        'proofing',
        'Complete the verification in the new window; this page continues when the provider has confirmed it.',
      );
      await pollUntilVerified((signal) => session(signal), {
        intervalMs: 1000,
        timeoutMs: 10 * 60 * 1000,
      });
      forgetProofingHandle();
      // end snippet
    } catch (err) {
      win?.close();
      if (!(err instanceof StepUpError && err.code === 'rejected')) {
        $('proof').hidden = false;
        throw err;
      }
      const st = await session().catch(() => null);
      forgetProofingHandle();
      flow.check();
      const why = `Identity not verified (${st?.reason ?? 'rejected'}): ${st?.message ?? 'the identity verification did not pass'}.`;
      // Signed in anyway: the account exists, without any assurance.
      try {
        const id = await signInAndShow(flow);
        flow.setState('refused', `${why} Signed in. ${assurance(id)}`);
      } catch (err2) {
        flow.check();
        $('signup').hidden = false;
        showRefusal(err2, `${why} Not signed in either. `);
      }
      return;
    }
    try {
      const id = await signInAndShow(flow);
      if (id['custom:ial']) flow.setState('verified', `Identity verified and signed in. ${assurance(id)}`);
      else
        flow.setState('refused', 'The provider verified your identity, but your tokens carry no identity assurance.');
    } catch (err) {
      flow.check();
      $('signup').hidden = false;
      showRefusal(err, 'Identity verified, but not signed in: sign in with your email and password. ');
    }
  }

  // 4. Sign in (SRP, then the TOTP step the pool requires) and show what
  // the tokens carry.
  async function signInAndShow(flow: Flow): Promise<Claims> {
    flow.check();
    await signOut().catch(() => undefined);
    flow.check();
    let out: SignInOutput = await signIn({ username: email, password });
    flow.check();
    out = await mfaSteps(out);
    flow.check();
    if (!out.isSignedIn) throw new Error(`next step ${out.nextStep.signInStep}`);
    const id = await showSession(false);
    flow.check();
    $('signup').hidden = true;
    $('account').hidden = false;
    $('email-verify').hidden = true;
    return id;
  }

  // The pool requires MFA with an authenticator app (TOTP). At the first
  // sign-in Cognito asks to set one up (Amplify has already fetched the key
  // with AssociateSoftwareToken); afterwards it asks for the app's code.
  // A wrong code at the set-up is refused and the person tries again in the
  // same sign-in (Cognito keeps the set-up session); a wrong code at a later
  // sign-in ends that sign-in (Cognito's session is good once).
  // snippet:proofing-totp
  async function mfaSteps(out: SignInOutput): Promise<SignInOutput> {
    let retry = '';
    while (!out.isSignedIn) {
      const step = out.nextStep;
      if (step.signInStep === 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP') {
        $('totp-setup').hidden = false;
        $('totp-secret').textContent = step.totpSetupDetails.sharedSecret;
        $('totp-uri').textContent = step.totpSetupDetails.getSetupUri('cognitobridge', email).toString();
        $('totp-help').textContent =
          'Your account needs a second factor. Add this key to your authenticator app, then enter the 6-digit code the app shows.';
      } else if (step.signInStep === 'CONFIRM_SIGN_IN_WITH_TOTP_CODE') {
        $('totp-setup').hidden = true;
        $('totp-help').textContent = 'Enter the 6-digit code your authenticator app shows for this account.';
      } else {
        return out;
      }
      $('totp').hidden = false;
      if (retry) setState('mfa-retry', retry);
      else setState('mfa', 'Your account needs a second factor: the code from your authenticator app.');
      const code = (await submitted('totp', 'totp-code')).replace(/\s/g, '');
      try {
        out = await confirmSignIn({ challengeResponse: code });
        retry = '';
      } catch (err) {
        const c = errorCode(err);
        if (
          step.signInStep === 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP' &&
          (c === 'EnableSoftwareTokenMFAException' || c === 'CodeMismatchException')
        ) {
          retry = `That code was not accepted (${refusal(err)}). Check that your app holds the key shown here and enter the code it shows now.`;
          continue;
        }
        $('totp').hidden = true;
        throw err;
      }
    }
    $('totp').hidden = true;
    $('totp-setup').hidden = true;
    $('totp-secret').textContent = '';
    $('totp-uri').textContent = '';
    return out;
  }
  // end snippet

  // Resolves with the value of input when form is next submitted.
  function submitted(form: string, input: string): Promise<string> {
    return new Promise<string>((resolve) => {
      $(form).addEventListener(
        'submit',
        (ev) => {
          ev.preventDefault();
          const el = $<HTMLInputElement>(input);
          const v = el.value.trim();
          el.value = '';
          resolve(v);
        },
        { once: true },
      );
    });
  }

  // The tokens Amplify holds (refreshed first when forceRefresh), shown in
  // #claims; throws when there are none (a refused refresh clears them).
  async function showSession(forceRefresh: boolean): Promise<Claims> {
    const s = await fetchAuthSession(forceRefresh ? { forceRefresh: true } : {});
    if (!s.tokens?.idToken) throw new SignedOut();
    const id = claims(s.tokens.idToken.toString());
    const access = claims(s.tokens.accessToken.toString());
    $('claims').textContent = JSON.stringify(
      {
        email: id['email'] ?? null,
        email_verified: id['email_verified'] ?? null,
        'custom:ial (ID token)': id['custom:ial'] ?? null,
        'custom:ial_src (ID token)': id['custom:ial_src'] ?? null,
        'custom:ial (access token)': access['custom:ial'] ?? null,
      },
      null,
      2,
    );
    shownEmail = typeof id['email'] === 'string' ? id['email'] : '';
    return id;
  }

  // What the tokens just issued say about the assurance.
  function assurance(id: Claims): string {
    const ial = id['custom:ial'];
    return ial
      ? `Your tokens carry identity assurance IAL${String(ial)}, for ${shownEmail}.`
      : 'Your tokens carry no identity assurance.';
  }

  // A session that ended: back to the sign-in form.
  function ended(text: string) {
    $('account').hidden = true;
    $('email-verify').hidden = true;
    $('claims').textContent = '';
    $('signup').hidden = false;
    $<HTMLInputElement>('password').value = '';
    setState('signed-out', text);
  }

  // 5. Sign in to an existing account (after a sign-out, or another day).
  $('signin-submit').addEventListener('click', () => {
    email = $<HTMLInputElement>('username').value.trim();
    password = $<HTMLInputElement>('password').value;
    if (!email || !password) {
      setState('ready', 'Enter your email and password to sign in.');
      return;
    }
    void runFlow(
      [button('signin-submit'), button('submit')],
      async (flow) => {
        flow.setState('signing-in', 'Checking your password…');
        $('signup').hidden = true;
        const id = await signInAndShow(flow);
        setState('signed-in', `Signed in as ${shownEmail}. ${assurance(id)}`);
      },
      (err) => {
        ended('');
        showRefusal(err, 'Not signed in. ');
      },
    );
  });

  // 6. Refresh: new tokens from the refresh token (GetTokensFromRefreshToken);
  // pre token generation runs again, so the assurance is decided anew.
  const accountButtons = () => [button('refresh'), button('signout'), button('email-submit')];
  $('refresh').addEventListener('click', () => {
    void runFlow(
      accountButtons(),
      async (flow) => {
        const id = await showSession(true);
        flow.check();
        setState('refreshed', `Session refreshed. ${assurance(id)}`);
      },
      (err) => {
        if (err instanceof SignedOut) ended('Your session has ended. Sign in again.');
        else showRefusal(err, 'The session was not refreshed. ');
      },
    );
  });

  // 7. Sign out (Amplify revokes the refresh token and forgets the tokens).
  $('signout').addEventListener('click', () => {
    void runFlow(
      accountButtons(),
      async (flow) => {
        await signOut();
        flow.check();
        ended('Signed out: this browser no longer holds your tokens. Sign in with your email and password.');
      },
      (err) => showRefusal(err, 'Not signed out. '),
    );
  });

  // 8. Change the email. The pool requires a verification before it updates
  // email (AttributesRequireVerificationBeforeUpdate): the old email stays
  // active until the code sent to the new one is entered. The sample's own
  // app client may not write email at all (its write list leaves it out), so
  // there Cognito refuses the change; a client of yours that may write it
  // gets the code step.
  let oldEmail = '';
  let newEmail = '';
  let hadAssurance = false;
  // snippet:proofing-email-change
  $('email-change').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const next = $<HTMLInputElement>('new-email').value.trim();
    void runFlow(
      accountButtons(),
      async (flow) => {
        const out = await updateUserAttributes({ userAttributes: { email: next } });
        flow.check();
        const step = out['email']?.nextStep;
        if (step?.updateAttributeStep === 'CONFIRM_ATTRIBUTE_WITH_CODE') {
          const before = await showSession(true);
          flow.check();
          oldEmail = shownEmail;
          newEmail = next;
          hadAssurance = Boolean(before['custom:ial']);
          $('email-verify').hidden = false;
          $<HTMLInputElement>('new-email').value = '';
          setState(
            'email-pending',
            `We sent a code to ${next}. Until you enter it, your email stays ${oldEmail}: Cognito keeps the old address active. ${assurance(before)}` +
              (hadAssurance
                ? ` Once the new address is verified, the assurance no longer applies: it holds only for ${oldEmail}, the address it was verified for, and a new identity verification is needed to restore it.`
                : ''),
          );
          return;
        }
        const id = await showSession(true);
        flow.check();
        setState('email-verified', `Your email is now ${shownEmail}. ${assurance(id)}`);
      },
      (err) => {
        // NotAuthorizedException here is the write list, not a wrong password.
        const sentence = /unauthorized attribute/i.test((err as Error).message)
          ? 'This app may not change the email your identity assurance is bound to.'
          : undefined;
        showRefusal(err, 'Your email was not changed. ', { state: 'email-refused', ...(sentence ? { sentence } : {}) });
      },
    );
  });

  // The code Cognito sent to the new address: VerifyUserAttribute makes the
  // new address the email, and the next tokens decide the assurance anew.
  $('email-verify').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const code = $<HTMLInputElement>('email-code').value.trim();
    $<HTMLInputElement>('email-code').value = '';
    void runFlow(
      button('email-verify-submit'),
      (flow) => verifyEmail(flow, code),
      (err) => {
        if (err instanceof SignedOut) ended('Your email is verified, but your session has ended. Sign in again.');
        else showRefusal(err, 'Your email is verified, but the session was not refreshed. ');
      },
    );
  });
  async function verifyEmail(flow: Flow, code: string): Promise<void> {
    try {
      await confirmUserAttribute({ userAttributeKey: 'email', confirmationCode: code });
    } catch (err) {
      flow.check();
      showRefusal(err, '', {
        state: 'email-code-refused',
        sentence: `${explain(err)} Your email is still ${oldEmail}; enter the code we sent to ${newEmail}.`,
      });
      return;
    }
    flow.check();
    $('email-verify').hidden = true;
    const id = await showSession(true);
    flow.check();
    if (hadAssurance && !id['custom:ial'])
      setState(
        'assurance-dropped',
        `Your email is now ${shownEmail}, verified. Your identity assurance no longer applies: it was verified for ${oldEmail}, and it holds only for that address, so your new tokens carry none. A new identity verification restores it.`,
      );
    else setState('email-verified', `Your email is now ${shownEmail}, verified. ${assurance(id)}`);
  }
  // end snippet

  setState('ready', 'Sign up with your email and a password, or sign in to your account.');
}

main().catch((err) => setState('refused', `The page could not start: ${(err as Error).message}`));
