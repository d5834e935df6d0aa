// The Mosaic federation sample: Cognito hosted sign-in with Mosaic as the
// pool's OpenID identity provider, through Amplify v6 signInWithRedirect
// (via @cognitobridge/client's hostedSignIn). Amplify completes the code
// flow when the pool sends the browser back here; a refused sign-up (the
// pre sign-up trigger's linking rule) comes back as error/error_description
// and is shown as such. The page marks its state on <body data-state>
// ('ready', 'redirecting', 'signed-in', 'refused') for the browser tests.
import { Amplify } from 'aws-amplify';
import { Hub } from 'aws-amplify/utils';
import { fetchAuthSession, signInWithRedirect, signOut } from 'aws-amplify/auth';
import { hostedSignIn } from '@cognitobridge/client';

interface PageConfig {
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  userPoolEndpoint?: string;
  oauthDomain?: string;
  redirectSignIn?: string;
  redirectSignOut?: string;
  scopes?: string[];
  providerName?: string;
  local?: boolean;
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
  return JSON.parse(decodeURIComponent(escape(json))) as Record<string, unknown>;
}

function refused(message: string) {
  // Cognito wraps the trigger's message: "PreSignUp failed with error <message>. "
  const text = message.replace(/^PreSignUp failed with error /, '').replace(/\.\s*$/, '').trim();
  setState('refused', `Refused: ${text}`);
  $('signout').hidden = true;
}

async function showSession(provider: string): Promise<boolean> {
  const session = await fetchAuthSession().catch(() => undefined);
  const id = session?.tokens?.idToken?.toString();
  if (!id) return false;
  const c = claims(id);
  const identities = (c['identities'] as { providerName?: string }[] | undefined) ?? [];
  $('claims').textContent = JSON.stringify(
    { 'cognito:username': c['cognito:username'], email: c['email'], email_verified: c['email_verified'], identities: identities.map((i) => i.providerName), sub: c['sub'] },
    null,
    2,
  );
  const via = identities.length > 0 && String(c['cognito:username']).startsWith(`${identities[0]?.providerName}_`) ? identities[0]?.providerName : undefined;
  setState('signed-in', `Signed in${via ? ` with ${via}` : ''} as ${String(c['email'] ?? c['cognito:username'])}.`);
  $('signout').hidden = false;
  void provider;
  return true;
}

async function main() {
  const cfg = (await (await fetch('/config.json', { cache: 'no-store' })).json()) as PageConfig;
  const provider = cfg.providerName ?? 'Mosaic';
  $('signin-provider').textContent = `Sign in with ${provider}`;
  if (cfg.local) {
    $('local').hidden = false;
    if (cfg.oauthDomain) $<HTMLAnchorElement>('hosted-link').href = `https://${cfg.oauthDomain}/`;
  }
  let settled = false;
  // Registered before configure: Amplify completes the redirect as soon as
  // it is configured, and reports on the Hub.
  Hub.listen('auth', ({ payload }) => {
    if (payload.event === 'signInWithRedirect') {
      settled = true;
      void showSession(provider);
    } else if (payload.event === 'signInWithRedirect_failure') {
      settled = true;
      const err = (payload.data as { error?: Error } | undefined)?.error;
      refused(err?.message ?? 'the sign-in was not completed');
    }
  });
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: cfg.userPoolId,
        userPoolClientId: cfg.userPoolClientId,
        ...(cfg.userPoolEndpoint ? { userPoolEndpoint: cfg.userPoolEndpoint } : {}),
        loginWith: {
          oauth: {
            domain: cfg.oauthDomain ?? '',
            scopes: cfg.scopes ?? ['openid', 'email', 'profile'],
            redirectSignIn: [cfg.redirectSignIn ?? `${location.origin}/`],
            redirectSignOut: [cfg.redirectSignOut ?? `${location.origin}/`],
            responseType: 'code',
          },
        },
      },
    },
  });

  $('signin-provider').addEventListener('click', async () => {
    setState('redirecting', `Going to ${provider}…`);
    try {
      await hostedSignIn(provider, { signInWithRedirect });
    } catch (err) {
      setState('refused', `Refused: ${(err as Error).message}`);
    }
  });
  $('signin-password').addEventListener('click', async () => {
    setState('redirecting', 'Going to the hosted sign-in…');
    try {
      await signInWithRedirect();
    } catch (err) {
      setState('refused', `Refused: ${(err as Error).message}`);
    }
  });
  $('signout').addEventListener('click', async () => {
    await signOut();
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
  if (await showSession(provider)) return;
  setState('ready', `Sign in with ${provider}, or with your password.`);
}

void main();
