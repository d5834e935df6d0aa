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
  await settled(page, ['paid', 'payment-refused']);
  return page.textContent('#payment');
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
};
