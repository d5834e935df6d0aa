package srp

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// katFile is testdata/kat.json: inputs chosen to hit the padHex cases (salt
// with the high bit set, salt with a leading zero byte, A with an odd hex
// length, non-ASCII password) and the outputs amazon-cognito-identity-js
// computed for them (testdata/crosscheck/kat.js).
type katFile struct {
	Vectors []struct {
		Name        string `json:"name"`
		PoolName    string `json:"poolName"`
		Username    string `json:"username"`
		UserID      string `json:"userId"`
		Password    string `json:"password"`
		SaltHex     string `json:"saltHex"`
		A           string `json:"a"`
		B           string `json:"b"`
		SecretBlock string `json:"secretBlock"`
		UnixMillis  int64  `json:"unixMillis"`
		Want        struct {
			SRPA      string `json:"srpA"`
			SRPB      string `json:"srpB"`
			Timestamp string `json:"timestamp"`
			Signature string `json:"signature"`
		} `json:"want"`
	} `json:"vectors"`
	PadHex []struct {
		N    string `json:"n"`
		Want string `json:"want"`
	} `json:"padHex"`
	K string `json:"k"`
}

func loadKAT(t testing.TB) ([]byte, katFile) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "kat.json"))
	if err != nil {
		t.Fatal(err)
	}
	var k katFile
	if err := json.Unmarshal(raw, &k); err != nil {
		t.Fatal(err)
	}
	if len(k.Vectors) == 0 || len(k.PadHex) == 0 || k.K == "" {
		t.Fatal("testdata/kat.json is incomplete")
	}
	return raw, k
}

func TestPadHexMatchesJS(t *testing.T) {
	_, kat := loadKAT(t)
	for _, c := range kat.PadHex {
		n, ok := new(big.Int).SetString(c.N, 10)
		if !ok {
			t.Fatalf("bad n %q", c.N)
		}
		if got := padHex(n); got != c.Want {
			t.Errorf("padHex(%s) = %s, JS says %s", c.N, got, c.Want)
		}
	}
}

func TestMultiplierMatchesJS(t *testing.T) {
	_, kat := loadKAT(t)
	if got := multK.Text(16); got != kat.K {
		t.Fatalf("k = %s, JS says %s", got, kat.K)
	}
}

// TestKnownAnswerFromJS reproduces, with a and b fixed, what the JS client
// sent (A, signature, timestamp) and what a server must send (B), and the
// server accepts the JS signature.
func TestKnownAnswerFromJS(t *testing.T) {
	_, kat := loadKAT(t)
	for _, v := range kat.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			c := clientWith(mustHex(v.A))
			if got := c.SRPAHex(); got != v.Want.SRPA {
				t.Fatalf("SRP_A = %s…, JS sent %s…", got[:16], v.Want.SRPA[:16])
			}
			salt, err := hex.DecodeString(v.SaltHex)
			if err != nil {
				t.Fatal(err)
			}
			ver := verifierWithSalt(v.PoolName, v.UserID, v.Password, salt)
			s, err := startWith(ver, c.pubA, mustHex(v.B))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.SRPB(); got != v.Want.SRPB {
				t.Fatalf("SRP_B = %s…, want %s…", got[:16], v.Want.SRPB[:16])
			}
			if got := s.SaltHex(); got != v.SaltHex {
				t.Fatalf("SALT = %s, want %s", got, v.SaltHex)
			}
			ts := Timestamp(time.UnixMilli(v.UnixMillis))
			if ts != v.Want.Timestamp {
				t.Fatalf("Timestamp = %q, JS says %q", ts, v.Want.Timestamp)
			}
			sig, err := c.Sign(v.PoolName, v.UserID, v.Password, s.SaltHex(), s.SRPB(), v.SecretBlock, ts)
			if err != nil {
				t.Fatal(err)
			}
			if sig != v.Want.Signature {
				t.Fatalf("signature = %s, JS says %s", sig, v.Want.Signature)
			}
			if !s.Check(v.PoolName, v.UserID, v.SecretBlock, v.Want.Timestamp, v.Want.Signature) {
				t.Fatal("server refused the JS client's signature")
			}
		})
	}
}

// started makes the verifier of pool, user and password, a client, and the
// session the client's A starts against the verifier.
func started(tb testing.TB, pool, user, password string) (Verifier, *Client, *Session) {
	tb.Helper()
	ver, err := NewVerifier(pool, user, password)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := NewClient()
	if err != nil {
		tb.Fatal(err)
	}
	s, err := Start(ver, c.SRPAHex())
	if err != nil {
		tb.Fatal(err)
	}
	return ver, c, s
}

func TestRoundTrip(t *testing.T) {
	const pool, user, password = "Ab12Cd", "3f1c8e2a-0000-4000-8000-000000000001", "hunter2-Hunter2"
	secret := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7, 0, 255}, 300))
	ts := Timestamp(time.Date(2026, 7, 4, 8, 9, 1, 0, time.UTC))
	ver, c, s := started(t, pool, user, password)
	sign := func(password string) string {
		t.Helper()
		sig, err := c.Sign(pool, user, password, s.SaltHex(), s.SRPB(), secret, ts)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	good := sign(password)
	otherSecret := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7, 0, 254}, 300))
	flipped := []byte(good)
	if flipped[0] == 'A' {
		flipped[0] = 'B'
	} else {
		flipped[0] = 'A'
	}
	for _, tc := range []struct {
		name                        string
		pool, user, secret, ts, sig string
		want                        bool
	}{
		{"right password", pool, user, secret, ts, good, true},
		{"wrong password", pool, user, secret, ts, sign(password + "x"), false},
		{"empty password", pool, user, secret, ts, sign(""), false},
		{"tampered secret block", pool, user, otherSecret, ts, good, false},
		{"secret block not base64", pool, user, "%%%", ts, good, false},
		{"tampered timestamp", pool, user, secret, Timestamp(time.Date(2026, 7, 4, 8, 9, 2, 0, time.UTC)), good, false},
		{"tampered signature", pool, user, secret, ts, string(flipped), false},
		{"truncated signature", pool, user, secret, ts, good[:len(good)-4], false},
		{"signature not base64", pool, user, secret, ts, "not base64!", false},
		{"empty signature", pool, user, secret, ts, "", false},
		{"other user id", pool, user + "2", secret, ts, good, false},
		{"other pool", pool + "x", user, secret, ts, good, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.Check(tc.pool, tc.user, tc.secret, tc.ts, tc.sig); got != tc.want {
				t.Fatalf("Check = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("another session", func(t *testing.T) {
		s2, err := Start(ver, c.SRPAHex())
		if err != nil {
			t.Fatal(err)
		}
		if s2.Check(pool, user, secret, ts, good) {
			t.Fatal("a signature for one B was accepted by a session with another")
		}
	})
}

func TestStartRefuses(t *testing.T) {
	ver, err := NewVerifier("p", "u", "pw")
	if err != nil {
		t.Fatal(err)
	}
	twoN := new(big.Int).Lsh(groupN, 1)
	for _, tc := range []struct{ name, a string }{
		{"A = 0", "0"},
		{"A = 000", "000"},
		{"A = N", hexN},
		{"A = N lower case", strings.ToLower(hexN)},
		{"A = 2N", twoN.Text(16)},
		{"empty", ""},
		{"negative", "-1"},
		{"0x prefix", "0x1234"},
		{"not hex", "xyz"},
		{"space", "12 34"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s, err := Start(ver, tc.a); err == nil {
				t.Fatalf("Start accepted A = %q (B %s…)", tc.a, s.SRPB()[:8])
			}
		})
	}
	if _, err := Start(Verifier{Salt: ver.Salt}, "02"); err == nil {
		t.Fatal("Start accepted a verifier without v")
	}
}

func TestClientRefusesDegenerateB(t *testing.T) {
	c, err := NewClient()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"0", hexN, new(big.Int).Lsh(groupN, 1).Text(16), "", "-5", "g"} {
		if _, err := c.Sign("p", "u", "pw", "ab", b, "AAAA", "t"); err == nil {
			t.Errorf("Sign accepted B = %.12q", b)
		}
	}
	if _, err := c.Sign("p", "u", "pw", "", "02", "AAAA", "t"); err == nil {
		t.Error("Sign accepted an empty salt")
	}
}

func TestTimestamp(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "Fri Jan 2 03:04:05 UTC 2026"},
		{time.Date(2026, 11, 30, 23, 59, 59, 999, time.UTC), "Mon Nov 30 23:59:59 UTC 2026"},
		// The clients print UTC whatever the local zone.
		{time.Date(2026, 1, 1, 20, 0, 0, 0, est), "Fri Jan 2 01:00:00 UTC 2026"},
	} {
		if got := Timestamp(tc.t); got != tc.want {
			t.Errorf("Timestamp(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

// crosscheckDir holds the pinned npm package and the scripts that drive it.
var crosscheckDir = filepath.Join("testdata", "crosscheck")

var npmOnce struct {
	sync.Once
	node string
	err  string
}

// requireJSClient finds node and installs the pinned amazon-cognito-identity-js
// (package.json, package-lock.json) once per run. In CI a missing peer fails
// the run; elsewhere the test skips with how to enable it.
func requireJSClient(t *testing.T) string {
	t.Helper()
	npmOnce.Do(func() {
		node, err := exec.LookPath("node")
		if err != nil {
			npmOnce.err = "node not found"
			return
		}
		if _, err := os.Stat(filepath.Join(crosscheckDir, "node_modules", "amazon-cognito-identity-js", "package.json")); err != nil {
			npm, err := exec.LookPath("npm")
			if err != nil {
				npmOnce.err = "npm not found"
				return
			}
			cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error")
			cmd.Dir = crosscheckDir
			if out, err := cmd.CombinedOutput(); err != nil {
				npmOnce.err = "npm install in " + crosscheckDir + " failed: " + err.Error() + "\n" + string(out)
				return
			}
		}
		npmOnce.node = node
	})
	if npmOnce.err == "" {
		return npmOnce.node
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("the JS cross-check is required in CI: %s", npmOnce.err)
	}
	t.Skipf("%s; install Node 20+ and npm (the test installs amazon-cognito-identity-js into %s itself)", npmOnce.err, crosscheckDir)
	return ""
}

// TestKnownAnswerFileIsJSOutput proves that testdata/kat.json is what the
// pinned JS library computes for its inputs, not a Go output pasted in.
func TestKnownAnswerFileIsJSOutput(t *testing.T) {
	node := requireJSClient(t)
	raw, _ := loadKAT(t)
	cmd := exec.Command(node, "kat.js")
	cmd.Dir = crosscheckDir
	cmd.Stdin = bytes.NewReader(raw)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, raw) {
		t.Fatal("testdata/kat.json differs from what kat.js computes; regenerate it: (cd testdata/crosscheck && node kat.js < ../kat.json > ../kat.json.new && mv ../kat.json.new ../kat.json)")
	}
}

// TestJSClientAgainstGoServer runs a whole USER_SRP_AUTH sign-in of
// amazon-cognito-identity-js (its random a, its clock) against Start and
// Check.
func TestJSClientAgainstGoServer(t *testing.T) {
	node := requireJSClient(t)
	const pool, username, userID, password = "Zx81Qw", "dana@example.com", "9b2e6f0c-7d1a-4c3b-a5e4-2f6d8c0b1a9e", "Sesame-Öffne-Dich-1"
	ver, err := NewVerifier(pool, userID, password)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, password string
		want           bool
	}{
		{"right password", password, true},
		{"wrong password", password + "!", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(node, "crosscheck.js")
			cmd.Dir = crosscheckDir
			cmd.Stderr = os.Stderr
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			lines := bufio.NewScanner(stdout)
			lines.Buffer(nil, 1<<20)
			send := func(v any) {
				t.Helper()
				b, _ := json.Marshal(v)
				if _, err := stdin.Write(append(b, '\n')); err != nil {
					t.Fatal(err)
				}
			}
			recv := func(v any) {
				t.Helper()
				if !lines.Scan() {
					t.Fatalf("crosscheck.js ended early: %v", lines.Err())
				}
				if err := json.Unmarshal(lines.Bytes(), v); err != nil {
					t.Fatal(err)
				}
			}
			send(map[string]string{"poolName": pool, "username": username, "password": tc.password})
			var initiate struct{ SRP_A string }
			recv(&initiate)
			s, err := Start(ver, initiate.SRP_A)
			if err != nil {
				t.Fatal(err)
			}
			secret := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("secret block "), 64))
			send(map[string]string{"SALT": s.SaltHex(), "SRP_B": s.SRPB(), "SECRET_BLOCK": secret, "USER_ID_FOR_SRP": userID})
			var resp struct {
				USERNAME, PASSWORD_CLAIM_SECRET_BLOCK, TIMESTAMP, PASSWORD_CLAIM_SIGNATURE string
			}
			recv(&resp)
			if resp.USERNAME != userID || resp.PASSWORD_CLAIM_SECRET_BLOCK != secret {
				t.Fatalf("unexpected challenge responses %+v", resp)
			}
			if got := s.Check(pool, userID, resp.PASSWORD_CLAIM_SECRET_BLOCK, resp.TIMESTAMP, resp.PASSWORD_CLAIM_SIGNATURE); got != tc.want {
				t.Fatalf("Check = %v, want %v", got, tc.want)
			}
			// The JS stamped its own clock; Timestamp must print the same form.
			ts, err := time.Parse("Mon Jan 2 15:04:05 UTC 2006", resp.TIMESTAMP)
			if err != nil || Timestamp(ts) != resp.TIMESTAMP || time.Since(ts).Abs() > time.Minute {
				t.Fatalf("JS timestamp %q does not round-trip through Timestamp (%v)", resp.TIMESTAMP, err)
			}
		})
	}
}

func BenchmarkStart(b *testing.B) {
	ver, err := NewVerifier("p", "u", "pw")
	if err != nil {
		b.Fatal(err)
	}
	c, err := NewClient()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Start(ver, c.SRPAHex()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	_, c, s := started(b, "p", "u", "pw")
	secret := base64.StdEncoding.EncodeToString(make([]byte, 1024))
	ts := Timestamp(time.Now())
	sig, err := c.Sign("p", "u", "pw", s.SaltHex(), s.SRPB(), secret, ts)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !s.Check("p", "u", secret, ts, sig) {
			b.Fatal("refused")
		}
	}
}

// TestVerifierMatches: the password check ChangePassword relies on accepts
// exactly the password (and user id and pool) the verifier was made from,
// and a verifier made with a chosen salt keeps that salt.
func TestVerifierMatches(t *testing.T) {
	v, err := NewVerifier("Pool1", "ann", "Correct-horse-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, pool, user, password string
		want                       bool
	}{
		{"right", "Pool1", "ann", "Correct-horse-1", true},
		{"wrong password", "Pool1", "ann", "Correct-horse-2", false},
		{"case of the password", "Pool1", "ann", "correct-horse-1", false},
		{"other user id", "Pool1", "Ann", "Correct-horse-1", false},
		{"other pool", "Pool2", "ann", "Correct-horse-1", false},
		{"empty", "Pool1", "ann", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := v.Matches(tc.pool, tc.user, tc.password); got != tc.want {
				t.Errorf("Matches = %v, want %v", got, tc.want)
			}
		})
	}
	if (Verifier{}).Matches("Pool1", "ann", "x") {
		t.Error("an empty verifier matched")
	}
	salt := []byte{0, 1, 2, 3}
	a := VerifierWithSalt("Pool1", "ann", "pw", salt)
	salt[0] = 9
	b := VerifierWithSalt("Pool1", "ann", "pw", []byte{0, 1, 2, 3})
	if a.V.Cmp(b.V) != 0 || string(a.Salt) != string([]byte{0, 1, 2, 3}) {
		t.Error("VerifierWithSalt is not deterministic or aliases its salt")
	}
	if !a.Matches("Pool1", "ann", "pw") {
		t.Error("a chosen-salt verifier does not match its password")
	}
}
