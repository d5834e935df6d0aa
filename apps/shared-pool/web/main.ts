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
//
// Each action is a flow of common.ts runFlow (one at a time, the latest
// wins): its buttons are disabled while it runs, so a double click on Pay
// sends one payment, and a flow that a newer one superseded writes nothing.
// A refusal that ended the session (a failed step-up sign-in has signed the
// ordinary session out first) puts the page back in its signed-out look.
import { fetchAuthSession, type AuthTokens } from 'aws-amplify/auth';
import { type RejectedMessage } from '@cognitobridge/client';
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
  apiUrl?: string;
}

/** The reason the API's high-value route asks for (the stack's STEPUP_REASONS). */
const REASON = 'high_value_transaction';

/** Shows the step-up claims of the access token (tokens: the refreshed ones; else the session's). */
async function showClaims(tokens?: AuthTokens): Promise<void> {
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
  // The account's actions: neither runs beside the other.
  const accountButtons = [$<HTMLButtonElement>('stepup-now'), $<HTMLButtonElement>('pay')];

  // The web client is protected ON_DEMAND (see signInOnDemand).
  const signInWith = (flow: Flow, reason?: string) =>
    signInOnDemand(cfg, username, password, reason, (m) => rejected.push(m), flow);
  // The signed-out look: no account, no claims, no session buttons.
  const signedOutLook = () => {
    username = '';
    password = '';
    session.hide();
    $('account').hidden = true;
    $('payment').textContent = '';
    $('claims').textContent = '';
  };
  const session = sessionControls({
    show: async (tokens) => {
      await showClaims(tokens);
      $('payment').textContent = '';
    },
    signedOut: () => {
      signedOutLook();
      setState('signed-out', 'Signed out. Sign in again with your password.');
    },
  });
  // After a refusal: the page looks signed in only when Amplify still holds a session.
  const showSession = async (): Promise<boolean> => {
    if (!(await hasSession())) {
      signedOutLook();
      return false;
    }
    await showClaims();
    session.signedIn();
    $('account').hidden = false;
    return true;
  };

  $('signin').addEventListener('submit', (ev) => {
    ev.preventDefault();
    username = $<HTMLInputElement>('username').value;
    password = $<HTMLInputElement>('password').value;
    session.hide();
    $('account').hidden = true;
    $('payment').textContent = '';
    $('claims').textContent = '';
    void runFlow(
      [$<HTMLButtonElement>('submit'), ...accountButtons],
      async (flow) => {
        flow.setState('password', 'Checking your password…');
        await signInWith(flow);
        flow.check();
        await showClaims();
        flow.check();
        session.signedIn();
        $('account').hidden = false;
        setState('signed-in', `Signed in as ${username} with your password (ordinary tokens, no step-up).`);
      },
      async (err) => {
        await showSession();
        showRefusal(err, 'Not signed in. ');
      },
    );
  });

  $('stepup-now').addEventListener('click', () => {
    session.hide();
    $('payment').textContent = '';
    void runFlow(
      accountButtons,
      async (flow) => {
        flow.setState('stepup', 'Confirm it is you with your provider…');
        await signInWith(flow, REASON);
        flow.check();
        await showClaims();
        flow.check();
        session.signedIn();
        setState('stepped-up', `Stepped up for ${REASON}: a payment goes through for the next minutes.`);
      },
      async (err) => {
        // signInWith signed the ordinary session out before the step-up.
        const signedIn = await showSession();
        showRefusal(err, signedIn ? 'Not stepped up. ' : 'Not stepped up, and signed out: sign in again. ');
      },
    );
  });

  // Pay is disabled while its payment runs: a double click pays once.
  $('pay').addEventListener('click', () => {
    void runFlow(
      accountButtons,
      async (flow) => {
        flow.setState('paying', 'Paying…');
        $('payment').textContent = '';
        const tok = (await fetchAuthSession().catch(() => undefined))?.tokens?.accessToken?.toString();
        flow.check();
        if (!tok) {
          signedOutLook();
          setState('signed-out', 'Not paid: you are signed out. Sign in again with your password.');
          return;
        }
        const res = await fetch(`${api}/payments`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ amount: '125.00', currency: 'EUR', to: 'DE89370400440532013000' }),
        });
        const challenge = res.headers.get('www-authenticate');
        const text = await res.text();
        // A superseded payment writes nothing, not even what the API answered.
        flow.check();
        $('payment').textContent =
          `POST /payments: ${res.status}${challenge ? `\nWWW-Authenticate: ${challenge}` : ''}\n${text}`;
        if (res.ok) setState('paid', 'Paid 125.00 EUR: the API accepted the payment.');
        else if (res.status === 401 && challenge?.includes('insufficient_user_authentication'))
          setState('payment-refused', 'Not paid: a payment needs a recent step-up. Press Step up, then Pay again.');
        else setState('payment-refused', `Not paid: the API answered ${res.status} (its answer is below).`);
      },
      async (err) => {
        const signedIn = await showSession();
        showRefusal(err, signedIn ? 'Not paid. ' : 'Not paid, and signed out: sign in again. ');
      },
    );
  });
  setState('ready', 'Sign in with your password.');
}

void main();
