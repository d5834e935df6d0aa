import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerChallenge, beginRedirect, resumeAfterRedirect, StepUpError, parseChallenge } from '../dist/index.js';
import { FakeWindow, FakeContainer, FakePopup, tick } from './fakes.mjs';

const blockid = {
  provider: 'blockid',
  authorizeUrl: 'https://acme.1kosmos.net/oauth2/community/default/v1/authorize?state=st-1',
  stepupBinding: 'bind-123',
  state: 'st-1',
  clientId: 'cid',
  tenantDns: 'acme.1kosmos.net',
  community: 'default',
  acr: "'liveID push'",
};
const oidc = {
  provider: 'oidc',
  authorizeUrl: 'https://op.example/authorize?state=st-2',
  stepupBinding: 'bind-456',
  state: 'st-2',
  clientId: 'cid',
};
const session = {
  provider: 'blockid-session',
  sessionUrl: 'https://acme.1kosmos.net/session/abc',
  stepupBinding: 'bind-789',
};
const TENANT = 'https://acme.1kosmos.net';

function blockidSetup(extra = {}) {
  const win = new FakeWindow();
  const container = new FakeContainer();
  const rejected = [];
  const p = answerChallenge(blockid, { window: win, container, onRejectedMessage: (r) => rejected.push(r), ...extra });
  const iframe = container.children[0];
  return { win, container, rejected, p, iframe };
}

async function settled(p) {
  let state = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await tick();
  return state;
}

test('blockid: valid message resolves with the exact confirmSignIn args and cleans up', async () => {
  const { win, container, p, iframe } = blockidSetup({ reason: 'high_value_transaction' });
  assert.equal(iframe.src, blockid.authorizeUrl);
  assert.equal(win.listenerCount(), 1);
  win.fire({ code: 'c-1', state: 'st-1' }, TENANT, iframe.contentWindow);
  assert.deepEqual(await p, {
    challengeResponse: '{"code":"c-1","state":"st-1"}',
    options: { clientMetadata: { stepup_binding: 'bind-123', stepup_reason: 'high_value_transaction' } },
  });
  assert.equal(container.children.length, 0, 'iframe removed');
  assert.equal(win.listenerCount(), 0, 'listener removed');
});

test('blockid: a JSON string message is accepted; clientMetadata has no reason unless given', async () => {
  const { win, p, iframe } = blockidSetup();
  win.fire('{"state":"st-1","code":"c-2"}', TENANT, iframe.contentWindow);
  const r = await p;
  assert.equal(r.challengeResponse, '{"code":"c-2","state":"st-1"}');
  assert.deepEqual(r.options.clientMetadata, { stepup_binding: 'bind-123' });
});

test('blockid: foreign origin is ignored and reported', async () => {
  const { win, rejected, p, iframe } = blockidSetup();
  win.fire({ code: 'evil', state: 'st-1' }, 'https://evil.example', iframe.contentWindow);
  win.fire({ code: 'evil', state: 'st-1' }, 'http://acme.1kosmos.net', iframe.contentWindow);
  assert.equal(await settled(p), 'pending');
  assert.deepEqual(rejected, [
    { reason: 'origin', origin: 'https://evil.example' },
    { reason: 'origin', origin: 'http://acme.1kosmos.net' },
  ]);
  win.fire({ code: 'good', state: 'st-1' }, TENANT, iframe.contentWindow);
  assert.equal((await p).challengeResponse, '{"code":"good","state":"st-1"}');
});

test('blockid: right origin but wrong source is ignored', async () => {
  const { win, rejected, p, iframe } = blockidSetup();
  win.fire({ code: 'x', state: 'st-1' }, TENANT, new FakeWindow());
  win.fire({ code: 'x', state: 'st-1' }, TENANT, null);
  win.fire({ code: 'x', state: 'st-1' }, TENANT, win);
  assert.equal(await settled(p), 'pending');
  assert.deepEqual(
    rejected.map((r) => r.reason),
    ['source', 'source', 'source'],
  );
  win.fire({ code: 'ok', state: 'st-1' }, TENANT, iframe.contentWindow);
  await p;
});

test('blockid: wrong state is ignored', async () => {
  const { win, rejected, p, iframe } = blockidSetup();
  win.fire({ code: 'x', state: 'st-other' }, TENANT, iframe.contentWindow);
  win.fire({ error: 'access_denied', state: 'st-other' }, TENANT, iframe.contentWindow);
  assert.equal(await settled(p), 'pending');
  assert.deepEqual(
    rejected.map((r) => r.reason),
    ['state', 'state'],
  );
  win.fire({ code: 'ok', state: 'st-1' }, TENANT, iframe.contentWindow);
  await p;
});

test('blockid: extra keys, non-string fields and bad shapes are ignored', async () => {
  const { win, rejected, p, iframe } = blockidSetup();
  const bad = [
    { code: 'x', state: 'st-1', extra: 'y' },
    { code: 1, state: 'st-1' },
    { code: 'x', state: ['st-1'] },
    { code: '', state: 'st-1' },
    { code: 'x\u00e9', state: 'st-1' },
    { code: 'x\n', state: 'st-1' },
    { code: 'x' },
    ['x', 'st-1'],
    null,
    42,
    'not json',
    '{"code":"x","state":"st-1","more":1}',
    { code: 'x'.repeat(4097), state: 'st-1' },
    { error: 'bad"quote' },
    Object.assign(Object.create({ inherited: 1 }), { code: 'x', state: 'st-1', own: 2 }),
  ];
  for (const d of bad) win.fire(d, TENANT, iframe.contentWindow);
  // Well formed but too large for Verify (contract.MaxAnswerBytes = 4096).
  win.fire({ code: 'x'.repeat(4090), state: 'st-1' }, TENANT, iframe.contentWindow);
  assert.equal(await settled(p), 'pending');
  assert.deepEqual(
    rejected.map((r) => r.reason),
    [...bad.map(() => 'shape'), 'size'],
  );
  win.fire({ code: 'ok', state: 'st-1' }, TENANT, iframe.contentWindow);
  await p;
});

test('blockid: an error message (BlockID post_stepup sends {error} alone) rejects provider_error', async () => {
  const { win, container, p, iframe } = blockidSetup();
  win.fire({ error: 'access_denied' }, TENANT, iframe.contentWindow);
  await assert.rejects(
    p,
    (e) => e instanceof StepUpError && e.code === 'provider_error' && e.providerError === 'access_denied',
  );
  assert.equal(container.children.length, 0);
  assert.equal(win.listenerCount(), 0);
});

test('blockid: timeout rejects with StepUpError timeout and removes iframe and listener', async () => {
  const { win, container, p } = blockidSetup({ timeoutMs: 20 });
  await assert.rejects(p, (e) => e instanceof StepUpError && e.code === 'timeout');
  assert.equal(container.children.length, 0);
  assert.equal(win.listenerCount(), 0);
});

test('blockid: abort rejects cancelled and cleans up; a pre-aborted signal opens nothing', async () => {
  const ac = new AbortController();
  const { win, container, p } = blockidSetup({ signal: ac.signal });
  assert.equal(container.children.length, 1);
  ac.abort();
  await assert.rejects(p, (e) => e instanceof StepUpError && e.code === 'cancelled');
  assert.equal(container.children.length, 0);
  assert.equal(win.listenerCount(), 0);

  const w2 = new FakeWindow();
  const c2 = new FakeContainer();
  await assert.rejects(
    answerChallenge(blockid, { window: w2, container: c2, signal: AbortSignal.abort() }),
    (e) => e.code === 'cancelled',
  );
  assert.equal(c2.children.length, 0);
  assert.equal(w2.listenerCount(), 0);
});

test('blockid: providerOrigin override accepts https and loopback http only', async () => {
  const { win, p, iframe } = blockidSetup({ providerOrigin: 'http://127.0.0.1:5556' });
  win.fire({ code: 'c', state: 'st-1' }, TENANT, iframe.contentWindow); // the default origin no longer counts
  assert.equal(await settled(p), 'pending');
  win.fire({ code: 'c', state: 'st-1' }, 'http://127.0.0.1:5556', iframe.contentWindow);
  await p;
  for (const bad of [
    'http://acme.example',
    'https://acme.example/path',
    '*',
    'null',
    'javascript:alert(1)',
    'http://[::1]:80',
    'http://127.0.0.1.evil.example',
  ]) {
    const w = new FakeWindow();
    const c = new FakeContainer();
    await assert.rejects(
      answerChallenge(blockid, { window: w, container: c, providerOrigin: bad }),
      (e) => e.code === 'invalid_options',
      bad,
    );
    assert.equal(w.listenerCount(), 0, bad);
    assert.equal(c.children.length, 0, bad);
  }
  for (const good of ['https://tenant.example', 'https://tenant.example:8443', 'http://localhost:3000']) {
    const w = new FakeWindow();
    const c = new FakeContainer();
    const ac = new AbortController();
    const q = answerChallenge(blockid, { window: w, container: c, providerOrigin: good, signal: ac.signal });
    ac.abort();
    await assert.rejects(q, (e) => e.code === 'cancelled', good);
  }
});

test('blockid: no container is invalid_options and leaves no listener', async () => {
  const win = new FakeWindow();
  await assert.rejects(answerChallenge(blockid, { window: win }), (e) => e.code === 'invalid_options');
  assert.equal(win.listenerCount(), 0);
});

test('invalid challenges and options are refused before anything opens', async () => {
  const win = new FakeWindow();
  const cases = [
    [undefined, 'invalid_challenge'],
    [{ ...oidc, stepupBinding: '' }, 'invalid_challenge'],
    [{ ...oidc, stepupBinding: 'b'.repeat(257) }, 'invalid_challenge'],
    [{ ...oidc, authorizeUrl: 'http://op.example/authorize' }, 'invalid_challenge'],
    [{ ...oidc, authorizeUrl: 'javascript:alert(1)' }, 'invalid_challenge'],
    [{ ...oidc, state: undefined }, 'invalid_challenge'],
    [{ ...blockid, tenantDns: 'evil.example/x' }, 'invalid_challenge'],
    [{ ...oidc, provider: 'saml' }, 'unsupported_provider'],
    [{ ...session, sessionUrl: 'ftp://x' }, 'invalid_challenge'],
  ];
  for (const [params, code] of cases) {
    await assert.rejects(
      answerChallenge(params, { window: win }),
      (e) => e instanceof StepUpError && e.code === code,
      JSON.stringify(params),
    );
  }
  await assert.rejects(
    answerChallenge(oidc, { window: win, reason: 'High Value' }),
    (e) => e.code === 'invalid_options',
  );
  assert.equal(win.opened.length, 0);
  assert.equal(win.listenerCount(), 0);
  // loopback http is allowed for a local provider
  assert.equal(parseChallenge({ ...oidc, authorizeUrl: 'http://127.0.0.1:5556/auth' }).kind, 'oidc');
});

function popupSetup(extra = {}) {
  const win = new FakeWindow({ origin: 'https://app.example' });
  const rejected = [];
  const p = answerChallenge(oidc, {
    window: win,
    pollIntervalMs: 5,
    onRejectedMessage: (r) => rejected.push(r),
    ...extra,
  });
  return { win, p, popup: win.opened[0], rejected };
}

test('oidc popup: a message from the app origin and the popup resolves; popup closed after', async () => {
  const { win, p, popup } = popupSetup({ reason: 'high_value_transaction' });
  assert.equal(popup.location.href, oidc.authorizeUrl);
  assert.equal(popup.name, 'cognitobridge_stepup');
  win.fire({ code: 'oc', state: 'st-2' }, 'https://app.example', popup);
  assert.deepEqual(await p, {
    challengeResponse: '{"code":"oc","state":"st-2"}',
    options: { clientMetadata: { stepup_binding: 'bind-456', stepup_reason: 'high_value_transaction' } },
  });
  assert.equal(popup.closed, true);
  assert.equal(win.listenerCount(), 0);
});

test('oidc popup: the provider origin, another window and a wrong state are ignored', async () => {
  const { win, p, popup, rejected } = popupSetup();
  win.fire({ code: 'x', state: 'st-2' }, 'https://op.example', popup);
  win.fire({ code: 'x', state: 'st-2' }, 'https://app.example', new FakePopup('x'));
  win.fire({ code: 'x', state: 'st-9' }, 'https://app.example', popup);
  assert.equal(await settled(p), 'pending');
  assert.deepEqual(
    rejected.map((r) => r.reason),
    ['origin', 'source', 'state'],
  );
  win.fire({ code: 'x', state: 'st-2' }, 'https://app.example', popup);
  await p;
});

test('oidc popup: closed by the user rejects closed and clears the poll and listener', async () => {
  const { win, p, popup } = popupSetup();
  popup.close();
  await assert.rejects(p, (e) => e instanceof StepUpError && e.code === 'closed');
  assert.equal(win.listenerCount(), 0);
});

test('oidc popup: a message posted right before the popup closes still wins', async () => {
  const { win, p, popup } = popupSetup({ pollIntervalMs: 50 });
  popup.close();
  await tick(60); // the poll sees closed once; the answer arrives before the next decision
  win.fire({ code: 'late', state: 'st-2' }, 'https://app.example', popup);
  assert.equal((await p).challengeResponse, '{"code":"late","state":"st-2"}');
});

test('oidc popup: blocked popup rejects popup_blocked with no listener left', async () => {
  const win = new FakeWindow({ blockPopups: true });
  await assert.rejects(answerChallenge(oidc, { window: win }), (e) => e.code === 'popup_blocked');
  assert.equal(win.listenerCount(), 0);
});

test('oidc popup: a window the app pre-opened is navigated and used', async () => {
  const win = new FakeWindow();
  const pre = new FakePopup('about:blank');
  const p = answerChallenge(oidc, { window: win, popup: pre, pollIntervalMs: 5 });
  assert.equal(pre.location.href, oidc.authorizeUrl);
  assert.equal(win.opened.length, 0);
  win.fire({ code: 'c', state: 'st-2' }, win.location.origin, pre);
  await p;
  assert.equal(pre.closed, true);
});

test('oidc popup: timeout and abort close the popup', async () => {
  const a = popupSetup({ timeoutMs: 15 });
  await assert.rejects(a.p, (e) => e.code === 'timeout');
  assert.equal(a.popup.closed, true);
  assert.equal(a.win.listenerCount(), 0);
  const ac = new AbortController();
  const b = popupSetup({ signal: ac.signal });
  ac.abort();
  await assert.rejects(b.p, (e) => e.code === 'cancelled');
  assert.equal(b.popup.closed, true);
  assert.equal(b.win.listenerCount(), 0);
});

test('session: done() answers {"done":true} with the binding and closes the popup', async () => {
  const win = new FakeWindow();
  let control;
  const p = answerChallenge(session, {
    window: win,
    reason: 'high_value_transaction',
    pollIntervalMs: 5,
    session: { onOpened: (c) => (control = c) },
  });
  assert.equal(win.opened[0].location.href, session.sessionUrl);
  control.done();
  assert.deepEqual(await p, {
    challengeResponse: '{"done":true}',
    options: { clientMetadata: { stepup_binding: 'bind-789', stepup_reason: 'high_value_transaction' } },
  });
  assert.equal(win.opened[0].closed, true);
});

test('session: popup closed counts as done by default, or rejects closed when told', async () => {
  const w1 = new FakeWindow();
  const p1 = answerChallenge(session, { window: w1, pollIntervalMs: 2 });
  w1.opened[0].close();
  assert.equal((await p1).challengeResponse, '{"done":true}');
  const w2 = new FakeWindow();
  const p2 = answerChallenge(session, { window: w2, pollIntervalMs: 2, session: { closeMeansDone: false } });
  w2.opened[0].close();
  await assert.rejects(p2, (e) => e.code === 'closed');
});

test('session: iframe display and cancel', async () => {
  const win = new FakeWindow();
  const container = new FakeContainer();
  let control;
  const p = answerChallenge(session, {
    window: win,
    container,
    iframeAllow: 'camera',
    session: { display: 'iframe', onOpened: (c) => (control = c) },
  });
  assert.equal(container.children[0].src, session.sessionUrl);
  assert.equal(container.children[0].attributes.allow, 'camera');
  control.cancel();
  await assert.rejects(p, (e) => e.code === 'cancelled');
  assert.equal(container.children.length, 0);
});

test('redirect: beginRedirect stores the pending step-up and navigates', async () => {
  const win = new FakeWindow({ origin: 'https://app.example' });
  const p = answerChallenge(oidc, { window: win, mode: 'redirect', reason: 'high_value_transaction' });
  assert.equal(win.location.assigned, oidc.authorizeUrl);
  assert.equal(await settled(p), 'pending'); // the page is leaving
  const stored = JSON.parse(win.sessionStorage.getItem('cognitobridge.stepup.redirect'));
  assert.equal(stored.state, 'st-2');
  assert.equal(stored.stepupBinding, 'bind-456');
  assert.equal(stored.reason, 'high_value_transaction');
});

function returned(query, pending = true, createdAt = Date.now()) {
  const win = new FakeWindow({ origin: 'https://app.example', href: 'https://app.example/stepup?' + query + '#x' });
  if (pending)
    win.sessionStorage.setItem(
      'cognitobridge.stepup.redirect',
      JSON.stringify({ v: 1, state: 'st-2', stepupBinding: 'bind-456', reason: 'high_value_transaction', createdAt }),
    );
  return win;
}

test('redirect: resumeAfterRedirect returns the args, clears storage and the URL', () => {
  const win = returned('code=rc&state=st-2&iss=https%3A%2F%2Fop.example&keep=1');
  assert.deepEqual(resumeAfterRedirect({ window: win }), {
    challengeResponse: '{"code":"rc","state":"st-2"}',
    options: { clientMetadata: { stepup_binding: 'bind-456', stepup_reason: 'high_value_transaction' } },
  });
  assert.equal(win.sessionStorage.getItem('cognitobridge.stepup.redirect'), null);
  assert.equal(win.location.href, 'https://app.example/stepup?keep=1#x');
  // a second call (reload) finds nothing pending
  assert.equal(resumeAfterRedirect({ window: win }), null);
});

test('redirect: refusals', () => {
  assert.equal(resumeAfterRedirect({ window: returned('code=rc&state=st-2', false) }), null);
  const cases = [
    ['code=rc&state=other', 'state_mismatch'],
    ['code=rc', 'invalid_callback'],
    ['code=rc&state=st-2&state=st-2', 'invalid_callback'],
    ['error=access_denied&state=st-2', 'provider_error'],
    ['error=access_denied&state=nope', 'state_mismatch'],
  ];
  for (const [q, code] of cases) {
    const win = returned(q);
    assert.throws(
      () => resumeAfterRedirect({ window: win }),
      (e) => e instanceof StepUpError && e.code === code,
      q,
    );
    assert.equal(win.sessionStorage.getItem('cognitobridge.stepup.redirect'), null, q);
  }
  assert.throws(
    () => resumeAfterRedirect({ window: returned('code=rc&state=st-2', true, Date.now() - 181_000) }),
    (e) => e.code === 'timeout',
  );
});

test('redirect: beginRedirect refuses non-oidc challenges', () => {
  assert.throws(
    () => beginRedirect(blockid, { window: new FakeWindow() }),
    (e) => e.code === 'invalid_options',
  );
});
