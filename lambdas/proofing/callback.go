package proofing

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/deadline"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/emf"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/httpapi"
)

// UserReader reads a user (the session endpoint's contact check);
// *cognitoidentityprovider.Client satisfies it.
type UserReader interface {
	AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, optFns ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
}

// Cognito is the part of the Cognito user pools API the callback uses;
// *cognitoidentityprovider.Client satisfies it. The callback never confirms
// a user: the user confirms the sign-up with the code Cognito emailed,
// which verifies the email, before the proofing can grant anything.
type Cognito interface {
	UserReader
	AdminUpdateUserAttributes(ctx context.Context, in *cip.AdminUpdateUserAttributesInput, optFns ...func(*cip.Options)) (*cip.AdminUpdateUserAttributesOutput, error)
}

var _ Cognito = (*cip.Client)(nil)

// Callback bounds.
const (
	MaxCallbackBody = 64 << 10
	// MaxClockSkew is how far the timestamp may be from now, either way.
	MaxClockSkew = 300 * time.Second
	// ReplayTTL keeps a seen signature longer than any timestamp it could
	// be accepted with.
	ReplayTTL = 2*MaxClockSkew + time.Minute
)

// Callback reason codes (one per decision, in the log line).
const (
	ReasonMissingSignature    = "missing_signature"
	ReasonBadSignature        = "bad_signature"
	ReasonStaleTimestamp      = "stale_timestamp"
	ReasonReplay              = "replay"
	ReasonMalformed           = "malformed_body"
	ReasonUnknownSession      = "unknown_session"
	ReasonUnknownUser         = "unknown_user"
	ReasonResultPending       = "result_pending"
	ReasonNoDocumentMatch     = "no_document_match"
	ReasonLivenessFailed      = "liveness_failed"
	ReasonNotAuthentic        = "document_not_authentic"
	ReasonUnidentified        = "document_unidentified"
	ReasonDocumentInUse       = "document_in_use"
	ReasonContactUnverified   = "contact_unverified"
	ReasonUnauthenticated     = "result_unauthenticated"
	ReasonProviderUnavailable = "provider_unavailable"
	ReasonSecretUnavailable   = "secret_unavailable"
	ReasonCognitoError        = "cognito_error"
	ReasonStoreUnavailable    = "store_error"
	ReasonAssured             = "assured"
	// ReasonAlreadyVerified: a callback for a session whose record is
	// already verified. A verified proofing is final: nothing is read or
	// written (not the provider's result, not the user's attributes), so a
	// late callback cannot bind the proof to an email the account has now.
	ReasonAlreadyVerified = "already_verified"
	ReasonInternal        = "internal_error"
)

// UserReasons are the rejection reasons the session endpoint shows the
// user, with what they mean.
var UserReasons = map[string]string{
	ReasonNoDocumentMatch: "The face did not match the document's portrait.",
	ReasonLivenessFailed:  "The face capture did not pass the liveness check.",
	ReasonNotAuthentic:    "The identity document could not be verified as genuine.",
	ReasonUnidentified:    "The identity document's number could not be read.",
	ReasonDocumentInUse:   "This identity document has already been used to verify another account. Each document can verify only a limited number of accounts; contact support if this is your document.",
}

// callbackStatus maps a reason to the HTTP status and the public error.
var callbackStatus = map[string]struct {
	code int
	body string
}{
	ReasonMissingSignature:    {http.StatusUnauthorized, "unauthorized"},
	ReasonBadSignature:        {http.StatusUnauthorized, "unauthorized"},
	ReasonStaleTimestamp:      {http.StatusUnauthorized, "unauthorized"},
	ReasonReplay:              {http.StatusConflict, "replay"},
	ReasonMalformed:           {http.StatusBadRequest, "bad_request"},
	ReasonUnknownSession:      {http.StatusBadRequest, "bad_request"},
	ReasonUnknownUser:         {http.StatusBadRequest, "bad_request"},
	ReasonResultPending:       {http.StatusConflict, "pending"},
	ReasonNoDocumentMatch:     {http.StatusBadRequest, "not_verified"},
	ReasonLivenessFailed:      {http.StatusBadRequest, "not_verified"},
	ReasonNotAuthentic:        {http.StatusBadRequest, "not_verified"},
	ReasonUnidentified:        {http.StatusBadRequest, "not_verified"},
	ReasonDocumentInUse:       {http.StatusConflict, "document_in_use"},
	ReasonContactUnverified:   {http.StatusConflict, "contact_unverified"},
	ReasonUnauthenticated:     {http.StatusBadGateway, "upstream_unverifiable"},
	ReasonProviderUnavailable: {http.StatusBadGateway, "upstream_unavailable"},
	ReasonSecretUnavailable:   {http.StatusBadGateway, "upstream_unavailable"},
	ReasonCognitoError:        {http.StatusBadGateway, "upstream_unavailable"},
	ReasonStoreUnavailable:    {http.StatusBadGateway, "upstream_unavailable"},
	ReasonInternal:            {http.StatusInternalServerError, "internal"},
	ReasonAssured:             {http.StatusOK, ""},
	ReasonAlreadyVerified:     {http.StatusOK, ""},
}

// SignedCallback is the authenticated part of a callback request.
type SignedCallback struct {
	// Timestamp is the header as received (it is signed as text).
	Timestamp string
	// Unix is Timestamp parsed.
	Unix int64
	// Signature is the decoded HMAC.
	Signature []byte
	// Body is the raw body.
	Body []byte
}

// CallbackBody is the notification, parsed strictly.
type CallbackBody struct {
	SessionID string `json:"sessionId"`
	Event     string `json:"event"`
}

var eventPattern = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)

// ReadCallback extracts the signature headers and the raw body. reason is
// ReasonMissingSignature (a header absent or empty), ReasonBadSignature
// (present but not of the expected form) or ReasonMalformed (body too
// large or undecodable); "" when all are usable.
func ReadCallback(req events.APIGatewayV2HTTPRequest) (SignedCallback, string) {
	ts, ok1 := httpapi.Header(req.Headers, contract.HeaderProofingTimestamp)
	sig, ok2 := httpapi.Header(req.Headers, contract.HeaderProofingSignature)
	if !ok1 || !ok2 || ts == "" || sig == "" {
		return SignedCallback{}, ReasonMissingSignature
	}
	if len(ts) > 12 || strings.TrimLeft(ts, "0123456789") != "" {
		return SignedCallback{}, ReasonBadSignature
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return SignedCallback{}, ReasonBadSignature
	}
	if len(sig) != 2*sha256.Size {
		return SignedCallback{}, ReasonBadSignature
	}
	mac, err := hex.DecodeString(sig)
	if err != nil {
		return SignedCallback{}, ReasonBadSignature
	}
	body, err := httpapi.Body(req, MaxCallbackBody)
	if err != nil {
		return SignedCallback{}, ReasonMalformed
	}
	return SignedCallback{Timestamp: ts, Unix: unix, Signature: mac, Body: body}, ""
}

// Sign returns the hex HMAC-SHA256 of "<timestamp>.<body>" (what the
// provider, or a relay in front of it, must send).
func Sign(key []byte, timestamp string, body []byte) string {
	return hex.EncodeToString(mac(key, timestamp, body))
}

func mac(key []byte, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks the signature in constant time.
func (s SignedCallback) Verify(key []byte) bool {
	return len(key) > 0 && hmac.Equal(s.Signature, mac(key, s.Timestamp, s.Body))
}

// Fresh reports whether the timestamp is within MaxClockSkew of now.
func (s SignedCallback) Fresh(now time.Time) bool {
	d := now.Sub(time.Unix(s.Unix, 0))
	return d <= MaxClockSkew && d >= -MaxClockSkew
}

// ParseCallbackBody reads exactly one JSON object with a well-formed
// sessionId and event and no other field.
func ParseCallbackBody(body []byte) (CallbackBody, error) {
	var c CallbackBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return CallbackBody{}, errors.New("not a callback object")
	}
	if dec.More() {
		return CallbackBody{}, errors.New("trailing data")
	}
	if !SessionIDPattern.MatchString(c.SessionID) || !eventPattern.MatchString(c.Event) {
		return CallbackBody{}, errors.New("malformed sessionId or event")
	}
	return c, nil
}

// CallbackHandler answers POST /proofing/callback.
type CallbackHandler struct {
	IDV     IDV
	Store   *Store
	Cognito Cognito
	// Secret holds the HMAC key (contract.IDVSecret.CallbackHMACKey).
	Secret SecretSource
	// DocumentKey keys the document registry's hashes.
	DocumentKey DocumentKeySource
	// MaxAccountsPerDocument is how many accounts one document may proof.
	MaxAccountsPerDocument int
	// PoolID is the one user pool this endpoint confirms users of.
	PoolID string
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Logger receives one JSON line per decision. Default: JSON to stderr.
	Logger *slog.Logger
}

// NewCallbackHandler wires the handler; maxAccounts is the registry's
// limit (see MaxAccountsFromEnv).
func NewCallbackHandler(idv IDV, store *Store, cognito Cognito, secret SecretSource, docKey DocumentKeySource, maxAccounts int, cfg HandlerConfig) (*CallbackHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if idv == nil || store == nil || cognito == nil || secret == nil || docKey == nil {
		return nil, errors.New("proofing: callback needs an IDV, a store, a Cognito client, a secret and a document key")
	}
	if maxAccounts < 1 || maxAccounts > MaxMaxAccountsPerDocument {
		return nil, fmt.Errorf("proofing: expected MaxAccountsPerDocument in [1, %d], received %d", MaxMaxAccountsPerDocument, maxAccounts)
	}
	return &CallbackHandler{IDV: idv, Store: store, Cognito: cognito, Secret: secret, DocumentKey: docKey, MaxAccountsPerDocument: maxAccounts,
		PoolID: cfg.PoolID, Now: time.Now, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}, nil
}

// callbackDecision is one outcome and what the log line may carry.
type callbackDecision struct {
	reason  string
	session string
	user    string
	awsCode string
}

// Handle decides and answers; 200 only once the assurance attributes are
// written and the record marked verified.
func (h *CallbackHandler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	start := time.Now()
	var d callbackDecision
	defer func() {
		if r := recover(); r != nil {
			d.reason = ReasonInternal
		}
		st := callbackStatus[d.reason]
		if st.code == 0 {
			st = callbackStatus[ReasonInternal]
		}
		if st.code == http.StatusOK {
			status := "assured"
			if d.reason == ReasonAlreadyVerified {
				status = ReasonAlreadyVerified
			}
			resp = httpapi.JSON(http.StatusOK, map[string]string{"status": status})
		} else {
			resp = httpapi.JSON(st.code, map[string]string{"error": st.body})
		}
		err = nil
		h.log(ctx, d, resp.StatusCode, start)
	}()
	d = h.decide(ctx, req)
	return resp, nil
}

func (h *CallbackHandler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// decide runs the callback's checks in order, each its own step: the
// request is authentic and new, it names a pending proofing of this pool,
// the account has a verified contact, and the provider's result passes.
func (h *CallbackHandler) decide(ctx context.Context, req events.APIGatewayV2HTTPRequest) callbackDecision {
	if m := req.RequestContext.HTTP.Method; m != "" && m != http.MethodPost {
		return callbackDecision{reason: ReasonMalformed}
	}
	signed, reason := ReadCallback(req)
	if reason != "" {
		return callbackDecision{reason: reason}
	}
	ctx, cancel := deadline.Context(ctx, APIDeadlineMargin, APIBudget)
	defer cancel()
	cb, now, reason := h.authenticate(ctx, signed)
	if reason != "" {
		return callbackDecision{reason: reason}
	}
	d := callbackDecision{session: ref(cb.SessionID)}
	c, user, reason := h.pendingCase(ctx, cb.SessionID, now)
	d.user = user
	if reason != "" {
		d.reason = reason
		return d
	}
	// The account must have a verified contact before anything is granted
	// (the session endpoint hands out the URL only then; this holds it
	// for a session URL obtained otherwise). Not a rejection: the user can
	// still verify the email, and the provider or relay retry.
	email, reason, code := h.contact(ctx, c.pool, c.username)
	if reason != "" {
		d.reason, d.awsCode = reason, code
		return d
	}
	// The body only says "look"; the outcome comes from the provider's API.
	res, reason := h.result(ctx, c.sessionID)
	if reason != "" {
		d.reason = reason
		return d
	}
	d.reason, d.awsCode = h.grant(ctx, c, res, email)
	return d
}

// authenticate checks the signature, its freshness and that it was not
// seen before, and only then parses the body; now is read once the
// signature holds, and is the time of every later step.
func (h *CallbackHandler) authenticate(ctx context.Context, signed SignedCallback) (cb CallbackBody, now time.Time, reason string) {
	key, err := HMACKey(ctx, h.Secret)
	if err != nil {
		return CallbackBody{}, time.Time{}, ReasonSecretUnavailable
	}
	if !signed.Verify(key) {
		return CallbackBody{}, time.Time{}, ReasonBadSignature
	}
	now = h.now()
	if !signed.Fresh(now) {
		return CallbackBody{}, now, ReasonStaleTimestamp
	}
	digest := sha256.Sum256(signed.Signature)
	fresh, err := h.Store.MarkReplay(ctx, hex.EncodeToString(digest[:]), now.Add(ReplayTTL))
	if err != nil {
		return CallbackBody{}, now, ReasonStoreUnavailable
	}
	if !fresh {
		return CallbackBody{}, now, ReasonReplay
	}
	cb, err = ParseCallbackBody(signed.Body)
	if err != nil {
		return CallbackBody{}, now, ReasonMalformed
	}
	return cb, now, ""
}

// callbackCase is the proofing a callback is about, once its session is
// known to belong to this pool and to the user's current record.
type callbackCase struct {
	pool, username, sessionID string
	rec                       Record
	now                       time.Time
}

// pendingCase finds the session's owner and record. user (the log's
// reference) is returned as soon as the owner is known, so the log line
// names the user of a later refusal.
func (h *CallbackHandler) pendingCase(ctx context.Context, sessionID string, now time.Time) (c callbackCase, user, reason string) {
	pool, username, found, err := h.Store.SessionOwner(ctx, sessionID, now)
	if err != nil {
		return callbackCase{}, "", ReasonStoreUnavailable
	}
	if !found || pool != h.PoolID {
		return callbackCase{}, "", ReasonUnknownSession
	}
	user = ref(pool, username)
	rec, found, err := h.Store.Get(ctx, pool, username, now)
	if err != nil {
		return callbackCase{}, user, ReasonStoreUnavailable
	}
	if !found || rec.SessionID != sessionID {
		return callbackCase{}, user, ReasonUnknownSession
	}
	// A verified proofing is final (the relay or the provider may retry):
	// answered as done, nothing read or written.
	if rec.Status == StatusVerified {
		return callbackCase{}, user, ReasonAlreadyVerified
	}
	return callbackCase{pool: pool, username: username, sessionID: sessionID, rec: rec, now: now}, user, ""
}

// result asks the provider for the session's outcome.
func (h *CallbackHandler) result(ctx context.Context, sessionID string) (Result, string) {
	res, err := h.IDV.Result(ctx, sessionID)
	switch {
	case errors.Is(err, ErrPending):
		return Result{}, ReasonResultPending
	case errors.Is(err, ErrUnknownSession):
		return Result{}, ReasonUnknownSession
	case errors.Is(err, ErrUnauthenticated):
		return Result{}, ReasonUnauthenticated
	case err != nil:
		return Result{}, ReasonProviderUnavailable
	}
	return res, ""
}

// grant judges the provider's result, claims the document and writes the
// assurance, then marks the record verified. A failed check of the proof
// itself is recorded as a rejection; an unavailable dependency is not.
func (h *CallbackHandler) grant(ctx context.Context, c callbackCase, res Result, email string) (reason, awsCode string) {
	completed := res.CompletedAt
	if completed.IsZero() {
		completed = c.now
	}
	reject := func(reason string) (string, string) {
		if c.rec.Status != StatusVerified {
			_ = h.Store.SetOutcome(ctx, Outcome{PoolID: c.pool, Username: c.username, SessionID: c.sessionID, Status: StatusRejected, Reason: reason, CompletedAt: completed}, c.now)
		}
		return reason, ""
	}
	switch {
	case !res.DocumentMatch:
		return reject(ReasonNoDocumentMatch)
	case !res.Liveness:
		return reject(ReasonLivenessFailed)
	case !res.DocumentAuthentic:
		return reject(ReasonNotAuthentic)
	}
	docKey, err := h.DocumentKey.DocumentKey(ctx)
	if err != nil {
		return ReasonSecretUnavailable, ""
	}
	docHash, err := DocumentHash(docKey, res.DocumentType, res.DocumentCountry, res.DocumentNumber)
	if err != nil {
		return reject(ReasonUnidentified)
	}
	switch err := h.Store.ClaimDocument(ctx, docHash, c.pool+"#"+c.username, h.MaxAccountsPerDocument, c.now); {
	case errors.Is(err, ErrDocumentInUse):
		return reject(ReasonDocumentInUse)
	case err != nil:
		return ReasonStoreUnavailable, ""
	}
	level := res.Level
	if level == "" {
		level = "2"
	}
	reason, awsCode = h.assure(ctx, c.pool, c.username, level, email, completed)
	if reason != ReasonAssured {
		return reason, awsCode
	}
	if err := h.Store.SetOutcome(ctx, Outcome{PoolID: c.pool, Username: c.username, SessionID: c.sessionID, Status: StatusVerified, Level: level,
		DocumentHash: docHash, EmailHash: EmailHash(docKey, email), CompletedAt: completed}, c.now); err != nil {
		return ReasonStoreUnavailable, awsCode
	}
	return reason, awsCode
}

// contact returns the user's email when the user is CONFIRMED (the sign-up
// code Cognito emailed was entered) and email_verified is "true"; else a
// reason (ReasonContactUnverified, or the Cognito failure).
func (h *CallbackHandler) contact(ctx context.Context, pool, username string) (email, reason, awsCode string) {
	u, err := h.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String(username)})
	if err != nil {
		reason, awsCode = classifyCognito(err)
		return "", reason, awsCode
	}
	return contactOf(u)
}

// contactOf is the contact check on an AdminGetUser answer.
func contactOf(u *cip.AdminGetUserOutput) (email, reason, awsCode string) {
	attrs := map[string]string{}
	for _, a := range u.UserAttributes {
		attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	switch {
	case u.UserStatus == types.UserStatusTypeUnconfirmed:
		return "", ReasonContactUnverified, "status_unconfirmed"
	case u.UserStatus != types.UserStatusTypeConfirmed:
		return "", ReasonUnknownUser, "status_" + strings.ToLower(string(u.UserStatus))
	case attrs["email"] == "" || attrs["email_verified"] != "true":
		return "", ReasonContactUnverified, ""
	}
	return attrs["email"], "", ""
}

// assure writes the assurance: custom:ial, custom:ial_at, custom:ial_email
// (the verified email the proof is bound to) and custom:ial_src.
func (h *CallbackHandler) assure(ctx context.Context, pool, username, level, email string, completed time.Time) (reason, awsCode string) {
	if _, err := h.Cognito.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: aws.String(pool), Username: aws.String(username),
		UserAttributes: []types.AttributeType{
			{Name: aws.String(contract.AttrIAL), Value: aws.String(level)},
			{Name: aws.String(contract.AttrIALAt), Value: aws.String(completed.UTC().Format(time.RFC3339))},
			{Name: aws.String(contract.AttrIALEmail), Value: aws.String(email)},
			{Name: aws.String(contract.AttrIALSource), Value: aws.String(contract.AssuranceSourceProofing)},
		},
	}); err != nil {
		return classifyCognito(err)
	}
	return ReasonAssured, ""
}

func classifyCognito(err error) (reason, code string) {
	var nf *types.UserNotFoundException
	if errors.As(err, &nf) {
		return ReasonUnknownUser, "UserNotFoundException"
	}
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ReasonCognitoError, ae.ErrorCode()
	}
	return ReasonCognitoError, ""
}

func (h *CallbackHandler) log(ctx context.Context, d callbackDecision, status int, start time.Time) {
	if h == nil || h.Logger == nil {
		return
	}
	level := emf.Level(status >= 500, status >= 400)
	h.Logger.LogAttrs(ctx, level, "proofing callback decision",
		slog.String("handler", "proofing-callback"),
		slog.String("reason", d.reason),
		slog.Int("status", status),
		slog.String("session", d.session),
		slog.String("user", d.user),
		slog.String("awsError", d.awsCode),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
		emf.Attr(contract.HandlerProofingCallback, d.reason, level, start))
}
