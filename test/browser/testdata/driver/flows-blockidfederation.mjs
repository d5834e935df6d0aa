// Flows of the BlockID federation sample (apps/blockid-federation): Cognito
// hosted sign-in through BlockID (played by the loopback provider, its
// users' amr carrying the assurance level or not), with the pool domain on
// loopback TLS (HOSTED_SPKI).

const attempted = (page) =>
  page.waitForSelector('body[data-state="attempted"], body[data-state="refused"]', { timeout: 30000 });

export const flows = {
  // The rightful user: an identity-assured BlockID account
  // (PROVIDER_USER=assured, amr with ial2) signs in; the page shows
  // custom:ial in the ID and access tokens (screenshot). The person
  // double-clicks the button (issue 20): one redirect to the pool's
  // /oauth2/authorize, and the page comes back signed in, no refusal.
  async 'blockid-assured'(page, context, { shot, end, providerLogin, result }) {
    let authorizes = 0;
    context.on('request', (r) => {
      if (r.isNavigationRequest() && new URL(r.url()).pathname === '/oauth2/authorize') authorizes++;
    });
    await page.dblclick('#signin-provider');
    await providerLogin(page);
    await end(page);
    await page.waitForTimeout(500); // a late refusal would show by now
    result.extra = {
      authorizes: String(authorizes),
      signInShown: String(await page.isVisible('#signin-provider')),
    };
    await shot(page);
  },
  // The assured user signs in, then Refresh session and Sign out
  // (flows.mjs refreshThenSignOut; the sign-out leaves through the pool's
  // /logout and comes back to the page).
  async 'blockid-assured-session'(page, context, { end, providerLogin, refreshThenSignOut, result }) {
    await page.click('#signin-provider');
    await providerLogin(page);
    await end(page);
    if ((await page.getAttribute('body', 'data-state')) !== 'signed-in') return;
    await refreshThenSignOut(page, result);
  },
  // The refusal twin: an account without an assurance level
  // (PROVIDER_USER=unassured) signs in with no custom:ial; then its own
  // access token tries to write custom:ial and custom:idp_ial_raw
  // (UpdateUserAttributes), and a forced refresh shows what the tokens
  // carry afterwards.
  async 'blockid-unassured'(page, context, { shot, end, providerLogin, storedClaims, result }) {
    await page.click('#signin-provider');
    await providerLogin(page);
    await end(page);
    result.extra = { signInClaims: await page.textContent('#claims') };
    if ((await page.getAttribute('body', 'data-state')) !== 'signed-in') return;
    // The stored tokens before and after: the refresh must bring new ones.
    result.extra.before = JSON.stringify(await storedClaims(page));
    // A double click (issue 20): one attempt and one refresh.
    await page.dblclick('#self-assert');
    await attempted(page);
    await page.waitForTimeout(500); // a second attempt's answer would show by now
    result.extra.attempt = await page.textContent('#attempt');
    result.extra.after = JSON.stringify(await storedClaims(page));
    await shot(page);
  },
};
