package proofing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

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
	ReasonNotFound      = "not_found"
	ReasonBadRequest    = "bad_request"
	ReasonStoreFailure  = "store_error"
)

// SessionRequest is the body of POST /proofing/session. The user pool is
// fixed by configuration; any other field is refused.
type SessionRequest struct {
	Username string `json:"username"`
	Handle   string `json:"handle"`
}

// SessionResponse is the answer for the right handle.
type SessionResponse struct {
	SessionURL string `json:"sessionUrl"`
	Status     string `json:"status"`
}

// notFoundBody is the one answer for an unknown user and a wrong handle.
var notFoundBody = map[string]string{"error": "not_found"}

// dummyHash is compared when no record exists, so both cases cost the same.
var dummyHash = hex.EncodeToString(make([]byte, sha256.Size))

// SessionHandler answers POST /proofing/session: the session URL for the
// client holding the handle whose SHA-256 the sign-up stored.
type SessionHandler struct {
	Store  *Store
	PoolID string
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Logger receives one JSON line per request. Default: JSON to stderr.
	Logger *slog.Logger
}

// NewSessionHandler returns the handler for cfg.
func NewSessionHandler(store *Store, cfg HandlerConfig) (*SessionHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &SessionHandler{Store: store, PoolID: cfg.PoolID, Now: time.Now, Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}, nil
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
			reason, resp, err = "internal_error", jsonResponse(http.StatusInternalServerError, map[string]string{"error": "internal"}), nil
		}
		h.log(ctx, reason, resp.StatusCode, user, start)
	}()
	if m := req.RequestContext.HTTP.Method; m != "" && m != http.MethodPost {
		return jsonResponse(http.StatusMethodNotAllowed, map[string]string{"error": "method_not_allowed"}), nil
	}
	body, berr := rawBody(req, MaxSessionBody)
	if berr != nil {
		return jsonResponse(http.StatusBadRequest, map[string]string{"error": "bad_request"}), nil
	}
	sr, ok := ParseSessionRequest(body)
	if !ok {
		return jsonResponse(http.StatusBadRequest, map[string]string{"error": "bad_request"}), nil
	}
	user = presignup.UserRef(h.PoolID, sr.Username)
	ctx, cancel := withAPIBudget(ctx)
	defer cancel()
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	rec, found, gerr := h.Store.Get(ctx, h.PoolID, sr.Username, now)
	if gerr != nil {
		reason = ReasonStoreFailure
		return jsonResponse(http.StatusServiceUnavailable, map[string]string{"error": "unavailable"}), nil
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
		return jsonResponse(http.StatusNotFound, notFoundBody), nil
	}
	reason = ReasonSessionIssued
	return jsonResponse(http.StatusOK, SessionResponse{SessionURL: rec.SessionURL, Status: rec.Status}), nil
}

func (h *SessionHandler) log(ctx context.Context, reason string, status int, user string, start time.Time) {
	if h == nil || h.Logger == nil {
		return
	}
	level := slog.LevelInfo
	if reason != ReasonSessionIssued {
		level = slog.LevelWarn
	}
	h.Logger.LogAttrs(ctx, level, "proofing session decision",
		slog.String("handler", "proofing-session"),
		slog.String("reason", reason),
		slog.Int("status", status),
		slog.String("user", user),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()))
}
