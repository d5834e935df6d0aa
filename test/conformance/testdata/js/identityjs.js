// amazon-cognito-identity-js 6.3.21, its own calls over real HTTP, for the
// conformance suite (test/conformance). One scenario per run; prints one
// JSON line {"ok":bool,"code":...}; never a token or password.
// Environment: SCENARIO, ENDPOINT, POOL_ID, CLIENT_ID, USERNAME, PASSWORD.
'use strict';
// The last HTTP answer, so that an operation the server does not know
// (moto answers HTTP 500 with an HTML page, which the client cannot parse)
// is reported as such rather than as the client's parse error.
let last = { status: 0, type: '' };
const realFetch = globalThis.fetch;
globalThis.fetch = async (...args) => {
  const r = await realFetch(...args);
  last = { status: r.status, type: r.headers.get('content-type') || '' };
  return r;
};
const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require('amazon-cognito-identity-js');

const e = (k) => process.env[k] || '';
const pool = new CognitoUserPool({ UserPoolId: e('POOL_ID'), ClientId: e('CLIENT_ID'), endpoint: e('ENDPOINT') });
const user = new CognitoUser({ Username: e('USERNAME'), Pool: pool });
const done = (o) => {
  console.log(JSON.stringify(o));
};
const fail = (err) =>
  done({ ok: false, code: last.status === 500 && last.type.startsWith('text/html') ? 'not served' : (err && (err.code || err.name)) || 'UnknownError' });

switch (e('SCENARIO')) {
  case 'signin':
    // USER_SRP_AUTH (CognitoUser.authenticateUser).
    user.authenticateUser(new AuthenticationDetails({ Username: e('USERNAME'), Password: e('PASSWORD') }), {
      onSuccess: () => done({ ok: true }),
      onFailure: fail,
      mfaSetup: (challenge) => done({ ok: false, code: 'challenge ' + challenge }),
      totpRequired: (challenge) => done({ ok: false, code: 'challenge ' + challenge }),
    });
    break;
  case 'forgot':
    // ForgotPassword: success is the code having been "sent".
    user.forgotPassword({
      onSuccess: () => done({ ok: true }),
      onFailure: fail,
      inputVerificationCode: () => done({ ok: true }),
    });
    break;
  case 'resend':
    // ResendConfirmationCode.
    user.resendConfirmationCode((err) => (err ? fail(err) : done({ ok: true })));
    break;
  default:
    done({ ok: false, code: 'unknown scenario ' + e('SCENARIO') });
}
