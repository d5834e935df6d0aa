// The shared-pool sample (apps/shared-pool): one pool with a mobile
// client, this web client and a hosted sign-in client; the step-up
// protects the web client only, ON_DEMAND. The password alone signs in
// and gets ordinary tokens (no step-up claims); "Step up" signs in again
// naming the reason `high_value_transaction`, the provider confirms the
// user in a popup, and the new tokens carry the step-up claims. POST
// /payments, the API's high-value route, answers 401 (RFC 9470) to the
// ordinary tokens and goes through with the stepped-up ones.
//
// The password is kept in this page's memory (never stored) between the
// sign-in and the step-up: the pool's Define trigger runs the password
// steps (SRP) before any custom challenge, so a step-up sign-in needs it
// again (see apps/transaction-stepup/web/main.ts).
//
// Signed in, Refresh session renews the tokens (refreshed tokens carry no
// step-up claims: a payment needs a new step-up) and Sign out revokes the
// session (common.ts sessionControls).
import { type AuthTokens } from 'aws-amplify/auth';
import { type RejectedMessage } from '@cognitobridge/client';
import {
  $,
  accessToken,
  claims,
  configure,
  errorCode,
  sessionControls,
  setState,
  showTitle,
  signInOnDemand,
  type PageConfig,
} from '../../web/common.js';

interface Config extends PageConfig {
  /** The HTTP API (the stack's ApiUrl output). */
  apiUrl?: string;
}

/** The reason the API's high-value route asks for (the stack's STEPUP_REASONS). */
const REASON = 'high_value_transaction';

/**
 * Shows the step-up claims of the access token (tokens: the refreshed ones;
 * else the session's); clears them when signed out. Says whether someone
 * is signed in.
 */
async function showClaims(tokens?: AuthTokens): Promise<boolean> {
  try {
    const c = claims(tokens ? tokens.accessToken.toString() : await accessToken());
    $('claims').textContent = JSON.stringify(
      {
        username: c['username'],
        client_id: c['client_id'],
        stepup_at: c['cognitobridge:stepup_at'] ?? null,
        stepup_reason: c['cognitobridge:stepup_reason'] ?? null,
      },
      null,
      2,
    );
    return true;
  } catch {
    $('claims').textContent = '';
    return false;
  }
}

// The panel this sample adds to the shared page (apps/web/index.html).
const panel = `
    <section id="account" hidden>
      <button id="stepup-now" type="button">Step up</button>
      <button id="pay" type="button">Pay 125.00 EUR (POST /payments)</button>
      <pre id="payment"></pre>
    </section>`;

async function main() {
  $('status').insertAdjacentHTML('beforebegin', panel);
  showTitle(
    'One shared pool: the web app steps up on demand',
    'The same user pool serves a mobile app, this web app and a hosted sign-in. Your password signs you in here with ordinary tokens; Step up asks your provider to confirm it is you, and only then does a payment go through.',
  );
  const cfg = await configure<Config>();
  const api = (cfg.apiUrl ?? '').replace(/\/$/, '');
  const rejected: RejectedMessage[] = [];
  (window as unknown as { rejectedMessages: RejectedMessage[] }).rejectedMessages = rejected;
  let username = '';
  let password = '';

  // The web client is protected ON_DEMAND (see signInOnDemand).
  const signInWith = (reason?: string) => signInOnDemand(cfg, username, password, reason, (m) => rejected.push(m));
  const session = sessionControls({
    show: async (tokens) => {
      await showClaims(tokens);
      $('payment').textContent = '';
    },
    signedOut: () => {
      username = '';
      password = '';
      $('account').hidden = true;
      $('payment').textContent = '';
      setState('signed-out', 'Signed out. Sign in again with your password.');
    },
  });

  $('signin').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    username = $<HTMLInputElement>('username').value;
    password = $<HTMLInputElement>('password').value;
    session.hide();
    try {
      setState('password', 'Checking your password…');
      await signInWith();
      await showClaims();
      session.signedIn();
      $('account').hidden = false;
      setState('signed-in', `Signed in as ${username} with your password (ordinary tokens, no step-up).`);
    } catch (err) {
      password = '';
      setState('refused', `Refused (${errorCode(err)}): ${(err as Error).message}`);
    }
  });

  $('stepup-now').addEventListener('click', async () => {
    setState('stepup', 'Confirm it is you with your provider…');
    session.hide();
    try {
      await signInWith(REASON);
      await showClaims();
      session.signedIn();
      $('payment').textContent = '';
      setState('stepped-up', `Stepped up for ${REASON}: a payment goes through for the next minutes.`);
    } catch (err) {
      // signInWith signed the ordinary session out before the step-up.
      if (await showClaims()) session.signedIn();
      else $('account').hidden = true;
      setState('refused', `Step-up refused (${errorCode(err)}): ${(err as Error).message}`);
    }
  });

  $('pay').addEventListener('click', async () => {
    const before = document.body.dataset.state ?? '';
    try {
      const res = await fetch(`${api}/payments`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${await accessToken()}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({
          amount: '125.00',
          currency: 'EUR',
          to: 'DE89370400440532013000',
        }),
      });
      const challenge = res.headers.get('www-authenticate');
      $('payment').textContent =
        `POST /payments: ${res.status}${challenge ? `\nWWW-Authenticate: ${challenge}` : ''}\n${await res.text()}`;
      setState(
        res.ok ? 'paid' : 'payment-refused',
        res.ok ? 'Paid.' : `Payment refused (${res.status}): ${res.status === 401 ? 'step up first.' : 'see below.'}`,
      );
    } catch (err) {
      $('payment').textContent = `POST /payments failed: ${(err as Error).message}`;
      setState('payment-refused', `Payment failed (was ${before}).`);
    }
  });
  setState('ready', 'Sign in with your password.');
}

void main();
