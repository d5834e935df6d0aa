// The transaction step-up sample (RFC 9470, on demand): the password alone
// signs in (the pool's ON_DEMAND policy issues ordinary tokens), which is
// enough for GET /balance. POST /payments answers 401
// insufficient_user_authentication until the user steps up for the reason
// the API names; callWithStepUp then signs in again with that reason, the
// provider confirms the user in a popup, and the call is retried once.
//
// The password is kept in this page's memory (never stored) between the
// sign-in and the step-up: the pool's Define trigger runs the password
// steps (SRP) before any custom challenge, so a step-up sign-in needs it
// again, and asking for it a second time would add a prompt without adding
// proof (the fresh proof is the provider's). A production app may ask
// again instead; nothing on the server depends on the choice.
//
// Signed in, Refresh session renews the tokens (a refreshed token carries
// no step-up claims: the next payment needs a new step-up) and Sign out
// revokes the session (common.ts sessionControls).
import { type AuthTokens } from 'aws-amplify/auth';
import { callWithStepUp } from '@cognitobridge/client';
import {
  $,
  accessToken,
  claims,
  configure,
  hasSession,
  runFlow,
  sessionControls,
  setState,
  showRefusal,
  showTitle,
  signInOnDemand,
  type Flow,
  type PageConfig,
} from '../../web/common.js';

interface Config extends PageConfig {
  /** The HTTP API (the stack's ApiUrl output). */
  apiUrl: string;
}

/** Shows the access token's user and step-up claims (tokens: the refreshed ones; else the session's). */
async function showClaims(tokens?: AuthTokens) {
  const c = claims(tokens ? tokens.accessToken.toString() : await accessToken());
  $('claims').textContent = JSON.stringify(
    {
      username: c['username'],
      stepup_at: c['cognitobridge:stepup_at'] ?? null,
      stepup_reason: c['cognitobridge:stepup_reason'] ?? null,
    },
    null,
    2,
  );
}

/** What GET /balance answered, as a sentence (the sample backend's figure is fixed). */
function balanceText(body: unknown): string {
  const b = (body as { balance?: { amount?: unknown; currency?: unknown } }).balance;
  if (typeof b?.amount !== 'string' || typeof b.currency !== 'string') return 'Balance: not available.';
  return `Balance: ${b.amount} ${b.currency} (a fixed figure of the sample backend).`;
}

// The account panel (the balance and the payment) this sample adds to the
// shared page (apps/web/index.html), above the status line.
const accountPanel = `
    <section id="account" hidden>
      <h2>Account</h2>
      <p id="balance"></p>
      <p>Pay <strong>125.00 EUR</strong> to DE89 3704 0044 0532 0130 00: a high-value call, it needs a step-up with your provider.</p>
      <button id="pay" type="button">Pay</button>
    </section>`;

async function main() {
  $('status').insertAdjacentHTML('beforebegin', accountPanel);
  showTitle(
    'Payments that need a recent step-up',
    'Your password signs you in and shows your balance. A payment is a high-value call: the API asks for a step-up (RFC 9470), your provider confirms it is you in a popup, and the payment goes through.',
  );
  const cfg = await configure<Config>();
  const api = cfg.apiUrl.replace(/\/$/, '');
  // Kept for the step-up sign-in only (see the comment at the top).
  let username = '';
  let password = '';

  // Signs in with the password, plus the provider when reason is set.
  const signInWith = (flow: Flow, reason?: string) => signInOnDemand(cfg, username, password, reason, undefined, flow);
  const session = sessionControls({
    show: showClaims,
    signedOut: () => {
      username = '';
      password = '';
      $('account').hidden = true;
      $('balance').textContent = '';
      setState('signed-out', 'Signed out. Sign in again with your password.');
    },
  });
  // After a refusal: the page looks signed in only when Amplify still holds a
  // session (a step-up sign-in that failed has signed the old one out too).
  const showSession = async () => {
    if (await hasSession()) session.signedIn();
    else {
      username = '';
      password = '';
      session.hide();
      $('account').hidden = true;
      $('balance').textContent = '';
      $('claims').textContent = '';
    }
  };

  $('signin').addEventListener('submit', (ev) => {
    ev.preventDefault();
    username = $<HTMLInputElement>('username').value;
    password = $<HTMLInputElement>('password').value;
    session.hide();
    $('account').hidden = true;
    $('claims').textContent = '';
    void runFlow(
      $<HTMLButtonElement>('submit'),
      async (flow) => {
        flow.setState('password', 'Checking your password…');
        await signInWith(flow);
        const res = await fetch(`${api}/balance`, {
          headers: { Authorization: `Bearer ${await accessToken()}` },
        });
        if (!res.ok) throw new Error(`GET /balance: ${res.status}`);
        const balance = balanceText(await res.json());
        flow.check();
        $('balance').textContent = balance;
        $('account').hidden = false;
        await showClaims();
        session.signedIn();
        setState('signed-in', `Signed in as ${username} with your password (no step-up yet).`);
      },
      async (err) => {
        await showSession();
        showRefusal(err, 'Not signed in. ');
      },
    );
  });

  // Pay is disabled while its payment runs: a double click pays once.
  $('pay').addEventListener('click', () => {
    session.hide();
    void runFlow(
      $<HTMLButtonElement>('pay'),
      async (flow) => {
        flow.setState('paying', 'Paying…');
        // snippet:transaction-call
        const res = await callWithStepUp(
          async () => {
            const tok = await accessToken();
            return fetch(`${api}/payments`, {
              method: 'POST',
              headers: {
                Authorization: `Bearer ${tok}`,
                'Content-Type': 'application/json',
              },
              body: JSON.stringify({
                amount: '125.00',
                currency: 'EUR',
                to: 'DE89370400440532013000',
              }),
            });
          },
          async (reasons) => {
            const reason = reasons[0];
            if (!reason) throw new Error('the API asked for a step-up without a reason');
            flow.setState('stepup', 'The payment needs a step-up: confirm it is you with your provider…');
            await signInWith(flow, reason);
          },
        );
        // end snippet
        flow.check();
        await showClaims().catch(() => undefined);
        await showSession();
        if (res.status !== 200) {
          flow.setState('refused', `Not paid: the API answered ${res.status} ${await res.text()}`);
          return;
        }
        flow.setState('paid', 'Paid 125.00 EUR: your provider confirmed it was you.');
      },
      async (err) => {
        await showSession();
        showRefusal(err, (await hasSession()) ? 'Not paid. ' : 'Not paid, and signed out: sign in again. ');
      },
    );
  });
  setState('ready', 'Sign in with your password.');
}

void main();
