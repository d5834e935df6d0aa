// Drives amazon-cognito-identity-js's own USER_SRP_AUTH sign-in
// (CognitoUser.authenticateUser) with its HTTP client replaced, so that the
// SRP_A, the signature, the timestamp and the secret-block handling are the
// library's, not a re-implementation.
'use strict';
const {
	AuthenticationDetails,
	AuthenticationHelper,
	CognitoUser,
	CognitoUserPool,
} = require('amazon-cognito-identity-js');
const BigInteger = require('amazon-cognito-identity-js/lib/BigInteger').default;

// signIn resolves with the PASSWORD_VERIFIER ChallengeResponses. challenge
// gets the SRP_A the library sent and returns (a promise of) the
// ChallengeParameters. opts.smallA (hex) fixes the secret a and opts.now
// (ms since epoch) fixes the clock, for known-answer vectors.
async function signIn(opts, challenge) {
	const restore = [];
	if (opts.smallA) {
		const orig = AuthenticationHelper.prototype.generateRandomSmallA;
		AuthenticationHelper.prototype.generateRandomSmallA = () => new BigInteger(opts.smallA, 16);
		restore.push(() => (AuthenticationHelper.prototype.generateRandomSmallA = orig));
	}
	if (opts.now !== undefined) {
		const RealDate = global.Date;
		global.Date = class extends RealDate {
			constructor(...args) {
				super(...(args.length ? args : [opts.now]));
			}
		};
		restore.push(() => (global.Date = RealDate));
	}
	try {
		const pool = new CognitoUserPool({ UserPoolId: 'us-east-1_' + opts.poolName, ClientId: 'crosscheckclient' });
		const user = new CognitoUser({ Username: opts.username, Pool: pool });
		user.setAuthenticationFlowType('USER_SRP_AUTH');
		return await new Promise((resolve, reject) => {
			user.client.request = (op, req, cb) => {
				if (op === 'InitiateAuth') {
					Promise.resolve(challenge(req.AuthParameters.SRP_A)).then(
						params => cb(null, { ChallengeName: 'PASSWORD_VERIFIER', ChallengeParameters: params, Session: 'S' }),
						reject
					);
				} else if (op === 'RespondToAuthChallenge') {
					resolve(req.ChallengeResponses);
					cb(Object.assign(new Error('stop'), { code: 'Stop' }));
				} else {
					reject(new Error('unexpected request ' + op));
				}
			};
			user.authenticateUser(
				new AuthenticationDetails({ Username: opts.username, Password: opts.password }),
				{ onSuccess: () => reject(new Error('unexpected success')), onFailure: err => (err.code === 'Stop' ? null : reject(err)) }
			);
		});
	} finally {
		restore.reverse().forEach(f => f());
	}
}

module.exports = { signIn, AuthenticationHelper, BigInteger };
