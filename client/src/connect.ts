import { StepUpError } from './errors.js';
import { guarded, type Settle } from './guard.js';
import { theWindow, watchClosed } from './answer.js';
import { parseCallbackMessage, type RejectedMessage } from './message.js';

/**
 * Why the connect API refused (its `{"error": code}` body): `status` is the HTTP status, `code`
 * the API's public code (`reauthenticate`, `state_invalid`, `provider_login_failed`,
 * `already_connected`, `identity_in_use`, `link_limit`, `forbidden`, `unavailable`, …), or
 * `http_<status>` when the body has none. `wwwAuthenticate` carries the RFC 9470 challenge of a
 * `401 reauthenticate` (sign the user in again, then retry).
 */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';
  readonly status: number;
  readonly code: string;
  readonly wwwAuthenticate?: string;

  constructor(status: number, code: string, wwwAuthenticate?: string) {
    super(`the connect API answered ${status} ${code}`);
    this.status = status;
    this.code = code;
    if (wwwAuthenticate !== undefined) this.wwwAuthenticate = wwwAuthenticate;
  }
}

export interface ConnectOptions {
  /**
   * Where the connect API's routes are: `${apiUrl}/connect/start` and `/connect/callback`
   * (the stack's API URL, or your own origin when the API is served there).
   */
  apiUrl: string;
  /** The signed-in user's Cognito access token; the API wants a recent sign-in (15 minutes by default). */
  accessToken: string;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** The window to work in. Default: the global `window`. */
  window?: Window;
  /**
   * A window the app opened itself; by default one is opened (blank) as soon as
   * `connectProvider` is called, so call it straight from the click handler.
   */
  popup?: Window;
  /** `window.open` features. Default: "popup=yes,width=480,height=720". */
  popupFeatures?: string;
  /** How often the popup's `closed` is checked. Default: 500 ms. */
  pollIntervalMs?: number;
  /** How long the user gets at the provider. Default: 5 minutes. */
  timeoutMs?: number;
  /** Aborting rejects with `StepUpError('cancelled')` and closes the popup. */
  signal?: AbortSignal;
  /** Called for each message event ignored (wrong origin, source, shape, state or size). */
  onRejectedMessage?: (m: RejectedMessage) => void;
}

/** A connected provider (the API's answer). */
export interface ConnectResult {
  connected: true;
  provider: string;
}

const POPUP_NAME = 'cognitobridge_connect';
const DEFAULT_POPUP_FEATURES = 'popup=yes,width=480,height=720';

function apiBase(apiUrl: string): string {
  let u: URL;
  try {
    u = new URL(apiUrl);
  } catch {
    throw new StepUpError('invalid_options', 'apiUrl is not a URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new StepUpError('invalid_options', 'apiUrl must be http(s)');
  return u.href.replace(/\/+$/, '');
}

async function post(
  f: typeof fetch,
  url: string,
  token: string,
  body: unknown,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown>> {
  const init: RequestInit = {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    cache: 'no-store',
    credentials: 'omit',
  };
  if (signal !== undefined) init.signal = signal;
  const res = await f(url, init);
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    // a body that is not JSON: the status speaks
  }
  const obj =
    data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  if (!res.ok) {
    const code =
      typeof obj['error'] === 'string' && /^[a-z_]{1,64}$/.test(obj['error']) ? obj['error'] : `http_${res.status}`;
    const www = res.headers.get('www-authenticate');
    throw new ConnectError(res.status, code, www ?? undefined);
  }
  return obj;
}

/**
 * Connects the user's account at the pool's identity provider (constructs/connect), in a popup:
 *
 * ```ts
 * button.onclick = async () => {
 *   const token = (await fetchAuthSession()).tokens?.accessToken?.toString() ?? '';
 *   const { provider } = await connectProvider({ apiUrl, accessToken: token });
 * };
 * ```
 *
 * Opens the popup at once (blank), `POST /connect/start` (the API keeps state, nonce and PKCE
 * verifier, bound to the caller) and sends the popup to the provider's authorize URL; the user
 * logs in there; the provider returns to the app's connect redirect page (the module's
 * `callback.html`, whose `completeCallback` posts `{code, state}` to this window with the app's
 * exact origin); the answer is accepted only from that popup, from this origin, for the state
 * the start returned; then `POST /connect/callback {code, state}` links the identity to the
 * signed-in user. Rejects with `ConnectError` (the API refused) or `StepUpError` (`closed`,
 * `timeout`, `cancelled`, `popup_blocked`, `provider_error`, `invalid_options`). The popup,
 * listener and timers are gone on every path.
 */
export function connectProvider(opts: ConnectOptions): Promise<ConnectResult> {
  return guarded<ConnectResult>(
    {
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
      timeoutMessage: 'the provider login did not finish before the timeout',
    },
    (s) => {
      const win = theWindow(opts);
      const base = apiBase(opts.apiUrl);
      if (typeof opts.accessToken !== 'string' || opts.accessToken === '')
        throw new StepUpError('invalid_options', 'no access token');
      const f = opts.fetch ?? (globalThis.fetch as typeof fetch | undefined);
      if (f === undefined) throw new StepUpError('invalid_options', 'no fetch');
      // Opened now, in the click's user activation; the start request comes after.
      const popup = opts.popup ?? win.open('about:blank', POPUP_NAME, opts.popupFeatures ?? DEFAULT_POPUP_FEATURES);
      if (popup === null || popup === undefined)
        throw new StepUpError('popup_blocked', 'the browser blocked the popup');
      s.onCleanup(() => {
        if (!popup.closed) popup.close();
      });
      let state: string | undefined;
      let finishing = false;
      const rejected = (reason: RejectedMessage['reason'], origin: string) => {
        try {
          opts.onRejectedMessage?.({ reason, origin });
        } catch {
          // the app's callback must not break the wait
        }
      };
      const onMessage = (ev: MessageEvent) => {
        if (s.settled || finishing) return;
        const origin = typeof ev.origin === 'string' ? ev.origin : '';
        if (origin !== win.location.origin) return rejected('origin', origin);
        if (ev.source !== popup) return rejected('source', origin);
        const m = parseCallbackMessage(ev.data);
        if (m === null) return rejected('shape', origin);
        if (m === 'size') return rejected('size', origin);
        if (state === undefined || (m.state !== undefined && m.state !== state)) return rejected('state', origin);
        if ('error' in m) {
          s.reject(new StepUpError('provider_error', `the provider answered ${m.error}`, m.error));
          return;
        }
        finishing = true;
        post(f, `${base}/connect/callback`, opts.accessToken, { code: m.code, state: m.state }, opts.signal).then(
          (r) => s.resolve({ connected: true, provider: typeof r['provider'] === 'string' ? r['provider'] : '' }),
          (e: unknown) => s.reject(e),
        );
      };
      win.addEventListener('message', onMessage);
      s.onCleanup(() => win.removeEventListener('message', onMessage));
      watchClosed(popup, opts, s as Settle<unknown>, () => {
        if (!finishing) s.reject(new StepUpError('closed', 'the popup was closed'));
      });
      post(f, `${base}/connect/start`, opts.accessToken, {}, opts.signal).then(
        (r) => {
          if (s.settled) return;
          const url = r['authorizeUrl'];
          const st = r['state'];
          let ok = false;
          try {
            const u = new URL(String(url));
            ok =
              (u.protocol === 'https:' || u.protocol === 'http:') &&
              typeof st === 'string' &&
              st.length > 0 &&
              u.searchParams.get('state') === st;
          } catch {
            ok = false;
          }
          if (!ok) {
            s.reject(new ConnectError(200, 'invalid_start_response'));
            return;
          }
          state = st as string;
          popup.location.href = String(url);
        },
        (e: unknown) => s.reject(e),
      );
    },
  );
}
