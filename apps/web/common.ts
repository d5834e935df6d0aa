// What every sample page shares: its element lookup, the state it marks on
// <body data-state> (the browser tests wait on it) with the status line,
// its title, Amplify v6 configured from /config.json, and the display of a
// token's claims. apps/web/page.ts (the step-up samples) and the pages with
// their own main.ts (identity-proofing, transaction-stepup) import it.
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

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Marks the page's state on <body data-state> and shows text in #status. */
export function setState(state: string, text: string) {
  document.body.dataset.state = state;
  $('status').textContent = text;
}

/** Sets the document's title, the #title heading and the #blurb under it. */
export function showTitle(title: string, blurb: string) {
  document.title = title;
  $('title').textContent = title;
  $('blurb').textContent = blurb;
}

/**
 * Fetches /config.json (a page's own Config extends PageConfig), configures
 * Amplify with its pool and shows the #local hint when the stack is local.
 */
export async function configure<C extends PageConfig = PageConfig>(): Promise<C> {
  const cfg = (await (await fetch('/config.json', { cache: 'no-store' })).json()) as C;
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
  return cfg;
}

/** The hosted sign-in settings of /config.json (federation samples). */
export interface HostedConfig extends PageConfig {
  oauthDomain?: string;
  scopes?: string[];
  redirectSignIn?: string;
  redirectSignOut?: string;
}

/**
 * Configures Amplify with the pool and its hosted sign-in (loginWith.oauth:
 * the code flow with PKCE). Register Hub listeners first: Amplify completes
 * a returning redirect as soon as it is configured.
 */
export function configureHostedSignIn(cfg: HostedConfig): void {
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
}

/** Decodes a JWT's payload (UTF-8 JSON) for display (the page never trusts it). */
export function claims(jwt: string | undefined): Record<string, unknown> {
  if (!jwt) return {};
  const part = jwt.split('.')[1] ?? '';
  const bin = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

/** The code to show for a failure: a StepUpError's code, else the error's name. */
export function errorCode(err: unknown): string {
  return err instanceof StepUpError ? err.code : ((err as { name?: string }).name ?? 'error');
}

// snippet:stepup-on-demand
/**
 * Signs in with the password (SRP inside custom authentication) and, when
 * reason is set, asks for the on-demand step-up. A client protected
 * ON_DEMAND gets ordinary tokens after the password when no reason is named;
 * with an allowed reason in signIn's clientMetadata (Define reads it from the
 * password step), a custom challenge follows (the provider, in a popup for
 * an OIDC provider) and the tokens carry cognitobridge:stepup_at and
 * cognitobridge:stepup_reason. The answer echoes the reason in
 * confirmSignIn's clientMetadata.
 */
export async function signInOnDemand(
  cfg: PageConfig,
  username: string,
  password: string,
  reason?: string,
  onRejectedMessage?: (m: RejectedMessage) => void,
): Promise<void> {
  await signOut().catch(() => undefined);
  const first = await signIn({
    username,
    password,
    options: {
      authFlowType: 'CUSTOM_WITH_SRP',
      ...(reason ? { clientMetadata: { stepup_reason: reason } } : {}),
    },
  });
  const out = await drive({ confirmSignIn }, first, {
    container: $('stepup'),
    ...(reason ? { reason } : {}),
    ...(cfg.providerOrigin ? { providerOrigin: cfg.providerOrigin } : {}),
    ...(onRejectedMessage ? { onRejectedMessage } : {}),
  });
  if (!out.isSignedIn) throw new Error(`not signed in: next step ${out.nextStep.signInStep}`);
}
// end snippet

/** The signed-in user's access token; throws when nobody is signed in. */
export async function accessToken(): Promise<string> {
  const t = (await fetchAuthSession()).tokens?.accessToken?.toString();
  if (!t) throw new Error('not signed in');
  return t;
}
