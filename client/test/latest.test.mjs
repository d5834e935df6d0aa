// One challenge per container, the latest; stale answers ignored without an error; the wait
// derived from the app client's session validity; an aborted drive never goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerChallenge, drive, SESSION_MARGIN_MS } from '../dist/index.js';
import { FakeWindow, FakeContainer, tick } from './fakes.mjs';

const TENANT = 'https://acme.1kosmos.net';
const blockid = (state, binding = 'bind-' + state) => ({
  provider: 'blockid',
  authorizeUrl: `${TENANT}/oauth2/community/default/v1/authorize?state=${state}`,
  stepupBinding: binding,
  state,
  clientId: 'cid',
  tenantDns: 'acme.1kosmos.net',
  community: 'default',
  acr: "'liveID push'",
});

test('a new challenge in the same container removes the earlier frame and ends its wait (superseded)', async () => {
  const win = new FakeWindow();
  const container = new FakeContainer();
  const first = answerChallenge(blockid('st-1'), { window: win, container });
  const firstFrame = container.children[0];
  const rejected = [];
  const second = answerChallenge(blockid('st-2'), {
    window: win,
    container,
    onRejectedMessage: (m) => rejected.push(m),
  });
  await assert.rejects(first, (e) => e.code === 'superseded');
  assert.equal(container.children.length, 1, 'one frame: the latest');
  const secondFrame = container.children[0];
  assert.notEqual(secondFrame, firstFrame);
  assert.equal(win.listenerCount(), 1, "the earlier challenge's listener is gone");

  // The person answers the earlier frame after all (it was on screen a moment ago): its
  // answer, even with the earlier state, is ignored without an error; the latest still waits.
  win.fire({ code: 'old', state: 'st-1' }, TENANT, firstFrame.contentWindow);
  // From the latest frame but carrying an earlier challenge's state: ignored too.
  win.fire({ code: 'old', state: 'st-1' }, TENANT, secondFrame.contentWindow);
  assert.deepEqual(
    rejected.map((r) => r.reason),
    ['source', 'state'],
  );
  win.fire({ code: 'new', state: 'st-2' }, TENANT, secondFrame.contentWindow);
  assert.equal((await second).challengeResponse, '{"code":"new","state":"st-2"}');
  assert.equal(container.children.length, 0);
  assert.equal(win.listenerCount(), 0);
});

test('challenges in different containers do not end each other', async () => {
  const win = new FakeWindow();
  const a = new FakeContainer();
  const b = new FakeContainer();
  const pa = answerChallenge(blockid('st-a'), { window: win, container: a });
  const pb = answerChallenge(blockid('st-b'), { window: win, container: b });
  win.fire({ code: 'ca', state: 'st-a' }, TENANT, a.children[0].contentWindow);
  win.fire({ code: 'cb', state: 'st-b' }, TENANT, b.children[0].contentWindow);
  assert.equal((await pa).challengeResponse, '{"code":"ca","state":"st-a"}');
  assert.equal((await pb).challengeResponse, '{"code":"cb","state":"st-b"}');
});

test('a finished challenge leaves the container free: the next one does not supersede anything', async () => {
  const win = new FakeWindow();
  const container = new FakeContainer();
  const first = answerChallenge(blockid('st-1'), { window: win, container });
  win.fire({ code: 'c1', state: 'st-1' }, TENANT, container.children[0].contentWindow);
  await first;
  const second = answerChallenge(blockid('st-2'), { window: win, container });
  win.fire({ code: 'c2', state: 'st-2' }, TENANT, container.children[0].contentWindow);
  assert.equal((await second).challengeResponse, '{"code":"c2","state":"st-2"}');
});

test("the wait is the client's session validity less the margin, announced through onWaitUntil", async () => {
  const table = [
    { name: 'session validity', opts: { sessionValidityMs: SESSION_MARGIN_MS + 40 }, wait: 40 },
    { name: 'timeoutMs wins', opts: { sessionValidityMs: 3 * 60 * 1000, timeoutMs: 30 }, wait: 30 },
  ];
  for (const tc of table) {
    const win = new FakeWindow();
    const container = new FakeContainer();
    const untils = [];
    const before = Date.now();
    const p = answerChallenge(blockid('st-1'), {
      window: win,
      container,
      onWaitUntil: (u) => untils.push(u),
      ...tc.opts,
    });
    assert.equal(untils.length, 1, tc.name);
    assert.ok(untils[0] >= before + tc.wait && untils[0] <= Date.now() + tc.wait, `${tc.name}: until ${untils[0]}`);
    await assert.rejects(p, (e) => e.code === 'timeout', tc.name);
    assert.ok(Date.now() - before >= tc.wait - 2, `${tc.name}: waited ${Date.now() - before} ms`);
    assert.equal(container.children.length, 0, `${tc.name}: frame removed`);
  }
});

test('a session validity no longer than the margin is refused as an option', async () => {
  for (const v of [SESSION_MARGIN_MS, 0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    const container = new FakeContainer();
    await assert.rejects(
      answerChallenge(blockid('st-1'), { window: new FakeWindow(), container, sessionValidityMs: v }),
      (e) => e.code === 'invalid_options',
      String(v),
    );
    assert.equal(container.children.length, 0);
  }
});

test('drive: a signal aborted while the answer is with Cognito stops it before another round', async () => {
  const win = new FakeWindow();
  const container = new FakeContainer();
  const ac = new AbortController();
  let calls = 0;
  const step = (state) => ({
    isSignedIn: false,
    nextStep: { signInStep: 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE', additionalInfo: blockid(state) },
  });
  const p = drive(
    {
      confirmSignIn: async () => {
        calls++;
        ac.abort(); // a newer flow started meanwhile
        return step('st-2');
      },
    },
    step('st-1'),
    { window: win, container, signal: ac.signal },
  );
  await tick();
  win.fire({ code: 'c1', state: 'st-1' }, TENANT, container.children[0].contentWindow);
  await assert.rejects(p, (e) => e.code === 'cancelled');
  assert.equal(calls, 1);
  assert.equal(container.children.length, 0, 'no frame for the second challenge');
  await assert.rejects(
    drive({ confirmSignIn: async () => assert.fail() }, step('st-3'), { window: win, container, signal: ac.signal }),
    (e) => e.code === 'cancelled',
  );
});
