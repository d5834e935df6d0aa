// Package connect lets a signed-in native user connect an external identity
// provider to their own Cognito user: the link is proven on both sides, by
// the user's recent sign-in to the pool (a fresh access token) and by a new
// login at the provider (an ID token for this request).
//
// Three HTTP API (payload 2.0) handlers, each behind the pool's JWT
// authorizer for one app client's access tokens:
//
//	POST /connect/start       → {"authorizeUrl","state","expiresAt"}
//	POST /connect/callback    {"code","state"} → {"connected":true,"provider"}
//	POST /connect/disconnect  → {"disconnected":true,"provider"}
//
// Start keeps state, nonce and PKCE verifier in the connect table under the
// state's SHA-256, bound to the caller's sub (and sign-in session, the
// access token's origin_jti), for Config.StateTTL. Callback consumes that
// record (first use only), exchanges the code with the verifier, verifies
// the ID token (signature, issuer, audience, azp, expiry, nonce, auth_time
// not before the start), refuses an identity that has its own user in the
// pool or is connected to another user, claims the identity in the table,
// and calls AdminLinkProviderForUser with DestinationUser = the caller's
// username (from the access token), SourceUser = the provider name,
// "Cognito_Subject" and the provider's sub, but only with a proof beyond
// the password (proof.go: a matching verified email or phone, a fresh
// step-up, or Cognito MFA on the account). Disconnect calls
// AdminDisableProviderForUser for the caller's identity of this provider.
// Each connect and disconnect is announced on EventBridge (events.go).
//
// Every handler fails closed, answers a short JSON error code, and logs one
// JSON line with a reason code; tokens, codes, states, secrets, user names
// and provider subjects never reach a log line or an error body.
package connect

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/smithy-go"

	"github.com/cognitobridge/cognitobridge/lambdas/clientassert"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/emf"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/httpapi"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
)

// Time bounds: the functions run with a 5 s timeout.
const (
	// Budget caps the upstream time of one request.
	Budget = 4 * time.Second
	// DeadlineMargin is kept back from the Lambda deadline.
	DeadlineMargin = 300 * time.Millisecond
)

// Body and field bounds.
const (
	MaxBody        = 4 << 10
	MaxCodeLen     = 2048
	MaxStateLen    = 512
	MaxUsernameLen = 128
	MaxSubLen      = 255
)

// Reason is the code logged for one request.
type Reason string

// Reasons.
const (
	ReasonStarted      Reason = "started"
	ReasonConnected    Reason = "connected"
	ReasonDisconnected Reason = "disconnected"

	ReasonMethodNotAllowed Reason = "method_not_allowed"
	ReasonBadRequest       Reason = "bad_request"
	ReasonTokenInvalid     Reason = "access_token_invalid"
	ReasonReauthRequired   Reason = "reauth_required"

	ReasonStateUnknown  Reason = "state_unknown"
	ReasonStateExpired  Reason = "state_expired"
	ReasonStateNotYours Reason = "state_not_yours"

	ReasonProviderUnavailable Reason = "provider_unavailable"
	ReasonSecretUnavailable   Reason = "secret_unavailable"
	ReasonSecretInvalid       Reason = "secret_invalid"
	ReasonTokenExchangeFailed Reason = "token_exchange_failed"
	ReasonIDTokenMissing      Reason = "id_token_missing"
	ReasonIDTokenInvalid      Reason = "id_token_invalid"
	ReasonNonceMismatch       Reason = "nonce_mismatch"
	ReasonAuthStale           Reason = "provider_auth_stale"
	ReasonSubjectInvalid      Reason = "provider_subject_invalid"

	// private_key_jwt (clientassert's codes, the same as step-up Verify's):
	// the provider's discovery refuses the method or algorithm (nothing
	// signed), KMS did not sign, the token endpoint answered invalid_client.
	ReasonClientAuthUnsupported Reason = clientassert.ReasonUnsupported
	ReasonClientAssertionFailed Reason = clientassert.ReasonSignFailed
	ReasonClientAuthRefused     Reason = clientassert.ReasonRefused

	ReasonUserNotFound     Reason = "user_not_found"
	ReasonUserMismatch     Reason = "user_mismatch"
	ReasonNotNativeUser    Reason = "not_native_user"
	ReasonUserDisabled     Reason = "user_disabled"
	ReasonAlreadyConnected Reason = "already_connected"
	ReasonProviderInUse    Reason = "provider_already_connected"
	ReasonLinkLimit        Reason = "link_limit"
	ReasonIdentityHasUser  Reason = "identity_has_own_user"
	ReasonIdentityOwned    Reason = "identity_connected_elsewhere"
	ReasonLinkRefused      Reason = "link_refused"
	ReasonNotConnected     Reason = "not_connected"
	// ReasonProofRequired: the recent sign-in is the only proof (no
	// matching verified email or phone, no fresh step-up, no MFA).
	ReasonProofRequired Reason = "proof_required"

	ReasonStoreError       Reason = "store_error"
	ReasonCognitoError     Reason = "cognito_error"
	ReasonThrottled        Reason = "throttled"
	ReasonDeadlineExceeded Reason = "deadline_exceeded"
	ReasonInternalError    Reason = "internal_error"
)

// Public error codes (the body {"error": code}); several reasons share one.
const (
	ErrCodeBadRequest       = "bad_request"
	ErrCodeForbidden        = "forbidden"
	ErrCodeReauthenticate   = "reauthenticate"
	ErrCodeStateInvalid     = "state_invalid"
	ErrCodeProviderLogin    = "provider_login_failed"
	ErrCodeAlreadyConnected = "already_connected"
	ErrCodeLinkLimit        = "link_limit"
	ErrCodeIdentityInUse    = "identity_in_use"
	ErrCodeNotConnected     = "not_connected"
	ErrCodeProofRequired    = "proof_required"
	ErrCodeUnavailable      = "unavailable"
	ErrCodeInternal         = "internal"
)

// answer maps a refusal reason to its status and public code.
func answer(r Reason) (int, string) {
	switch r {
	case ReasonMethodNotAllowed:
		return http.StatusMethodNotAllowed, "method_not_allowed"
	case ReasonBadRequest:
		return http.StatusBadRequest, ErrCodeBadRequest
	case ReasonTokenInvalid, ReasonUserNotFound, ReasonUserMismatch, ReasonNotNativeUser, ReasonUserDisabled:
		return http.StatusForbidden, ErrCodeForbidden
	case ReasonReauthRequired:
		return http.StatusUnauthorized, ErrCodeReauthenticate
	case ReasonStateUnknown, ReasonStateExpired, ReasonStateNotYours:
		return http.StatusBadRequest, ErrCodeStateInvalid
	case ReasonTokenExchangeFailed, ReasonIDTokenMissing, ReasonIDTokenInvalid, ReasonNonceMismatch, ReasonAuthStale, ReasonSubjectInvalid:
		return http.StatusBadRequest, ErrCodeProviderLogin
	case ReasonAlreadyConnected, ReasonProviderInUse:
		return http.StatusConflict, ErrCodeAlreadyConnected
	case ReasonLinkLimit:
		return http.StatusConflict, ErrCodeLinkLimit
	case ReasonIdentityHasUser, ReasonIdentityOwned, ReasonLinkRefused:
		return http.StatusConflict, ErrCodeIdentityInUse
	case ReasonNotConnected:
		return http.StatusNotFound, ErrCodeNotConnected
	case ReasonProofRequired:
		return http.StatusForbidden, ErrCodeProofRequired
	case ReasonInternalError:
		return http.StatusInternalServerError, ErrCodeInternal
	}
	return http.StatusServiceUnavailable, ErrCodeUnavailable
}

// Caller is the signed-in user, from the access token the JWT authorizer
// accepted.
type Caller struct {
	// Sub is the Cognito user's sub.
	Sub string
	// Username is the Cognito user name (the DestinationUser value).
	Username string
	// OriginJTI identifies the sign-in session (constant across
	// refreshes); empty when the token has none.
	OriginJTI string
	// AuthTime is when the user signed in.
	AuthTime time.Time
	// StepUpAt is the step-up claim of the sign-in (contract.ClaimStepUpAt,
	// epoch seconds), 0 without one.
	StepUpAt int64
}

// callerFrom reads and checks the JWT authorizer's claims: an access token
// (token_use "access"; the authorizer would also accept an ID token, whose
// aud is the client) of the configured client and issuer, with a sub, a
// username and an auth_time no older than MaxAuthAge.
func callerFrom(req events.APIGatewayV2HTTPRequest, cfg Config, now time.Time) (Caller, Reason) {
	auth := req.RequestContext.Authorizer
	if auth == nil || auth.JWT == nil {
		return Caller{}, ReasonTokenInvalid
	}
	cl := auth.JWT.Claims
	if cl["token_use"] != "access" || cl["client_id"] != cfg.TokenClientID || strings.TrimSuffix(cl["iss"], "/") != strings.TrimSuffix(cfg.TokenIssuer, "/") {
		return Caller{}, ReasonTokenInvalid
	}
	c := Caller{Sub: cl["sub"], Username: cl["username"], OriginJTI: cl["origin_jti"]}
	if !plain(c.Sub, MaxUsernameLen) || !plain(c.Username, MaxUsernameLen) || len(c.OriginJTI) > MaxUsernameLen {
		return Caller{}, ReasonTokenInvalid
	}
	at, err := strconv.ParseInt(cl["auth_time"], 10, 64)
	if err != nil || at <= 0 {
		return Caller{}, ReasonReauthRequired
	}
	c.AuthTime = time.Unix(at, 0)
	c.StepUpAt = stepUpAt(cl)
	if now.Sub(c.AuthTime) > cfg.MaxAuthAge || c.AuthTime.After(now.Add(time.Minute)) {
		return Caller{}, ReasonReauthRequired
	}
	return c, ""
}

// plain: 1..max bytes of valid UTF-8 without control characters.
func plain(s string, max int) bool {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return false
		}
	}
	return true
}

// decodeStrict decodes one JSON object with known fields only; an empty
// body decodes as {} when allowEmpty.
func decodeStrict(body []byte, v any, allowEmpty bool) bool {
	if allowEmpty && len(bytes.TrimSpace(body)) == 0 {
		return true
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		return false
	}
	return true
}

// serve runs one request of a handler: run decides and fills the log line,
// ok is its success reason; anything else (a panic included) is the
// refusal of that reason. It never returns an error, and logs one line.
func serve(ctx context.Context, logger *slog.Logger, handler string, cfg Config, req events.APIGatewayV2HTTPRequest,
	ok Reason, run func(l *logLine) (Reason, any)) (resp events.APIGatewayV2HTTPResponse, err error) {
	start := time.Now()
	var l logLine
	defer func() {
		if r := recover(); r != nil {
			l.reason, resp, err = ReasonInternalError, refusal(ReasonInternalError, cfg), nil
		}
		l.status = resp.StatusCode
		writeLog(ctx, logger, handler, cfg, req, l, start)
	}()
	var body any
	l.reason, body = run(&l)
	if l.reason != ok {
		return refusal(l.reason, cfg), nil
	}
	return httpapi.JSON(http.StatusOK, body), nil
}

// refusal is the answer for a refusal reason. A stale sign-in gets RFC
// 9470's challenge, so the app signs the user in again.
func refusal(r Reason, cfg Config) events.APIGatewayV2HTTPResponse {
	status, code := answer(r)
	resp := httpapi.JSON(status, map[string]string{"error": code})
	if r == ReasonReauthRequired {
		resp.Headers["WWW-Authenticate"] = fmt.Sprintf(`Bearer error="%s", error_description="A recent sign-in is required to change connected accounts", max_age=%d`,
			contract.ErrorInsufficientUserAuthentication, int(cfg.MaxAuthAge/time.Second))
	}
	return resp
}

// randomToken returns 256 bits from crypto/rand, base64url encoded.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (Go >= 1.24 crashes instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// stateKey is the table key of a pending start: the state's SHA-256, so
// the table never holds a state.
func stateKey(state string) string {
	sum := sha256.Sum256([]byte(state))
	return contract.ConnectPendingPrefix + hex.EncodeToString(sum[:])
}

// ownerKey is the table key of an identity's owner record.
func ownerKey(provider, subject string) string {
	return contract.ConnectOwnerPrefix + provider + "#" + subject
}

// classify maps an AWS SDK error to a reason and its error code (a code,
// never the message).
func classify(ctx context.Context, err error, fallback Reason) (Reason, string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code := ae.ErrorCode()
		switch code {
		case "TooManyRequestsException", "ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded":
			return ReasonThrottled, code
		}
		return fallback, logref.Clip(code)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || ctx.Err() != nil {
		return ReasonDeadlineExceeded, ""
	}
	return fallback, ""
}

// ctxReason replaces r by ReasonDeadlineExceeded when the budget ran out.
func ctxReason(ctx context.Context, r Reason) Reason {
	if ctx.Err() != nil {
		return ReasonDeadlineExceeded
	}
	return r
}

// logLine is what one request's log line may carry.
type logLine struct {
	reason   Reason
	status   int
	user     string // logref of pool + username
	identity string // logref of provider + provider sub
	awsCode  string
	// oauthError is the token endpoint's RFC 6749 §5.2 error code (or
	// "other") when a private_key_jwt exchange failed.
	oauthError string
	proof      string // the proof that held (callback), proofNone
	event      string // eventSent or eventFailed, after a change
}

func writeLog(ctx context.Context, logger *slog.Logger, handler string, cfg Config, req events.APIGatewayV2HTTPRequest, l logLine, start time.Time) {
	if logger == nil {
		return
	}
	level := emf.Level(l.status >= 500, l.status >= 400)
	logger.LogAttrs(ctx, level, "connect decision",
		slog.String("handler", handler),
		slog.String("reason", string(l.reason)),
		slog.Int("status", l.status),
		slog.String("provider", cfg.ProviderName),
		slog.String("user", l.user),
		slog.String("identity", l.identity),
		slog.String("awsError", l.awsCode),
		slog.String("oauthError", l.oauthError),
		slog.String("proof", l.proof),
		slog.String("event", l.event),
		slog.String("requestId", logref.Clip(req.RequestContext.RequestID)),
		slog.Int64("duration_ms", time.Since(start).Milliseconds()),
		emf.Attr(strings.ReplaceAll(handler, "-", "_"), string(l.reason), level, start),
	)
}
