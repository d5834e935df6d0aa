package proofing

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/idvfake"
)

var fuzzKey = []byte("0123456789abcdef0123456789abcdef")

func cbReq(headers map[string]string, body string, b64 bool) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{Headers: headers, Body: body, IsBase64Encoded: b64}
}

func TestReadCallback(t *testing.T) {
	body := `{"sessionId":"s-1","event":"completed"}`
	sig := Sign(fuzzKey, "1700000000", []byte(body))
	ok := map[string]string{"x-cognitobridge-timestamp": "1700000000", "x-cognitobridge-signature": sig}
	for _, tc := range []struct {
		name    string
		headers map[string]string
		body    string
		b64     bool
		reason  string
		valid   bool
	}{
		{"good", ok, body, false, "", true},
		{"good, base64 body", ok, base64.StdEncoding.EncodeToString([]byte(body)), true, "", true},
		{"mixed-case names", map[string]string{"X-Cognitobridge-Timestamp": "1700000000", "X-COGNITOBRIDGE-SIGNATURE": sig}, body, false, "", true},
		{"upper-case hex", map[string]string{"x-cognitobridge-timestamp": "1700000000", "x-cognitobridge-signature": strings.ToUpper(sig)}, body, false, "", true},
		{"no headers", nil, body, false, ReasonMissingSignature, false},
		{"empty signature", map[string]string{"x-cognitobridge-timestamp": "1700000000", "x-cognitobridge-signature": ""}, body, false, ReasonMissingSignature, false},
		{"signed timestamp changed", map[string]string{"x-cognitobridge-timestamp": "1700000001", "x-cognitobridge-signature": sig}, body, false, "", false},
		{"negative timestamp", map[string]string{"x-cognitobridge-timestamp": "-1", "x-cognitobridge-signature": sig}, body, false, ReasonBadSignature, false},
		{"timestamp with space", map[string]string{"x-cognitobridge-timestamp": " 1700000000", "x-cognitobridge-signature": sig}, body, false, ReasonBadSignature, false},
		{"two signatures joined", map[string]string{"x-cognitobridge-timestamp": "1700000000", "x-cognitobridge-signature": sig + "," + sig}, body, false, ReasonBadSignature, false},
		{"short signature", map[string]string{"x-cognitobridge-timestamp": "1700000000", "x-cognitobridge-signature": sig[:62]}, body, false, ReasonBadSignature, false},
		{"not hex", map[string]string{"x-cognitobridge-timestamp": "1700000000", "x-cognitobridge-signature": strings.Repeat("z", 64)}, body, false, ReasonBadSignature, false},
		{"bad base64", ok, "!!!", true, ReasonMalformed, false},
		{"too large", ok, strings.Repeat("a", MaxCallbackBody+1), false, ReasonMalformed, false},
	} {
		s, reason := ReadCallback(cbReq(tc.headers, tc.body, tc.b64))
		if reason != tc.reason || (reason == "" && s.Verify(fuzzKey) != tc.valid) {
			t.Errorf("%s: reason %q valid %v", tc.name, reason, reason == "" && s.Verify(fuzzKey))
		}
	}
	s, _ := ReadCallback(cbReq(ok, body, false))
	now := time.Unix(1700000000, 0)
	for d, want := range map[time.Duration]bool{0: true, 300 * time.Second: true, -300 * time.Second: true, 301 * time.Second: false, -301 * time.Second: false} {
		if s.Fresh(now.Add(d)) != want {
			t.Errorf("Fresh at %v", d)
		}
	}
	if s.Verify(nil) {
		t.Error("empty key verified")
	}
}

func TestParseCallbackBody(t *testing.T) {
	for body, ok := range map[string]bool{
		`{"sessionId":"e0833902-1741-4f25-a92e-516393112940","event":"completed"}`: true,
		`{"sessionId":"s.1_2-3","event":"session.completed"}`:                      true,
		`{"sessionId":"s","event":"completed","result":"pass"}`:                    false,
		`{"sessionId":"s","event":"completed"} {}`:                                 false,
		`{"sessionId":"","event":"completed"}`:                                     false,
		`{"sessionId":"../x","event":"completed"}`:                                 false,
		`{"sessionId":"s","event":""}`:                                             false,
		`{"sessionId":"s","event":"a b"}`:                                          false,
		`{"sessionId":1,"event":"completed"}`:                                      false,
		`[]`:                                                                       false,
		``:                                                                         false,
		`{"sessionId":"` + strings.Repeat("a", 129) + `","event":"x"}`:             false,
	} {
		if _, err := ParseCallbackBody([]byte(body)); (err == nil) != ok {
			t.Errorf("%s: %v", body, err)
		}
	}
}

// FuzzCallbackParse feeds arbitrary headers and bodies to the callback
// parser: it never panics, a request it accepts carries exactly the signed
// bytes, and a parsed body always has a well-formed session id.
func FuzzCallbackParse(f *testing.F) {
	body := `{"sessionId":"s-1","event":"completed"}`
	f.Add("1700000000", Sign(fuzzKey, "1700000000", []byte(body)), body, false)
	f.Add("", "", "", false)
	f.Add("17", strings.Repeat("0", 64), base64.StdEncoding.EncodeToString([]byte(body)), true)
	f.Add("99999999999999999999", "zz", `{"sessionId":"a","event":"b","c":1}`, false)
	f.Fuzz(func(t *testing.T, ts, sig, body string, b64 bool) {
		req := cbReq(map[string]string{"x-cognitobridge-timestamp": ts, "x-cognitobridge-signature": sig}, body, b64)
		s, reason := ReadCallback(req)
		if reason != "" {
			return
		}
		if s.Timestamp != ts || len(s.Signature) != 32 || len(s.Body) > MaxCallbackBody {
			t.Fatalf("accepted malformed input: %q %q", ts, sig)
		}
		if s.Verify(fuzzKey) && Sign(fuzzKey, ts, s.Body) != strings.ToLower(sig) {
			t.Fatal("verified a signature over other bytes")
		}
		if c, err := ParseCallbackBody(s.Body); err == nil && !SessionIDPattern.MatchString(c.SessionID) {
			t.Fatalf("bad session id accepted: %q", c.SessionID)
		}
	})
}

type staticSecret struct {
	s           contract.IDVSecret
	invalidated int
}

func (s *staticSecret) IDVSecret(context.Context) (contract.IDVSecret, error) { return s.s, nil }
func (s *staticSecret) Invalidate()                                           { s.invalidated++ }

func TestBlockIDAgainstFake(t *testing.T) {
	shared := bytes.Repeat([]byte{3}, 32)
	fake := idvfake.New(t, idvfake.Credentials{LicenseKey: "lk", PublicKey: "pk", SharedKey: shared, DVCID: "dvc"})
	sec := &staticSecret{s: contract.IDVSecret{LicenseKey: "lk", PublicKey: "pk", SharedKey: base64.StdEncoding.EncodeToString(shared), DVCID: "dvc", TenantDNS: "t", Community: "c"}}
	b, err := NewBlockID(fake.URL(), sec)
	if err != nil {
		t.Fatal(err)
	}
	b.HTTP = &http.Client{Timeout: 500 * time.Millisecond}
	ctx := context.Background()
	req := StartRequest{PoolID: "us-east-1_X", Username: "u", DocumentTypes: []string{"passport", "dl"}, Liveness: "active", CallbackURL: "https://cb"}
	s, err := b.StartSession(ctx, req)
	if err != nil || s.ID == "" || !strings.HasPrefix(s.URL, fake.URL()) {
		t.Fatalf("start: %+v %v", s, err)
	}
	if dt := fake.Starts()[0].Request["sessionRequest"].(map[string]any)["documentType"]; dt != "ppt_object" {
		t.Fatalf("documentType %v", dt)
	}
	if _, err := b.Result(ctx, s.ID); !errors.Is(err, ErrPending) {
		t.Fatalf("pending: %v", err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		o                      idvfake.Outcome
		match, live, authentic bool
		level, docType         string
		err                    error
	}{
		{idvfake.Outcome{DocumentMatch: true, Liveness: true, CompletedAt: at}, true, true, true, "2", "dl", nil},
		{idvfake.Outcome{DocumentMatch: true, Liveness: true, DocumentType: "ppt_object", CompletedAt: at}, true, true, true, "2", "passport", nil},
		{idvfake.Outcome{DocumentMatch: true, Liveness: true, DocumentType: "idcard_object", CompletedAt: at}, true, true, true, "2", "idcard", nil},
		// The face matches a forged document: no level.
		{idvfake.Outcome{DocumentMatch: true, Liveness: true, NotAuthentic: true, CompletedAt: at}, true, true, false, "", "dl", nil},
		{idvfake.Outcome{DocumentMatch: false, Liveness: true, CompletedAt: at}, false, true, false, "", "dl", nil},
		{idvfake.Outcome{DocumentMatch: true, Liveness: false, CompletedAt: at}, true, false, false, "", "dl", nil},
		{idvfake.Outcome{Failed: true}, false, false, false, "", "", nil},
		{idvfake.Outcome{Down: true}, false, false, false, "", "", ErrUnavailable},
		{idvfake.Outcome{Hang: true}, false, false, false, "", "", ErrUnavailable},
		// An answer that is not encrypted under the shared key is refused,
		// whatever it says.
		{idvfake.Outcome{DocumentMatch: true, Liveness: true, Plaintext: true}, false, false, false, "", "", ErrUnauthenticated},
		{idvfake.Outcome{DocumentMatch: true, Liveness: true, PlaintextVerify: true}, false, false, false, "", "", ErrUnauthenticated},
	} {
		fake.Set(s.ID, tc.o)
		r, err := b.Result(ctx, s.ID)
		if !errors.Is(err, tc.err) || (err == nil && (r.DocumentMatch != tc.match || r.Liveness != tc.live || r.DocumentAuthentic != tc.authentic ||
			r.Level != tc.level || r.DocumentType != tc.docType)) {
			t.Errorf("%+v: %+v %v", tc.o, r, err)
		}
		if err == nil && tc.docType != "" && (r.DocumentNumber != "D"+s.ID || r.DocumentCountry != "US") {
			t.Errorf("document %q %q", r.DocumentNumber, r.DocumentCountry)
		}
		if err == nil && !tc.o.Failed && !r.CompletedAt.Equal(at) {
			t.Errorf("completedAt %v", r.CompletedAt)
		}
	}
	if _, err := b.Result(ctx, "unknown-session"); !errors.Is(err, ErrUnknownSession) {
		t.Fatalf("unknown: %v", err)
	}
	// Wrong license key: refused, the cached secret dropped; the error
	// carries no credential.
	sec.s.LicenseKey = "wrong-license"
	if _, err := b.StartSession(ctx, req); err == nil || sec.invalidated != 1 || strings.Contains(err.Error(), "wrong-license") {
		t.Fatalf("wrong license: %v (invalidated %d)", err, sec.invalidated)
	}
	sec.s.LicenseKey = "lk"
	fake.SetDown(true)
	if _, err := b.StartSession(ctx, req); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("down: %v", err)
	}
	fake.SetDown(false)
	if _, err := b.StartSession(ctx, StartRequest{DocumentTypes: []string{"selfie"}}); err == nil {
		t.Fatal("unknown document type accepted")
	}
}

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{9}, 32)
	s, err := Seal(key, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := Open(key, s); err != nil || string(p) != "hello" {
		t.Fatalf("%q %v", p, err)
	}
	raw, _ := base64.StdEncoding.DecodeString(s)
	raw[20] ^= 1
	if _, err := Open(key, base64.StdEncoding.EncodeToString(raw)); err == nil {
		t.Fatal("tampered value opened")
	}
}

func TestConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	good := map[string]string{contract.EnvProofingTable: "t", contract.EnvIDVCallbackURL: "https://x/cb"}
	c, err := BehaviourConfigFromEnv(env(good))
	if err != nil || strings.Join(c.DocumentTypes, ",") != "dl,passport" || c.Liveness != "passive" || c.RecordTTL != DefaultRecordTTL {
		t.Fatalf("%+v %v", c, err)
	}
	for k, v := range map[string]string{
		contract.EnvIDVDocumentTypes:   `["dl","selfie"]`,
		contract.EnvIDVLiveness:        "none",
		contract.EnvIDVCallbackURL:     "http://example.com/cb",
		contract.EnvProofingTTLSeconds: "60",
		contract.EnvProofingTable:      "",
	} {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		m[k] = v
		if _, err := BehaviourConfigFromEnv(env(m)); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: %v", k, v, err)
		}
	}
	if _, err := HandlerConfigFromEnv(env(map[string]string{contract.EnvProofingUserPoolID: "bad#pool", contract.EnvProofingTable: "t"})); err == nil {
		t.Error("bad pool id accepted")
	}
	// https anywhere, plain http only on loopback (the local fake).
	for u, ok := range map[string]bool{"ftp://x": false, "http://idv.example.com/docuverify": false, "https://idv.example.com/docuverify": true,
		"http://127.0.0.1:8080": true, "http://localhost:8080/x": true, "https://x/?q=1": false, "http://[::1]:1": true} {
		if _, err := NewBlockID(u, &staticSecret{}); (err == nil) != ok {
			t.Errorf("NewBlockID(%q): %v, want accepted %v", u, err, ok)
		}
	}
	if n, err := MaxAccountsFromEnv(env(nil)); err != nil || n != 1 {
		t.Errorf("default max accounts %d %v", n, err)
	}
	for _, v := range []string{"0", "101", "x"} {
		if _, err := MaxAccountsFromEnv(env(map[string]string{contract.EnvProofingMaxAccountsPerDocument: v})); err == nil || !strings.Contains(err.Error(), contract.EnvProofingMaxAccountsPerDocument) {
			t.Errorf("max accounts %q: %v", v, err)
		}
	}
	if _, err := DocumentKeyFromEnv(env(nil), nil); err == nil || !strings.Contains(err.Error(), contract.EnvProofingDocumentKeySecretARN) {
		t.Errorf("document key without ARN: %v", err)
	}
}

func TestDocumentHash(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	a, err := DocumentHash(key, "passport", "us", "AB 123-456")
	if err != nil || len(a) != 64 {
		t.Fatal(a, err)
	}
	if b, _ := DocumentHash(key, "passport", "US", "ab123456"); b != a {
		t.Error("normalization: same document, two hashes")
	}
	for _, other := range [][3]string{{"dl", "US", "AB123456"}, {"passport", "FR", "AB123456"}, {"passport", "US", "AB123457"}} {
		if h, _ := DocumentHash(key, other[0], other[1], other[2]); h == a {
			t.Errorf("%v collides", other)
		}
	}
	if h, _ := DocumentHash([]byte(strings.Repeat("j", 32)), "passport", "US", "AB123456"); h == a {
		t.Error("the key does not change the hash")
	}
	if strings.Contains(a, "123456") {
		t.Error("hash shows the number")
	}
	if _, err := DocumentHash(key, "dl", "US", " - "); !errors.Is(err, ErrDocumentUnidentified) {
		t.Errorf("empty number: %v", err)
	}
	if _, err := StaticDocumentKey("short").DocumentKey(context.Background()); err == nil {
		t.Error("short key accepted")
	}
}
