// Flows of the shared-pool sample (apps/shared-pool): the web client's
// password sign-in (ordinary tokens), then an on-demand step-up in a popup
// (MODE=popup), and the API's high-value route POST /payments.

const settled = (page, states, timeout = 30000) =>
  page.waitForSelector(states.map((s) => `body[data-state="${s}"]`).join(', '), { timeout });

async function passwordSignIn(page, result) {
  await page.click('#submit');
  await settled(page, ['signed-in', 'refused']);
  result.extra.ordinaryState = await page.getAttribute('body', 'data-state');
  result.extra.ordinaryClaims = await page.textContent('#claims');
}

async function pay(page) {
  await page.click('#pay');
  await settled(page, ['paid', 'payment-refused', 'refused', 'signed-out']);
  return page.textContent('#payment');
}

// Every state the page marks from now on, in order (window.__states).
async function recordStates(page) {
  await page.evaluate(() => {
    window.__states = [];
    new MutationObserver(() => window.__states.push(document.body.dataset.state)).observe(document.body, {
      attributes: true,
      attributeFilter: ['data-state'],
    });
  });
}

export const flows = {
  // The rightful user: password sign-in (no step-up claims; POST /payments
  // answers 401), Step up (the provider in a popup; the claims), POST
  // /payments goes through (screenshot of the stepped-up page after it).
  async 'sharedpool-stepup'(page, context, { shot, providerLogin, waitProvider, result }) {
    result.extra = {};
    await passwordSignIn(page, result);
    if (result.extra.ordinaryState !== 'signed-in') return;
    result.extra.payBefore = await pay(page);
    const provider = waitProvider(page);
    await page.click('#stepup-now');
    await providerLogin((await provider).frame);
    await settled(page, ['stepped-up', 'refused']);
    result.extra.stepUpState = await page.getAttribute('body', 'data-state');
    result.extra.stepUpClaims = await page.textContent('#claims');
    if (result.extra.stepUpState === 'stepped-up') result.extra.payAfter = await pay(page);
    await shot(page);
  },
  // The password sign-in, Step up (the provider in a popup), then Refresh
  // session: POST /payments with the refreshed token (no step-up claims),
  // then Sign out (flows.mjs refreshThenSignOut, run in two halves around
  // the payment: the refresh is its own click).
  async 'sharedpool-session'(page, context, { providerLogin, waitProvider, refreshThenSignOut, result }) {
    result.extra = {};
    await passwordSignIn(page, result);
    if (result.extra.ordinaryState !== 'signed-in') return;
    const provider = waitProvider(page);
    await page.click('#stepup-now');
    await providerLogin((await provider).frame);
    await settled(page, ['stepped-up', 'refused']);
    result.extra.stepUpState = await page.getAttribute('body', 'data-state');
    if (result.extra.stepUpState !== 'stepped-up') return;
    await refreshThenSignOut(page, result, async () => {
      result.extra.payAfterRefresh = await pay(page);
    });
  },
  // The refusal twin: the provider's answer to the step-up is altered on
  // its way to the module (two characters of the code changed, same origin
  // and source); Verify refuses it, a second challenge opens, the user
  // closes it. No step-up claims, and POST /payments is not reached.
  async 'sharedpool-tampered-code'(page, context, { shot, providerLogin, waitProvider, tamperCodes, result }) {
    result.extra = {};
    await passwordSignIn(page, result);
    if (result.extra.ordinaryState !== 'signed-in') return;
    await tamperCodes(page);
    const first = waitProvider(page);
    await page.click('#stepup-now');
    const again = page.waitForFunction(() => window.tampered > 0, null, {
      timeout: 20000,
    });
    await providerLogin((await first).frame);
    await again;
    // Verify refuses; Define sets a new challenge: the provider opens again.
    const second = await waitProvider(page);
    result.secondState = second.state;
    result.tampered = await page.evaluate(() => window.tampered);
    await second.frame.close();
    await settled(page, ['stepped-up', 'refused']);
    result.extra.stepUpState = await page.getAttribute('body', 'data-state');
    result.extra.stepUpClaims = await page.textContent('#claims');
    await shot(page);
  },
  // A person's double clicks (issue 20): on Sign in (the password alone:
  // one sign-in, no refusal), on Step up (one popup), and on Pay, once
  // stepped up (one POST /payments: the Go test counts them at the API and
  // the backend; the page says paid). Screenshot after the payment.
  async 'sharedpool-double-click'(page, context, { shot, providerLogin, storedClaims, result }) {
    await recordStates(page);
    await page.dblclick('#submit');
    await settled(page, ['signed-in', 'refused']);
    await page.waitForTimeout(500); // a second sign-in, if any, would have shown by now
    result.extra = { signInState: await page.getAttribute('body', 'data-state') };
    if (result.extra.signInState !== 'signed-in') return;
    let popups = 0;
    context.on('page', () => popups++);
    const popup = page.waitForEvent('popup', { timeout: 20000 });
    await page.dblclick('#stepup-now');
    await providerLogin(await popup);
    await settled(page, ['stepped-up', 'refused', 'expired']);
    result.extra.stepUpState = await page.getAttribute('body', 'data-state');
    if (result.extra.stepUpState !== 'stepped-up') return;
    await page.dblclick('#pay');
    await settled(page, ['paid', 'payment-refused', 'refused', 'signed-out']);
    await page.waitForTimeout(1000); // a second answer, if any, would show by now
    Object.assign(result.extra, {
      popups: String(popups),
      payment: (await page.textContent('#payment')) ?? '',
      accountShown: String(await page.isVisible('#account')),
      sessionShown: String(await page.isVisible('#session')),
      stored: JSON.stringify(await storedClaims(page)),
      states: (await page.evaluate(() => window.__states)).join(' '),
    });
    await shot(page);
  },
};
