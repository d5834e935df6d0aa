// What every sample page shares: its element lookup, the state it marks on
// <body data-state> (the browser tests wait on it) with the status line,
// its title, Amplify v6 configured from /config.json, and the display of a
// token's claims, and the Refresh session / Sign out buttons of a signed-in
// page (sessionControls). apps/web/page.ts (the step-up samples) and the
// pages with their own main.ts import it.
import { Amplify } from 'aws-amplify';
import { confirmSignIn, fetchAuthSession, signIn, signOut, type AuthTokens } from 'aws-amplify/auth';
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
  /**
   * The app client's AuthSessionValidity, in minutes (3 to 15; Cognito's default 3, the
   * samples' clients 5): how long the person has at the provider.
   */
  authSessionValidity?: number;
}

/** Cognito's default AuthSessionValidity, in minutes: the safe guess when the configuration has none. */
export const DEFAULT_AUTH_SESSION_MINUTES = 3;

/** How long a challenge's Session value lives for this page's client, in milliseconds. */
export function sessionValidityMs(cfg: PageConfig): number {
  return (cfg.authSessionValidity ?? DEFAULT_AUTH_SESSION_MINUTES) * 60 * 1000;
}

export const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Marks the page's state on <body data-state> and shows text in #status. */
export function setState(state: string, text: string) {
  document.body.dataset.state = state;
  $('status').textContent = text;
}

// snippet:error-sentences
/**
 * One sentence a person can act on, for each error name Cognito (the API's __type, which
 * Amplify keeps as the error's name), Amplify and @cognitobridge/client (StepUpError codes)
 * give. The raw text goes into a collapsed <details> for developers (showRefusal).
 */
export const ERROR_SENTENCES: Record<string, string> = {
  NotAuthorizedException: 'The user name or password is wrong: check them and try again.',
  UserNotFoundException: 'The user name or password is wrong: check them and try again.',
  UserNotConfirmedException: 'Your account is not confirmed yet: confirm it with the emailed code first.',
  PasswordResetRequiredException: 'Your password must be reset before you can sign in.',
  InvalidPasswordException:
    'That password does not meet the rules: make it longer or add the missing kinds of characters.',
  CodeMismatchException: 'That code is wrong: check it and try again.',
  ExpiredCodeException: 'That code has expired: ask for a new one.',
  TooManyRequestsException: 'Too many attempts: wait a minute, then try again.',
  TooManyFailedAttemptsException: 'Too many attempts: wait a minute, then try again.',
  LimitExceededException: 'Too many attempts: wait a minute, then try again.',
  UserLambdaValidationException: 'Your provider did not confirm it was you: try again.',
  UserAlreadyAuthenticatedException: 'You are already signed in: sign out first to sign in as someone else.',
  // @cognitobridge/client (StepUpError codes)
  closed: 'You closed the provider window before it finished.',
  popup_blocked: "The browser blocked your provider's window: allow popups for this page and try again.",
  provider_error: 'Your provider refused the check: try again, or ask your administrator.',
  too_many_rounds: 'Too many attempts at your provider: sign in again.',
  rejected: 'Your identity check was refused.',
  expired: 'The sign-in expired: sign in again.',
};
// end snippet

/** A refusal that means the sign-in's time ran out (the module's wait, or Cognito's session). */
export function isExpired(err: unknown): boolean {
  const code = errorCode(err);
  const msg = (err as { message?: unknown })?.message;
  return (
    code === 'timeout' ||
    (code === 'NotAuthorizedException' && typeof msg === 'string' && /session is expired/i.test(msg))
  );
}

/** The sentence for err: its name's, else the message itself. */
export function explain(err: unknown): string {
  if (isExpired(err)) return ERROR_SENTENCES['expired']!;
  return ERROR_SENTENCES[errorCode(err)] ?? String((err as Error)?.message ?? err);
}

/** What a page may change in showRefusal. */
export interface RefusalOptions {
  /** The state to mark instead of 'refused' (an expired sign-in is always 'expired'). */
  state?: string;
  /** The sentence instead of the table's, where the page knows better what the error means here. */
  sentence?: string;
}

/**
 * Shows a refusal: state 'refused' (or 'expired'), prefix and the one sentence in #status,
 * and the raw name and message in a collapsed <details> under it.
 */
export function showRefusal(err: unknown, prefix = '', opts: RefusalOptions = {}): void {
  const expired = isExpired(err);
  setState(
    expired ? 'expired' : (opts.state ?? 'refused'),
    `${prefix}${expired ? explain(err) : (opts.sentence ?? explain(err))}`,
  );
  const d = document.createElement('details');
  d.id = 'error-details';
  const summary = document.createElement('summary');
  summary.textContent = 'Details';
  const raw = document.createElement('code');
  raw.textContent = ` ${errorCode(err)}: ${String((err as Error)?.message ?? err)}`;
  d.append(summary, raw);
  $('status').append(d);
}

/** What a running flow may do (runFlow). */
export interface Flow {
  /** Aborted when a newer flow starts: hand it to @cognitobridge/client. */
  readonly signal: AbortSignal;
  /** False once a newer flow started: a superseded flow writes nothing. */
  readonly live: boolean;
  /** setState, while live. */
  setState(state: string, text: string): void;
  /** Throws when superseded: call after each await before writing a result. */
  check(): void;
  /** Shows the time left at the provider until `until` (epoch ms), while live (the module's onWaitUntil). */
  waitUntil(until: number): void;
}

let currentFlow: AbortController | undefined;
let countdown: ReturnType<typeof setInterval> | undefined;

function stopCountdown() {
  clearInterval(countdown);
  countdown = undefined;
  const el = document.getElementById('countdown');
  if (el) el.hidden = true;
}

/**
 * Runs one flow of the page (a sign-in, a payment, a connect): one at a time, the latest
 * wins. Starting a flow aborts the one running (its provider frame or popup goes, it writes
 * nothing more), and button (or each of several: the actions that must not run beside this
 * one) is disabled until this flow ends, so a double click starts one flow. The body runs
 * synchronously up to its first await, inside the click: a window it opens there is not
 * blocked. fail gets the errors of the flow while it is the latest; a superseded flow's are
 * dropped.
 */
export async function runFlow(
  button: HTMLButtonElement | HTMLButtonElement[] | null,
  body: (flow: Flow) => Promise<void>,
  fail: (err: unknown) => void | Promise<void>,
): Promise<void> {
  currentFlow?.abort();
  stopCountdown();
  const ac = new AbortController();
  currentFlow = ac;
  const live = () => currentFlow === ac && !ac.signal.aborted;
  const flow: Flow = {
    signal: ac.signal,
    get live() {
      return live();
    },
    setState: (state, text) => {
      if (live()) setState(state, text);
    },
    check: () => {
      if (!live()) throw new Error('superseded');
    },
    waitUntil: (until) => {
      if (!live()) return;
      let el = document.getElementById('countdown');
      if (!el) {
        el = document.createElement('p');
        el.id = 'countdown';
        $('stepup').before(el);
      }
      const tick = () => {
        const left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
        el.textContent = `Time left at your provider: ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
      };
      tick();
      el.hidden = false;
      clearInterval(countdown);
      countdown = setInterval(tick, 1000);
    },
  };
  const buttons = button === null ? [] : Array.isArray(button) ? button : [button];
  buttons.forEach((b) => (b.disabled = true));
  try {
    await body(flow);
  } catch (err) {
    if (live()) await fail(err);
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    if (live()) {
      stopCountdown();
      currentFlow = undefined;
    }
  }
}

/** Whether Amplify holds a session (the truth a page's signed-in look must follow). */
export async function hasSession(): Promise<boolean> {
  return (await fetchAuthSession().catch(() => undefined))?.tokens?.accessToken !== undefined;
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
  flow?: Flow,
): Promise<void> {
  // A superseded flow must not sign out the session a newer flow started.
  flow?.check();
  await signOut().catch(() => undefined);
  flow?.check();
  const first = await signIn({
    username,
    password,
    options: {
      authFlowType: 'CUSTOM_WITH_SRP',
      ...(reason ? { clientMetadata: { stepup_reason: reason } } : {}),
    },
  });
  flow?.check();
  const out = await drive({ confirmSignIn }, first, {
    container: $('stepup'),
    ...(reason ? { reason } : {}),
    ...(cfg.providerOrigin ? { providerOrigin: cfg.providerOrigin } : {}),
    ...(onRejectedMessage ? { onRejectedMessage } : {}),
    // The wait ends with the client's session; a newer flow aborts this one.
    sessionValidityMs: sessionValidityMs(cfg),
    ...(flow ? { signal: flow.signal, onWaitUntil: flow.waitUntil } : {}),
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

/**
 * Refreshes the session through Amplify (fetchAuthSession({ forceRefresh:
 * true }): GetTokensFromRefreshToken) and returns the new tokens. Throws
 * when nothing new came back: Amplify answers a refused refresh token
 * (NotAuthorizedException) with no tokens rather than an error, and clears
 * the session; a page must not show the old tokens as refreshed ones.
 */
export async function refreshSession(): Promise<AuthTokens> {
  const before = (await fetchAuthSession().catch(() => undefined))?.tokens?.accessToken.payload['jti'];
  const { tokens } = await fetchAuthSession({ forceRefresh: true });
  if (!tokens) throw new Error('the pool refused to refresh this session (the refresh token expired or was revoked)');
  if (before !== undefined && tokens.accessToken.payload['jti'] === before)
    throw new Error('the tokens were not renewed');
  return tokens;
}

/** What a page tells sessionControls. */
export interface SessionOptions {
  /** Shows the claims of tokens in #claims: the page's own display after sign-in. */
  show: (tokens: AuthTokens) => void | Promise<void>;
  /** Puts the page back in its signed-out state once Amplify's signOut() has returned. */
  signedOut: () => void;
  /** Runs just before signOut() (e.g. forgets how this tab signed in). */
  beforeSignOut?: () => void;
  /** Where the buttons go (default: just above #status). */
  container?: HTMLElement;
}

/** The session buttons of one page (sessionControls). */
export interface SessionControls {
  /** The page now shows a signed-in user's claims: shows the buttons, captions the claims "after sign-in". */
  signedIn(): void;
  /** Hides the buttons and the caption (signed out, refused, or a sign-in under way). */
  hide(): void;
}

/**
 * Adds the Refresh session and Sign out buttons (#refresh, #signout) that
 * every page keeping a session shows while someone is signed in, both
 * disabled while either runs. Refresh renews the tokens through Amplify
 * (refreshSession), shows their claims with opts.show and captions them
 * "after refresh" (<body data-state="refreshed">); a refused refresh signs
 * the page out (Amplify has dropped the session) and says so. Sign out
 * calls Amplify's signOut() (RevokeToken: the refresh token stops working,
 * then the tokens are cleared; after a hosted sign-in Amplify also sends
 * the browser to the pool's /logout, which returns to the page) and then
 * opts.signedOut.
 */
export function sessionControls(opts: SessionOptions): SessionControls {
  const box = document.createElement('div');
  box.id = 'session';
  box.hidden = true;
  box.innerHTML =
    '<button id="refresh" type="button">Refresh session</button> <button id="signout" type="button">Sign out</button>';
  const caption = document.createElement('p');
  caption.id = 'claims-caption';
  caption.hidden = true;
  if (opts.container) opts.container.append(box);
  else $('status').before(box);
  $('claims').before(caption);
  const buttons = [...box.querySelectorAll('button')];
  const busy = (on: boolean) => buttons.forEach((b) => (b.disabled = on));
  const controls: SessionControls = {
    signedIn() {
      caption.textContent = 'Your tokens, after sign-in:';
      caption.hidden = false;
      box.hidden = false;
    },
    hide() {
      caption.hidden = true;
      box.hidden = true;
    },
  };
  const signedOut = () => {
    controls.hide();
    $('claims').textContent = '';
    opts.signedOut();
  };

  $('refresh').addEventListener('click', async () => {
    busy(true);
    setState('refreshing', 'Refreshing your session…');
    try {
      const tokens = await refreshSession();
      await opts.show(tokens);
      const at = new Date().toLocaleTimeString();
      caption.textContent = `Your tokens, after refresh (${at}):`;
      setState('refreshed', `Session refreshed at ${at}: the claims below are the new tokens'.`);
    } catch (err) {
      signedOut();
      setState('refused', `Refresh refused (${errorCode(err)}): ${(err as Error).message}. Sign in again.`);
    } finally {
      busy(false);
    }
  });
  $('signout').addEventListener('click', async () => {
    busy(true);
    setState('signing-out', 'Signing out…');
    try {
      opts.beforeSignOut?.();
      await signOut();
      signedOut();
    } catch (err) {
      setState('refused', `Sign-out failed (${errorCode(err)}): ${(err as Error).message}`);
    } finally {
      busy(false);
    }
  });
  return controls;
}
