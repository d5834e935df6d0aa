// The sample pages' shared half: Amplify v6 configured from /config.json,
// a password form, the step-up through @cognitobridge/client, and a result
// panel. Each sample's web/main.ts calls start() with its style. The page
// marks its state on <body data-state> so the browser tests can wait on it.
import { Amplify } from 'aws-amplify';
import { confirmSignIn, fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';
import { drive, StepUpError, type RejectedMessage } from '@cognitobridge/client';

/** What /config.json holds: written by the local stack, or from a deployed stack's outputs. */
export interface PageConfig {
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  /** The local Cognito endpoint; absent for a deployed pool. */
  userPoolEndpoint?: string;
  /** The loopback provider's origin (local only); a deployment uses https://{tenantDns}. */
  providerOrigin?: string;
  local?: boolean;
}

export interface SampleStyle {
  title: string;
  /** One sentence shown under the title. */
  blurb: string;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function setState(state: string, text: string) {
  document.body.dataset.state = state;
  $('status').textContent = text;
}

/** Decodes a JWT's payload for display (the page never trusts it). */
function claims(jwt: string | undefined): Record<string, unknown> {
  if (!jwt) return {};
  const part = jwt.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(json) as Record<string, unknown>;
}

export async function start(style: SampleStyle): Promise<void> {
  document.title = style.title;
  $('title').textContent = style.title;
  $('blurb').textContent = style.blurb;
  const cfg = (await (await fetch('/config.json', { cache: 'no-store' })).json()) as PageConfig;
  // snippet:amplify-configure
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: cfg.userPoolId,
        userPoolClientId: cfg.userPoolClientId,
        ...(cfg.userPoolEndpoint ? { userPoolEndpoint: cfg.userPoolEndpoint } : {}),
      },
    },
  });
  // end snippet
  if (cfg.local) $('local').hidden = false;
  const rejected: RejectedMessage[] = [];
  (window as unknown as { rejectedMessages: RejectedMessage[] }).rejectedMessages = rejected;

  $('signin').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const username = $<HTMLInputElement>('username').value;
    const password = $<HTMLInputElement>('password').value;
    try {
      await signOut().catch(() => undefined);
      setState('password', 'Checking your password…');
      // snippet:stepup-signin
      const first = await signIn({ username, password, options: { authFlowType: 'CUSTOM_WITH_SRP' } });
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
      const session = await fetchAuthSession();
      const access = claims(session.tokens?.accessToken?.toString());
      $('claims').textContent = JSON.stringify(
        { username: access['username'], stepup: access['stepup'] ?? access['cognitobridge:stepup'] ?? null, ...pick(access, /stepup|acr|amr/) },
        null,
        2,
      );
      setState('signed-in', `Signed in as ${username}, stepped up.`);
    } catch (err) {
      const code = err instanceof StepUpError ? err.code : (err as { name?: string }).name ?? 'error';
      setState('refused', `Refused (${code}): ${(err as Error).message}`);
    }
  });
  setState('ready', 'Sign in with your password; your provider confirms it is you.');
}

function pick(o: Record<string, unknown>, re: RegExp): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => re.test(k)));
}
