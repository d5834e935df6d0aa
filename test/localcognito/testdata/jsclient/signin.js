// Signs in with amazon-cognito-identity-js's own USER_SRP_AUTH flow
// (CognitoUser.authenticateUser) against ENDPOINT over real HTTP, and
// prints {"ok":true,"idTokenUse":...} or {"ok":false,"code":...}.
// Environment: ENDPOINT, POOL_ID, CLIENT_ID, USERNAME, PASSWORD.
'use strict';
const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require('amazon-cognito-identity-js');

const e = (k) => process.env[k];
const pool = new CognitoUserPool({ UserPoolId: e('POOL_ID'), ClientId: e('CLIENT_ID'), endpoint: e('ENDPOINT') });
const user = new CognitoUser({ Username: e('USERNAME'), Pool: pool });
user.authenticateUser(new AuthenticationDetails({ Username: e('USERNAME'), Password: e('PASSWORD') }), {
  onSuccess: (session) => {
    console.log(JSON.stringify({ ok: true, idTokenUse: session.getIdToken().decodePayload().token_use, accessUsername: session.getAccessToken().decodePayload().username }));
  },
  onFailure: (err) => {
    console.log(JSON.stringify({ ok: false, code: err.code || err.name, message: err.message }));
  },
});
