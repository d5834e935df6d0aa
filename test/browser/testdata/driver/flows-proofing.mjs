// Identity proofing at sign-up (apps/identity-proofing): sign up, confirm
// the email (locally the page fetches the code from the local stack), open
// the verification window (the loopback BlockID IDV fake's session page),
// press Finish or Fail there, and wait for the page's end: 'verified'
// (signed in, the token carrying custom:ial) or 'refused'. USERNAME is the
// new user's email; the common code filled it and PASSWORD in.

async function proofing(page, helpers, button) {
  const { env } = helpers;
  await page.click('#submit');
  await page.waitForSelector('body[data-state="confirm"], body[data-state="refused"]', { timeout: 30000 });
  if ((await page.getAttribute('body', 'data-state')) === 'refused') return;
  await page.waitForFunction(() => document.querySelector('#code')?.value?.length === 6, null, { timeout: 10000 });
  await page.click('#confirm-submit');
  await page.waitForSelector('body[data-state="confirmed"]', {
    timeout: 30000,
  });
  const popup = page.waitForEvent('popup', { timeout: 20000 });
  await page.click('#verify');
  const idv = await popup;
  await idv.waitForSelector(`#${button}`, { timeout: 20000 });
  helpers.result.idvUrl = idv.url();
  await idv.screenshot({
    path: env('SCREENSHOT').replace(/\.png$/, '-idv.png'),
  });
  await idv.click(`#${button}`);
  await idv.waitForSelector('#done', { timeout: 10000 }).catch(() => undefined); // the page may close first
  await page.waitForSelector('body[data-state="verified"], body[data-state="refused"]', { timeout: 60000 });
  await helpers.shot(page);
}

export const flows = {
  // The rightful person: the IDV finds a live face matching an authentic document.
  async 'proofing-verified'(page, _context, helpers) {
    await proofing(page, helpers, 'finish');
  },
  // Its refusal twin: the IDV reports no match and no liveness.
  async 'proofing-refused'(page, _context, helpers) {
    await proofing(page, helpers, 'fail');
  },
};
