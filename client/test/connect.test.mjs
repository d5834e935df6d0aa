import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectProvider, ConnectError, StepUpError } from '../dist/index.js';
import { FakeWindow, tick } from './fakes.mjs';

const AUTHORIZE = 'https://provider.example/authorize?client_id=c&state=st-1&nonce=n';

// fakeApi answers the connect routes; calls records what was asked.
function fakeApi({ start, callback } = {}) {
  const calls = [];
  const json = (status, body, headers = {}) => ({
    ok: status >= 200 && status < 300,
    status,
    headers: { get: (k) => headers[k.toLowerCase()] ?? null },
    json: async () => body,
  });
  const fetch = async (url, init) => {
    calls.push({ url, init, body: JSON.parse(init.body) });
    if (url.endsWith('/connect/start'))
      return start ? start() : json(200, { authorizeUrl: AUTHORIZE, state: 'st-1', expiresAt: 1 });
    if (url.endsWith('/connect/callback'))
      return callback ? callback() : json(200, { connected: true, provider: 'Mosaic' });
    return json(404, { message: 'Not Found' });
  };
  return { fetch, calls, json };
}

async function started(win) {
  for (let i = 0; i < 20 && win.opened[0]?.location.href !== AUTHORIZE; i++) await tick();
  assert.equal(win.opened[0].location.href, AUTHORIZE, 'the popup went to the authorize URL');
  return win.opened[0];
}

test('connectProvider: start, the popup at the provider, the callback page answer, then /connect/callback', async () => {
  const win = new FakeWindow({ origin: 'https://app.example' });
  const api = fakeApi();
  const p = connectProvider({
    apiUrl: 'https://api.example/',
    accessToken: 'at-1',
    window: win,
    fetch: api.fetch,
    pollIntervalMs: 5,
  });
  assert.equal(win.opened.length, 1, 'the popup is opened at once (user activation)');
  assert.equal(win.opened[0].location.href, 'about:blank');
  const popup = await started(win);
  win.fire({ code: 'the-code', state: 'st-1' }, 'https://app.example', popup);
  assert.deepEqual(await p, { connected: true, provider: 'Mosaic' });
  assert.deepEqual(
    api.calls.map((c) => c.url),
    ['https://api.example/connect/start', 'https://api.example/connect/callback'],
  );
  assert.deepEqual(api.calls[1].body, { code: 'the-code', state: 'st-1' });
  for (const c of api.calls) {
    assert.equal(c.init.headers.Authorization, 'Bearer at-1');
    assert.equal(c.init.credentials, 'omit');
  }
  assert.equal(popup.closed, true);
  assert.equal(win.listenerCount(), 0);
});

test('connectProvider ignores answers from another origin, another window, for another state, or malformed', async () => {
  const win = new FakeWindow({ origin: 'https://app.example' });
  const api = fakeApi();
  const rejected = [];
  const p = connectProvider({
    apiUrl: 'https://api.example',
    accessToken: 'at',
    window: win,
    fetch: api.fetch,
    onRejectedMessage: (m) => rejected.push(m.reason),
  });
  const popup = await started(win);
  win.fire({ code: 'c', state: 'st-1' }, 'https://evil.example', popup);
  win.fire({ code: 'c', state: 'st-1' }, 'https://app.example', {});
  win.fire({ code: 'c', state: 'st-2' }, 'https://app.example', popup);
  win.fire({ code: 'c', state: 'st-1', extra: 1 }, 'https://app.example', popup);
  assert.deepEqual(rejected, ['origin', 'source', 'state', 'shape']);
  assert.equal(api.calls.length, 1, 'nothing sent to /connect/callback');
  win.fire({ code: 'c', state: 'st-1' }, 'https://app.example', popup);
  await p;
  assert.equal(api.calls.length, 2);
});

test('connectProvider: an answer before the start returned is ignored (no state yet)', async () => {
  const win = new FakeWindow({ origin: 'https://app.example' });
  let release;
  const api = fakeApi({
    start: () =>
      new Promise((r) => {
        release = () => r(api.json(200, { authorizeUrl: AUTHORIZE, state: 'st-1' }));
      }),
  });
  const rejected = [];
  const p = connectProvider({
    apiUrl: 'https://api.example',
    accessToken: 'at',
    window: win,
    fetch: api.fetch,
    onRejectedMessage: (m) => rejected.push(m.reason),
  });
  await tick();
  win.fire({ code: 'c', state: 'st-1' }, 'https://app.example', win.opened[0]);
  assert.deepEqual(rejected, ['state']);
  release();
  const popup = await started(win);
  win.fire({ code: 'c', state: 'st-1' }, 'https://app.example', popup);
  await p;
});

test('connectProvider: the API refusing the callback rejects with ConnectError and cleans up', async () => {
  const win = new FakeWindow({ origin: 'https://app.example' });
  const api = fakeApi({ callback: () => api.json(400, { error: 'provider_login_failed' }) });
  const p = connectProvider({ apiUrl: 'https://api.example', accessToken: 'at', window: win, fetch: api.fetch });
  const popup = await started(win);
  win.fire({ code: 'tampered', state: 'st-1' }, 'https://app.example', popup);
  await assert.rejects(p, (e) => e instanceof ConnectError && e.status === 400 && e.code === 'provider_login_failed');
  assert.equal(popup.closed, true);
  assert.equal(win.listenerCount(), 0);
});

test('connectProvider: a refused start closes the popup; a stale sign-in carries the RFC 9470 challenge', async () => {
  const win = new FakeWindow({ origin: 'https://app.example' });
  const www = 'Bearer error="insufficient_user_authentication", max_age=900';
  const api = fakeApi({ start: () => api.json(401, { error: 'reauthenticate' }, { 'www-authenticate': www }) });
  const p = connectProvider({ apiUrl: 'https://api.example', accessToken: 'at', window: win, fetch: api.fetch });
  await assert.rejects(
    p,
    (e) => e instanceof ConnectError && e.status === 401 && e.code === 'reauthenticate' && e.wwwAuthenticate === www,
  );
  assert.equal(win.opened[0].closed, true);
  assert.equal(win.listenerCount(), 0);
});

test('connectProvider refuses a start answer whose URL does not carry its state', async () => {
  const win = new FakeWindow({ origin: 'https://app.example' });
  const api = fakeApi({ start: () => api.json(200, { authorizeUrl: 'javascript:alert(1)', state: 'st-1' }) });
  await assert.rejects(
    connectProvider({ apiUrl: 'https://api.example', accessToken: 'at', window: win, fetch: api.fetch }),
    (e) => e instanceof ConnectError && e.code === 'invalid_start_response',
  );
  const api2 = fakeApi({ start: () => api2.json(200, { authorizeUrl: AUTHORIZE, state: 'other' }) });
  await assert.rejects(
    connectProvider({ apiUrl: 'https://api.example', accessToken: 'at', window: win, fetch: api2.fetch }),
    (e) => e.code === 'invalid_start_response',
  );
});

test('connectProvider: provider error, closed popup, blocked popup, bad options', async () => {
  {
    const win = new FakeWindow({ origin: 'https://app.example' });
    const api = fakeApi();
    const p = connectProvider({ apiUrl: 'https://api.example', accessToken: 'at', window: win, fetch: api.fetch });
    const popup = await started(win);
    win.fire({ error: 'access_denied', state: 'st-1' }, 'https://app.example', popup);
    await assert.rejects(
      p,
      (e) => e instanceof StepUpError && e.code === 'provider_error' && e.providerError === 'access_denied',
    );
    assert.equal(api.calls.length, 1);
  }
  {
    const win = new FakeWindow({ origin: 'https://app.example' });
    const api = fakeApi();
    const p = connectProvider({
      apiUrl: 'https://api.example',
      accessToken: 'at',
      window: win,
      fetch: api.fetch,
      pollIntervalMs: 5,
    });
    const popup = await started(win);
    popup.close();
    await assert.rejects(p, (e) => e instanceof StepUpError && e.code === 'closed');
    assert.equal(win.listenerCount(), 0);
  }
  {
    const win = new FakeWindow({ blockPopups: true });
    const api = fakeApi();
    await assert.rejects(
      connectProvider({ apiUrl: 'https://api.example', accessToken: 'at', window: win, fetch: api.fetch }),
      (e) => e.code === 'popup_blocked',
    );
    assert.equal(api.calls.length, 0, 'nothing started without a popup');
  }
  const win = new FakeWindow();
  await assert.rejects(
    connectProvider({ apiUrl: 'not a url', accessToken: 'at', window: win, fetch: async () => {} }),
    (e) => e.code === 'invalid_options',
  );
  await assert.rejects(
    connectProvider({ apiUrl: 'https://api.example', accessToken: '', window: win, fetch: async () => {} }),
    (e) => e.code === 'invalid_options',
  );
  assert.equal(win.opened.length, 0);
});

test('connectProvider uses a popup the app opened itself', async () => {
  const win = new FakeWindow({ origin: 'https://app.example' });
  const own = win.open('about:blank', 'mine', '');
  const api = fakeApi();
  const p = connectProvider({
    apiUrl: 'https://api.example',
    accessToken: 'at',
    window: win,
    fetch: api.fetch,
    popup: own,
  });
  assert.equal(win.opened.length, 1);
  const popup = await started(win);
  assert.equal(popup, own);
  win.fire({ code: 'c', state: 'st-1' }, 'https://app.example', own);
  await p;
  assert.equal(own.closed, true);
});
