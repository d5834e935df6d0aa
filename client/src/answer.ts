import { StepUpError } from './errors.js';
import { DEFAULT_TIMEOUT_MS, guarded, type Settle } from './guard.js';
import { METADATA_STEPUP_BINDING, METADATA_STEPUP_REASON, isValidStepUpReason } from './contract.js';
import {
  parseChallenge,
  isLoopbackHost,
  type Challenge,
  type ChallengeParameters,
  type CodeChallenge,
  type SessionChallenge,
} from './params.js';
import { answerText, parseCallbackMessage, type RejectedMessage } from './message.js';

/** The arguments of Amplify v6 `confirmSignIn` that answer the custom challenge. */
export interface ConfirmSignInArgs {
  /** `{"code":"…","state":"…"}`, or `{"done":true}` for the verification-session kind. */
  challengeResponse: string;
  options: {
    /** `{ stepup_binding }`, plus `stepup_reason` when the options name a reason. */
    clientMetadata: Record<string, string>;
  };
}

/** Handed to `session.onOpened`: how the app says the verification session is over. */
export interface SessionControl {
  /** Answer `{"done":true}` (the server fetches the session's result itself). */
  done(): void;
  /** Give up: the promise rejects with `cancelled`. */
  cancel(): void;
}

export interface AnswerOptions {
  /**
   * The step-up reason of an on-demand step-up (`stepup_reason`, a-z 0-9 _ , 1..64): echoed in
   * the clientMetadata. Use the same reason as `signIn`'s `clientMetadata.stepup_reason`.
   */
  reason?: string;
  /**
   * How long the user gets. Default: `sessionValidityMs` less `SESSION_MARGIN_MS` when that is
   * set, else 5 minutes. Rejects with `StepUpError('timeout')`.
   */
  timeoutMs?: number;
  /**
   * The app client's AuthSessionValidity (Cognito: 3 to 15 minutes, default 3), in
   * milliseconds. Cognito's Session value of the challenge lives this long from the response
   * that carried the challenge; an answer sent later is refused ("session is expired"). With
   * it (and no `timeoutMs`), the wait ends `SESSION_MARGIN_MS` earlier, so that the page says
   * the sign-in expired instead of letting the person answer a dead session.
   */
  sessionValidityMs?: number;
  /** Called when a challenge's wait starts, with the time (epoch ms) it ends: for a countdown. */
  onWaitUntil?: (until: number) => void;
  /** Aborting rejects with `StepUpError('cancelled')` and cleans up. */
  signal?: AbortSignal;
  /** Called for each message event ignored (wrong origin, source, shape, state or size). */
  onRejectedMessage?: (m: RejectedMessage) => void;
  /** The window to work in. Default: the global `window`. */
  window?: Window;

  /** BlockID: the element the step-up iframe goes into. Required for `blockid`. */
  container?: HTMLElement;
  /**
   * BlockID: the origin the iframe's answer must come from. Default: `https://` + the
   * challenge's `tenantDns`. Meant for local development against a loopback provider, or a
   * deployment whose redirect URI is the app's own callback page: only `https://…` or
   * `http://127.0.0.1:*` / `http://localhost:*` origins are accepted.
   */
  providerOrigin?: string;
  /** BlockID: the iframe's `title`. Default: "Identity verification". */
  iframeTitle?: string;
  /** BlockID or session iframe: the iframe's `allow` attribute (e.g. "camera"). Default: none. */
  iframeAllow?: string;

  /**
   * OIDC (Biopass, any OpenID Provider): `popup` (default) or `redirect`. `redirect`
   * navigates away (the returned promise never settles); see `resumeAfterRedirect`.
   */
  mode?: 'popup' | 'redirect';
  /**
   * A window the app opened itself (e.g. `window.open('', 'stepup')` in the click handler, so
   * that no popup blocker interferes); it is navigated to the authorize URL and closed at the end.
   */
  popup?: Window;
  /** `window.open` features. Default: "popup=yes,width=480,height=720". */
  popupFeatures?: string;
  /** How often the popup's `closed` is checked. Default: 500 ms. */
  pollIntervalMs?: number;

  /** Verification session (`blockid-session`). */
  session?: {
    /** `popup` (default) or `iframe` (then `container` is required). */
    display?: 'popup' | 'iframe';
    /** Popup closed by the user counts as done. Default: true (the server checks the result). */
    closeMeansDone?: boolean;
    /** Receives the control with which the app ends the wait (e.g. a "Done" button). */
    onOpened?: (control: SessionControl) => void;
  };
}

/**
 * What `sessionValidityMs` keeps in hand: the answer's round trip through the provider's
 * token endpoint (Verify) must reach Cognito while the session lives.
 */
export const SESSION_MARGIN_MS = 10 * 1000;

/** The wait of one challenge: `timeoutMs`, else the session validity less the margin, else the default. */
export function waitMs(opts: Pick<AnswerOptions, 'timeoutMs' | 'sessionValidityMs'>): number | undefined {
  if (opts.timeoutMs !== undefined) return opts.timeoutMs;
  const v = opts.sessionValidityMs;
  if (v === undefined) return undefined;
  if (!(v > SESSION_MARGIN_MS) || !Number.isFinite(v))
    throw new StepUpError('invalid_options', `sessionValidityMs must be a finite number above ${SESSION_MARGIN_MS}`);
  return v - SESSION_MARGIN_MS;
}

/**
 * The challenge now running in each container. A new challenge in the same container ends
 * the earlier one (`superseded`), whose cleanup removes its frame: one frame per container,
 * the latest. Its listener goes with it, so a late answer from the earlier frame is ignored.
 */
const inContainer = new WeakMap<HTMLElement, () => void>();

function claimContainer(container: HTMLElement, s: Settle<unknown>): void {
  inContainer.get(container)?.();
  const end = () => s.reject(new StepUpError('superseded', 'a newer step-up started in the same place'));
  inContainer.set(container, end);
  s.onCleanup(() => {
    if (inContainer.get(container) === end) inContainer.delete(container);
  });
}

/** guarded() with the wait of these options, announced through onWaitUntil. */
function guardedWait<T>(opts: AnswerOptions, setup: (s: Settle<T>) => void): Promise<T> {
  let timeoutMs: number | undefined;
  try {
    timeoutMs = waitMs(opts);
  } catch (e) {
    return Promise.reject(e);
  }
  return guarded<T>({ timeoutMs, signal: opts.signal }, (s) => {
    setup(s);
    if (!s.settled) {
      try {
        opts.onWaitUntil?.(Date.now() + (timeoutMs ?? DEFAULT_TIMEOUT_MS));
      } catch {
        // the app's callback must not break the wait
      }
    }
  });
}

const POPUP_NAME = 'cognitobridge_stepup';
const DEFAULT_POPUP_FEATURES = 'popup=yes,width=480,height=720';
const REDIRECT_KEY = 'cognitobridge.stepup.redirect';

/** Builds `confirmSignIn`'s clientMetadata. Throws `invalid_options` for a bad reason. */
export function stepUpClientMetadata(stepupBinding: string, reason?: string): Record<string, string> {
  const md: Record<string, string> = { [METADATA_STEPUP_BINDING]: stepupBinding };
  if (reason !== undefined) {
    if (!isValidStepUpReason(reason))
      throw new StepUpError('invalid_options', 'reason must be 1..64 characters of a-z, 0-9 and _');
    md[METADATA_STEPUP_REASON] = reason;
  }
  return md;
}

function confirmArgs(challengeResponse: string, stepupBinding: string, reason: string | undefined): ConfirmSignInArgs {
  return { challengeResponse, options: { clientMetadata: stepUpClientMetadata(stepupBinding, reason) } };
}

/** The window to work in: `opts.window`, else the global one. */
export function theWindow(opts: { window?: Window | undefined }): Window {
  const w = opts.window ?? (globalThis as { window?: Window }).window;
  if (w === undefined) throw new StepUpError('invalid_options', 'no window: pass options.window outside a browser');
  return w;
}

/** Checks an explicit provider origin: https, or http on localhost/127.0.0.1; an origin only. */
export function checkProviderOrigin(origin: string): string {
  let u: URL;
  try {
    u = new URL(origin);
  } catch {
    throw new StepUpError('invalid_options', 'providerOrigin is not an origin');
  }
  const ok =
    u.origin === origin &&
    (u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname) && u.hostname !== '[::1]'));
  if (!ok)
    throw new StepUpError(
      'invalid_options',
      'providerOrigin must be https://host[:port], or http://127.0.0.1:port / http://localhost:port',
    );
  return origin;
}

/**
 * Turns a custom challenge into the arguments of Amplify v6 `confirmSignIn`:
 *
 * ```ts
 * const { nextStep } = await signIn({ username, password, options: { authFlowType: 'CUSTOM_WITH_SRP' } });
 * if (nextStep.signInStep === 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE') {
 *   await confirmSignIn(await answerChallenge(nextStep.additionalInfo, { container }));
 * }
 * ```
 *
 * Dispatches on the challenge's `provider`: `blockid` (iframe in `container`), `oidc` (popup or
 * redirect), `blockid-session` (session page in a popup or iframe). Every path removes its
 * listeners, timers, iframe and popup before settling.
 */
export function answerChallenge(
  params: ChallengeParameters | undefined,
  opts: AnswerOptions = {},
): Promise<ConfirmSignInArgs> {
  let c: Challenge;
  try {
    c = parseChallenge(params);
    if (opts.reason !== undefined) stepUpClientMetadata('x', opts.reason);
  } catch (e) {
    return Promise.reject(e);
  }
  switch (c.kind) {
    case 'blockid':
      return answerInIframe(c, opts);
    case 'oidc':
      if (opts.mode === 'redirect') {
        try {
          beginRedirect(c, opts);
        } catch (e) {
          return Promise.reject(e);
        }
        return new Promise<never>(() => {});
      }
      if (opts.mode !== undefined && opts.mode !== 'popup')
        return Promise.reject(new StepUpError('invalid_options', 'mode must be popup or redirect'));
      return answerInPopup(c, opts);
    case 'session':
      return answerSession(c, opts);
  }
}

/** Listens for the callback message, strictly; resolves on the first valid one. */
function listenForCode(
  s: Settle<ConfirmSignInArgs>,
  win: Window,
  c: CodeChallenge,
  opts: AnswerOptions,
  expectedOrigin: string,
  source: () => unknown,
): void {
  const reject = (reason: RejectedMessage['reason'], origin: string) => {
    try {
      opts.onRejectedMessage?.({ reason, origin });
    } catch {
      // the app's callback must not break the wait
    }
  };
  const onMessage = (ev: MessageEvent) => {
    if (s.settled) return;
    const origin = typeof ev.origin === 'string' ? ev.origin : '';
    if (origin !== expectedOrigin) return reject('origin', origin);
    const src = source();
    if (src === null || src === undefined || ev.source !== src) return reject('source', origin);
    const m = parseCallbackMessage(ev.data);
    if (m === null) return reject('shape', origin);
    if (m === 'size') return reject('size', origin);
    if ('error' in m) {
      // An error from the right window and origin ends the wait; when it names a state, it
      // must be this challenge's (BlockID's post_stepup page sends {error} alone).
      if (m.state !== undefined && m.state !== c.state) return reject('state', origin);
      s.reject(new StepUpError('provider_error', `the provider answered ${m.error}`, m.error));
      return;
    }
    if (m.state !== c.state) return reject('state', origin);
    s.resolve(confirmArgs(answerText(m.code, m.state), c.stepupBinding, opts.reason));
  };
  win.addEventListener('message', onMessage);
  s.onCleanup(() => win.removeEventListener('message', onMessage));
}

function makeIframe(
  win: Window,
  container: HTMLElement,
  src: string,
  opts: AnswerOptions,
  s: Settle<unknown>,
): HTMLIFrameElement {
  const iframe = win.document.createElement('iframe');
  iframe.title = opts.iframeTitle ?? 'Identity verification';
  if (opts.iframeAllow !== undefined) iframe.setAttribute('allow', opts.iframeAllow);
  iframe.src = src;
  claimContainer(container, s);
  s.onCleanup(() => iframe.remove());
  container.appendChild(iframe);
  return iframe;
}

function answerInIframe(c: CodeChallenge, opts: AnswerOptions): Promise<ConfirmSignInArgs> {
  return guardedWait<ConfirmSignInArgs>(opts, (s) => {
    const win = theWindow(opts);
    const container = opts.container;
    if (container === undefined || container === null)
      throw new StepUpError('invalid_options', 'a BlockID challenge needs options.container');
    const origin =
      opts.providerOrigin !== undefined ? checkProviderOrigin(opts.providerOrigin) : `https://${c.tenantDns ?? ''}`;
    let frame: HTMLIFrameElement | undefined;
    listenForCode(s, win, c, opts, origin, () => frame?.contentWindow);
    frame = makeIframe(win, container, c.authorizeUrl, opts, s as Settle<unknown>);
  });
}

function openPopup(win: Window, url: string, opts: AnswerOptions, s: Settle<unknown>): Window {
  let popup: Window | null;
  if (opts.popup !== undefined) {
    popup = opts.popup;
    popup.location.href = url;
  } else {
    popup = win.open(url, POPUP_NAME, opts.popupFeatures ?? DEFAULT_POPUP_FEATURES);
  }
  if (popup === null || popup === undefined) throw new StepUpError('popup_blocked', 'the browser blocked the popup');
  const p = popup;
  s.onCleanup(() => {
    if (!p.closed) p.close();
  });
  return p;
}

/** Polls `popup.closed`; a close is acted on at the poll after the one that saw it, so that a
 * message the callback page posted just before closing is delivered first. */
export function watchClosed(
  popup: Window,
  opts: Pick<AnswerOptions, 'pollIntervalMs'>,
  s: Settle<unknown>,
  onClosed: () => void,
): void {
  let seen = false;
  const timer = setInterval(() => {
    if (s.settled || !popup.closed) return;
    if (seen) onClosed();
    seen = true;
  }, opts.pollIntervalMs ?? 500);
  s.onCleanup(() => clearInterval(timer));
}

function answerInPopup(c: CodeChallenge, opts: AnswerOptions): Promise<ConfirmSignInArgs> {
  return guardedWait<ConfirmSignInArgs>(opts, (s) => {
    const win = theWindow(opts);
    let popup: Window | undefined;
    // The callback page runs on this app's origin and posts with targetOrigin = that origin.
    listenForCode(s, win, c, opts, win.location.origin, () => popup);
    popup = openPopup(win, c.authorizeUrl, opts, s as Settle<unknown>);
    const p = popup;
    watchClosed(p, opts, s as Settle<unknown>, () => s.reject(new StepUpError('closed', 'the popup was closed')));
  });
}

function answerSession(c: SessionChallenge, opts: AnswerOptions): Promise<ConfirmSignInArgs> {
  return guardedWait<ConfirmSignInArgs>(opts, (s) => {
    const win = theWindow(opts);
    const done = () => s.resolve(confirmArgs(JSON.stringify({ done: true }), c.stepupBinding, opts.reason));
    const display = opts.session?.display ?? 'popup';
    if (display === 'iframe') {
      const container = opts.container;
      if (container === undefined || container === null)
        throw new StepUpError('invalid_options', 'an iframe session needs options.container');
      makeIframe(win, container, c.sessionUrl, opts, s as Settle<unknown>);
    } else if (display === 'popup') {
      const popup = openPopup(win, c.sessionUrl, opts, s as Settle<unknown>);
      const closeMeansDone = opts.session?.closeMeansDone ?? true;
      watchClosed(
        popup,
        opts,
        s as Settle<unknown>,
        closeMeansDone ? done : () => s.reject(new StepUpError('closed', 'the popup was closed')),
      );
    } else {
      throw new StepUpError('invalid_options', 'session.display must be popup or iframe');
    }
    opts.session?.onOpened?.({
      done: () => {
        if (!s.settled) done();
      },
      cancel: () => s.reject(new StepUpError('cancelled', 'the step-up was cancelled')),
    });
  });
}

interface PendingRedirect {
  v: 1;
  state: string;
  stepupBinding: string;
  reason?: string;
  createdAt: number;
}

/**
 * Redirect mode of an OIDC challenge: keeps `state`, `stepupBinding` and the reason in
 * sessionStorage and navigates to the authorize URL. The provider's redirect URI must be the
 * app page that calls `resumeAfterRedirect`.
 */
export function beginRedirect(
  params: ChallengeParameters | CodeChallenge | undefined,
  opts: Pick<AnswerOptions, 'reason' | 'window'> = {},
): void {
  const c =
    params !== undefined && (params as CodeChallenge).kind === 'oidc'
      ? (params as CodeChallenge)
      : parseChallenge(params as ChallengeParameters);
  if (c.kind !== 'oidc') throw new StepUpError('invalid_options', 'redirect mode is for oidc challenges only');
  stepUpClientMetadata(c.stepupBinding, opts.reason); // validates the reason before leaving
  const win = theWindow(opts);
  const pending: PendingRedirect = { v: 1, state: c.state, stepupBinding: c.stepupBinding, createdAt: Date.now() };
  if (opts.reason !== undefined) pending.reason = opts.reason;
  win.sessionStorage.setItem(REDIRECT_KEY, JSON.stringify(pending));
  win.location.assign(c.authorizeUrl);
}

/**
 * Amplify v6 keeps the sign-in's Cognito session in sessionStorage for 3 minutes after the
 * challenge (`@aws-amplify/auth` 6.21.1, `client/utils/store/signInStore.mjs`, MS_TO_EXPIRY):
 * a redirect that comes back later cannot be answered.
 */
export const AMPLIFY_SIGN_IN_STATE_MS = 3 * 60 * 1000;

const CALLBACK_PARAMS = ['code', 'state', 'error', 'error_description', 'error_uri', 'iss', 'session_state'];

/**
 * On the page the provider redirected back to (redirect mode): returns the `confirmSignIn`
 * arguments, or `null` when no redirect step-up is pending in this tab. Throws
 * `StepUpError` `state_mismatch`, `provider_error`, `invalid_callback` or `timeout` (older
 * than `maxAgeMs`, default 3 minutes, Amplify's own limit). The pending entry is removed in
 * every case, and by default the callback parameters are removed from the address bar.
 */
export function resumeAfterRedirect(
  opts: { window?: Window; maxAgeMs?: number; cleanUrl?: boolean } = {},
): ConfirmSignInArgs | null {
  const win = theWindow(opts);
  const raw = win.sessionStorage.getItem(REDIRECT_KEY);
  if (raw === null) return null;
  win.sessionStorage.removeItem(REDIRECT_KEY);
  const url = new URL(win.location.href);
  if (opts.cleanUrl ?? true) {
    const clean = new URL(url.href);
    for (const k of CALLBACK_PARAMS) clean.searchParams.delete(k);
    win.history.replaceState(win.history.state, '', clean.href);
  }
  let p: PendingRedirect;
  try {
    p = JSON.parse(raw) as PendingRedirect;
  } catch {
    throw new StepUpError('invalid_callback', 'the stored step-up is unreadable');
  }
  if (
    p === null ||
    typeof p !== 'object' ||
    p.v !== 1 ||
    typeof p.state !== 'string' ||
    typeof p.stepupBinding !== 'string' ||
    typeof p.createdAt !== 'number'
  ) {
    throw new StepUpError('invalid_callback', 'the stored step-up is unreadable');
  }
  const q = url.searchParams;
  const one = (k: string) => (q.getAll(k).length === 1 ? q.get(k) : null);
  const state = one('state');
  const error = one('error');
  const code = one('code');
  const m = parseCallbackMessage(error !== null ? (state !== null ? { error, state } : { error }) : { code, state });
  if (m === null || m === 'size')
    throw new StepUpError('invalid_callback', 'the callback URL has no valid code and state');
  if (m.state !== undefined && m.state !== p.state)
    throw new StepUpError('state_mismatch', 'the callback state is not the one this tab sent');
  if ('error' in m) throw new StepUpError('provider_error', `the provider answered ${m.error}`, m.error);
  if (Date.now() - p.createdAt > (opts.maxAgeMs ?? AMPLIFY_SIGN_IN_STATE_MS))
    throw new StepUpError('timeout', 'the redirect came back after the sign-in state expired');
  return confirmArgs(answerText(m.code, m.state), p.stepupBinding, p.reason);
}
