package proofing

// BlockID IDV client. What it is written from (public material only):
//
//   - 1Kosmos' public Postman collection ("1Kosmos BlockID Platform ID
//     Verification API"): POST /document_share_session/create with
//     {"data": {"dvcID", "sessionRequest": {"tenantDNS", "communityName",
//     "documentType", "user": {"username", ...}}}} answering
//     {"sessionId", "url"}; POST .../document_share_session/result with
//     {"data": {"dvcID", "sessionId"}} answering an encrypted
//     {"data", "publicKey"}; documentType "dl_object", "ppt_object" or
//     "idcard_object"; errors {"code", "message"}; headers licensekey and
//     requestid (an encrypted JSON {"appid", "uuid", "ts"}).
//   - 1Kosmos' nodejs-helper-files (BIDVerifyDocument.js, BIDECDSA.js):
//     the request body is {"data": <encrypted JSON>}; headers publickey,
//     licensekey (encrypted license key), requestid (encrypted); encryption
//     is AES-256-GCM with a 16-byte IV, base64(iv || ciphertext || tag),
//     under the ECDH (secp256k1) shared key of the caller's private key and
//     the service's public key; the decrypted result carries responseStatus
//     ("INPROGRESS", "SUCCESS"), the document object (e.g. dl_object with
//     "face") and liveid_object ("id", "face"); a SUCCESS is followed by
//     POST /verify with {"dvcID", "verifications": ["face_compare"],
//     "document": {"id", "type", "image1", "image2", "purpose"}}.
//
// ASSUMED (not in the public material; every such field is marked
// "ASSUMED" below and kept behind the IDV interface):
//   - the shared key is computed offline and stored in the secret
//     (contract.IDVSecret.SharedKey): Go's standard library has no
//     secp256k1, and the key only changes when either key pair does;
//   - sessionRequest fields "documentTypes", "livenessMode", "callbackUrl"
//     and "metadata"; the public material documents no callback or webhook
//     configuration, so the provider (or a relay) must be set up to call
//     the callback endpoint with this project's signature headers;
//   - "userUID" carries "<poolId>#<username>" (the helper sets userUID; its
//     meaning as the caller's user reference is an assumption);
//   - result: HTTP 404 for an unknown session; responseStatus values other
//     than INPROGRESS and SUCCESS mean a finished, failed session;
//     liveid_object "liveness" (boolean) is the liveness verdict;
//     "completedAt" (RFC 3339) is the finishing time;
//   - /verify answers (encrypted) {"certifications": [{"verifier":
//     "face_compare", "status": 0}]} with status 0 meaning a match, and the
//     same shape for the authenticity verifications;
//   - the document's authenticity: /verify with verifications
//     ["dl_verify"] (documented by 1Kosmos for driver's licenses; "ppt_verify"
//     and "idcard_verify" for the other types are assumed) and the result's
//     document object as the document;
//   - the result's document object carries the document's identifying
//     number in "id" and its issuing country in "country";
//   - appid "cognitobridge" in requestid is accepted by the service.

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/oidcrp"
)

// SecretSource yields the IDV secret; Invalidate drops a cached copy (the
// provider refused the credentials: they may have been rotated).
type SecretSource interface {
	IDVSecret(ctx context.Context) (contract.IDVSecret, error)
	Invalidate()
}

// BlockID paths, relative to the document verification service URL.
const (
	BlockIDPathCreate = "/document_share_session/create"
	BlockIDPathResult = "/document_share_session/result"
	BlockIDPathVerify = "/verify"
)

// Response size caps (the result carries face images).
const (
	maxCreateResponse = 64 << 10
	maxResultResponse = 16 << 20
	maxVerifyResponse = 1 << 20
)

// BlockIDDocumentType maps contract.IDVDocument* to BlockID's documentType.
var BlockIDDocumentType = map[string]string{
	contract.IDVDocumentDriversLicense: "dl_object",
	contract.IDVDocumentPassport:       "ppt_object",
	contract.IDVDocumentIDCard:         "idcard_object",
}

// blockIDVerifyType is the /verify document type of a document object
// (the helper uses "dl" for dl_object; "ppt" and "idcard": ASSUMED).
var blockIDVerifyType = map[string]string{"dl_object": "dl", "ppt_object": "ppt", "idcard_object": "idcard"}

// SessionIDPattern bounds the session ids this package accepts from a
// provider or a callback.
var SessionIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// BlockID is the IDV implementation over BlockID's document verification
// service. Zero values of HTTP and Now mean a 4 s client and time.Now.
type BlockID struct {
	// BaseURL is the document verification service URL (no trailing slash).
	BaseURL string
	// Secret yields the credentials; never logged, never in an error.
	Secret SecretSource
	// HTTP is the client; its timeout bounds every call.
	HTTP *http.Client
	// Now is the clock (requestid timestamps, default CompletedAt).
	Now func() time.Time
}

var _ IDV = (*BlockID)(nil)

// NewBlockID checks baseURL (absolute https, or http on loopback; no query)
// and returns the client.
func NewBlockID(baseURL string, secret SecretSource) (*BlockID, error) {
	// https, or http only on loopback (the local fake), as every other
	// provider endpoint (oidcrp.CheckEndpointURL); plain http to any other
	// host would send the license key and the results in the clear.
	u, err := url.Parse(baseURL)
	if err != nil || oidcrp.CheckEndpointURL(baseURL) != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s: expected an absolute https URL, received %q", contract.EnvIDVBaseURL, baseURL)
	}
	if secret == nil {
		return nil, errors.New("proofing: no IDV secret source")
	}
	return &BlockID{BaseURL: strings.TrimRight(baseURL, "/"), Secret: secret, HTTP: &http.Client{Timeout: 4 * time.Second}}, nil
}

func (b *BlockID) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// blockIDUser is sessionRequest.user.
type blockIDUser struct {
	Username string `json:"username"`
}

// blockIDSessionRequest is sessionRequest.
type blockIDSessionRequest struct {
	TenantDNS     string      `json:"tenantDNS"`
	CommunityName string      `json:"communityName"`
	DocumentType  string      `json:"documentType"`
	User          blockIDUser `json:"user"`
	// UserUID: the helper sets it; carrying "<pool>#<user>" is ASSUMED.
	UserUID string `json:"userUID"`
	// DocumentTypes lists every accepted type: ASSUMED.
	DocumentTypes []string `json:"documentTypes,omitempty"`
	// LivenessMode: ASSUMED.
	LivenessMode string `json:"livenessMode,omitempty"`
	// CallbackURL: ASSUMED (no callback configuration is published).
	CallbackURL string `json:"callbackUrl,omitempty"`
	// Metadata: ASSUMED.
	Metadata map[string]string `json:"metadata,omitempty"`
}

type blockIDCreate struct {
	DVCID          string                `json:"dvcID"`
	SessionRequest blockIDSessionRequest `json:"sessionRequest"`
}

// StartSession creates a document share session.
func (b *BlockID) StartSession(ctx context.Context, req StartRequest) (Session, error) {
	if len(req.DocumentTypes) == 0 {
		return Session{}, errors.New("proofing: no document type")
	}
	var types []string
	for _, t := range req.DocumentTypes {
		bt, ok := BlockIDDocumentType[t]
		if !ok {
			return Session{}, fmt.Errorf("proofing: unknown document type %q", t)
		}
		types = append(types, bt)
	}
	sec, err := b.Secret.IDVSecret(ctx)
	if err != nil {
		return Session{}, fmt.Errorf("%w: secret: %w", ErrUnavailable, err)
	}
	payload := blockIDCreate{DVCID: sec.DVCID, SessionRequest: blockIDSessionRequest{
		TenantDNS: sec.TenantDNS, CommunityName: sec.Community, DocumentType: types[0],
		User:          blockIDUser{Username: req.Username},
		UserUID:       req.PoolID + "#" + req.Username,
		DocumentTypes: types, LivenessMode: req.Liveness, CallbackURL: req.CallbackURL,
		Metadata: map[string]string{"userPoolId": req.PoolID, "username": req.Username},
	}}
	status, body, err := b.call(ctx, sec, BlockIDPathCreate, payload, maxCreateResponse)
	if err != nil {
		return Session{}, err
	}
	if status != http.StatusOK {
		return Session{}, statusError("create", status)
	}
	var out struct {
		SessionID string `json:"sessionId"`
		URL       string `json:"url"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return Session{}, fmt.Errorf("%w: create: malformed answer", ErrUnavailable)
	}
	if !SessionIDPattern.MatchString(out.SessionID) {
		return Session{}, fmt.Errorf("%w: create: malformed session id", ErrUnavailable)
	}
	if err := b.checkSessionURL(out.URL); err != nil {
		return Session{}, err
	}
	return Session{ID: out.SessionID, URL: out.URL}, nil
}

// checkSessionURL accepts an absolute https URL (http only when the API
// itself is plain http, i.e. a loopback test).
func (b *BlockID) checkSessionURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || len(s) > 2048 || (u.Scheme != "https" && !(u.Scheme == "http" && strings.HasPrefix(b.BaseURL, "http:"))) {
		return fmt.Errorf("%w: create: malformed session URL", ErrUnavailable)
	}
	return nil
}

// blockIDObject is a document or liveid object of the decrypted result.
type blockIDObject struct {
	// ID: of a document object, the document's identifying number (1Kosmos'
	// /verify documents "id" as the "document ID number"; that the result's
	// document object carries it there is ASSUMED); of liveid_object, the
	// capture's id (the helper sends it to /verify).
	ID   string `json:"id"`
	Face string `json:"face"`
	// Country issued the document: ASSUMED (a /verify document field).
	Country string `json:"country"`
	// Liveness is the liveness verdict of liveid_object: ASSUMED.
	Liveness *bool `json:"liveness"`
}

type blockIDResult struct {
	ResponseStatus string          `json:"responseStatus"`
	DL             json.RawMessage `json:"dl_object"`
	PPT            json.RawMessage `json:"ppt_object"`
	IDCard         json.RawMessage `json:"idcard_object"`
	LiveID         *blockIDObject  `json:"liveid_object"`
	// CompletedAt: ASSUMED.
	CompletedAt string `json:"completedAt"`
}

// blockIDAuthenticate is the /verify verification of a document's
// authenticity by type: "dl_verify" is 1Kosmos' documented driver's
// license verification; "ppt_verify" and "idcard_verify" are ASSUMED.
var blockIDAuthenticate = map[string]string{"dl_object": "dl_verify", "ppt_object": "ppt_verify", "idcard_object": "idcard_verify"}

// blockIDContractType maps the result's document object to contract.IDVDocument*.
var blockIDContractType = map[string]string{"dl_object": contract.IDVDocumentDriversLicense, "ppt_object": contract.IDVDocumentPassport, "idcard_object": contract.IDVDocumentIDCard}

// Result polls the session and, when it succeeded, asks /verify for the
// face comparison of the document portrait and the live face, and for the
// document's authenticity. A result that is not encrypted under the shared
// key is refused (ErrUnauthenticated): only the service holding the key can
// produce one that opens.
func (b *BlockID) Result(ctx context.Context, sessionID string) (Result, error) {
	if !SessionIDPattern.MatchString(sessionID) {
		return Result{}, ErrUnknownSession
	}
	sec, err := b.Secret.IDVSecret(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("%w: secret: %w", ErrUnavailable, err)
	}
	status, body, err := b.call(ctx, sec, BlockIDPathResult, map[string]string{"dvcID": sec.DVCID, "sessionId": sessionID}, maxResultResponse)
	if err != nil {
		return Result{}, err
	}
	switch {
	case status == http.StatusNotFound: // ASSUMED
		return Result{}, ErrUnknownSession
	case status != http.StatusOK:
		return Result{}, statusError("result", status)
	}
	plain, err := b.openBody(sec, body)
	if err != nil {
		return Result{}, err
	}
	var r blockIDResult
	if err := json.Unmarshal(plain, &r); err != nil {
		return Result{}, fmt.Errorf("%w: result: malformed answer", ErrUnavailable)
	}
	switch r.ResponseStatus {
	case "INPROGRESS":
		return Result{}, ErrPending
	case "SUCCESS":
	case "":
		return Result{}, fmt.Errorf("%w: result: no responseStatus", ErrUnavailable)
	default: // finished without success: ASSUMED
		return Result{CompletedAt: b.completedAt(r.CompletedAt)}, nil
	}
	out := Result{CompletedAt: b.completedAt(r.CompletedAt)}
	live := r.LiveID
	out.Liveness = live != nil && live.Liveness != nil && *live.Liveness && live.Face != ""
	docKind, doc, docFields := "", (*blockIDObject)(nil), map[string]any(nil)
	for _, c := range []struct {
		kind string
		raw  json.RawMessage
	}{{"dl_object", r.DL}, {"ppt_object", r.PPT}, {"idcard_object", r.IDCard}} {
		if len(c.raw) == 0 || string(c.raw) == "null" {
			continue
		}
		var o blockIDObject
		var fields map[string]any
		if json.Unmarshal(c.raw, &o) != nil || json.Unmarshal(c.raw, &fields) != nil {
			return Result{}, fmt.Errorf("%w: result: malformed %s", ErrUnavailable, c.kind)
		}
		if o.Face != "" {
			docKind, doc, docFields = c.kind, &o, fields
			break
		}
	}
	if doc == nil {
		return out, nil
	}
	out.DocumentType, out.DocumentNumber, out.DocumentCountry = blockIDContractType[docKind], strings.TrimSpace(doc.ID), strings.TrimSpace(doc.Country)
	if live != nil && live.Face != "" {
		match, err := b.faceCompare(ctx, sec, docKind, doc, live)
		if err != nil {
			return Result{}, err
		}
		out.DocumentMatch = match
	}
	if out.DocumentMatch && out.Liveness {
		// Only a document whose face matched is worth authenticating.
		authentic, err := b.authenticate(ctx, sec, docKind, docFields)
		if err != nil {
			return Result{}, err
		}
		out.DocumentAuthentic = authentic
	}
	if out.DocumentMatch && out.Liveness && out.DocumentAuthentic {
		out.Level = "2"
	}
	return out, nil
}

func (b *BlockID) completedAt(s string) time.Time {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC()
	}
	return b.now().UTC()
}

type blockIDVerifyDocument struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Image1  string `json:"image1"`
	Image2  string `json:"image2"`
	Purpose string `json:"purpose"`
}

func (b *BlockID) faceCompare(ctx context.Context, sec contract.IDVSecret, kind string, doc, live *blockIDObject) (bool, error) {
	req := struct {
		DVCID         string                `json:"dvcID"`
		Verifications []string              `json:"verifications"`
		Document      blockIDVerifyDocument `json:"document"`
	}{sec.DVCID, []string{"face_compare"}, blockIDVerifyDocument{
		ID: live.ID, Type: blockIDVerifyType[kind], Image1: doc.Face, Image2: live.Face, Purpose: "dl_verification",
	}}
	return b.verify(ctx, sec, req, "face_compare")
}

// authenticate asks /verify for the provider's verdict on the document's
// authenticity: the document object as the result gave it, with its /verify
// type. ASSUMED: that the result's document object is accepted as /verify's
// document.
func (b *BlockID) authenticate(ctx context.Context, sec contract.IDVSecret, kind string, fields map[string]any) (bool, error) {
	verifier := blockIDAuthenticate[kind]
	doc := make(map[string]any, len(fields)+1)
	for k, v := range fields {
		doc[k] = v
	}
	doc["type"] = blockIDVerifyType[kind]
	req := struct {
		DVCID         string         `json:"dvcID"`
		Verifications []string       `json:"verifications"`
		Document      map[string]any `json:"document"`
	}{sec.DVCID, []string{verifier}, doc}
	return b.verify(ctx, sec, req, verifier)
}

// verify calls /verify and reads verifier's certification.
func (b *BlockID) verify(ctx context.Context, sec contract.IDVSecret, req any, verifier string) (bool, error) {
	status, body, err := b.call(ctx, sec, BlockIDPathVerify, req, maxVerifyResponse)
	if err != nil {
		return false, err
	}
	if status != http.StatusOK {
		return false, statusError("verify", status)
	}
	plain, err := b.openBody(sec, body)
	if err != nil {
		return false, err
	}
	var v struct { // ASSUMED shape
		Certifications []struct {
			Verifier string `json:"verifier"`
			Status   *int   `json:"status"`
		} `json:"certifications"`
	}
	if err := json.Unmarshal(plain, &v); err != nil {
		return false, fmt.Errorf("%w: verify: malformed answer", ErrUnavailable)
	}
	for _, c := range v.Certifications {
		if c.Verifier == verifier {
			return c.Status != nil && *c.Status == 0, nil
		}
	}
	return false, nil
}

// statusError classifies a non-200 answer: 5xx and 429 are the provider
// being unavailable; 401/403 are credentials (the caller invalidates the
// secret); anything else is a request the provider refused.
func statusError(op string, status int) error {
	if status >= 500 || status == http.StatusTooManyRequests {
		return fmt.Errorf("%w: %s: HTTP %d", ErrUnavailable, op, status)
	}
	return fmt.Errorf("proofing: %s: provider refused the request: HTTP %d", op, status)
}

// call POSTs {"data": seal(payload)} with the authentication headers and
// returns the status and the (capped) body.
func (b *BlockID) call(ctx context.Context, sec contract.IDVSecret, path string, payload any, limit int64) (int, []byte, error) {
	key, err := sharedKey(sec)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: secret: %w", ErrUnavailable, err)
	}
	plain, err := json.Marshal(payload)
	if err != nil {
		return 0, nil, err
	}
	data, err := Seal(key, plain)
	if err != nil {
		return 0, nil, err
	}
	reqBody, _ := json.Marshal(map[string]string{"data": data})
	var uuid [16]byte
	_, _ = rand.Read(uuid[:])
	rid, _ := json.Marshal(map[string]any{"ts": b.now().Unix(), "appid": "cognitobridge", "uuid": hex.EncodeToString(uuid[:])})
	sealedRID, err := Seal(key, rid)
	if err != nil {
		return 0, nil, err
	}
	sealedLicense, err := Seal(key, []byte(sec.LicenseKey))
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.BaseURL+path, bytes.NewReader(reqBody))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("publickey", sec.PublicKey)
	req.Header.Set("licensekey", sealedLicense)
	req.Header.Set("requestid", sealedRID)
	client := b.HTTP
	if client == nil {
		client = &http.Client{Timeout: 4 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		// The transport error names only the URL; keep it out anyway.
		return 0, nil, fmt.Errorf("%w: %s: transport error", ErrUnavailable, strings.TrimPrefix(path, "/"))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %s: reading answer", ErrUnavailable, strings.TrimPrefix(path, "/"))
	}
	if int64(len(body)) > limit {
		return 0, nil, fmt.Errorf("%w: %s: answer too large", ErrUnavailable, strings.TrimPrefix(path, "/"))
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		b.Secret.Invalidate()
	}
	return resp.StatusCode, body, nil
}

// openBody decrypts {"data": <sealed>}. An answer without data is refused
// (ErrUnauthenticated), never read as plaintext: its origin and integrity
// cannot be checked.
func (b *BlockID) openBody(sec contract.IDVSecret, body []byte) ([]byte, error) {
	var env struct {
		Data *string `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("%w: malformed answer", ErrUnavailable)
	}
	if env.Data == nil {
		return nil, ErrUnauthenticated
	}
	key, err := sharedKey(sec)
	if err != nil {
		return nil, fmt.Errorf("%w: secret: %w", ErrUnavailable, err)
	}
	plain, err := Open(key, *env.Data)
	if err != nil {
		return nil, ErrUnauthenticated
	}
	return plain, nil
}

func sharedKey(sec contract.IDVSecret) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(sec.SharedKey)
	if err != nil || len(k) != 32 {
		return nil, errors.New("sharedKey is not 32 base64 bytes")
	}
	return k, nil
}

// gcmIVSize is BIDECDSA's IV length.
const gcmIVSize = 16

// Seal encrypts plain as BlockID's helpers do: AES-256-GCM with a random
// 16-byte IV, base64(iv || ciphertext || tag).
func Seal(key, plain []byte) (string, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, gcmIVSize)
	if err != nil {
		return "", err
	}
	iv := make([]byte, gcmIVSize)
	if _, err := rand.Read(iv); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(gcm.Seal(iv, iv, plain, nil)), nil
}

// Open reverses Seal.
func Open(key []byte, sealed string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, gcmIVSize)
	if err != nil {
		return nil, err
	}
	if len(raw) < gcmIVSize+gcm.Overhead() {
		return nil, errors.New("sealed value too short")
	}
	return gcm.Open(nil, raw[:gcmIVSize], raw[gcmIVSize:], nil)
}
