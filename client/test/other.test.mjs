import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  completeCallback,
  parseStepUpChallenge,
  callWithStepUp,
  hashHandle,
  newProofingHandle,
  proofingValidationData,
  rememberProofingHandle,
  recallProofingHandle,
  forgetProofingHandle,
  fetchProofingSession,
  pollUntilVerified,
  drive,
  hostedSignIn,
  StepUpError,
} from '../dist/index.js';
import { FakeWindow, FakeStorage, tick } from './fakes.mjs';

// ---- callback page ----

test('completeCallback posts {code,state} to the opener with exactly its own origin and closes', () => {
  const opener = new FakeWindow();
  const win = new FakeWindow({
    origin: 'https://app.example',
    href: 'https://app.example/cb.html?code=abc&state=st',
    opener,
  });
  const m = completeCallback({ window: win });
  assert.deepEqual(m, { code: 'abc', state: 'st' });
  assert.deepEqual(opener.posted, [{ message: { code: 'abc', state: 'st' }, targetOrigin: 'https://app.example' }]);
  assert.equal(win.closed, true);
  assert.equal(win.location.href, 'https://app.example/cb.html', 'code removed from the address bar');
});

test('completeCallback in a frame posts to the parent and does not close', () => {
  const parent = new FakeWindow();
  const win = new FakeWindow({
    origin: 'http://127.0.0.1:8080',
    href: 'http://127.0.0.1:8080/cb?error=access_denied&state=st',
    parent,
  });
  completeCallback({ window: win });
  assert.deepEqual(parent.posted, [
    { message: { error: 'access_denied', state: 'st' }, targetOrigin: 'http://127.0.0.1:8080' },
  ]);
  assert.equal(win.closed, false);
});

test('completeCallback refuses a page without a valid answer or without anyone to tell', () => {
  const opener = new FakeWindow();
  for (const q of ['', 'code=abc', 'state=st', 'code=a&code=b&state=st', 'code=%0A&state=st']) {
    const win = new FakeWindow({ href: 'https://app.example/cb?' + q, opener });
    assert.throws(
      () => completeCallback({ window: win }),
      (e) => e instanceof StepUpError && e.code === 'invalid_callback',
      q,
    );
  }
  assert.equal(opener.posted.length, 0);
  const alone = new FakeWindow({ href: 'https://app.example/cb?code=a&state=s' });
  assert.throws(
    () => completeCallback({ window: alone }),
    (e) => e.code === 'no_opener',
  );
  const closedOpener = new FakeWindow();
  closedOpener.closed = true;
  assert.throws(
    () =>
      completeCallback({
        window: new FakeWindow({ href: 'https://app.example/cb?code=a&state=s', opener: closedOpener }),
      }),
    (e) => e.code === 'no_opener',
  );
});

// ---- RFC 9470 ----

const GATE =
  'Bearer error="insufficient_user_authentication", error_description="A step-up authentication is required", max_age=300';

test('parseStepUpChallenge: table', () => {
  const ok = [
    [GATE, { maxAge: 300, errorDescription: 'A step-up authentication is required' }],
    [GATE + ', acr_values="liveID push otp"', { maxAge: 300, acrValues: ['liveID', 'push', 'otp'] }],
    ['bearer ERROR="insufficient_user_authentication"', {}],
    ['Bearer error=insufficient_user_authentication, max_age="5"', { maxAge: 5 }],
    [
      'Bearer realm="a, b", error="insufficient_user_authentication", error_description="x, \\"y\\""',
      { errorDescription: 'x, "y"' },
    ],
    ['Basic realm="x", Bearer error="insufficient_user_authentication", max_age=0', { maxAge: 0 }],
    ['Bearer error="insufficient_user_authentication" , max_age = 10 ,', { maxAge: 10 }],
    ['Newauth realm="apps", type=1, title="Login to \\"apps\\"", Bearer error="insufficient_user_authentication"', {}],
  ];
  for (const [h, want] of ok) {
    const got = parseStepUpChallenge(h);
    assert.ok(got, h);
    assert.equal(got.error, 'insufficient_user_authentication', h);
    for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k], v, `${h} ${k}`);
  }
  const bad = [
    null,
    undefined,
    '',
    'Basic realm="x"',
    'DPoP error="insufficient_user_authentication"',
    'Bearer error="invalid_token"',
    'Bearer',
    'Bearer realm="x"',
    'Bearer error="insufficient_user_authentication", max_age=abc',
    'Bearer error="insufficient_user_authentication", max_age=-1',
    'Bearer error="insufficient_user_authentication", max_age=1.5',
    'Bearer error="insufficient_user_authentication", error="insufficient_user_authentication"',
    'Bearer error="insufficient_user_authentication" max_age=1',
    'Bearer error="insufficient_user_authentication, max_age=1',
    'Bearer error="insufficient_user_authentication\\',
    'error="insufficient_user_authentication"',
    'Bearer=error',
    'Bearer error=',
    'Bearer abc123==',
    'Bearer error="insufficient_user_authentication\u0001"',
    'Bearer error="insufficient_user_authentication", x="' + 'a'.repeat(9000) + '"',
  ];
  for (const h of bad) assert.equal(parseStepUpChallenge(h), null, String(h));
});

function res(status, headers = {}, body = '') {
  return new Response(body === '' ? null : body, { status, headers });
}
const challengeBody = JSON.stringify({
  error: 'insufficient_user_authentication',
  error_description: 'x',
  max_age: 300,
  stepup_reasons: ['high_value_transaction', 'Bad Reason', 7],
});

test('callWithStepUp steps up once and retries once; a second 401 is returned, never a loop', async () => {
  let calls = 0;
  const steps = [];
  const r = await callWithStepUp(
    async () => {
      calls++;
      return res(401, { 'WWW-Authenticate': GATE }, challengeBody);
    },
    async (reasons, ch) => {
      steps.push([reasons, ch.maxAge]);
    },
  );
  assert.equal(r.status, 401);
  assert.equal(calls, 2);
  assert.deepEqual(steps, [[['high_value_transaction'], 300]]);
});

test('callWithStepUp returns the retried success', async () => {
  const answers = [res(401, { 'WWW-Authenticate': GATE }, challengeBody), res(200, {}, '{"ok":true}')];
  let stepped = 0;
  const r = await callWithStepUp(
    async () => answers.shift(),
    async () => {
      stepped++;
    },
  );
  assert.equal(r.status, 200);
  assert.equal(stepped, 1);
  assert.equal(answers.length, 0);
});

test('callWithStepUp leaves other answers alone', async () => {
  const cases = [
    res(200, {}, 'ok'),
    res(403, {}, '{"message":"Forbidden"}'),
    res(403, { 'WWW-Authenticate': GATE }, challengeBody), // only a 401 is a step-up challenge
    res(200, { 'WWW-Authenticate': GATE }, challengeBody),
    res(401, { 'WWW-Authenticate': 'Bearer error="invalid_token"' }, challengeBody), // header wins over body
    res(401, {}, '{"message":"Unauthorized"}'),
    res(401, {}, 'not json'),
  ];
  for (const c of cases) {
    let calls = 0;
    let stepped = 0;
    const r = await callWithStepUp(
      async () => {
        calls++;
        return c;
      },
      async () => {
        stepped++;
      },
    );
    assert.equal(r, c);
    assert.equal(calls, 1);
    assert.equal(stepped, 0);
  }
});

test('callWithStepUp reads the body when the header is not exposed (CORS), unless told not to', async () => {
  let stepped = [];
  const answers = [res(401, {}, challengeBody), res(200)];
  const r = await callWithStepUp(
    async () => answers.shift(),
    async (reasons, ch) => {
      stepped.push(reasons, ch.maxAge);
    },
  );
  assert.equal(r.status, 200);
  assert.deepEqual(stepped, [['high_value_transaction'], 300]);
  let n = 0;
  const r2 = await callWithStepUp(
    async () => {
      n++;
      return res(401, {}, challengeBody);
    },
    async () => assert.fail('no step-up'),
    { bodyFallback: false },
  );
  assert.equal(r2.status, 401);
  assert.equal(n, 1);
});

test('callWithStepUp propagates a failed step-up without retrying', async () => {
  let calls = 0;
  await assert.rejects(
    callWithStepUp(
      async () => {
        calls++;
        return res(401, { 'WWW-Authenticate': GATE });
      },
      async () => {
        throw new StepUpError('closed');
      },
    ),
    (e) => e.code === 'closed',
  );
  assert.equal(calls, 1);
});

// ---- proofing ----

test('hashHandle is the lower-case hex SHA-256 (FIPS 180-2 vectors)', async () => {
  assert.equal(await hashHandle('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(await hashHandle(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.deepEqual(await proofingValidationData('abc'), {
    proofing_handle_sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  });
});

test('newProofingHandle: 32 random bytes, base64url', () => {
  const a = newProofingHandle();
  const b = newProofingHandle();
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, b);
  assert.equal(Buffer.from(a, 'base64url').length, 32);
});

test('proofing handle storage is per user and forgettable', () => {
  const s = new FakeStorage();
  rememberProofingHandle('alice', 'h1', s);
  assert.equal(recallProofingHandle('alice', s), 'h1');
  assert.equal(recallProofingHandle('bob', s), null);
  forgetProofingHandle(s);
  assert.equal(recallProofingHandle('alice', s), null);
});

test('fetchProofingSession sends exactly {username, handle} and maps the answers', async () => {
  const seen = [];
  const f = (status, body) => async (url, init) => {
    seen.push([url, init.method, init.body]);
    return res(status, { 'Content-Type': 'application/json' }, JSON.stringify(body));
  };
  assert.deepEqual(
    await fetchProofingSession('https://api.example/proofing/session', 'alice', 'h', {
      fetch: f(200, { status: 'pending', sessionUrl: 'https://idv.example/s' }),
    }),
    { status: 'pending', sessionUrl: 'https://idv.example/s' },
  );
  assert.deepEqual(seen[0], ['https://api.example/proofing/session', 'POST', '{"username":"alice","handle":"h"}']);
  assert.deepEqual(
    await fetchProofingSession('u', 'a', 'h', {
      fetch: f(200, { status: 'rejected', reason: 'doc_expired', message: 'm' }),
    }),
    { status: 'rejected', reason: 'doc_expired', message: 'm' },
  );
  assert.deepEqual(await fetchProofingSession('u', 'a', 'h', { fetch: f(404, { error: 'not_found' }) }), {
    status: 'not_found',
  });
  assert.deepEqual(
    await fetchProofingSession('u', 'a', 'h', { fetch: f(409, { error: 'contact_unverified', message: 'Confirm' }) }),
    { status: 'contact_unverified', message: 'Confirm' },
  );
  assert.deepEqual(await fetchProofingSession('u', 'a', 'h', { fetch: f(503, { error: 'unavailable' }) }), {
    status: 'unavailable',
  });
  assert.deepEqual(await fetchProofingSession('u', 'a', 'h', { fetch: f(200, { status: 'weird' }) }), {
    status: 'bad_request',
  });
});

test('pollUntilVerified: pending, errors, then verified', async () => {
  const seq = [{ status: 'pending' }, new Error('network'), { status: 'unavailable' }, { status: 'verified' }];
  let calls = 0;
  const r = await pollUntilVerified(
    async () => {
      calls++;
      const x = seq.shift();
      if (x instanceof Error) throw x;
      return x;
    },
    { intervalMs: 2, timeoutMs: 1000 },
  );
  assert.deepEqual(r, { status: 'verified' });
  assert.equal(calls, 4);
});

test('pollUntilVerified: rejected, timeout, abort; no call after settling', async () => {
  await assert.rejects(
    pollUntilVerified(async () => ({ status: 'rejected' }), { intervalMs: 2 }),
    (e) => e.code === 'rejected',
  );
  let calls = 0;
  await assert.rejects(
    pollUntilVerified(
      async () => {
        calls++;
        return { status: 'pending' };
      },
      { intervalMs: 5, timeoutMs: 30 },
    ),
    (e) => e.code === 'timeout',
  );
  const after = calls;
  await tick(20);
  assert.equal(calls, after, 'no polling after the timeout');
  const ac = new AbortController();
  let innerSignal;
  const p = pollUntilVerified(
    async (sig) => {
      innerSignal = sig;
      return { status: 'pending' };
    },
    { intervalMs: 5, signal: ac.signal },
  );
  ac.abort();
  await assert.rejects(p, (e) => e.code === 'cancelled');
  assert.equal(innerSignal.aborted, true, 'the in-flight fetch is aborted too');
});

// ---- drive and hosted sign-in ----

const challengeStep = (state, binding) => ({
  isSignedIn: false,
  nextStep: {
    signInStep: 'CONFIRM_SIGN_IN_WITH_CUSTOM_CHALLENGE',
    additionalInfo: { provider: 'oidc', authorizeUrl: 'https://op.example/a', state, stepupBinding: binding },
  },
});

test('drive answers each custom challenge and stops at DONE; caps rounds', async () => {
  const win = new FakeWindow();
  const inputs = [];
  const outputs = [challengeStep('s2', 'b2'), { isSignedIn: true, nextStep: { signInStep: 'DONE' } }];
  const auto = (w) =>
    setInterval(() => {
      const p = w.opened.at(-1);
      if (p && !p.closed && p.sent !== true) {
        p.sent = true;
        const st = new URL(p.location.href).search;
        void st;
        w.fire({ code: 'c' + w.opened.length, state: 's' + w.opened.length }, w.location.origin, p);
      }
    }, 2);
  const t = auto(win);
  try {
    const out = await drive(
      {
        confirmSignIn: async (i) => {
          inputs.push(i);
          return outputs.shift();
        },
      },
      challengeStep('s1', 'b1'),
      { window: win, reason: 'high_value_transaction', pollIntervalMs: 5 },
    );
    assert.equal(out.nextStep.signInStep, 'DONE');
  } finally {
    clearInterval(t);
  }
  assert.deepEqual(inputs, [
    {
      challengeResponse: '{"code":"c1","state":"s1"}',
      options: { clientMetadata: { stepup_binding: 'b1', stepup_reason: 'high_value_transaction' } },
    },
    {
      challengeResponse: '{"code":"c2","state":"s2"}',
      options: { clientMetadata: { stepup_binding: 'b2', stepup_reason: 'high_value_transaction' } },
    },
  ]);
  const done = { isSignedIn: true, nextStep: { signInStep: 'DONE' } };
  assert.equal(await drive({ confirmSignIn: async () => assert.fail() }, done), done);
  await assert.rejects(
    drive({ confirmSignIn: async () => assert.fail() }, challengeStep('s', 'b'), { maxRounds: 0 }),
    (e) => e.code === 'too_many_rounds',
  );
  await assert.rejects(
    drive({ confirmSignIn: async () => assert.fail() }, challengeStep('s', 'b'), { mode: 'redirect' }),
    (e) => e.code === 'invalid_options',
  );
});

test('hostedSignIn calls signInWithRedirect with a custom provider', async () => {
  const calls = [];
  await hostedSignIn('Mosaic', {
    signInWithRedirect: async (i) => {
      calls.push(i);
    },
  });
  await hostedSignIn('BlockID', {
    signInWithRedirect: async (i) => {
      calls.push(i);
    },
    customState: 'x',
  });
  assert.deepEqual(calls, [{ provider: { custom: 'Mosaic' } }, { provider: { custom: 'BlockID' }, customState: 'x' }]);
  await assert.rejects(hostedSignIn('', { signInWithRedirect: async () => {} }));
  await assert.rejects(hostedSignIn('a b', { signInWithRedirect: async () => {} }));
});
