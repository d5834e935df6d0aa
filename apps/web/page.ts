// The sample pages' shared half: Amplify v6 configured from /config.json,
// a password form, the step-up through @cognitobridge/client, and a result
// panel. Each sample's web/main.ts calls start() with its style. The page
// marks its state on <body data-state> so the browser tests can wait on it
// (common.ts: what every sample page shares). Signed in, the page can
// refresh the session (the step-up claims are gone from refreshed tokens)
// and sign out (common.ts sessionControls).
import { confirmSignIn, fetchAuthSession, signIn, signOut, type AuthTokens } from 'aws-amplify/auth';
import { drive, type RejectedMessage } from '@cognitobridge/client';
import {
  $,
  claims,
  configure,
  hasSession,
  runFlow,
  sessionControls,
  sessionValidityMs,
  setState,
  showRefusal,
  showTitle,
} from './common.js';

export interface SampleStyle {
  title: string;
  /** One sentence shown under the title. */
  blurb: string;
}

export async function start(style: SampleStyle): Promise<void> {
  showTitle(style.title, style.blurb);
  const cfg = await configure();
  const rejected: RejectedMessage[] = [];
  (window as unknown as { rejectedMessages: RejectedMessage[] }).rejectedMessages = rejected;
  const session = sessionControls({
    show: showClaims,
    signedOut: () => setState('signed-out', 'Signed out. Sign in again with your password and your provider.'),
  });

  // One sign-in at a time, the latest wins (common.ts runFlow): Sign in is
  // disabled while its sign-in runs, and the claims of an earlier sign-in
  // leave the screen as soon as a new one starts.
  $('signin').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const username = $<HTMLInputElement>('username').value;
    const password = $<HTMLInputElement>('password').value;
    session.hide();
    $('claims').textContent = '';
    void runFlow(
      $<HTMLButtonElement>('submit'),
      async (flow) => {
        await signOut().catch(() => undefined);
        flow.check();
        flow.setState('password', 'Checking your password…');
        // snippet:stepup-signin
        const first = await signIn({
          username,
          password,
          options: { authFlowType: 'CUSTOM_WITH_SRP' },
        });
        flow.check();
        flow.setState('stepup', 'Confirm it is you with your provider…');
        const out = await drive({ confirmSignIn }, first, {
          container: $('stepup'),
          ...(cfg.providerOrigin ? { providerOrigin: cfg.providerOrigin } : {}),
          onRejectedMessage: (m) => rejected.push(m),
          // The wait ends with the client's session (AuthSessionValidity);
          // a newer sign-in aborts this one.
          sessionValidityMs: sessionValidityMs(cfg),
          signal: flow.signal,
          onWaitUntil: flow.waitUntil,
        });
        // end snippet
        flow.check();
        if (!out.isSignedIn) {
          flow.setState('refused', `Not signed in: next step ${out.nextStep.signInStep}`);
          return;
        }
        const { tokens } = await fetchAuthSession();
        flow.check();
        if (!tokens) throw new Error('signed in, but Amplify holds no tokens');
        showClaims(tokens);
        session.signedIn();
        setState('signed-in', `Signed in as ${username}, stepped up.`);
      },
      async (err) => {
        // A refused or expired sign-in leaves nobody signed in (the page
        // signed the earlier session out first): say so, show nothing else.
        if (!(await hasSession())) {
          session.hide();
          $('claims').textContent = '';
        }
        showRefusal(err, 'Not signed in. ');
      },
    );
  });
  setState('ready', 'Sign in with your password; your provider confirms it is you.');
}

/** The access token's user and its step-up claims (acr/amr, if any). */
function showClaims(tokens: AuthTokens) {
  const access = claims(tokens.accessToken.toString());
  $('claims').textContent = JSON.stringify(
    { username: access['username'], ...pick(access, /stepup|acr|amr/) },
    null,
    2,
  );
}

function pick(o: Record<string, unknown>, re: RegExp): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => re.test(k)));
}
