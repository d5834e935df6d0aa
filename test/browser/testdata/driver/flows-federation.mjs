// Flows of the OIDC federation style (apps/mosaic-passwordless): Cognito
// hosted sign-in through the pool's identity provider, played by the
// loopback provider, with the pool domain on loopback TLS (HOSTED_SPKI).
export const flows = {
  // The rightful user: a provider account whose email belongs to no native
  // user (PROVIDER_USER=newcomer) signs up as a federated user and lands on
  // the page signed in.
  async 'federated-signin'(page, context, { shot, end, providerLogin }) {
    await page.click('#signin-provider');
    await providerLogin(page);
    await end(page);
    await shot(page);
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
};
