// Package srp is Amazon Cognito's SRP-6a password verification, the server
// half that test/localcognito runs for the PASSWORD_VERIFIER challenge and a
// client half for Go tests and tools.
//
// It follows amazon-cognito-identity-js AuthenticationHelper.js
// (github.com/aws-amplify/amplify-js,
// packages/amazon-cognito-identity-js/src/AuthenticationHelper.js, and the
// PASSWORD_VERIFIER answer built in src/CognitoUser.js and src/DateHelper.js)
// rather than RFC 5054 wherever the two differ: every hash input is the JS
// padHex encoding of an integer (minimal two's complement, so a leading 00
// when the high bit is set), x hashes the pool name with the user id, and the
// session key is HKDF-SHA256 with the info "Caldera Derived Key". The tests
// pin vectors the JS library computed and, when Node is available, run the
// npm package itself against this server.
package srp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"golang.org/x/crypto/hkdf"
)

// The 3072-bit MODP group of RFC 5054 (initN in AuthenticationHelper.js).
const hexN = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D" +
	"C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
	"670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9" +
	"DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
	"15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64" +
	"ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B" +
	"F12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
	"BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31" +
	"43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

var (
	groupN = mustHex(hexN)
	groupG = big.NewInt(2)
	// k = H(padHex(N) | padHex(g)): the JS hashes "00"+N and "02".
	multK = hashInt(padBytes(groupN), padBytes(groupG))
)

// infoBits is the HKDF info of the session key.
const infoBits = "Caldera Derived Key"

// secretBytes is the size of the random exponents a and b; the JS client
// draws 128 bytes for a (generateRandomSmallA).
const secretBytes = 128

// saltBytes is the size of a new verifier's salt, as the JS draws for
// device verifiers (generateHashDevice).
const saltBytes = 16

func mustHex(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("srp: bad constant " + s)
	}
	return n
}

// padHex is AuthenticationHelper.padHex: the even-length hex of the minimal
// two's-complement encoding of n (Java's BigInteger.toByteArray), lower case
// as the JS BigInteger prints it. Only non-negative values reach it in the
// protocol; the negative branch is kept so that the encoding is the JS one
// for every input, and is pinned against the JS in the tests.
func padHex(n *big.Int) string {
	h := new(big.Int).Abs(n).Text(16)
	if len(h)%2 != 0 {
		h = "0" + h
	}
	if strings.IndexByte("89abcdef", h[0]) >= 0 {
		h = "00" + h
	}
	if n.Sign() >= 0 {
		return h
	}
	// Flip every nibble, add one; the JS then drops a redundant FF before 8.
	inv := make([]byte, len(h))
	for i := range len(h) {
		d := strings.IndexByte("0123456789abcdef", h[i])
		inv[i] = "0123456789abcdef"[^d&0xf]
	}
	flipped := mustHex(string(inv))
	h = flipped.Add(flipped, big.NewInt(1)).Text(16)
	if strings.HasPrefix(h, "ff8") {
		h = h[2:]
	}
	return h
}

func padBytes(n *big.Int) []byte {
	b, err := hex.DecodeString(padHex(n))
	if err != nil {
		panic("srp: padHex produced odd hex for " + n.Text(16))
	}
	return b
}

func hashInt(parts ...[]byte) *big.Int {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return new(big.Int).SetBytes(h.Sum(nil))
}

// parseHex reads a challenge parameter the way the JS BigInteger(s, 16)
// does for well-formed input, and refuses the rest (signs, prefixes,
// blanks) instead of guessing.
func parseHex(name, s string) (*big.Int, error) {
	if s == "" {
		return nil, fmt.Errorf("srp: %s is empty", name)
	}
	for i := range len(s) {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return nil, fmt.Errorf("srp: %s is not hex", name)
		}
	}
	return mustHex(s), nil
}

// randomSecret draws a secret exponent; like the JS it is not reduced mod
// N-1, which is irrelevant since 1024 bits < 3072 bits.
func randomSecret() (*big.Int, error) {
	buf := make([]byte, secretBytes)
	if _, err := io.ReadFull(rand.Reader, buf); err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(buf), nil
}

// computeX is x = H(padHex(salt) | H(poolName userID ":" password)); the
// salt goes in as an integer because the client parses SALT with
// BigInteger, so leading zero bytes of the stored salt do not count.
func computeX(salt *big.Int, poolName, userID, password string) *big.Int {
	inner := sha256.Sum256([]byte(poolName + userID + ":" + password))
	return hashInt(padBytes(salt), inner[:])
}

// computeU is u = H(padHex(A) | padHex(B)).
func computeU(a, b *big.Int) *big.Int {
	return hashInt(padBytes(a), padBytes(b))
}

// sessionKey is AuthenticationHelper.computehkdf: one HKDF-SHA256 block
// over padHex(S) with salt padHex(u), cut to 16 bytes.
func sessionKey(s, u *big.Int) []byte {
	key := make([]byte, 16)
	r := hkdf.New(sha256.New, padBytes(s), padBytes(u), []byte(infoBits))
	if _, err := io.ReadFull(r, key); err != nil {
		panic("srp: hkdf: " + err.Error())
	}
	return key
}

// claim is the PASSWORD_CLAIM_SIGNATURE MAC as CognitoUser.js builds it.
func claim(key []byte, poolName, userID string, secretBlock []byte, timestamp string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(poolName))
	m.Write([]byte(userID))
	m.Write(secretBlock)
	m.Write([]byte(timestamp))
	return m.Sum(nil)
}

// Verifier is what Cognito keeps for a password: a random salt and v = g^x.
type Verifier struct {
	Salt []byte
	V    *big.Int
}

// NewVerifier computes the verifier of password for userID in pool poolName
// (the part of the pool id after "_").
func NewVerifier(poolName, userID, password string) (Verifier, error) {
	salt := make([]byte, saltBytes)
	if _, err := io.ReadFull(rand.Reader, salt); err != nil {
		return Verifier{}, err
	}
	return verifierWithSalt(poolName, userID, password, salt), nil
}

func verifierWithSalt(poolName, userID, password string, salt []byte) Verifier {
	x := computeX(new(big.Int).SetBytes(salt), poolName, userID, password)
	return Verifier{Salt: salt, V: new(big.Int).Exp(groupG, x, groupN)}
}

// Session is the server half of one PASSWORD_VERIFIER challenge.
type Session struct {
	salt []byte
	b    *big.Int // public B
	key  []byte
}

// Start begins a challenge for the client's SRP_A (hex). It refuses an A
// that is 0 mod N.
func Start(v Verifier, srpAHex string) (*Session, error) {
	if v.V == nil || v.V.Sign() <= 0 || v.V.Cmp(groupN) >= 0 {
		return nil, errors.New("srp: verifier is not in the group")
	}
	a, err := parseHex("SRP_A", srpAHex)
	if err != nil {
		return nil, err
	}
	if new(big.Int).Mod(a, groupN).Sign() == 0 {
		return nil, errors.New("srp: SRP_A is 0 mod N")
	}
	for {
		b, err := randomSecret()
		if err != nil {
			return nil, err
		}
		s, err := startWith(v, a, b)
		if err == errRetry {
			continue
		}
		return s, err
	}
}

// errRetry means that this b gave B = 0 mod N or u = 0, which the client
// would refuse; Start draws another.
var errRetry = errors.New("srp: degenerate b")

// startWith is Start with a chosen secret b, for the known-answer tests.
func startWith(v Verifier, a, b *big.Int) (*Session, error) {
	// B = (k·v + g^b) mod N.
	pubB := new(big.Int).Exp(groupG, b, groupN)
	pubB.Add(pubB, new(big.Int).Mul(multK, v.V))
	pubB.Mod(pubB, groupN)
	if pubB.Sign() == 0 {
		return nil, errRetry
	}
	u := computeU(a, pubB)
	if u.Sign() == 0 {
		return nil, errRetry
	}
	// S = (A · v^u)^b mod N.
	s := new(big.Int).Exp(v.V, u, groupN)
	s.Mul(s, a)
	s.Mod(s, groupN)
	s.Exp(s, b, groupN)
	return &Session{
		salt: append([]byte(nil), v.Salt...),
		b:    pubB,
		key:  sessionKey(s, u),
	}, nil
}

// SRPB is B in hex, as Cognito's SRP_B challenge parameter.
func (s *Session) SRPB() string { return s.b.Text(16) }

// SaltHex is the salt in hex, as the SALT challenge parameter.
func (s *Session) SaltHex() string { return hex.EncodeToString(s.salt) }

// Check verifies PASSWORD_CLAIM_SIGNATURE (base64) over poolName, userID,
// the secret block (base64, as sent) and timestamp. Constant-time compare.
func (s *Session) Check(poolName, userID, secretBlockB64, timestamp, signatureB64 string) bool {
	block, err := base64.StdEncoding.DecodeString(secretBlockB64)
	if err != nil {
		return false
	}
	sig, err := base64.StdEncoding.DecodeString(signatureB64)
	if err != nil {
		return false
	}
	return hmac.Equal(sig, claim(s.key, poolName, userID, block, timestamp))
}

// Client is the client half, for Go tests and tools (same algorithm; its
// independence comes from the cross-checks against the JS client).
type Client struct {
	a    *big.Int // secret
	pubA *big.Int
}

// NewClient draws a fresh secret a.
func NewClient() (*Client, error) {
	for {
		a, err := randomSecret()
		if err != nil {
			return nil, err
		}
		if c := clientWith(a); c != nil {
			return c, nil
		}
	}
}

// clientWith is NewClient with a chosen secret; nil when A = 0 mod N.
func clientWith(a *big.Int) *Client {
	pubA := new(big.Int).Exp(groupG, a, groupN)
	if pubA.Sign() == 0 {
		return nil
	}
	return &Client{a: a, pubA: pubA}
}

// SRPAHex is A in hex as the JS sends SRP_A (unpadded, lower case).
func (c *Client) SRPAHex() string { return c.pubA.Text(16) }

// Sign returns PASSWORD_CLAIM_SIGNATURE for the challenge parameters.
func (c *Client) Sign(poolName, userID, password, saltHex, srpBHex, secretBlockB64, timestamp string) (string, error) {
	salt, err := parseHex("SALT", saltHex)
	if err != nil {
		return "", err
	}
	pubB, err := parseHex("SRP_B", srpBHex)
	if err != nil {
		return "", err
	}
	if new(big.Int).Mod(pubB, groupN).Sign() == 0 {
		return "", errors.New("srp: SRP_B is 0 mod N")
	}
	u := computeU(c.pubA, pubB)
	if u.Sign() == 0 {
		return "", errors.New("srp: u is 0")
	}
	block, err := base64.StdEncoding.DecodeString(secretBlockB64)
	if err != nil {
		return "", fmt.Errorf("srp: SECRET_BLOCK: %w", err)
	}
	x := computeX(salt, poolName, userID, password)
	// S = (B - k·g^x)^(a + u·x) mod N; Go's Mod keeps the base non-negative
	// where the JS lets it go negative, the same residue.
	base := new(big.Int).Exp(groupG, x, groupN)
	base.Mul(base, multK)
	base.Sub(pubB, base)
	base.Mod(base, groupN)
	exp := new(big.Int).Mul(u, x)
	exp.Add(exp, c.a)
	s := new(big.Int).Exp(base, exp, groupN)
	mac := claim(sessionKey(s, u), poolName, userID, block, timestamp)
	return base64.StdEncoding.EncodeToString(mac), nil
}

// Timestamp formats t as Cognito's clients do (DateHelper.getNowString):
// UTC, English names, day of month without padding, e.g.
// "Tue Mar 3 09:05:07 UTC 2026".
func Timestamp(t time.Time) string {
	return t.UTC().Format("Mon Jan 2 15:04:05 UTC 2006")
}

// VerifierWithSalt is NewVerifier with a chosen salt. The local endpoint
// uses it for the decoy verifier of an unknown user, whose salt must be the
// same at every attempt (DOCUMENTED: "Managing user existence error
// responses": Cognito "returns the same salt ... for the same user name and
// user pool combination").
func VerifierWithSalt(poolName, userID, password string, salt []byte) Verifier {
	return verifierWithSalt(poolName, userID, password, append([]byte(nil), salt...))
}

// Matches reports whether password is the one v was made from, for userID
// in pool poolName: x is recomputed with v's salt and g^x compared with v in
// constant time. It is what an operation that takes the password itself
// (ChangePassword's PreviousPassword) needs; the SRP exchange never lets
// the server see a password.
func (v Verifier) Matches(poolName, userID, password string) bool {
	if v.V == nil || v.V.Sign() <= 0 || v.V.Cmp(groupN) >= 0 {
		return false
	}
	got := verifierWithSalt(poolName, userID, password, v.Salt)
	size := (groupN.BitLen() + 7) / 8
	return subtle.ConstantTimeCompare(got.V.FillBytes(make([]byte, size)), v.V.FillBytes(make([]byte, size))) == 1
}
