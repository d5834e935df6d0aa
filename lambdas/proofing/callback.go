package proofing

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
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
)

// Cognito is the part of the Cognito user pools API the callback uses;
// *cognitoidentityprovider.Client satisfies it.
type Cognito interface {
	AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, optFns ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
	AdminUpdateUserAttributes(ctx context.Context, in *cip.AdminUpdateUserAttributesInput, optFns ...func(*cip.Options)) (*cip.AdminUpdateUserAttributesOutput, error)
	AdminConfirmSignUp(ctx context.Context, in *cip.AdminConfirmSignUpInput, optFns ...func(*cip.Options)) (*cip.AdminConfirmSignUpOutput, error)
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
	ReasonProviderUnavailable = "provider_unavailable"
	ReasonSecretUnavailable   = "secret_unavailable"
	ReasonCognitoError        = "cognito_error"
	ReasonStoreUnavailable    = "store_error"
	ReasonConfirmed           = "confirmed"
	ReasonAlreadyConfirmed    = "already_confirmed"
	ReasonInternal            = "internal_error"
)

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
	ReasonProviderUnavailable: {http.StatusBadGateway, "upstream_unavailable"},
	ReasonSecretUnavailable:   {http.StatusBadGateway, "upstream_unavailable"},
	ReasonCognitoError:        {http.StatusBadGateway, "upstream_unavailable"},
	ReasonStoreUnavailable:    {http.StatusBadGateway, "upstream_unavailable"},
	ReasonInternal:            {http.StatusInternalServerError, "internal"},
	ReasonConfirmed:           {http.StatusOK, ""},
	ReasonAlreadyConfirmed:    {http.StatusOK, ""},
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
	ts, ok1 := header(req.Headers, contract.HeaderProofingTimestamp)
	sig, ok2 := header(req.Headers, contract.HeaderProofingSignature)
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
	body, err := rawBody(req, MaxCallbackBody)
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
	// PoolID is the one user pool this endpoint confirms users of.
	PoolID string
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Logger receives one JSON line per decision. Default: JSON to stderr.
	Logger *slog.Logger
}

// NewCallbackHandler wires the handler.
func NewCallbackHandler(idv IDV, store *Store, cognito Cognito, secret SecretSource, cfg HandlerConfig) (*CallbackHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if idv == nil || store == nil || cognito == nil || secret == nil {
		return nil, errors.New("proofing: callback needs an IDV, a store, a Cognito client and a secret")
	}
	return &CallbackHandler{IDV: idv, Store: store, Cognito: cognito, Secret: secret, PoolID: cfg.PoolID, Now: time.Now,
		Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}, nil
}

// callbackDecision is one outcome and what the log line may carry.
type callbackDecision struct {
	reason  string
	session string
	user    string
	awsCode string
}

// Handle decides and answers; 200 only once the user is confirmed with
// custom:ial and custom:ial_at set and the record marked verified.
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
			resp = jsonResponse(http.StatusOK, map[string]string{"status": "confirmed"})
		} else {
			resp = jsonResponse(st.code, map[string]string{"error": st.body})
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

func (h *CallbackHandler) decide(ctx context.Context, req events.APIGatewayV2HTTPRequest) (d callbackDecision) {
	if m := req.RequestContext.HTTP.Method; m != "" && m != http.MethodPost {
		return callbackDecision{reason: ReasonMalformed}
	}
	signed, reason := ReadCallback(req)
	if reason != "" {
		return callbackDecision{reason: reason}
	}
	ctx, cancel := withAPIBudget(ctx)
	defer cancel()
	key, err := HMACKey(ctx, h.Secret)
	if err != nil {
		return callbackDecision{reason: ReasonSecretUnavailable}
	}
	if !signed.Verify(key) {
		return callbackDecision{reason: ReasonBadSignature}
	}
	now := h.now()
	if !signed.Fresh(now) {
		return callbackDecision{reason: ReasonStaleTimestamp}
	}
	digest := sha256.Sum256(signed.Signature)
	fresh, err := h.Store.MarkReplay(ctx, hex.EncodeToString(digest[:]), now.Add(ReplayTTL))
	if err != nil {
		return callbackDecision{reason: ReasonStoreUnavailable}
	}
	if !fresh {
		return callbackDecision{reason: ReasonReplay}
	}
	cb, err := ParseCallbackBody(signed.Body)
	if err != nil {
		return callbackDecision{reason: ReasonMalformed}
	}
	d.session = ref(cb.SessionID)
	pool, username, found, err := h.Store.SessionOwner(ctx, cb.SessionID, now)
	if err != nil {
		d.reason = ReasonStoreUnavailable
		return d
	}
	if !found || pool != h.PoolID {
		d.reason = ReasonUnknownSession
		return d
	}
	d.user = ref(pool, username)
	rec, found, err := h.Store.Get(ctx, pool, username, now)
	if err != nil {
		d.reason = ReasonStoreUnavailable
		return d
	}
	if !found || rec.SessionID != cb.SessionID {
		d.reason = ReasonUnknownSession
		return d
	}
	// The body only says "look"; the outcome comes from the provider's API.
	res, err := h.IDV.Result(ctx, cb.SessionID)
	switch {
	case errors.Is(err, ErrPending):
		d.reason = ReasonResultPending
		return d
	case errors.Is(err, ErrUnknownSession):
		d.reason = ReasonUnknownSession
		return d
	case err != nil:
		d.reason = ReasonProviderUnavailable
		return d
	}
	if !res.DocumentMatch || !res.Liveness {
		d.reason = ReasonNoDocumentMatch
		if res.DocumentMatch {
			d.reason = ReasonLivenessFailed
		}
		if rec.Status != StatusVerified {
			_ = h.Store.SetOutcome(ctx, pool, username, cb.SessionID, StatusRejected, "", res.CompletedAt, now)
		}
		return d
	}
	level := res.Level
	if level == "" {
		level = "2"
	}
	completed := res.CompletedAt
	if completed.IsZero() {
		completed = now
	}
	d.reason, d.awsCode = h.confirm(ctx, pool, username, level, completed)
	if d.reason != ReasonConfirmed && d.reason != ReasonAlreadyConfirmed {
		return d
	}
	if err := h.Store.SetOutcome(ctx, pool, username, cb.SessionID, StatusVerified, level, completed, now); err != nil {
		d.reason = ReasonStoreUnavailable
	}
	return d
}

// confirm writes custom:ial and custom:ial_at, then confirms the user
// unless Cognito already has it CONFIRMED (a retried callback, or a crash
// between the two calls). The attributes go first, so a confirmed user of
// this flow never lacks them.
func (h *CallbackHandler) confirm(ctx context.Context, pool, username, level string, completed time.Time) (reason, awsCode string) {
	u, err := h.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String(username)})
	if err != nil {
		return classifyCognito(err)
	}
	already := false
	switch u.UserStatus {
	case types.UserStatusTypeConfirmed:
		already = true
	case types.UserStatusTypeUnconfirmed:
	default:
		return ReasonUnknownUser, "status_" + strings.ToLower(string(u.UserStatus))
	}
	if _, err := h.Cognito.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{
		UserPoolId: aws.String(pool), Username: aws.String(username),
		UserAttributes: []types.AttributeType{
			{Name: aws.String(contract.AttrIAL), Value: aws.String(level)},
			{Name: aws.String(contract.AttrIALAt), Value: aws.String(completed.UTC().Format(time.RFC3339))},
		},
	}); err != nil {
		return classifyCognito(err)
	}
	if already {
		return ReasonAlreadyConfirmed, ""
	}
	if _, err := h.Cognito.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(pool), Username: aws.String(username)}); err != nil {
		var na *types.NotAuthorizedException
		if errors.As(err, &na) && strings.Contains(aws.ToString(na.Message), "CONFIRMED") {
			return ReasonAlreadyConfirmed, ""
		}
		return classifyCognito(err)
	}
	return ReasonConfirmed, ""
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
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case status >= 400:
		level = slog.LevelWarn
	}
	h.Logger.LogAttrs(ctx, level, "proofing callback decision",
		slog.String("handler", "proofing-callback"),
		slog.String("reason", d.reason),
		slog.Int("status", status),
		slog.String("session", d.session),
		slog.String("user", d.user),
		slog.String("awsError", d.awsCode),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()))
}
