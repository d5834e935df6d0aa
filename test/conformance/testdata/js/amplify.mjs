// The pinned Amplify v6 (aws-amplify 6.22.1, as client/package.json pins
// it) in Node, for the conformance suite (test/conformance): signIn
// (USER_SRP_AUTH), fetchAuthSession({ forceRefresh: true }) and signOut,
// then the refresh token Amplify held, tried once more with
// REFRESH_TOKEN_AUTH to see whether signOut revoked it. Prints one JSON
// line of outcomes; never a token or password.
// Environment: ENDPOINT, POOL_ID, CLIENT_ID, USERNAME, PASSWORD.
import { Amplify } from 'aws-amplify';
// The last HTTP answer (see identityjs.js): moto's HTML 500 page for an
// operation it does not serve is reported as "not served".
let last = { status: 0, type: '' };
const realFetch = globalThis.fetch;
globalThis.fetch = async (...args) => {
  const r = await realFetch(...args);
  last = { status: r.status, type: r.headers.get('content-type') || '' };
  return r;
};
import { signIn, signOut, fetchAuthSession } from 'aws-amplify/auth';
import { cognitoUserPoolsTokenProvider } from 'aws-amplify/auth/cognito';

const e = (k) => process.env[k] || '';
const mem = new Map();
Amplify.configure({
  Auth: { Cognito: { userPoolId: e('POOL_ID'), userPoolClientId: e('CLIENT_ID'), userPoolEndpoint: e('ENDPOINT') } },
});
// Amplify v6 keeps its tokens in a KeyValueStorage; here an in-memory one
// the script can read. After configure, which installs its default one.
cognitoUserPoolsTokenProvider.setKeyValueStorage({
  setItem: async (k, v) => void mem.set(k, v),
  getItem: async (k) => (mem.has(k) ? mem.get(k) : null),
  removeItem: async (k) => void mem.delete(k),
  clear: async () => mem.clear(),
});

const code = (err) =>
  last.status === 500 && last.type.startsWith('text/html') ? 'not served' : (err && (err.name || err.code)) || 'UnknownError';
const out = {};
const refreshToken = () => [...mem.entries()].find(([k]) => k.endsWith('.refreshToken'))?.[1];

try {
  const r = await signIn({ username: e('USERNAME'), password: e('PASSWORD') });
  out.signIn = r.isSignedIn ? 'ok' : 'step ' + r.nextStep.signInStep;
} catch (err) {
  out.signIn = code(err);
}
if (out.signIn === 'ok') {
  // Held before the refresh: Amplify drops its tokens when a refresh fails.
  const held = refreshToken();
  const before = (await fetchAuthSession()).tokens?.accessToken?.toString();
  try {
    const s = await fetchAuthSession({ forceRefresh: true });
    const after = s.tokens?.accessToken?.toString();
    out.refresh = !after ? 'no tokens' : after === before ? 'same tokens' : 'new tokens';
  } catch (err) {
    out.refresh = code(err);
  }
  try {
    await signOut();
    out.signOut = 'ok';
  } catch (err) {
    out.signOut = code(err);
  }
  // The refresh token Amplify held, after signOut (RevokeToken when the
  // token is revocable), straight to the API.
  if (held) {
    const res = await fetch(e('ENDPOINT'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSCognitoIdentityProviderService.InitiateAuth' },
      body: JSON.stringify({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: e('CLIENT_ID'), AuthParameters: { REFRESH_TOKEN: held } }),
    });
    const body = await res.json().catch(() => ({}));
    out.refreshAfterSignOut = res.ok ? 'ok' : (res.headers.get('x-amzn-errortype') || body.__type || 'HTTP ' + res.status).split(':')[0].split('#').pop();
  } else {
    out.refreshAfterSignOut = 'no refresh token held';
  }
}
console.log(JSON.stringify(out));
