// Identity proofing at sign-up (apps/identity-proofing): sign up, confirm
// the email (locally the page fetches the code from the local stack), open
// the verification window (the loopback BlockID IDV fake's session page),
// press Finish or Fail there; the page then signs in, and the pool requires
// TOTP MFA: the first sign-in sets up the authenticator app, with codes the
// Go test computes (RFC 6238, github.com/pquerna/otp) from the key the page
// shows, served at TOTP_URL/totp?secret=… as {code, step, wrong}: the
// current code, its 30 s time step, and a six-digit code that is none of
// the codes the endpoint accepts now. USERNAME is the new user's email; the
// common code filled it and PASSWORD in. The refresh token never leaves the
// page (only the endpoint's answer to it is reported).

// totp asks the Go test's helper for the codes of secret now.
async function totp(env, secret) {
  const r = await fetch(`${env('TOTP_URL')}/totp?secret=${encodeURIComponent(secret)}`);
  if (!r.ok) throw new Error(`totp helper: ${r.status} ${await r.text()}`);
  return r.json();
}

const state = (page) => page.getAttribute('body', 'data-state');
const status = (page) => page.textContent('#status');
const waitState = (page, states, timeout = 30000) =>
  page.waitForSelector(states.map((s) => `body[data-state="${s}"]`).join(', '), { timeout });

// enterTOTP types code into the page's TOTP form and submits it.
async function enterTOTP(page, code) {
  await page.fill('#totp-code', code);
  await page.click('#totp-submit');
}

// setUpTOTP answers the first sign-in's MFA set-up: reads the key the page
// shows, optionally submits a wrong code first (reported as mfaRetry*),
// then the right one. Returns the time step of the code that set it up.
async function setUpTOTP(page, helpers, { wrongFirst }) {
  const { env, result } = helpers;
  await waitState(page, ['mfa', 'refused'], 60000);
  if ((await state(page)) !== 'mfa') return null;
  const secret = ((await page.textContent('#totp-secret')) ?? '').trim();
  result.extra.setupKeyShown = String(/^[A-Z2-7]{16,}$/.test(secret) && (await page.isVisible('#totp-secret')));
  result.extra.setupUri = ((await page.textContent('#totp-uri')) ?? '').replace(/secret=[A-Z2-7]+/, 'secret=…');
  if (wrongFirst) {
    const { wrong } = await totp(env, secret);
    await enterTOTP(page, wrong);
    await waitState(page, ['mfa-retry', 'refused']);
    await helpers.shot(page, 'mfa-setup'); // the key, and the wrong code's refusal
    result.extra.mfaRetryState = await state(page);
    result.extra.mfaRetryStatus = await status(page);
    if (result.extra.mfaRetryState !== 'mfa-retry') return null;
  }
  const { code, step } = await totp(env, secret);
  await enterTOTP(page, code);
  return { secret, step };
}

// proofing signs up, confirms the email and verifies the identity at the
// IDV fake (button: finish or fail there), then sets up TOTP. opts.dblclick:
// the person double-clicks Sign up and "Verify my identity" (issue 20); the
// states the page went through until then are reported (statesToVerified),
// with the number of windows the page opened (idvWindows).
async function proofing(page, helpers, button, opts = {}) {
  const { env } = helpers;
  const x = (helpers.result.extra ??= {});
  const click = (sel) => (opts.dblclick ? page.dblclick(sel) : page.click(sel));
  let windows = 0;
  if (opts.dblclick) {
    page.context().on('page', () => windows++);
    await page.evaluate(() => {
      window.__states = [];
      new MutationObserver(() => window.__states.push(document.body.dataset.state)).observe(document.body, {
        attributes: true,
        attributeFilter: ['data-state'],
      });
    });
  }
  await click('#submit');
  await page.waitForSelector('body[data-state="confirm"], body[data-state="refused"]', { timeout: 30000 });
  if ((await state(page)) === 'refused') return null;
  await page.waitForFunction(() => document.querySelector('#code')?.value?.length === 6, null, { timeout: 10000 });
  await page.click('#confirm-submit');
  await page.waitForSelector('body[data-state="confirmed"]', {
    timeout: 30000,
  });
  const popup = page.waitForEvent('popup', { timeout: 20000 });
  await click('#verify');
  const idv = await popup;
  await idv.waitForSelector(`#${button}`, { timeout: 20000 });
  helpers.result.idvUrl = idv.url();
  if (opts.idvShot)
    await idv.screenshot({
      path: env('SCREENSHOT').replace(/\.png$/, '-idv.png'),
    });
  await idv.click(`#${button}`);
  await idv.waitForSelector('#done', { timeout: 10000 }).catch(() => undefined); // the page may close first
  const totpSetUp = await setUpTOTP(page, helpers, opts);
  await page.waitForSelector('body[data-state="verified"], body[data-state="refused"]', { timeout: 60000 });
  if (opts.dblclick) {
    await page.waitForTimeout(500); // a second sign-in's refusal would show by now
    x.statesToVerified = (await page.evaluate(() => window.__states)).join(' ');
    x.idvWindows = String(windows);
  }
  return totpSetUp;
}

// clickTo clicks selector and waits for one of states; returns the state.
async function clickTo(page, selector, states) {
  await page.click(selector);
  await waitState(page, states);
  return state(page);
}

// refreshTokenProbe POSTs GetTokensFromRefreshToken, from the page, with
// the refresh token Amplify keeps in localStorage (read beforehand by
// keepRefreshToken into window.__rt, never returned): the endpoint's status
// and error type.
function refreshTokenProbe(page) {
  return page.evaluate(async () => {
    const cfg = await (await fetch('/config.json', { cache: 'no-store' })).json();
    const r = await fetch(cfg.userPoolEndpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'AWSCognitoIdentityProviderService.GetTokensFromRefreshToken',
      },
      body: JSON.stringify({ ClientId: cfg.userPoolClientId, RefreshToken: window.__rt }),
    });
    const body = await r.json().catch(() => ({}));
    return `${r.status} ${body.__type ?? (body.AuthenticationResult ? 'tokens' : '')}`;
  });
}

function keepRefreshToken(page) {
  return page.evaluate(async () => {
    const cfg = await (await fetch('/config.json', { cache: 'no-store' })).json();
    const prefix = `CognitoIdentityServiceProvider.${cfg.userPoolClientId}`;
    const user = localStorage.getItem(`${prefix}.LastAuthUser`);
    window.__rt = localStorage.getItem(`${prefix}.${user}.refreshToken`);
    return Boolean(window.__rt);
  });
}

export const flows = {
  // The rightful person: the IDV finds a live face matching an authentic
  // document; TOTP set up (a wrong code refused first); a refresh keeps the
  // assurance; the sample's client may not change the email; sign-out
  // revokes the refresh token; a later sign-in asks for a fresh code. The
  // person double-clicks Sign up and "Verify my identity" (issue 20).
  async 'proofing-verified'(page, _context, helpers) {
    const { env, result } = helpers;
    const x = (result.extra ??= {});
    const setup = await proofing(page, helpers, 'finish', { wrongFirst: true, idvShot: true, dblclick: true });
    x.verifiedState = await state(page);
    x.verifiedStatus = await status(page);
    x.verifiedClaims = await page.textContent('#claims');
    await helpers.shot(page);
    if (x.verifiedState !== 'verified' || !setup) return;

    x.refreshState = await clickTo(page, '#refresh', ['refreshed', 'refused', 'signed-out']);
    x.refreshClaims = await page.textContent('#claims');

    await page.fill('#new-email', `changed.${env('USERNAME')}`);
    x.emailChangeState = await clickTo(page, '#email-submit', ['email-refused', 'email-pending', 'email-verified']);
    x.emailChangeStatus = await status(page);
    await clickTo(page, '#refresh', ['refreshed', 'refused', 'signed-out']);
    x.afterEmailRefusalClaims = await page.textContent('#claims');

    x.refreshTokenKept = String(await keepRefreshToken(page));
    x.refreshBeforeSignOut = await refreshTokenProbe(page);
    x.signOutState = await clickTo(page, '#signout', ['signed-out', 'refused']);
    x.refreshAfterSignOut = await refreshTokenProbe(page);

    // A later sign-in: the code of a later time step than the set-up's
    // (the endpoint refuses a step used before): wait for it to begin.
    await page.fill('#username', env('USERNAME'));
    await page.fill('#password', env('PASSWORD'));
    x.signInState = await clickTo(page, '#signin-submit', ['mfa', 'refused', 'signed-in']);
    x.signInSetupShown = String(await page.isVisible('#totp-setup'));
    x.signInHelp = await page.textContent('#totp-help');
    await helpers.shot(page, 'mfa-code');
    let now = await totp(env, setup.secret);
    const deadline = Date.now() + 40000;
    while (now.step <= setup.step && Date.now() < deadline) {
      await page.waitForTimeout(500);
      now = await totp(env, setup.secret);
    }
    x.secondStepLater = String(now.step > setup.step);
    await enterTOTP(page, now.code);
    await waitState(page, ['signed-in', 'refused', 'mfa-retry']);
  },
  // Its refusal twin: the IDV reports no match and no liveness.
  async 'proofing-refused'(page, _context, helpers) {
    await proofing(page, helpers, 'fail', { idvShot: true });
    await helpers.shot(page);
  },
  // A proofed person changes their email through a client that may write
  // it: the old email stays active (and the assurance with it) until the
  // code sent to the new one is entered; a wrong code is refused; then the
  // assurance no longer applies.
  async 'proofing-email-change'(page, _context, helpers) {
    const { env, result } = helpers;
    const x = (result.extra ??= {});
    await proofing(page, helpers, 'finish');
    x.verifiedState = await state(page);
    x.verifiedClaims = await page.textContent('#claims');
    if (x.verifiedState !== 'verified') return;

    await page.fill('#new-email', env('NEW_EMAIL'));
    x.pendingState = await clickTo(page, '#email-submit', ['email-pending', 'email-refused', 'email-verified']);
    x.pendingStatus = await status(page);
    x.pendingClaims = await page.textContent('#claims');
    await helpers.shot(page, 'pending');
    if (x.pendingState !== 'email-pending') return;

    // The code Cognito sent to the new address (the local stack's mailbox
    // for the user, named by the email still active).
    const r = await fetch(
      `${env('WEB_URL')}/dev/confirmation-code?username=${encodeURIComponent(env('USERNAME'))}&purpose=VerifyEmail`,
    );
    if (!r.ok) throw new Error(`no VerifyEmail code: ${r.status} ${await r.text()}`);
    const { code } = await r.json();
    const wrong = code.replace(/\d/g, (d) => String((Number(d) + 1) % 10));
    await page.fill('#email-code', wrong);
    x.wrongCodeState = await clickTo(page, '#email-verify-submit', [
      'email-code-refused',
      'assurance-dropped',
      'refused',
    ]);
    x.wrongCodeStatus = await status(page);

    await page.fill('#email-code', code);
    await clickTo(page, '#email-verify-submit', [
      'assurance-dropped',
      'email-verified',
      'email-code-refused',
      'refused',
    ]);
    await helpers.shot(page);
  },
};
