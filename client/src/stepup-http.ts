import { ERROR_INSUFFICIENT_USER_AUTHENTICATION, isValidStepUpReason } from './contract.js';

/** A Bearer challenge of RFC 9470 (OAuth 2.0 Step Up Authentication Challenge), parsed. */
export interface StepUpChallenge {
  /** Always "insufficient_user_authentication". */
  error: string;
  errorDescription?: string;
  /** Seconds (RFC 9470 section 3: max_age). */
  maxAge?: number;
  /** acr_values, split on spaces. */
  acrValues?: string[];
  /** Every auth-param of the Bearer challenge, names lower-cased. */
  params: Record<string, string>;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const MAX_HEADER = 8192;

interface RawChallenge {
  scheme: string;
  params: Map<string, string>;
  token68?: string;
}

/**
 * RFC 9110 section 11.6.1 WWW-Authenticate = #challenge;
 * challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ];
 * auth-param = token BWS "=" BWS ( token / quoted-string ).
 * Returns null on any syntax error (strict: a header we cannot read is not a step-up).
 */
function parseChallenges(h: string): RawChallenge[] | null {
  if (h.length > MAX_HEADER) return null;
  let i = 0;
  const n = h.length;
  const ows = () => {
    while (i < n && (h[i] === ' ' || h[i] === '\t')) i++;
  };
  const token = (): string => {
    const s = i;
    while (i < n && TCHAR.test(h[i]!)) i++;
    return h.slice(s, i);
  };
  const quoted = (): string | null => {
    // at '"'
    i++;
    let out = '';
    while (i < n) {
      const ch = h[i]!;
      if (ch === '"') {
        i++;
        return out;
      }
      if (ch === '\\') {
        if (i + 1 >= n) return null;
        const nx = h[i + 1]!;
        if (!/[\t\x20-\x7e\x80-\xff]/.test(nx)) return null;
        out += nx;
        i += 2;
        continue;
      }
      if (!/[\t\x20\x21\x23-\x5b\x5d-\x7e\x80-\xff]/.test(ch)) return null;
      out += ch;
      i++;
    }
    return null; // unterminated
  };
  // Is the text at i the start of an auth-param (token BWS "=" but not "==" token68 padding)?
  const atParam = (): boolean => {
    const s = i;
    const t = token();
    ows();
    const ok = t !== '' && h[i] === '=';
    i = s;
    return ok;
  };
  const out: RawChallenge[] = [];
  let cur: RawChallenge | null = null;
  for (;;) {
    // skip empty list elements
    ows();
    while (i < n && h[i] === ',') {
      i++;
      ows();
    }
    if (i >= n) break;
    if (cur !== null && atParam()) {
      const name = token().toLowerCase();
      ows();
      i++; // '='
      ows();
      let value: string | null;
      if (h[i] === '"') value = quoted();
      else {
        value = token();
        if (value === '') value = null;
      }
      if (value === null || cur.params.has(name) || cur.token68 !== undefined) return null;
      cur.params.set(name, value);
    } else {
      const scheme = token();
      if (scheme === '') return null;
      cur = { scheme, params: new Map() };
      out.push(cur);
      if (i < n && h[i] !== ',' && h[i] !== ' ' && h[i] !== '\t') return null;
      ows();
      if (i < n && h[i] !== ',' && !atParam()) {
        // token68
        const m = /^[A-Za-z0-9\-._~+/]+=*/.exec(h.slice(i));
        if (m === null) return null;
        cur.token68 = m[0];
        i += m[0].length;
      } else {
        continue;
      }
    }
    ows();
    if (i < n && h[i] !== ',') return null;
  }
  return out;
}

/**
 * Reads a `WWW-Authenticate` value strictly (RFC 9110 syntax) and returns its RFC 9470
 * step-up challenge: the `Bearer` challenge whose `error` is
 * `insufficient_user_authentication`, with `max_age` (digits only) and `acr_values` when
 * present. Anything else (no header, another scheme, another error, a syntax error, a
 * duplicate parameter, a non-numeric max_age) gives `null`.
 */
export function parseStepUpChallenge(header: string | null | undefined): StepUpChallenge | null {
  if (typeof header !== 'string' || header === '') return null;
  const all = parseChallenges(header);
  if (all === null) return null;
  for (const ch of all) {
    if (ch.scheme.toLowerCase() !== 'bearer' || ch.token68 !== undefined) continue;
    if (ch.params.get('error') !== ERROR_INSUFFICIENT_USER_AUTHENTICATION) continue;
    const r: StepUpChallenge = { error: ERROR_INSUFFICIENT_USER_AUTHENTICATION, params: Object.fromEntries(ch.params) };
    const d = ch.params.get('error_description');
    if (d !== undefined) r.errorDescription = d;
    const ma = ch.params.get('max_age');
    if (ma !== undefined) {
      if (!/^[0-9]{1,10}$/.test(ma)) return null;
      r.maxAge = Number(ma);
    }
    const acr = ch.params.get('acr_values');
    if (acr !== undefined) r.acrValues = acr.split(' ').filter((s) => s !== '');
    return r;
  }
  return null;
}

/** The JSON body of the gate's 401 (lambdas/transactiongate/gate.go, ChallengeBody). */
interface ChallengeBody {
  error?: unknown;
  error_description?: unknown;
  max_age?: unknown;
  acr_values?: unknown;
  stepup_reasons?: unknown;
}

async function readBody(res: Response): Promise<ChallengeBody | null> {
  try {
    const text = await res.clone().text();
    if (text.length > 65536) return null;
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as ChallengeBody) : null;
  } catch {
    return null;
  }
}

function fromBody(b: ChallengeBody): StepUpChallenge | null {
  if (b.error !== ERROR_INSUFFICIENT_USER_AUTHENTICATION) return null;
  const r: StepUpChallenge = { error: ERROR_INSUFFICIENT_USER_AUTHENTICATION, params: {} };
  if (typeof b.error_description === 'string') r.errorDescription = b.error_description;
  if (typeof b.max_age === 'number' && Number.isInteger(b.max_age) && b.max_age >= 0) r.maxAge = b.max_age;
  if (typeof b.acr_values === 'string' && b.acr_values !== '')
    r.acrValues = b.acr_values.split(' ').filter((s) => s !== '');
  return r;
}

export interface CallWithStepUpOptions {
  /**
   * Use the JSON body's `error` when the `WWW-Authenticate` header cannot be read (a
   * cross-origin API that does not expose it through CORS). Default: true. A header that is
   * present but not a step-up challenge is never overridden by the body.
   */
  bodyFallback?: boolean;
}

/**
 * Calls `request` (which must read the current access token on each call, e.g. from
 * `fetchAuthSession()`), and when the answer is a 401 RFC 9470 step-up challenge, calls
 * `stepUp(reasons, challenge)` once, where `reasons` are the body's `stepup_reasons` (valid
 * reason strings only), then calls `request` once more and returns that answer as it is,
 * whatever it is: never a second step-up, never a loop. Any other answer is returned
 * unchanged. An error thrown by `stepUp` propagates.
 */
export async function callWithStepUp(
  request: () => Promise<Response>,
  stepUp: (reasons: string[], challenge: StepUpChallenge) => Promise<unknown>,
  opts: CallWithStepUpOptions = {},
): Promise<Response> {
  const first = await request();
  if (first.status !== 401) return first;
  const header = first.headers.get('WWW-Authenticate');
  const body = await readBody(first);
  let challenge: StepUpChallenge | null;
  if (header !== null) challenge = parseStepUpChallenge(header);
  else challenge = (opts.bodyFallback ?? true) && body !== null ? fromBody(body) : null;
  if (challenge === null) return first;
  const reasons = Array.isArray(body?.stepup_reasons)
    ? (body.stepup_reasons as unknown[]).filter(isValidStepUpReason)
    : [];
  await stepUp(reasons, challenge);
  return request();
}
