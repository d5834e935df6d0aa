// Flows of the OIDC federation style (apps/mosaic-passwordless): Cognito
// hosted sign-in through the pool's identity provider, played by the
// loopback provider, with the pool domain on loopback TLS (HOSTED_SPKI).

// The native user's password sign-in through the hosted login page
// (the hosted client offers no SRP: authorization code grant only).
async function signInWithPassword(page, { env, end }) {
  await page.click('#signin-password');
  await page.waitForSelector('#signInFormUsername', { timeout: 20000 });
  await page.fill('#signInFormUsername', env('USERNAME'));
  await page.fill('#signInFormPassword', env('PASSWORD'));
  await page.click('#signInSubmitButton');
  await end(page);
  const state = await page.getAttribute('body', 'data-state');
  if (state !== 'signed-in')
    throw new Error(`password sign-in ended in ${state}: ${await page.textContent('#status')}`);
  return page.textContent('#claims');
}

const connectEnd = (page) =>
  page.waitForSelector('body[data-state="connected"], body[data-state="refused"]', { timeout: 30000 });

// Clicks "Connect Mosaic" and logs in at the provider in the popup.
async function connectAtProvider(page, providerLogin) {
  const popup = page.waitForEvent('popup', { timeout: 20000 });
  await page.click('#connect');
  await providerLogin(await popup);
  await connectEnd(page);
}

export const flows = {
  // A person follows the page's "pool domain" link to accept the per-run
  // certificate (the browser trusts it here by its key, HOSTED_SPKI): the
  // domain's root says the certificate was accepted and links back to the
  // app, which works (issue 20: it used to answer 405 UnknownOperation,
  // shown by Chromium as ERR_INVALID_RESPONSE).
  async 'domain-root'(page, context, { shot, result }) {
    const href = await page.getAttribute('#hosted-link', 'href');
    await page.click('#hosted-link');
    await page.waitForSelector('text=Certificate accepted', { timeout: 20000 });
    result.extra = { href: href ?? '', heading: (await page.textContent('h1')) ?? '' };
    await shot(page, 'accepted');
    await page.click('text=Back to the app');
    await page.waitForSelector('body[data-state="ready"]', { timeout: 20000 });
    result.extra.back = page.url();
    await shot(page);
  },
  // The rightful user: a provider account whose email belongs to no native
  // user (PROVIDER_USER=newcomer) signs up as a federated user and lands on
  // the page signed in.
  async 'federated-signin'(page, context, { shot, end, providerLogin }) {
    await page.click('#signin-provider');
    await providerLogin(page);
    await end(page);
    await shot(page);
  },
  // A federated user (PROVIDER_USER=newcomer, signed up by the sign-in
  // above) signs in with Mosaic, then Refresh session and Sign out
  // (flows.mjs refreshThenSignOut; the sign-out leaves through the pool's
  // /logout and comes back to the page).
  async 'federated-session'(page, context, { end, providerLogin, refreshThenSignOut, result }) {
    await page.click('#signin-provider');
    await providerLogin(page);
    await end(page);
    if ((await page.getAttribute('body', 'data-state')) !== 'signed-in') return;
    await refreshThenSignOut(page, result);
  },
  // The refusal twin: a first federated sign-in whose email is a native
  // user's (PROVIDER_USER=demo) is refused by pre sign-up (the linking
  // default, connect_required) and the page shows Cognito's refusal.
  async 'federated-refused'(page, context, { shot, end, providerLogin }) {
    await page.click('#signin-provider');
    await providerLogin(page);
    await end(page);
    await shot(page);
  },
  // The native user (demo, password, hosted login page) connects Mosaic:
  // POST /connect/start, the provider login in a popup, the callback page
  // posts {code, state}, POST /connect/callback links the identity
  // (screenshot of the connected state). Then, signed out, a Mosaic sign-in
  // (PROVIDER_USER=demo) lands in the same native account.
  async 'connect-then-federated'(page, context, { env, shot, end, providerLogin, result }) {
    result.nativeClaims = await signInWithPassword(page, { env, end });
    await connectAtProvider(page, providerLogin);
    result.connectState = await page.getAttribute('body', 'data-state');
    result.connectStatus = await page.textContent('#status');
    // What the page shows after Connect, and whether the sign-in buttons
    // (which Amplify would refuse while signed in) are offered.
    result.extra = {
      connectClaims: await page.textContent('#claims'),
      signInShown: String(await page.isVisible('#signin-provider')),
    };
    await shot(page);
    if (result.connectState !== 'connected') return;
    await page.click('#signout');
    await page.waitForSelector('body[data-state="ready"]', { timeout: 20000 });
    await page.click('#signin-provider');
    await providerLogin(page);
    await end(page);
    await page.screenshot({
      path: env('SCREENSHOT').replace(/\.png$/, '-signin.png'),
      fullPage: true,
    });
  },
  // The refusal twin: the provider's answer is altered on its way to the
  // page (a capturing listener, first in line, re-dispatches the callback
  // page's message with two characters of the code changed, same origin
  // and source). The connect API refuses the code (connect-callback:
  // token_exchange_failed); nothing is linked.
  async 'connect-tampered-code'(page, context, { env, shot, end, providerLogin, tamperCodes, result }) {
    result.nativeClaims = await signInWithPassword(page, { env, end });
    await tamperCodes(page);
    await connectAtProvider(page, providerLogin);
    result.tampered = await page.evaluate(() => window.tampered);
    await shot(page);
  },
  // The refusal twin of a connect (Mosaic by phone): the native user
  // (demo, password) connects a provider account whose verified phone and
  // email are not the account's (PROVIDER_USER=stranger), without a
  // step-up or MFA. The connect API refuses it (proof_required); nothing
  // is linked.
  async 'connect-refused'(page, context, { env, shot, end, providerLogin, result }) {
    result.nativeClaims = await signInWithPassword(page, { env, end });
    await connectAtProvider(page, providerLogin);
    result.connectState = await page.getAttribute('body', 'data-state');
    result.connectStatus = await page.textContent('#status');
    await shot(page);
  },
};
