// The Mosaic federation sample: Cognito hosted sign-in with Mosaic as the
// pool's OpenID identity provider, through Amplify v6 signInWithRedirect
// (via @cognitobridge/client's hostedSignIn). Amplify completes the code
// flow when the pool sends the browser back here; a refused sign-up (the
// pre sign-up trigger's linking rule) comes back as error/error_description
// and is shown as such. Mosaic identifies users by email or by phone number
// (the stack's mosaicIdentifier): the page is the same for both. A native
// user signed in with their password
// connects Mosaic to their account (constructs/connect, through
// @cognitobridge/client's connectProvider); their next Mosaic sign-in lands
// in that account. The page marks its state on <body data-state>
// ('ready', 'redirecting', 'signed-in', 'refused', 'connecting',
// 'connected', and sessionControls' 'refreshing', 'refreshed',
// 'signing-out') for the browser tests. Signed in, Refresh session renews
// the tokens through Amplify and Sign out revokes them, then leaves through
// the pool's /logout (common.ts sessionControls).
import { Hub } from 'aws-amplify/utils';
import { fetchAuthSession, signInWithRedirect, type AuthTokens } from 'aws-amplify/auth';
import { ConnectError, connectProvider, hostedSignIn, type RejectedMessage } from '@cognitobridge/client';
import {
  $,
  claims,
  configureHostedSignIn,
  refreshSession,
  runFlow,
  sessionControls,
  setState,
  showRefusal,
  type HostedConfig,
  type SessionControls,
} from '../../web/common.js';

interface Config extends HostedConfig {
  providerName?: string;
  /** The connect API (POST /connect/start, /connect/callback); `connectUrl` wins over `apiUrl`. */
  apiUrl?: string;
  connectUrl?: string;
}

declare global {
  interface Window {
    /** Messages the connect popup's listener ignored (read by the browser tests). */
    rejectedMessages?: RejectedMessage[];
  }
}

/** How this tab started its last sign-in ('password' or the provider's name). */
const VIA_KEY = 'mosaic-sample.via';

function refused(message: string) {
  // Cognito wraps the trigger's message: "PreSignUp failed with error <message>. "
  const text = message
    .replace(/^PreSignUp failed with error /, '')
    .replace(/\.\s*$/, '')
    .trim();
  setState('refused', `Refused: ${text}`);
}

/** The ID token's user and identities: shown after sign-in and after a refresh. */
function showTokens(tokens: AuthTokens) {
  const c = claims(tokens.idToken?.toString());
  const identities = ((c['identities'] as { providerName?: string }[] | undefined) ?? []).map((i) => i.providerName);
  // email / phone_number are the account's own; custom:idp_* are what
  // Mosaic said at its last sign-in (a linkable provider maps nothing the
  // pool trusts), shown under their own names. Absent claims are left out.
  $('claims').textContent = JSON.stringify(
    {
      'cognito:username': c['cognito:username'],
      email: c['email'],
      email_verified: c['email_verified'],
      phone_number: c['phone_number'],
      phone_number_verified: c['phone_number_verified'],
      'custom:idp_email': c['custom:idp_email'],
      'custom:idp_phone': c['custom:idp_phone'],
      'custom:idp_phone_verified': c['custom:idp_phone_verified'],
      identities,
      sub: c['sub'],
    },
    null,
    2,
  );
}

async function showSession(provider: string, canConnect: boolean, session: SessionControls): Promise<boolean> {
  const tokens = (await fetchAuthSession().catch(() => undefined))?.tokens;
  const id = tokens?.idToken?.toString();
  if (!tokens || !id) return false;
  showTokens(tokens);
  const c = claims(id);
  const identities = ((c['identities'] as { providerName?: string }[] | undefined) ?? []).map((i) => i.providerName);
  const username = String(c['cognito:username']);
  // A federated user's name is <provider>_<subject>; a native user who
  // connected the provider keeps their own name and signs in either way.
  const federated = identities.some((p) => p !== undefined && username.startsWith(`${p}_`));
  const via = sessionStorage.getItem(VIA_KEY);
  const linked = !federated && identities.includes(provider);
  const how = federated || (linked && via === provider) ? ` with ${provider}` : '';
  setState(
    'signed-in',
    `Signed in${how} as ${String(c['email'] ?? c['phone_number'] ?? username)}${linked && via === provider ? ` (your own account, user ${username}: ${provider} is connected to it)` : ''}.`,
  );
  session.signedIn();
  signInButtons(false);
  $('connect').hidden = !canConnect || federated || linked;
  return true;
}

/** The sign-in buttons fit only a signed-out page (Amplify refuses a second sign-in). */
function signInButtons(shown: boolean) {
  $('signin-provider').hidden = !shown;
  $('signin-password').hidden = !shown;
}

async function main() {
  const cfg = (await (await fetch('/config.json', { cache: 'no-store' })).json()) as Config;
  const provider = cfg.providerName ?? 'Mosaic';
  const connectUrl = cfg.connectUrl ?? cfg.apiUrl;
  $('signin-provider').textContent = `Sign in with ${provider}`;
  $('connect').textContent = `Connect ${provider}`;
  if (cfg.local) {
    $('local').hidden = false;
    if (cfg.oauthDomain) $<HTMLAnchorElement>('hosted-link').href = `https://${cfg.oauthDomain}/`;
  }
  const session = sessionControls({
    show: showTokens,
    beforeSignOut: () => sessionStorage.removeItem(VIA_KEY),
    signedOut: () => {
      $('connect').hidden = true;
      signInButtons(true);
      setState('signed-out', `Signed out. Sign in with ${provider}, or with your password.`);
    },
    container: $('actions'),
  });
  let settled = false;
  // Registered before configure: Amplify completes the redirect as soon as
  // it is configured, and reports on the Hub.
  Hub.listen('auth', ({ payload }) => {
    if (payload.event === 'signInWithRedirect') {
      settled = true;
      void showSession(provider, connectUrl !== undefined, session);
    } else if (payload.event === 'signInWithRedirect_failure') {
      settled = true;
      const err = (payload.data as { error?: Error } | undefined)?.error;
      refused(err?.message ?? 'the sign-in was not completed');
    }
  });
  configureHostedSignIn(cfg);

  $('signin-provider').addEventListener('click', async () => {
    // The page leaves for the provider: a second click would race the first.
    $<HTMLButtonElement>('signin-provider').disabled = true;
    sessionStorage.setItem(VIA_KEY, provider);
    setState('redirecting', `Going to ${provider}…`);
    try {
      await hostedSignIn(provider, { signInWithRedirect });
    } catch (err) {
      $<HTMLButtonElement>('signin-provider').disabled = false;
      showRefusal(err, 'Not signed in. ');
    }
  });
  $('signin-password').addEventListener('click', async () => {
    $<HTMLButtonElement>('signin-password').disabled = true;
    sessionStorage.setItem(VIA_KEY, 'password');
    setState('redirecting', 'Going to the hosted sign-in…');
    try {
      await signInWithRedirect();
    } catch (err) {
      $<HTMLButtonElement>('signin-password').disabled = false;
      showRefusal(err, 'Not signed in. ');
    }
  });

  // snippet:connect
  // A native user signed in with their password connects the provider:
  // the connect API starts (state, nonce and PKCE stay server side), the
  // person logs in at the provider in a popup, the provider returns to the
  // app's connect redirect page (the module's callback.html), which posts
  // {code, state} to this window only; the API links the identity.
  $('connect').addEventListener('click', () => {
    // Opened in the click itself, before any await, so no popup blocker
    // interferes; connectProvider sends it to the provider.
    const popup = window.open('about:blank', 'cognitobridge_connect', 'popup=yes,width=480,height=720') ?? undefined;
    // Connect is disabled while it runs (common.ts runFlow): one popup, one link.
    void runFlow(
      $<HTMLButtonElement>('connect'),
      async (flow) => {
        flow.setState('connecting', `Log in at ${provider} in the new window…`);
        const accessToken = (await fetchAuthSession()).tokens?.accessToken?.toString() ?? '';
        const done = await connectProvider({
          apiUrl: connectUrl ?? '',
          accessToken,
          ...(popup ? { popup } : {}),
          signal: flow.signal,
          onRejectedMessage: (m) => (window.rejectedMessages ??= []).push(m),
        });
        flow.check();
        $('connect').hidden = true;
        // The tokens on screen predate the link: refresh them, so that the
        // claims show the connected identity.
        // The link is made: a failed refresh must not report it as not made.
        const fresh = await refreshSession().catch(() => undefined);
        flow.check();
        if (fresh) showTokens(fresh);
        flow.setState(
          'connected',
          `${done.provider || provider} connected: ${fresh ? 'your tokens below list it' : 'your next sign-in lists it'}. Sign out, then sign in with ${provider} to land in this account.`,
        );
      },
      (err) => {
        popup?.close();
        // ConnectError: the API refused (e.g. reauthenticate, provider_login_failed,
        // identity_in_use); StepUpError: the popup was closed, timed out, or the
        // provider answered an error.
        showRefusal(err instanceof ConnectError ? new Error(err.code) : err, `${provider} not connected. `);
      },
    );
  });
  // end snippet

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
  if (await showSession(provider, connectUrl !== undefined, session)) return;
  setState('ready', `Sign in with ${provider}, or with your password.`);
}

void main();
