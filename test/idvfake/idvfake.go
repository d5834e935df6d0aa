// Package idvfake is a loopback fake of 1Kosmos BlockID's document
// verification (IDV) service, for tests of package proofing.
//
// It is written from the public material only: 1Kosmos' public Postman
// collection (POST /document_share_session/create with {"data":
// {"dvcID", "sessionRequest": {"tenantDNS", "communityName",
// "documentType", "user"}}} answering {"sessionId", "url"}; POST
// /document_share_session/result with {"dvcID", "sessionId"} answering an
// encrypted {"data", "publicKey"}; errors {"code", "message"}; the
// licensekey and requestid headers) and 1Kosmos' nodejs-helper-files
// (BIDVerifyDocument.js, BIDECDSA.js: every body is {"data": <sealed
// JSON>}, sealed = base64(iv16 || AES-256-GCM ciphertext || tag) under the
// ECDH shared key; headers publickey, licensekey (sealed), requestid
// (sealed {"ts", "appid", "uuid"}); the result's responseStatus
// INPROGRESS/SUCCESS, dl_object/ppt_object/idcard_object and liveid_object
// with "face"; POST /verify with verifications ["face_compare"]).
//
// ASSUMED, because nothing public says (the same assumptions as
// proofing.BlockID, so this fake cannot prove them right): the shared key
// is a fixed 32-byte value both sides hold; an unknown session answers 404;
// a finished, failed session has responseStatus "FAILED"; liveid_object
// carries "liveness" (boolean); the result carries "completedAt" (RFC
// 3339); the document object carries the document's number in "id" and
// its issuing country in "country"; /verify answers {"certifications":
// [{"verifier": "face_compare", "status": 0}]} with 0 meaning a match, and
// the same for the authenticity verifiers "dl_verify" (documented),
// "ppt_verify" and "idcard_verify", given the result's document object;
// the session request's documentTypes, livenessMode, callbackUrl and
// metadata fields. The fake
// checks the request shapes (and refuses a wrong license key with 401) but
// does not model BlockID's ECDH handshake or /caas/sd discovery.
//
// Per session the result is configurable (Set): document match or not,
// liveness true or false, still in progress, service down (503) or a hang
// (no answer until the request's context ends or the fake closes). SetDown
// and SetHang apply to every endpoint. Calls counts requests per path.
package idvfake

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Paths served.
const (
	PathCreate = "/document_share_session/create"
	PathResult = "/document_share_session/result"
	PathVerify = "/verify"
	// PathPage + session id is the session URL (GET: the capture page;
	// POST .../finish or .../fail: the buttons).
	PathPage = "/idproofing/session/"
)

// TB is the part of testing.TB the fake uses (devstack passes its own).
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// Credentials the fake expects.
type Credentials struct {
	LicenseKey string
	PublicKey  string
	SharedKey  []byte // 32 bytes
	DVCID      string
}

// Outcome is what the result of one session says.
type Outcome struct {
	DocumentMatch bool
	Liveness      bool
	// Pending: responseStatus INPROGRESS.
	Pending bool
	// Failed: responseStatus FAILED (finished without success).
	Failed bool
	// Down: HTTP 503 for this session's result.
	Down bool
	// Hang: no answer until the request ends.
	Hang bool
	// DocumentType is the document object returned. Default: "dl_object".
	DocumentType string
	// NotAuthentic: the authenticity verification fails.
	NotAuthentic bool
	// DocumentNumber is the document's number ("id" of the document
	// object). Default: "D" and the session id, so sessions do not share a
	// document unless a test says so.
	DocumentNumber string
	// Country is the document object's "country". Default: "US".
	Country string
	// Plaintext: the result is answered unencrypted (no "data").
	Plaintext bool
	// PlaintextVerify: /verify answers unencrypted.
	PlaintextVerify bool
	// CompletedAt is reported. Default: the time of the call.
	CompletedAt time.Time
}

// Start is one started session as the fake received it.
type Start struct {
	ID      string
	Request map[string]any // the decrypted {"dvcID", "sessionRequest"}
}

// Fake is a running fake.
type Fake struct {
	srv   *httptest.Server
	creds Credentials
	done  chan struct{}

	mu       sync.Mutex
	calls    map[string]int
	outcomes map[string]Outcome
	docs     map[string]string // document number → session
	starts   []Start
	down     bool
	hang     bool
	next     int
	notify   func(sessionID string)
}

// New starts the fake on 127.0.0.1; it closes when the test ends.
func New(t TB, creds Credentials) *Fake {
	t.Helper()
	if len(creds.SharedKey) != 32 {
		t.Fatalf("idvfake: SharedKey must be 32 bytes")
	}
	f := &Fake{creds: creds, done: make(chan struct{}), calls: map[string]int{}, outcomes: map[string]Outcome{}, docs: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		close(f.done)
		f.srv.CloseClientConnections()
		f.srv.Close()
	})
	return f
}

// URL is the service base URL.
func (f *Fake) URL() string { return f.srv.URL }

// Set configures the result of a session (before or after it started).
func (f *Fake) Set(sessionID string, o Outcome) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.outcomes[sessionID] = o
}

// SetNotify sets the hook the session page calls, in its own goroutine,
// once a person pressed "Finish verification" or "Fail" (the outcome is
// set by then). FAKE: see the package comment.
func (f *Fake) SetNotify(fn func(sessionID string)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.notify = fn
}

// SetDown makes every endpoint answer 503.
func (f *Fake) SetDown(v bool) { f.mu.Lock(); f.down = v; f.mu.Unlock() }

// SetHang makes every endpoint hang.
func (f *Fake) SetHang(v bool) { f.mu.Lock(); f.hang = v; f.mu.Unlock() }

// Calls counts the requests received on path.
func (f *Fake) Calls(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[path]
}

// Starts returns the started sessions, oldest first.
func (f *Fake) Starts() []Start {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Start(nil), f.starts...)
}

func (f *Fake) fail(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg})
}

func (f *Fake) wait(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-f.done:
	}
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.calls[r.URL.Path]++
	down, hang := f.down, f.hang
	f.mu.Unlock()
	if hang {
		f.wait(r)
		return
	}
	if down {
		f.fail(w, http.StatusServiceUnavailable, "service unavailable")
		return
	}
	if strings.HasPrefix(r.URL.Path, PathPage) {
		f.page(w, r)
		return
	}
	if r.Method != http.MethodPost {
		f.fail(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		f.fail(w, http.StatusBadRequest, "expected application/json")
		return
	}
	if err := f.checkHeaders(r); err != nil {
		f.fail(w, http.StatusUnauthorized, err.Error())
		return
	}
	var env struct {
		Data string `json:"data"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil || env.Data == "" {
		f.fail(w, http.StatusBadRequest, "data is required")
		return
	}
	plain, err := open(f.creds.SharedKey, env.Data)
	if err != nil {
		f.fail(w, http.StatusBadRequest, "data could not be decrypted")
		return
	}
	var req map[string]any
	if err := json.Unmarshal(plain, &req); err != nil {
		f.fail(w, http.StatusBadRequest, "data is not JSON")
		return
	}
	if req["dvcID"] != f.creds.DVCID {
		f.fail(w, http.StatusBadRequest, "dvcID is not allowed to be empty")
		return
	}
	switch r.URL.Path {
	case PathCreate:
		f.create(w, req)
	case PathResult:
		f.result(w, r, req)
	case PathVerify:
		f.verify(w, req)
	default:
		f.fail(w, http.StatusNotFound, "not found")
	}
}

func (f *Fake) checkHeaders(r *http.Request) error {
	if r.Header.Get("publickey") != f.creds.PublicKey {
		return fmt.Errorf("unknown publickey")
	}
	lk, err := open(f.creds.SharedKey, r.Header.Get("licensekey"))
	if err != nil || string(lk) != f.creds.LicenseKey {
		return fmt.Errorf("invalid licensekey")
	}
	rid, err := open(f.creds.SharedKey, r.Header.Get("requestid"))
	if err != nil {
		return fmt.Errorf("invalid requestid")
	}
	var id struct {
		TS    *int64 `json:"ts"`
		AppID string `json:"appid"`
		UUID  string `json:"uuid"`
	}
	if json.Unmarshal(rid, &id) != nil || id.TS == nil || id.AppID == "" || id.UUID == "" {
		return fmt.Errorf("invalid requestid")
	}
	if d := time.Since(time.Unix(*id.TS, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("requestid expired")
	}
	return nil
}

func (f *Fake) create(w http.ResponseWriter, req map[string]any) {
	sr, _ := req["sessionRequest"].(map[string]any)
	user, _ := sr["user"].(map[string]any)
	switch dt, _ := sr["documentType"].(string); {
	case sr == nil || user == nil || user["username"] == "":
		f.fail(w, http.StatusBadRequest, "sessionRequest.user is required")
		return
	case dt != "dl_object" && dt != "ppt_object" && dt != "idcard_object":
		f.fail(w, http.StatusBadRequest, "documentType is invalid")
		return
	}
	f.mu.Lock()
	f.next++
	id := fmt.Sprintf("e0833902-1741-4f25-a92e-%012d", f.next)
	f.starts = append(f.starts, Start{ID: id, Request: req})
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"sessionId": id, "url": f.srv.URL + "/idproofing/session/" + id})
}

func (f *Fake) sealed(w http.ResponseWriter, v any) {
	b, _ := json.Marshal(v)
	s, err := seal(f.creds.SharedKey, b)
	if err != nil {
		f.fail(w, http.StatusInternalServerError, "seal")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"data": s, "publicKey": "ZmFrZS1zZXJ2aWNlLWtleQ=="})
}

func (f *Fake) result(w http.ResponseWriter, r *http.Request, req map[string]any) {
	id, _ := req["sessionId"].(string)
	f.mu.Lock()
	o, ok := f.outcomes[id]
	started := false
	for _, s := range f.starts {
		started = started || s.ID == id
	}
	f.mu.Unlock()
	switch {
	case !started:
		f.fail(w, http.StatusNotFound, "session not found")
		return
	case o.Hang:
		f.wait(r)
		return
	case o.Down:
		f.fail(w, http.StatusServiceUnavailable, "service unavailable")
		return
	case !ok || o.Pending:
		f.sealed(w, map[string]any{"responseStatus": "INPROGRESS"})
		return
	case o.Failed:
		f.sealed(w, map[string]any{"responseStatus": "FAILED"})
		return
	}
	dt := o.DocumentType
	if dt == "" {
		dt = "dl_object"
	}
	at := o.CompletedAt
	if at.IsZero() {
		at = time.Now()
	}
	number, country := o.DocumentNumber, o.Country
	if number == "" {
		number = "D" + id
	}
	if country == "" {
		country = "US"
	}
	f.mu.Lock()
	f.docs[number] = id
	f.mu.Unlock()
	body := map[string]any{
		"responseStatus": "SUCCESS",
		dt: map[string]any{"id": number, "face": "doc-face-" + id, "country": country, "category": "identity_document",
			"firstName": "ALICE", "lastName": "EXAMPLE"},
		"liveid_object": map[string]any{"id": id, "face": "live-face-" + id, "liveness": o.Liveness},
		"completedAt":   at.UTC().Format(time.RFC3339),
	}
	if o.Plaintext {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
		return
	}
	f.sealed(w, body)
}

// authenticators are the document authenticity verifiers by /verify type.
var authenticators = map[string]string{"dl_verify": "dl", "ppt_verify": "ppt", "idcard_verify": "idcard"}

func (f *Fake) verify(w http.ResponseWriter, req map[string]any) {
	doc, _ := req["document"].(map[string]any)
	ver, _ := req["verifications"].([]any)
	if doc == nil || len(ver) != 1 {
		f.fail(w, http.StatusBadRequest, "document and verifications are required")
		return
	}
	verifier, _ := ver[0].(string)
	id, _ := doc["id"].(string)
	status := 1
	var o Outcome
	switch typ, isAuth := authenticators[verifier]; {
	case verifier == "face_compare":
		f.mu.Lock()
		o = f.outcomes[id]
		f.mu.Unlock()
		if o.DocumentMatch && doc["image1"] == "doc-face-"+id && doc["image2"] == "live-face-"+id {
			status = 0
		}
	case isAuth:
		// The result's document object, as the result gave it.
		f.mu.Lock()
		session, known := f.docs[id]
		o = f.outcomes[session]
		f.mu.Unlock()
		if known && doc["type"] == typ && doc["face"] == "doc-face-"+session && doc["category"] == "identity_document" && !o.NotAuthentic {
			status = 0
		}
	default:
		f.fail(w, http.StatusBadRequest, "unknown verification")
		return
	}
	answer := map[string]any{"certifications": []map[string]any{{"verifier": verifier, "status": status}}}
	if o.PlaintextVerify {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(answer)
		return
	}
	f.sealed(w, answer)
}

func seal(key, plain []byte) (string, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, 16)
	if err != nil {
		return "", err
	}
	iv := make([]byte, 16)
	_, _ = rand.Read(iv)
	return base64.StdEncoding.EncodeToString(gcm.Seal(iv, iv, plain, nil)), nil
}

func open(key []byte, s string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) < 32 {
		return nil, fmt.Errorf("malformed sealed value")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, 16)
	if err != nil {
		return nil, err
	}
	return gcm.Open(nil, raw[:16], raw[16:], nil)
}

// pageHTML is the session page. FAKE: BlockID's real pages capture the
// document and a selfie; this one only has the two outcomes.
const pageHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Identity verification (local fake)</title>
<style>body{font:16px system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem}
.box{border:2px dashed #889;border-radius:8px;padding:1rem;margin:1rem 0;color:#445}
button{font:inherit;padding:.5rem 1rem;margin-right:.5rem}</style></head>
<body data-state="%s">
<h1>Verify your identity</h1>
<p><strong>Local fake of 1Kosmos BlockID IDV.</strong> The real service asks you to scan an identity document and take a selfie here.</p>
<div class="box">1. Scan your document (driver's license or passport)</div>
<div class="box">2. Take a selfie (liveness check)</div>
<p id="session">Session <code>%s</code></p>
%s
</body></html>`

const pageButtons = `<form method="post" action="%[1]s/finish" style="display:inline"><button id="finish" type="submit">Finish verification</button></form>
<form method="post" action="%[1]s/fail" style="display:inline"><button id="fail" type="submit">Fail</button></form>`

// page serves the session URL's page and its two buttons.
func (f *Fake) page(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, PathPage)
	id, action, _ := strings.Cut(rest, "/")
	f.mu.Lock()
	started := false
	for _, s := range f.starts {
		started = started || s.ID == id
	}
	notify := f.notify
	f.mu.Unlock()
	if !started {
		http.Error(w, "session not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case r.Method == http.MethodGet && action == "":
		fmt.Fprintf(w, pageHTML, "capture", html.EscapeString(id), fmt.Sprintf(pageButtons, html.EscapeString(PathPage+id)))
	case r.Method == http.MethodPost && (action == "finish" || action == "fail"):
		f.mu.Lock()
		o := f.outcomes[id]
		o.Pending, o.Failed, o.Down, o.Hang = false, false, false, false
		o.DocumentMatch, o.Liveness = action == "finish", action == "finish"
		f.outcomes[id] = o
		f.mu.Unlock()
		if notify != nil {
			go notify(id)
		}
		msg := "<p id=\"done\">Verification finished. You can close this window and return to the app.</p>"
		if action == "fail" {
			msg = "<p id=\"done\">Verification failed: the face did not match the document. You can close this window.</p>"
		}
		fmt.Fprintf(w, pageHTML, action+"ed", html.EscapeString(id), msg)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}
