package proofing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/deadline"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/emf"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/httpapi"
	"github.com/cognitobridge/cognitobridge/lambdas/presignup"
)

// Session endpoint bounds. The handle should be 32 random bytes, base64url
// (43 characters); anything shorter than MinHandleLen is refused like a
// wrong handle.
const (
	MaxSessionBody = 4 << 10
	MinHandleLen   = 32
	MaxHandleLen   = 256
	MaxUsernameLen = 128
)

// Session endpoint reasons.
const (
	ReasonSessionIssued = "session_issued"
	ReasonStatusShown   = "status_shown"
	ReasonNotFound      = "not_found"
	ReasonBadRequest    = "bad_request"
	ReasonStoreFailure  = "store_error"
)

// MsgVerifyEmail is the session endpoint's answer to a client whose user
// has not confirmed the sign-up code yet.
const MsgVerifyEmail = "Confirm your email address with the code we sent before verifying your identity."

// SessionRequest is the body of POST /proofing/session. The user pool is
// fixed by configuration; any other field is refused.
type SessionRequest struct {
	Username string `json:"username"`
	Handle   string `json:"handle"`
}

// SessionResponse is the answer for the right handle: the session URL
// while the proofing is pending (and the email verified), else the status
// and, for a rejection, its reason code and message.
type SessionResponse struct {
	SessionURL string `json:"sessionUrl,omitempty"`
	Status     string `json:"status"`
	Reason     string `json:"reason,omitempty"`
	Message    string `json:"message,omitempty"`
}

// notFoundBody is the one answer for an unknown user and a wrong handle.
var notFoundBody = map[string]string{"error": "not_found"}

// dummyHash is compared when no record exists, so both cases cost the same.
var dummyHash = hex.EncodeToString(make([]byte, sha256.Size))

// SessionHandler answers POST /proofing/session: the session URL for the
// client holding the handle whose SHA-256 the sign-up stored, once the user
// confirmed the sign-up with the code Cognito emailed (which verifies the
// email): the proofing then binds to a verified contact.
type SessionHandler struct {
	Store *Store
	// Cognito reads the user's status and email_verified.
	Cognito UserReader
	PoolID  string
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Logger receives one JSON line per request. Default: JSON to stderr.
	Logger *slog.Logger
}

// NewSessionHandler returns the handler for cfg.
func NewSessionHandler(store *Store, cognito UserReader, cfg HandlerConfig) (*SessionHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || cognito == nil {
		return nil, errors.New("proofing: session handler needs a store and a Cognito client")
	}
	return &SessionHandler{Store: store, Cognito: cognito, PoolID: cfg.PoolID, Now: time.Now, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}, nil
}

// ParseSessionRequest reads the body strictly (one JSON object, known
// fields only, bounded lengths).
func ParseSessionRequest(body []byte) (SessionRequest, bool) {
	var r SessionRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil || dec.More() {
		return SessionRequest{}, false
	}
	if r.Username == "" || len(r.Username) > MaxUsernameLen || !utf8.ValidString(r.Username) || len(r.Handle) > MaxHandleLen {
		return SessionRequest{}, false
	}
	return r, true
}

// Handle answers one request. Wrong handle, too short a handle and unknown
// user get the same 404 answer.
func (h *SessionHandler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	start := time.Now()
	reason, user := ReasonBadRequest, ""
	defer func() {
		if r := recover(); r != nil {
			reason, resp, err = "internal_error", httpapi.JSON(http.StatusInternalServerError, map[string]string{"error": "internal"}), nil
		}
		h.log(ctx, reason, resp.StatusCode, user, start)
	}()
	if m := req.RequestContext.HTTP.Method; m != "" && m != http.MethodPost {
		return httpapi.JSON(http.StatusMethodNotAllowed, map[string]string{"error": "method_not_allowed"}), nil
	}
	body, berr := httpapi.Body(req, MaxSessionBody)
	if berr != nil {
		return httpapi.JSON(http.StatusBadRequest, map[string]string{"error": "bad_request"}), nil
	}
	sr, ok := ParseSessionRequest(body)
	if !ok {
		return httpapi.JSON(http.StatusBadRequest, map[string]string{"error": "bad_request"}), nil
	}
	user = presignup.UserRef(h.PoolID, sr.Username)
	ctx, cancel := deadline.Context(ctx, APIDeadlineMargin, APIBudget)
	defer cancel()
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	rec, found, gerr := h.Store.Get(ctx, h.PoolID, sr.Username, now)
	if gerr != nil {
		reason = ReasonStoreFailure
		return httpapi.JSON(http.StatusServiceUnavailable, map[string]string{"error": "unavailable"}), nil
	}
	want := dummyHash
	if found {
		want = rec.HandleHash
	}
	sum := sha256.Sum256([]byte(sr.Handle))
	got := hex.EncodeToString(sum[:])
	match := subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
	if !found || !match || len(sr.Handle) < MinHandleLen {
		reason = ReasonNotFound
		return httpapi.JSON(http.StatusNotFound, notFoundBody), nil
	}
	if rec.Status != StatusPending {
		reason = ReasonStatusShown
		return httpapi.JSON(http.StatusOK, SessionResponse{Status: rec.Status, Reason: rec.Reason, Message: UserReasons[rec.Reason]}), nil
	}
	u, uerr := h.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(h.PoolID), Username: aws.String(sr.Username)})
	if uerr != nil {
		if reason, _ = classifyCognito(uerr); reason == ReasonUnknownUser {
			// The sign-up never completed in Cognito: as unknown.
			return httpapi.JSON(http.StatusNotFound, notFoundBody), nil
		}
		return httpapi.JSON(http.StatusServiceUnavailable, map[string]string{"error": "unavailable"}), nil
	}
	if _, r, _ := contactOf(u); r != "" {
		reason = r
		return httpapi.JSON(http.StatusConflict, map[string]string{"error": ReasonContactUnverified, "message": MsgVerifyEmail}), nil
	}
	reason = ReasonSessionIssued
	return httpapi.JSON(http.StatusOK, SessionResponse{SessionURL: rec.SessionURL, Status: rec.Status}), nil
}

func (h *SessionHandler) log(ctx context.Context, reason string, status int, user string, start time.Time) {
	if h == nil || h.Logger == nil {
		return
	}
	level := emf.Level(false, reason != ReasonSessionIssued && reason != ReasonStatusShown)
	h.Logger.LogAttrs(ctx, level, "proofing session decision",
		slog.String("handler", "proofing-session"),
		slog.String("reason", reason),
		slog.Int("status", status),
		slog.String("user", user),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
		emf.Attr(contract.HandlerProofingSession, reason, level, start))
}
