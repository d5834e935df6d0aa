// A person's ordinary mistakes (issue 20): each flow does what a person
// would, and reports what the page shows beside what is true (the stored
// tokens, the frames on screen). ADVANCE_URL (mistakes_test.go) moves the
// local Cognito endpoint's clock forward: minutes pass for the server
// without waiting them; page.clock does the same for the page.

const settled = (page, timeout = 30000) =>
  page.waitForSelector(
    'body[data-state="signed-in"], body[data-state="refused"], body[data-state="expired"], body[data-state="paid"]',
    { timeout },
  );

// What the page shows, and what Amplify really holds.
async function report(page, storedClaims, extra = {}) {
  return {
    frames: String(await page.locator('#stepup iframe').count()),
    sessionShown: String(await page.isVisible('#session')),
    stored: JSON.stringify(await storedClaims(page)),
    // The raw error: present, but collapsed (its text hidden until opened).
    details:
      String(await page.isVisible('#error-details summary')) +
      ' ' +
      String(await page.isVisible('#error-details code')),
    ...extra,
  };
}

// The step-up frame on the page, with its login form loaded.
async function frameLogin(page) {
  const el = await page.waitForSelector('#stepup iframe', { timeout: 20000 });
  const frame = await el.contentFrame();
  await frame.waitForSelector('#username', { timeout: 20000 });
  return frame;
}

async function advanceServer(env, ms) {
  const res = await fetch(`${env('ADVANCE_URL')}?ms=${ms}`, { method: 'POST' });
  if (!res.ok) throw new Error(`advance: ${res.status}`);
}

async function validityMs(page) {
  const cfg = await page.evaluate(async () => (await fetch('/config.json', { cache: 'no-store' })).json());
  return (cfg.authSessionValidity ?? 3) * 60 * 1000;
}

export const flows = {
  // Double-click on Sign in: one sign-in, one frame; answering it signs in
  // and no refusal ever shows.
  async 'double-click-signin'(page, context, { shot, providerLogin, storedClaims, result }) {
    const states = [];
    await page.exposeFunction('__state', (s) => states.push(s));
    await page.evaluate(() =>
      new MutationObserver(() => window.__state(document.body.dataset.state)).observe(document.body, {
        attributes: true,
        attributeFilter: ['data-state'],
      }),
    );
    await page.dblclick('#submit');
    const frame = await frameLogin(page);
    await page.waitForTimeout(500); // a second sign-in, if any, would have framed by now
    const framesAtProvider = String(await page.locator('#stepup iframe').count());
    await providerLogin(frame);
    await settled(page);
    await page.waitForTimeout(1000); // a late refusal would show by now
    result.extra = await report(page, storedClaims, { framesAtProvider, states: states.join(' ') });
    await shot(page);
  },
  // Signed in, the person signs in again: the earlier claims leave the
  // screen while the new sign-in runs, which then ends signed in.
  async 'second-signin'(page, context, { shot, providerLogin, storedClaims, result }) {
    await page.click('#submit');
    await providerLogin(await frameLogin(page));
    await settled(page);
    const first = await page.getAttribute('body', 'data-state');
    await page.click('#submit');
    await frameLogin(page);
    result.extra = {
      first,
      duringState: await page.getAttribute('body', 'data-state'),
      duringClaims: await page.textContent('#claims'),
      duringSessionShown: String(await page.isVisible('#session')),
      duringCountdown: (await page.textContent('#countdown')) ?? '',
    };
    await shot(page, 'during');
    await providerLogin(await frameLogin(page));
    await settled(page);
    Object.assign(result.extra, await report(page, storedClaims));
    await shot(page);
  },
  // The person lingers at the provider past the client's session validity
  // (the endpoint's clock moved on), then answers: Cognito says the session
  // expired; the page says to sign in again and is signed out.
  async 'expire-at-server'(page, context, { env, shot, providerLogin, storedClaims, result }) {
    await page.click('#submit');
    const frame = await frameLogin(page);
    await advanceServer(env, (await validityMs(page)) + 1000);
    await providerLogin(frame);
    await settled(page);
    result.extra = await report(page, storedClaims);
    await shot(page);
  },
  // The person leaves the provider frame open past the session validity
  // (the page's clock and the endpoint's moved on; CLOCK=1 installs
  // page.clock before the page loads): the page ends the wait itself,
  // removes the frame, says to sign in again and is signed out.
  async 'expire-at-page'(page, context, { env, shot, storedClaims, result }) {
    await page.click('#submit');
    await frameLogin(page);
    const countdown = (await page.textContent('#countdown')) ?? '';
    const ms = await validityMs(page);
    await advanceServer(env, ms);
    await page.clock.fastForward(ms);
    await settled(page);
    result.extra = await report(page, storedClaims, { countdown });
    await shot(page);
  },
  // Double-click on Pay (transaction-stepup): one payment, one popup; the
  // page says paid.
  async 'double-click-pay'(page, context, { shot, providerLogin, storedClaims, result }) {
    await page.click('#submit');
    await settled(page);
    let popups = 0;
    context.on('page', () => popups++);
    const popup = page.waitForEvent('popup', { timeout: 20000 });
    await page.dblclick('#pay');
    await providerLogin(await popup);
    await settled(page, 40000);
    await page.waitForTimeout(1500); // a late "closed" refusal would show by now
    result.extra = await report(page, storedClaims, {
      popups: String(popups),
      accountShown: String(await page.isVisible('#account')),
    });
    await shot(page);
  },
};
