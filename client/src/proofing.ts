// Identity proofing at sign-up, client side. The server half is lambdas/proofing:
// - behaviour.go (HandleHash): the sign-up passes the handle's hash in validationData (or
//   clientMetadata) under contract.ProofingHandleKey = "proofing_handle_sha256", as 64
//   lower-case hex digits (ValidHandleHash);
// - session.go (SessionHandler): POST /proofing/session with exactly {"username","handle"},
//   the handle itself (at least MinHandleLen = 32 characters; "32 random bytes, base64url");
//   the server compares the lower-case hex SHA-256 of the handle with the stored hash.
import { PROOFING_HANDLE_KEY } from './contract.js';
import { StepUpError, abortError } from './errors.js';
import { guarded } from './guard.js';

const STORAGE_KEY = 'cognitobridge.proofing';

function cryptoOf(): Crypto {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c === undefined || c.subtle === undefined)
    throw new StepUpError('invalid_options', 'Web Crypto is not available (a secure context is required)');
  return c;
}

function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A fresh proofing handle: 32 random bytes (crypto.getRandomValues), base64url, 43 characters. */
export function newProofingHandle(): string {
  const b = new Uint8Array(32);
  cryptoOf().getRandomValues(b);
  return base64url(b);
}

/**
 * The handle's hash as the server stores and compares it: the lower-case hex SHA-256 of the
 * handle's UTF-8 bytes (lambdas/proofing/session.go: hex.EncodeToString(sha256.Sum256(handle))).
 */
export async function hashHandle(handle: string): Promise<string> {
  const digest = await cryptoOf().subtle.digest('SHA-256', new TextEncoder().encode(handle));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The `validationData` of Amplify's `signUp` (`options.validationData`) that starts the
 * proofing: `{ proofing_handle_sha256: <hex hash> }`.
 */
export async function proofingValidationData(handle: string): Promise<Record<string, string>> {
  return { [PROOFING_HANDLE_KEY]: await hashHandle(handle) };
}

function storage(s?: Storage): Storage {
  const st = s ?? (globalThis as { sessionStorage?: Storage }).sessionStorage;
  if (st === undefined) throw new StepUpError('invalid_options', 'no sessionStorage');
  return st;
}

/** Keeps the handle for this tab (sessionStorage), with the user name it belongs to. */
export function rememberProofingHandle(username: string, handle: string, s?: Storage): void {
  storage(s).setItem(STORAGE_KEY, JSON.stringify({ username, handle }));
}

/** The handle kept for `username` in this tab, or null. */
export function recallProofingHandle(username: string, s?: Storage): string | null {
  const raw = storage(s).getItem(STORAGE_KEY);
  if (raw === null) return null;
  try {
    const v = JSON.parse(raw) as { username?: unknown; handle?: unknown };
    return v.username === username && typeof v.handle === 'string' ? v.handle : null;
  } catch {
    return null;
  }
}

/** Forgets the handle (once the proofing is verified or rejected). */
export function forgetProofingHandle(s?: Storage): void {
  storage(s).removeItem(STORAGE_KEY);
}

/** An answer of POST /proofing/session, as `fetchProofingSession` reports it. */
export interface ProofingStatus {
  /**
   * `pending` (with `sessionUrl` once the email is confirmed), `verified`, `rejected`, or
   * the endpoint's refusals: `not_found` (unknown user or wrong handle, 404),
   * `contact_unverified` (409: confirm the email first), `unavailable` (5xx, retry later).
   */
  status: 'pending' | 'verified' | 'rejected' | 'not_found' | 'contact_unverified' | 'unavailable' | 'bad_request';
  sessionUrl?: string;
  reason?: string;
  message?: string;
}

/** Calls the proofing session endpoint (lambdas/proofing/session.go) with the handle. */
export async function fetchProofingSession(
  endpoint: string,
  username: string,
  handle: string,
  opts: { fetch?: typeof fetch; signal?: AbortSignal } = {},
): Promise<ProofingStatus> {
  const f = opts.fetch ?? fetch;
  const init: RequestInit = {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, handle }),
  };
  if (opts.signal !== undefined) init.signal = opts.signal;
  const res = await f(endpoint, init);
  let body: Record<string, unknown> = {};
  try {
    const v = (await res.json()) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) body = v as Record<string, unknown>;
  } catch {
    // keep {}
  }
  const s = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
  if (res.status === 404) return { status: 'not_found' };
  if (res.status === 409) {
    const r: ProofingStatus = { status: 'contact_unverified' };
    const m = s('message');
    if (m !== undefined) r.message = m;
    return r;
  }
  if (res.status >= 500) return { status: 'unavailable' };
  const status = s('status');
  if (res.status !== 200 || (status !== 'pending' && status !== 'verified' && status !== 'rejected'))
    return { status: 'bad_request' };
  const r: ProofingStatus = { status };
  for (const k of ['sessionUrl', 'reason', 'message'] as const) {
    const v = s(k);
    if (v !== undefined) r[k] = v;
  }
  return r;
}

/**
 * Calls `fetchStatus` every `intervalMs` (default 3 s) until it reports `verified`
 * (resolves with that status). `rejected` rejects with `StepUpError('rejected')`; a thrown
 * error or any other status keeps polling; `timeoutMs` (default 10 minutes) rejects with
 * `timeout`, the signal with `cancelled`. One call at a time; the timer is cleared on every path.
 */
export function pollUntilVerified<S extends { status: string }>(
  fetchStatus: (signal: AbortSignal) => Promise<S>,
  opts: { intervalMs?: number; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<S> {
  const interval = opts.intervalMs ?? 3000;
  return guarded<S>(
    {
      timeoutMs: opts.timeoutMs ?? 10 * 60 * 1000,
      signal: opts.signal,
      timeoutMessage: 'the proofing did not finish in time',
    },
    (s) => {
      if (!(interval > 0)) throw new StepUpError('invalid_options', 'intervalMs must be positive');
      const inner = new AbortController();
      s.onCleanup(() => inner.abort(abortError()));
      let timer: ReturnType<typeof setTimeout> | undefined;
      s.onCleanup(() => clearTimeout(timer));
      const tick = async () => {
        try {
          const st = await fetchStatus(inner.signal);
          if (s.settled) return;
          if (st.status === 'verified') return s.resolve(st);
          if (st.status === 'rejected')
            return s.reject(new StepUpError('rejected', 'the identity proofing was rejected'));
        } catch {
          if (s.settled) return;
        }
        timer = setTimeout(() => void tick(), interval);
      };
      void tick();
    },
  );
}
