import { StepUpError } from './errors.js';
import { parseCallbackMessage, type CallbackMessage } from './message.js';

export interface CompleteCallbackOptions {
  /** The window this page runs in. Default: the global `window`. */
  window?: Window;
  /** Close this window after posting, when it is a popup. Default: true. */
  close?: boolean;
}

/**
 * Runs on the app's redirect-URI page (popup, or an iframe of the app): reads `code` and `state`
 * (or `error`) from the page's query, posts `{code, state}` (or `{error, state}`) to
 * `window.opener`, else to `window.parent` when framed, with targetOrigin exactly this page's
 * own `location.origin` (never "*": only a window of the same origin, the app, can receive
 * it), removes them from the address bar, and closes the popup. Returns what was posted.
 * Throws `StepUpError('invalid_callback')` when the query has no valid answer, and
 * `StepUpError('no_opener')` when there is nobody to tell.
 */
export function completeCallback(opts: CompleteCallbackOptions = {}): CallbackMessage {
  const win = opts.window ?? (globalThis as { window?: Window }).window;
  if (win === undefined) throw new StepUpError('invalid_options', 'no window');
  const url = new URL(win.location.href);
  const q = url.searchParams;
  const one = (k: string) => (q.getAll(k).length === 1 ? q.get(k) : null);
  const code = one('code');
  const state = one('state');
  const error = one('error');
  const raw = error !== null ? (state !== null ? { error, state } : { error }) : { code, state };
  const m = parseCallbackMessage(raw);
  // Remove the code from the address bar and history in any case.
  win.history.replaceState(null, '', url.pathname);
  if (m === null || m === 'size')
    throw new StepUpError('invalid_callback', 'this page was opened without a valid code and state');
  const opener = win.opener as Window | null;
  const framed = win.parent !== undefined && win.parent !== null && win.parent !== win;
  const target: Window | null =
    opener !== null && opener !== undefined && !opener.closed ? opener : framed ? win.parent : null;
  if (target === null) throw new StepUpError('no_opener', 'this page has no opener or parent window to answer');
  target.postMessage(m, win.location.origin);
  if (target === opener && (opts.close ?? true)) win.close();
  return m;
}
