// Flows of the transaction step-up sample (RFC 9470 on demand): the
// password signs in, the payment's 401 starts the step-up in a popup.
const signedIn = (page) =>
  page.waitForSelector('body[data-state="signed-in"], body[data-state="refused"]', { timeout: 30000 });
const paidOrRefused = (page) =>
  page.waitForSelector('body[data-state="paid"], body[data-state="refused"]', {
    timeout: 40000,
  });

async function signInWithPassword(page) {
  await page.click('#submit');
  await signedIn(page);
  const state = await page.getAttribute('body', 'data-state');
  if (state !== 'signed-in')
    throw new Error(`password sign-in ended in ${state}: ${await page.textContent('#status')}`);
}

export const flows = {
  // Sign in, pay: 401, step-up at the provider in a popup, retry: paid.
  async 'transaction-pay'(page, context, { shot, providerLogin, result }) {
    await signInWithPassword(page);
    result.extra = { balance: (await page.textContent('#balance')) ?? '' };
    const popup = page.waitForEvent('popup', { timeout: 20000 });
    await page.click('#pay');
    const p = await popup;
    await providerLogin(p);
    await paidOrRefused(page);
    await shot(page);
  },
  // Sign in, pay (401, step-up in a popup, paid), then Refresh session
  // and Sign out (flows.mjs refreshThenSignOut).
  async 'transaction-session'(page, context, { providerLogin, refreshThenSignOut, result }) {
    await signInWithPassword(page);
    const popup = page.waitForEvent('popup', { timeout: 20000 });
    await page.click('#pay');
    await providerLogin(await popup);
    await paidOrRefused(page);
    result.extra = { payState: await page.getAttribute('body', 'data-state') };
    if (result.extra.payState !== 'paid') return;
    await refreshThenSignOut(page, result);
  },
  // Sign in, pay: 401, the user closes the step-up popup: refused.
  // The step-up sign-in signed the earlier session out: the page must too.
  async 'transaction-close-popup'(page, context, { shot, storedClaims, result }) {
    await signInWithPassword(page);
    const popup = page.waitForEvent('popup', { timeout: 20000 });
    await page.click('#pay');
    const p = await popup;
    await p.waitForSelector('#username', { timeout: 20000 });
    await p.close();
    await paidOrRefused(page);
    result.extra = {
      accountShown: String(await page.isVisible('#account')),
      sessionShown: String(await page.isVisible('#session')),
      stored: JSON.stringify(await storedClaims(page)),
    };
    await shot(page);
  },
};
