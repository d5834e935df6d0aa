import { StepUpError, abortError } from './errors.js';

/** Five minutes: the default time a user gets to finish at the provider. */
export const DEFAULT_TIMEOUT_MS = 5 * 60 * 1000;

export interface Settle<T> {
  resolve(v: T): void;
  reject(e: unknown): void;
  /** Runs fn when the promise settles, whichever way (last registered runs first). */
  onCleanup(fn: () => void): void;
  /** True once settled. */
  readonly settled: boolean;
}

/**
 * A promise that settles once, after running every cleanup registered by setup, on every
 * path: resolve, reject, timeout, abort, and an exception thrown by setup itself.
 */
export function guarded<T>(
  opts: { timeoutMs?: number | undefined; signal?: AbortSignal | undefined; timeoutMessage?: string },
  setup: (s: Settle<T>) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cleanups: Array<() => void> = [];
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      for (let f = cleanups.pop(); f !== undefined; f = cleanups.pop()) {
        try {
          f();
        } catch {
          // A cleanup that throws (a window already gone) must not stop the others.
        }
      }
      fn();
    };
    const s: Settle<T> = {
      resolve: (v) => finish(() => resolve(v)),
      reject: (e) => finish(() => reject(e)),
      onCleanup: (fn) => {
        if (settled) {
          try {
            fn();
          } catch {
            // as above
          }
        } else cleanups.push(fn);
      },
      get settled() {
        return settled;
      },
    };
    const { signal } = opts;
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      reject(new StepUpError('invalid_options', 'timeoutMs must be a positive finite number'));
      return;
    }
    const timer = setTimeout(
      () => s.reject(new StepUpError('timeout', opts.timeoutMessage ?? 'no answer before the timeout')),
      timeoutMs,
    );
    cleanups.push(() => clearTimeout(timer));
    if (signal) {
      const onAbort = () => s.reject(abortError());
      signal.addEventListener('abort', onAbort, { once: true });
      cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    try {
      setup(s);
    } catch (e) {
      s.reject(e);
    }
  });
}
