// Recomputes the known-answer vectors of ../kat.json with
// amazon-cognito-identity-js and prints the file as it should be:
//   node kat.js < ../kat.json > ../kat.json.new
// The client half (A, signature, timestamp) comes from the library's own
// sign-in with a and the clock fixed; B = (k·v + g^b) mod N is the server's
// part, computed from the library's k, padHex and hashes.
'use strict';
const { signIn, AuthenticationHelper, BigInteger } = require('./signin');

function serverB(h, v) {
	const x = new BigInteger(h.hexHash(h.padHex(new BigInteger(v.saltHex, 16)) + h.hash(`${v.poolName}${v.userId}:${v.password}`)), 16);
	return new Promise((resolve, reject) => {
		h.g.modPow(x, h.N, (err, verifier) => {
			if (err) return reject(err);
			h.g.modPow(new BigInteger(v.b, 16), h.N, (err2, gb) => {
				if (err2) return reject(err2);
				resolve(h.k.multiply(verifier).add(gb).mod(h.N).toString(16));
			});
		});
	});
}

(async () => {
	const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
	const h = new AuthenticationHelper('unused');
	for (const v of input.vectors) {
		const srpB = await serverB(h, v);
		let srpA;
		const r = await signIn(
			{ poolName: v.poolName, username: v.username, password: v.password, smallA: v.a, now: v.unixMillis },
			a => {
				srpA = a;
				return { SALT: v.saltHex, SRP_B: srpB, SECRET_BLOCK: v.secretBlock, USER_ID_FOR_SRP: v.userId };
			}
		);
		v.want = { srpA, srpB, timestamp: r.TIMESTAMP, signature: r.PASSWORD_CLAIM_SIGNATURE };
	}
	// This BigInteger reads only power-of-two radixes; n is decimal.
	input.padHex = input.padHex.map(p => {
		const n = BigInt(p.n);
		const abs = new BigInteger((n < 0n ? -n : n).toString(16), 16);
		return { n: p.n, want: h.padHex(n < 0n ? abs.negate() : abs) };
	});
	input.k = h.k.toString(16);
	process.stdout.write(JSON.stringify(input, null, '\t') + '\n');
})().catch(err => {
	console.error(err && err.stack ? err.stack : err);
	process.exit(1);
});
