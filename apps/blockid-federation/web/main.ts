// The BlockID federation sample (apps/blockid-federation): Cognito hosted
// sign-in with 1Kosmos BlockID as the pool's OpenID identity provider,
// asked for identity assurance (scope /assurance/ial/2), through Amplify
// v6 signInWithRedirect (via @cognitobridge/client's hostedSignIn). The
// pool maps BlockID's assurance claim into the untrusted
// custom:idp_ial_raw; its pre token generation function (the assurance
// behaviour) turns the level into the backend-only custom:ial at BlockID's
// own sign-in, in the ID token and, with the V2 event, the access token.
// The page shows those claims, and can try to raise the assurance with the
// user's own access token (UpdateUserAttributes), which must change
// nothing. It marks its state on <body data-state> ('ready',
// 'redirecting', 'completing', 'signed-in', 'refused', 'attempting',
// 'attempted', and sessionControls' 'refreshing', 'refreshed',
// 'signing-out') for the browser tests. Signed in, Refresh session renews
// the tokens through Amplify and Sign out revokes them, then leaves through
// the pool's /logout (common.ts sessionControls).
//
// Both actions are flows of common.ts runFlow, their buttons disabled while
// they run: a double click on "Sign in with BlockID" starts one redirect
// (two would each store their own state and PKCE verifier, and the redirect
// that came back would not match the last one stored), and a double click
// on the self-assertion runs one attempt and one refresh. A refusal shows
// one sentence, the raw error under Details; one that ended the session
// puts the page back in its signed-out look.
import { Hub } from 'aws-amplify/utils';
import { fetchAuthSession, signInWithRedirect, updateUserAttributes, type AuthTokens } from 'aws-amplify/auth';
import { hostedSignIn } from '@cognitobridge/client';
import {
  $,
  configureHostedSignIn,
  errorCode,
  refreshSession,
  runFlow,
  sessionControls,
  setState,
  showRefusal,
  type PageConfig,
  type SessionControls,
} from '../../web/common.js';

interface Config extends PageConfig {
  oauthDomain?: string;
  redirectSignIn?: string;
  redirectSignOut?: string;
  scopes?: string[];
  providerName?: string;
}

// snippet:blockid-federation-client
/** The hosted sign-in, straight to BlockID (identity_provider=BlockID, no hosted login page). */
async function signInWithBlockID(provider: string) {
  await hostedSignIn(provider, { signInWithRedirect });
}

/**
 * The session's tokens (fetchAuthSession() after the redirect Amplify completed, or
 * the refreshed ones): custom:ial, custom:ial_at and custom:ial_src in the ID token,
 * custom:ial and custom:ial_at in the access token, present only when BlockID vouched
 * for a level. The page only shows them; a backend trusts the verified token's claim
 * (or AdminGetUser with assurance.Bound), never a value the page sends.
 */
function assuranceOf(tokens: AuthTokens | undefined) {
  if (!tokens?.idToken) return undefined;
  const id = tokens.idToken.payload;
  const access = tokens.accessToken.payload;
  return {
    email: id['email'],
    email_verified: id['email_verified'],
    identities: ((id['identities'] ?? []) as { providerName?: string }[]).map((i) => i.providerName),
    idToken: {
      'custom:ial': id['custom:ial'] ?? null,
      'custom:ial_at': id['custom:ial_at'] ?? null,
      'custom:ial_src': id['custom:ial_src'] ?? null,
    },
    accessToken: {
      'custom:ial': access['custom:ial'] ?? null,
      'custom:ial_at': access['custom:ial_at'] ?? null,
    },
  };
}
// end snippet

/** Shows what tokens carry; false when there are none. */
function showTokens(tokens: AuthTokens | undefined): boolean {
  const shown = assuranceOf(tokens);
  if (!shown) return false;
  $('claims').textContent = JSON.stringify(shown, null, 2);
  return true;
}

/** Shows the signed-in session, if any (after the redirect, or a reload). */
async function showSession(session: SessionControls): Promise<boolean> {
  const tokens = (await fetchAuthSession().catch(() => undefined))?.tokens;
  if (!showTokens(tokens)) return false;
  const id = tokens?.idToken?.payload ?? {};
  const ial = id['custom:ial'];
  setState(
    'signed-in',
    `Signed in with BlockID as ${String(id['email'])}: ${ial ? `identity assurance level ${String(ial)}` : 'no identity assurance'}.`,
  );
  session.signedIn();
  // Signed in, only the actions that fit: no second sign-in on top of this one.
  $('signin-provider').hidden = true;
  $('self-assert').hidden = false;
  return true;
}

/** A hosted sign-in that did not come back signed in. */
function refused(err: unknown) {
  showRefusal(err, 'Not signed in. ');
}

/** One UpdateUserAttributes with the user's own access token: what Cognito answered. */
async function tryWrite(name: string, value: string): Promise<string> {
  try {
    await updateUserAttributes({ userAttributes: { [name]: value } });
    return 'accepted';
  } catch (err) {
    return `refused (${errorCode(err)}): ${(err as Error).message}`;
  }
}

async function main() {
  const cfg = (await (await fetch('/config.json', { cache: 'no-store' })).json()) as Config;
  const provider = cfg.providerName ?? 'BlockID';
  if (cfg.local) {
    $('local').hidden = false;
    if (cfg.oauthDomain) $<HTMLAnchorElement>('hosted-link').href = `https://${cfg.oauthDomain}/`;
  }
  const session = sessionControls({
    show: (tokens) => void showTokens(tokens),
    signedOut: () => {
      $('self-assert').hidden = true;
      $('signin-provider').hidden = false;
      $('attempt').textContent = '';
      setState('signed-out', `Signed out. Sign in again with ${provider}.`);
    },
    container: $('actions'),
  });
  let settled = false;
  // Registered before configure: Amplify completes the redirect as soon as
  // it is configured, and reports on the Hub.
  Hub.listen('auth', ({ payload }) => {
    if (payload.event === 'signInWithRedirect') {
      settled = true;
      void showSession(session);
    } else if (payload.event === 'signInWithRedirect_failure') {
      settled = true;
      refused((payload.data as { error?: Error } | undefined)?.error ?? new Error('the sign-in was not completed'));
    }
  });
  configureHostedSignIn(cfg);
  const signInButton = $<HTMLButtonElement>('signin-provider');
  $('signin-provider').addEventListener('click', () => {
    void runFlow(
      signInButton,
      async (flow) => {
        flow.setState('redirecting', `Going to ${provider}…`);
        await signInWithBlockID(provider);
        // Amplify has sent the browser on its way: the page is leaving, so
        // the button stays disabled until it has left, or came back from the
        // back-forward cache (pageshow below). After runFlow re-enabled it.
        setTimeout(() => (signInButton.disabled = true));
      },
      refused,
    );
  });
  // Back from the provider by the browser's Back button (a page restored
  // from the back-forward cache): it may sign in again.
  addEventListener('pageshow', (ev) => {
    if (!ev.persisted) return;
    signInButton.disabled = false;
    if (document.body.dataset.state === 'redirecting') setState('ready', `Sign in with ${provider}.`);
  });

  // The user's own access token tries to write the assurance: custom:ial is
  // on no client's write list (refused); custom:idp_ial_raw, which the
  // hosted sign-in client must be able to write for the mapping, is read
  // only at BlockID's own sign-in, so a refresh still carries no custom:ial.
  // The refresh is a real one (refreshSession: new tokens from the pool, or
  // an error), never the tokens Amplify cached at the sign-in.
  const selfAssert = $<HTMLButtonElement>('self-assert');
  $('self-assert').addEventListener('click', () => {
    const attempt: Record<string, unknown> = {};
    $('attempt').textContent = '';
    void runFlow(
      [selfAssert, $<HTMLButtonElement>('refresh'), $<HTMLButtonElement>('signout')],
      async (flow) => {
        flow.setState('attempting', 'Writing custom:ial and custom:idp_ial_raw with your own access token…');
        attempt['custom:ial'] = await tryWrite('custom:ial', '3');
        attempt['custom:idp_ial_raw'] = await tryWrite('custom:idp_ial_raw', '["ial3"]');
        const tokens = await refreshSession();
        flow.check();
        showTokens(tokens);
        const ial = tokens.idToken?.payload['custom:ial'] ?? null;
        attempt['after refresh: custom:ial'] = ial;
        $('attempt').textContent = JSON.stringify(attempt, null, 2);
        setState(
          'attempted',
          `Tried to raise your own assurance; after a token refresh: ${ial ? `level ${String(ial)}` : 'no identity assurance'}.`,
        );
      },
      (err) => {
        // A refused refresh: Amplify has dropped the session.
        attempt['refresh'] = `refused (${errorCode(err)}): ${(err as Error).message}`;
        $('attempt').textContent = JSON.stringify(attempt, null, 2);
        session.hide();
        selfAssert.hidden = true;
        signInButton.hidden = false;
        $('claims').textContent = '';
        showRefusal(err, 'Tried to raise your own assurance, but the session ended: sign in again.', {
          sentence: '',
        });
      },
    );
  });

  const q = new URLSearchParams(location.search);
  if (q.has('code') || q.has('error')) {
    setState('completing', 'Completing the sign-in…');
    // Fallback when Amplify has no sign-in in flight for this page (e.g. a
    // reload): show the pool's error from the URL.
    setTimeout(() => {
      if (!settled && q.has('error')) {
        const err = new Error(q.get('error_description') ?? q.get('error') ?? 'error');
        err.name = q.get('error') ?? 'error';
        refused(err);
      }
    }, 5000);
    return;
  }
  if (await showSession(session)) return;
  setState('ready', `Sign in with ${provider}.`);
}

void main();
