import { MAX_ANSWER_BYTES } from './contract.js';
import { MAX_CODE_LENGTH, MAX_STATE_LENGTH, isVschar } from './params.js';

/**
 * What a callback page posts (see `completeCallback`): the authorization response's
 * `code` and `state`, or its `error` (with `state` when the provider sent one).
 */
export type CallbackMessage = { code: string; state: string } | { error: string; state?: string };

/** Why a message event was ignored. No message content is ever reported. */
export type RejectReason = 'origin' | 'source' | 'shape' | 'state' | 'size';

export interface RejectedMessage {
  reason: RejectReason;
  /** The event's origin (the only part of a refused message that is reported). */
  origin: string;
}

/** RFC 6749 section 4.1.2.1: error = 1*( %x20-21 / %x23-5B / %x5D-7E ). */
const ERROR_CODE = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,128}$/;
const MAX_MESSAGE_STRING = 2 * MAX_ANSWER_BYTES;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === null || proto === Object.prototype || Object.prototype.toString.call(v) === '[object Object]';
}

function sameKeys(o: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(o);
  return own.length === keys.length && keys.every((k) => Object.prototype.hasOwnProperty.call(o, k));
}

/**
 * Strict reading of a posted message. Accepted, and nothing else:
 * - an object (or the JSON text of one) with exactly the own keys `code` and `state`, both
 *   strings of OAuth VSCHAR (printable ASCII), `code` 1..4096 and `state` 1..1024
 *   characters, and `{"code","state"}` no longer than contract.MaxAnswerBytes (4096);
 * - an object with exactly `error` (and optionally `state`), `error` an RFC 6749 error code.
 * Extra keys, other types, arrays and oversized values give `null`; the caller ignores
 * the message. Returns `'size'` for a well-formed answer too large for Verify.
 */
export function parseCallbackMessage(data: unknown): CallbackMessage | 'size' | null {
  let v = data;
  if (typeof v === 'string') {
    if (v.length > MAX_MESSAGE_STRING) return null;
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      return null;
    }
  }
  if (!isPlainObject(v)) return null;
  if (sameKeys(v, ['code', 'state'])) {
    const { code, state } = v;
    if (typeof code !== 'string' || typeof state !== 'string') return null;
    if (!isVschar(code, MAX_CODE_LENGTH) || !isVschar(state, MAX_STATE_LENGTH)) return null;
    if (answerText(code, state).length > MAX_ANSWER_BYTES) return 'size';
    return { code, state };
  }
  const withState = sameKeys(v, ['error', 'state']);
  if (withState || sameKeys(v, ['error'])) {
    const { error, state } = v;
    if (typeof error !== 'string' || !ERROR_CODE.test(error)) return null;
    if (!withState) return { error };
    if (typeof state !== 'string' || !isVschar(state, MAX_STATE_LENGTH)) return null;
    return { error, state };
  }
  return null;
}

/** The challenge answer Verify parses (contract.Answer). ASCII, so length = bytes. */
export function answerText(code: string, state: string): string {
  return JSON.stringify({ code, state });
}
