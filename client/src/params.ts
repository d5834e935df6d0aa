import { StepUpError } from './errors.js';
import {
  MAX_BINDING_VALUE,
  PROVIDER_BLOCKID,
  PROVIDER_BLOCKID_SESSION,
  PROVIDER_OIDC,
  PUBLIC_ACR,
  PUBLIC_AUTHORIZE_URL,
  PUBLIC_CLIENT_ID,
  PUBLIC_COMMUNITY,
  PUBLIC_PROVIDER,
  PUBLIC_SESSION_URL,
  PUBLIC_STATE,
  PUBLIC_STEPUP_BINDING,
  PUBLIC_TENANT_DNS,
} from './contract.js';

/** The challenge's public parameters as Amplify hands them over (`nextStep.additionalInfo`). */
export type ChallengeParameters = Readonly<Record<string, string | undefined>>;

/** An authorization-code challenge (`provider` = `blockid` or `oidc`). */
export interface CodeChallenge {
  kind: 'blockid' | 'oidc';
  authorizeUrl: string;
  state: string;
  stepupBinding: string;
  clientId?: string;
  /** BlockID only. */
  tenantDns?: string;
  community?: string;
  acr?: string;
}

/** A verification-session challenge (`provider` = `blockid-session`). */
export interface SessionChallenge {
  kind: 'session';
  sessionUrl: string;
  stepupBinding: string;
}

export type Challenge = CodeChallenge | SessionChallenge;

/** Longest `state` accepted: the whole answer must fit MAX_ANSWER_BYTES anyway. */
export const MAX_STATE_LENGTH = 1024;
/** Longest `code` accepted. */
export const MAX_CODE_LENGTH = 4096;
const MAX_URL_LENGTH = 8192;

/** OAuth's VSCHAR (RFC 6749 appendix A): what `code` and `state` consist of. */
export function isVschar(s: string, max: number): boolean {
  return s.length > 0 && s.length <= max && /^[\x20-\x7e]+$/.test(s);
}

/** https, or http on a loopback host (a local provider during development and tests). */
export function isSafeHttpUrl(u: string): boolean {
  if (u.length > MAX_URL_LENGTH) return false;
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
}

function isHostname(s: string): boolean {
  // A DNS name with an optional port, as BlockID's tenantDns is (e.g. "acme.1kosmos.net").
  return (
    s.length <= 253 &&
    /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$/.test(s)
  );
}

function str(p: ChallengeParameters, k: string): string | undefined {
  const v = Object.prototype.hasOwnProperty.call(p, k) ? p[k] : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function bad(what: string): never {
  throw new StepUpError('invalid_challenge', `the challenge's public parameters have no valid ${what}`);
}

/**
 * Reads and checks a custom challenge's public parameters. Throws
 * `StepUpError('invalid_challenge' | 'unsupported_provider')`.
 */
export function parseChallenge(params: ChallengeParameters | undefined | null): Challenge {
  if (params === null || typeof params !== 'object') bad('parameters');
  const provider = str(params, PUBLIC_PROVIDER);
  const binding = str(params, PUBLIC_STEPUP_BINDING);
  if (binding === undefined || binding.length > MAX_BINDING_VALUE) bad(PUBLIC_STEPUP_BINDING);
  switch (provider) {
    case PROVIDER_BLOCKID:
    case PROVIDER_OIDC: {
      const authorizeUrl = str(params, PUBLIC_AUTHORIZE_URL);
      if (authorizeUrl === undefined || !isSafeHttpUrl(authorizeUrl)) bad(PUBLIC_AUTHORIZE_URL);
      const state = str(params, PUBLIC_STATE);
      if (state === undefined || !isVschar(state, MAX_STATE_LENGTH)) bad(PUBLIC_STATE);
      const c: CodeChallenge = { kind: provider, authorizeUrl, state, stepupBinding: binding };
      const clientId = str(params, PUBLIC_CLIENT_ID);
      if (clientId !== undefined) c.clientId = clientId;
      if (provider === PROVIDER_BLOCKID) {
        const tenantDns = str(params, PUBLIC_TENANT_DNS);
        if (tenantDns === undefined || !isHostname(tenantDns)) bad(PUBLIC_TENANT_DNS);
        c.tenantDns = tenantDns;
        const community = str(params, PUBLIC_COMMUNITY);
        if (community !== undefined) c.community = community;
        const acr = str(params, PUBLIC_ACR);
        if (acr !== undefined) c.acr = acr;
      }
      return c;
    }
    case PROVIDER_BLOCKID_SESSION: {
      const sessionUrl = str(params, PUBLIC_SESSION_URL);
      if (sessionUrl === undefined || !isSafeHttpUrl(sessionUrl)) bad(PUBLIC_SESSION_URL);
      return { kind: 'session', sessionUrl, stepupBinding: binding };
    }
    default:
      throw new StepUpError('unsupported_provider', `unsupported provider kind ${JSON.stringify(provider ?? null)}`);
  }
}
