// Drives one sample page in headless Chromium with playwright-core (never a
// downloaded browser: CHROMIUM names Debian's binary). The Go test in
// test/browser starts the local stack and runs `node flows.mjs <flow>`; this
// script prints one JSON line with what the page ended in, and writes a
// screenshot of the decisive moment.
//
// Environment: CHROMIUM, WEB_URL, PROVIDER_URL, SCREENSHOT (a .png path),
// USERNAME, PASSWORD, PROVIDER_USER, PROVIDER_PASSWORD, FOREIGN_URL.
import { chromium } from 'playwright-core';
import { readdirSync } from 'node:fs';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`flows.mjs: ${k} not set`);
  return v;
};

// The provider's login page, wherever it is (an iframe or a popup).
async function providerLogin(frame) {
  await frame.waitForSelector('#username', { timeout: 20000 });
  await frame.fill('#username', env('PROVIDER_USER'));
  await frame.fill('#password', env('PROVIDER_PASSWORD'));
  await frame.click('button[type=submit]');
}

// waitProvider waits for the provider's page, in the step-up iframe
// (MODE=iframe, BlockID style) or in a popup (MODE=popup, OIDC/Biopass
// style), and returns the frame and the challenge's state. It must be
// called before the click that opens it.
function waitProvider(page) {
  if (process.env.MODE === 'popup') {
    return page.waitForEvent('popup', { timeout: 20000 }).then(async (popup) => {
      await popup.waitForSelector('#username', { timeout: 20000 });
      return { frame: popup, state: stateOf() };
    });
  }
  return page.waitForSelector('#stepup iframe', { timeout: 20000 }).then(async (el) => {
    const frame = await el.contentFrame();
    await frame.waitForSelector('#username', { timeout: 20000 });
    return { frame, state: stateOf() };
  });
}

// The state of the last authorization request any page of the context
// sent (the popup's URL is the login page by the time it can be read).
let lastState = null;
function stateOf() {
  return lastState;
}

// shot writes SCREENSHOT, or with a suffix (SCREENSHOT-<suffix>.png) for an
// intermediate moment of the flow.
async function shot(page, suffix) {
  const path = suffix ? env('SCREENSHOT').replace(/\.png$/, `-${suffix}.png`) : env('SCREENSHOT');
  await page.screenshot({ path, fullPage: true });
}

const end = (page, timeout = 30000) =>
  page.waitForSelector('body[data-state="signed-in"], body[data-state="refused"]', { timeout });

// tamperCodes alters, from now on, every {code, state} message the page
// receives before the page's own listeners see it: a capturing listener,
// first in line, swallows the message and re-dispatches it with two
// characters of the code changed, same origin and source. The count is
// window.tampered.
async function tamperCodes(page) {
  await page.evaluate(() => {
    window.tampered = 0;
    window.addEventListener(
      'message',
      (e) => {
        if (e.__tampered || !e.data || typeof e.data.code !== 'string') return;
        e.stopImmediatePropagation();
        const forged = new MessageEvent('message', {
          data: { ...e.data, code: e.data.code.slice(0, -2) + 'xx' },
          origin: e.origin,
          source: e.source,
        });
        forged.__tampered = true;
        window.tampered++;
        window.dispatchEvent(forged);
      },
      true,
    );
  });
}

// storedClaims decodes the tokens Amplify keeps in localStorage
// (CognitoIdentityServiceProvider.<clientId>.<LastAuthUser>.{accessToken,
// idToken}) and returns a few claims of each, never a token: what the
// session really holds, beside what the page shows. null when signed out.
async function storedClaims(page) {
  return page.evaluate(async () => {
    const cfg = await (await fetch('/config.json', { cache: 'no-store' })).json();
    const prefix = `CognitoIdentityServiceProvider.${cfg.userPoolClientId}`;
    const user = localStorage.getItem(`${prefix}.LastAuthUser`);
    if (!user) return null;
    const keep = [
      'sub',
      'username',
      'cognito:username',
      'client_id',
      'jti',
      'origin_jti',
      'iat',
      'auth_time',
      'cognitobridge:stepup_at',
      'cognitobridge:stepup_reason',
      'custom:ial',
      'identities',
    ];
    const decode = (jwt) => {
      if (!jwt) return null;
      const bin = atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'));
      const c = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0))));
      const out = Object.fromEntries(Object.entries(c).filter(([k]) => keep.includes(k)));
      if (Array.isArray(c.identities)) out.identities = c.identities.map((i) => i.providerName);
      return out;
    };
    return {
      access: decode(localStorage.getItem(`${prefix}.${user}.accessToken`)),
      id: decode(localStorage.getItem(`${prefix}.${user}.idToken`)),
    };
  });
}

// refreshThenSignOut runs on a signed-in page: Refresh session (Amplify's
// fetchAuthSession({ forceRefresh: true })), what the page and the stored
// tokens show before and after (screenshot SCREENSHOT-refreshed.png); then
// it keeps the refresh token Amplify stored (in this process only, never
// printed), clicks Sign out (Amplify's signOut(): RevokeToken; a hosted
// sign-in also leaves through the pool's /logout and comes back), and
// posts GetTokensFromRefreshToken with the kept token to the pool
// endpoint from the page: the error type the pool answers goes in
// result.session.revoked (screenshot SCREENSHOT-signed-out.png).
// afterRefresh, if given, runs between the refresh and the sign-out.
async function refreshThenSignOut(page, result, afterRefresh) {
  const s = (result.session = {});
  s.signInState = await page.getAttribute('body', 'data-state');
  s.signInClaims = await page.textContent('#claims');
  s.before = await storedClaims(page);
  await page.click('#refresh');
  await page.waitForSelector('body[data-state="refreshed"], body[data-state="refused"]', { timeout: 20000 });
  s.refreshState = await page.getAttribute('body', 'data-state');
  s.refreshStatus = await page.textContent('#status');
  s.refreshedClaims = await page.textContent('#claims');
  s.caption = await page.textContent('#claims-caption');
  s.after = await storedClaims(page);
  await shot(page, 'refreshed');
  if (s.refreshState !== 'refreshed') return;
  if (afterRefresh) await afterRefresh();
  const cfg = await page.evaluate(async () => (await fetch('/config.json', { cache: 'no-store' })).json());
  const refreshToken = await page.evaluate((clientId) => {
    const prefix = `CognitoIdentityServiceProvider.${clientId}`;
    return localStorage.getItem(`${prefix}.${localStorage.getItem(`${prefix}.LastAuthUser`)}.refreshToken`);
  }, cfg.userPoolClientId);
  if (!refreshToken) throw new Error('no refresh token in localStorage after the refresh');
  await page.click('#signout');
  await page.waitForSelector('body[data-state="signed-out"], body[data-state="ready"], body[data-state="refused"]', {
    timeout: 20000,
  });
  s.signOutState = await page.getAttribute('body', 'data-state');
  s.signOutStatus = await page.textContent('#status');
  s.storedAfterSignOut = await storedClaims(page);
  s.buttonsShown = await page.isVisible('#signout');
  s.revoked = await page.evaluate(
    async ({ endpoint, clientId, token }) => {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': 'AWSCognitoIdentityProviderService.GetTokensFromRefreshToken',
        },
        body: JSON.stringify({ ClientId: clientId, RefreshToken: token }),
      });
      const body = await res.json().catch(() => ({}));
      // The error type and message only: a success would carry tokens.
      return res.ok ? `${res.status} tokens issued` : `${res.status} ${body.__type ?? ''}: ${body.message ?? ''}`;
    },
    { endpoint: cfg.userPoolEndpoint, clientId: cfg.userPoolClientId, token: refreshToken },
  );
  await shot(page, 'signed-out');
}

const flows = {
  // Password, then the step-up at the provider (iframe or popup).
  async stepup(page) {
    const provider = waitProvider(page);
    await page.click('#submit');
    const { frame } = await provider;
    // The provider's login: the frame inside the app, or the popup.
    await shot(process.env.MODE === 'popup' ? frame : page, 'provider');
    await providerLogin(frame);
    await end(page);
    await shot(page);
  },
  // The step-up sign-in, then Refresh session and Sign out
  // (refreshThenSignOut).
  async 'stepup-session'(page) {
    const provider = waitProvider(page);
    await page.click('#submit');
    await providerLogin((await provider).frame);
    await end(page);
    if ((await page.getAttribute('body', 'data-state')) !== 'signed-in') return;
    await refreshThenSignOut(page, result);
  },
  // The refusal twin of every flow's first step.
  async 'wrong-password'(page) {
    await page.click('#submit');
    await end(page);
    await shot(page);
  },
  // A page of another origin frames itself into the app and posts a
  // well-formed answer for this very challenge: the module must ignore it.
  async 'foreign-origin'(page) {
    const provider = waitProvider(page);
    await page.click('#submit');
    const { state } = await provider;
    if (!state) throw new Error('no state in the provider URL');
    const foreign = `${env('FOREIGN_URL')}/forge?state=${encodeURIComponent(state)}&target=${encodeURIComponent(new URL(env('WEB_URL')).origin)}`;
    await page.evaluate((src) => {
      const f = document.createElement('iframe');
      f.id = 'forger';
      f.src = src;
      document.body.appendChild(f);
    }, foreign);
    await page.waitForFunction(() => (window.rejectedMessages ?? []).length > 0, null, { timeout: 20000 });
    await page.waitForTimeout(500);
    result.afterForgery = await page.getAttribute('body', 'data-state');
    await shot(page);
  },
  // The provider's answer is altered before it reaches the module (a
  // tampered code): a capturing listener, first in line, swallows the
  // provider's message and re-dispatches it with two characters of the
  // code changed, same origin and source. Verify must refuse the code.
  async 'tampered-code'(page) {
    await tamperCodes(page);
    const first = waitProvider(page);
    await page.click('#submit');
    const again = page.waitForFunction(() => window.tampered > 0, null, {
      timeout: 20000,
    });
    await providerLogin((await first).frame);
    await again;
    // Verify refuses; Define sets a new challenge: the provider opens again.
    const second = await waitProvider(page);
    result.secondState = second.state;
    result.tampered = await page.evaluate(() => window.tampered);
    await shot(page);
  },
};

// Flows of other styles live in flows-<style>.mjs next to this file, each
// exporting `flows` (name -> async (page, context, helpers)).
const helpers = {
  env,
  shot,
  end,
  providerLogin,
  waitProvider,
  tamperCodes,
  storedClaims,
  refreshThenSignOut,
  result: null,
};
for (const f of readdirSync(new URL('.', import.meta.url))
  .filter((n) => /^flows-.+\.mjs$/.test(n))
  .sort()) {
  Object.assign(flows, (await import(`./${f}`)).flows);
}

// Runs last: the flows above are defined by now.
const flow = process.argv[2];
const result = { flow, console: [] };
helpers.result = result;
const browser = await chromium.launch({
  executablePath: env('CHROMIUM'),
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-popup-blocking',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // The local pool domain's per-run certificate (devstack hosted.go): trusted by its key only.
    ...(process.env.HOSTED_SPKI ? [`--ignore-certificate-errors-spki-list=${process.env.HOSTED_SPKI}`] : []),
  ],
});
try {
  const context = await browser.newContext({
    viewport: { width: 1000, height: 900 },
  });
  context.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin === new URL(env('PROVIDER_URL')).origin && u.pathname === '/authorize' && u.searchParams.get('state'))
      lastState = u.searchParams.get('state');
  });
  const page = await context.newPage();
  // CLOCK=1: the page's clock is Playwright's, which a flow fast-forwards.
  if (process.env.CLOCK) await page.clock.install();
  page.on('console', (m) => result.console.push(`${m.type()}: ${m.text()}`.slice(0, 300)));
  page.on('pageerror', (e) => result.console.push(`pageerror: ${e.message}`.slice(0, 300)));
  await page.goto(env('WEB_URL'));
  await page.waitForSelector('body[data-state="ready"]', { timeout: 20000 });
  // The password form of the step-up pages (hosted sign-in pages have none).
  if (await page.$('#username')) {
    await page.fill('#username', env('USERNAME'));
    await page.fill('#password', flow === 'wrong-password' ? env('PASSWORD') + 'x' : env('PASSWORD'));
  }
  if (!flows[flow]) throw new Error(`no flow ${flow}`);
  await flows[flow](page, context, helpers);
  result.state = await page.getAttribute('body', 'data-state');
  result.status = await page.textContent('#status');
  result.claims = await page.textContent('#claims');
  result.rejected = await page.evaluate(() => window.rejectedMessages ?? []);
} catch (e) {
  result.error = String(e?.stack ?? e);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
