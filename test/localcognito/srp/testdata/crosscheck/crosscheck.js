// Line protocol with the Go test (srp_test.go, TestJSClientAgainstGoServer):
// reads {poolName, username, password} from the first stdin line, prints
// {"SRP_A": ...}, reads the ChallengeParameters line {SALT, SRP_B,
// SECRET_BLOCK, USER_ID_FOR_SRP}, prints the ChallengeResponses.
'use strict';
const readline = require('readline');
const { signIn } = require('./signin');

const rl = readline.createInterface({ input: process.stdin });
const lines = rl[Symbol.asyncIterator]();
const next = async () => {
	const { value, done } = await lines.next();
	if (done) throw new Error('stdin closed');
	return JSON.parse(value);
};

(async () => {
	const opts = await next();
	const responses = await signIn(opts, async srpA => {
		process.stdout.write(JSON.stringify({ SRP_A: srpA }) + '\n');
		return next();
	});
	process.stdout.write(JSON.stringify(responses) + '\n');
	rl.close();
})().catch(err => {
	console.error(err && err.stack ? err.stack : err);
	process.exit(1);
});
