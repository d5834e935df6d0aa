// The sample pages' shared half: Amplify v6 configured from /config.json,
// a password form, the step-up through @cognitobridge/client, and a result
// panel. Each sample's web/main.ts calls start() with its style. The page
// marks its state on <body data-state> so the browser tests can wait on it
// (common.ts: what every sample page shares). Signed in, the page can
// refresh the session (the step-up claims are gone from refreshed tokens)
// and sign out (common.ts sessionControls).
import { confirmSignIn, fetchAuthSession, signIn, signOut, type AuthTokens } from 'aws-amplify/auth';
import { drive, type RejectedMessage } from '@cognitobridge/client';
import { $, claims, configure, errorCode, sessionControls, setState, showTitle } from './common.js';

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

  $('signin').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const username = $<HTMLInputElement>('username').value;
    const password = $<HTMLInputElement>('password').value;
    session.hide();
    try {
      await signOut().catch(() => undefined);
      setState('password', 'Checking your password…');
      // snippet:stepup-signin
      const first = await signIn({
        username,
        password,
        options: { authFlowType: 'CUSTOM_WITH_SRP' },
      });
      setState('stepup', 'Confirm it is you with your provider…');
      const out = await drive({ confirmSignIn }, first, {
        container: $('stepup'),
        ...(cfg.providerOrigin ? { providerOrigin: cfg.providerOrigin } : {}),
        onRejectedMessage: (m) => rejected.push(m),
      });
      // end snippet
      if (!out.isSignedIn) {
        setState('refused', `Not signed in: next step ${out.nextStep.signInStep}`);
        return;
      }
      const { tokens } = await fetchAuthSession();
      if (!tokens) throw new Error('signed in, but Amplify holds no tokens');
      showClaims(tokens);
      session.signedIn();
      setState('signed-in', `Signed in as ${username}, stepped up.`);
    } catch (err) {
      setState('refused', `Refused (${errorCode(err)}): ${(err as Error).message}`);
    }
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
