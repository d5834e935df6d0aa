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
import { Hub } from 'aws-amplify/utils';
import { fetchAuthSession, signInWithRedirect, updateUserAttributes, type AuthTokens } from 'aws-amplify/auth';
import { hostedSignIn } from '@cognitobridge/client';
import {
  $,
  configureHostedSignIn,
  errorCode,
  refreshSession,
  sessionControls,
  setState,
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
  $('self-assert').hidden = false;
  return true;
}

function refused(message: string) {
  setState('refused', `Refused: ${message.replace(/\.\s*$/, '').trim()}`);
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
      refused((payload.data as { error?: Error } | undefined)?.error?.message ?? 'the sign-in was not completed');
    }
  });
  configureHostedSignIn(cfg);
  $('signin-provider').addEventListener('click', async () => {
    setState('redirecting', `Going to ${provider}…`);
    try {
      await signInWithBlockID(provider);
    } catch (err) {
      refused((err as Error).message);
    }
  });

  // The user's own access token tries to write the assurance: custom:ial is
  // on no client's write list (refused); custom:idp_ial_raw, which the
  // hosted sign-in client must be able to write for the mapping, is read
  // only at BlockID's own sign-in, so a refresh still carries no custom:ial.
  // The refresh is a real one (refreshSession: new tokens from the pool, or
  // an error), never the tokens Amplify cached at the sign-in.
  $('self-assert').addEventListener('click', async () => {
    setState('attempting', 'Writing custom:ial and custom:idp_ial_raw with your own access token…');
    const attempt: Record<string, unknown> = {
      'custom:ial': await tryWrite('custom:ial', '3'),
      'custom:idp_ial_raw': await tryWrite('custom:idp_ial_raw', '["ial3"]'),
    };
    try {
      const tokens = await refreshSession();
      showTokens(tokens);
      const ial = tokens.idToken?.payload['custom:ial'] ?? null;
      attempt['after refresh: custom:ial'] = ial;
      $('attempt').textContent = JSON.stringify(attempt, null, 2);
      setState(
        'attempted',
        `Tried to raise your own assurance; after a token refresh: ${ial ? `level ${String(ial)}` : 'no identity assurance'}.`,
      );
    } catch (err) {
      attempt['refresh'] = `refused (${errorCode(err)}): ${(err as Error).message}`;
      $('attempt').textContent = JSON.stringify(attempt, null, 2);
      session.hide();
      $('self-assert').hidden = true;
      $('claims').textContent = '';
      setState('refused', `Tried to raise your own assurance, but the session could not be refreshed: sign in again.`);
    }
  });

  const q = new URLSearchParams(location.search);
  if (q.has('code') || q.has('error')) {
    setState('completing', 'Completing the sign-in…');
    // Fallback when Amplify has no sign-in in flight for this page (e.g. a
    // reload): show the pool's error from the URL.
    setTimeout(() => {
      if (!settled && q.has('error')) refused(q.get('error_description') ?? q.get('error') ?? 'error');
    }, 5000);
    return;
  }
  if (await showSession(session)) return;
  setState('ready', `Sign in with ${provider}.`);
}

void main();
