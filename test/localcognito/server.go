package localcognito

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options are the endpoint's run-time settings, separate from the pool.
type Options struct {
	// Issuer is the base URL the tokens' iss uses: <Issuer>/<PoolID>. Set it
	// to the URL the server listens on (it may be set after New, before the
	// first request, with SetIssuer).
	Issuer string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives one JSON line per API call (op, client, outcome,
	// reason); never passwords, codes or tokens. Default: discard.
	Logger *slog.Logger
	// Hosted, when set, serves the hosted-UI / OAuth endpoints: every
	// request under "/oauth2/" and to "/login" (and "/logout") goes to it.
	// This package does not implement them.
	Hosted http.Handler
}

// Server is one local user pool speaking Cognito's JSON protocol.
type Server struct {
	cfg     Config
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	clients map[string]*Client
	// idKey signs ID tokens, accessKey access tokens (DOCUMENTED: "Using
	// the access token": "the key ID (kid) is different because different
	// keys are used to sign ID tokens and access tokens").
	idKey, accessKey signingKey

	mu       sync.Mutex
	issuer   string
	users    map[string]*user // by internal username
	sessions map[string]*flowState
	refresh  map[string]*refreshGrant
	// links are AdminLinkProviderForUser's: linkKey(provider, subject) ->
	// the destination's internal username.
	links map[string]string

	// revokedOrigins holds the origin_jti of every sign-in whose refresh
	// token was revoked (RevokeToken, GlobalSignOut): its access tokens are
	// refused. signedOut is GlobalSignOut's time per internal username, for
	// the tokens of clients without token revocation (no origin_jti).
	revokedOrigins map[string]bool
	signedOut      map[string]time.Time
	// decoyKey keys the stable fake identities of unknown users
	// (fakeIdentity, account.go).
	decoyKey []byte
}

// New builds the endpoint for cfg. It generates the pool's RSA signing key.
func New(cfg Config, opts Options) (*Server, error) {
	if cfg.PoolID == "" || !strings.Contains(cfg.PoolID, "_") {
		return nil, fmt.Errorf("localcognito: PoolID %q is not <region>_<name>", cfg.PoolID)
	}
	if cfg.Region == "" {
		cfg.Region = cfg.PoolID[:strings.Index(cfg.PoolID, "_")]
	}
	switch cfg.PreTokenGenerationVersion {
	case "":
		cfg.PreTokenGenerationVersion = "V1_0"
	case "V1_0", "V2_0", "V3_0":
	default:
		return nil, fmt.Errorf("localcognito: PreTokenGenerationVersion %q is not V1_0, V2_0 or V3_0", cfg.PreTokenGenerationVersion)
	}
	if err := CheckMFAConfig(cfg.MfaConfiguration, cfg.EnabledMfas); err != nil {
		return nil, fmt.Errorf("localcognito: %w", err)
	}
	if cfg.MfaConfiguration == "" {
		cfg.MfaConfiguration = mfaOff
	}
	if err := checkAccountConfig(&cfg); err != nil {
		return nil, err
	}
	s := &Server{
		decoyKey: []byte(randomHex(32)),
		cfg:      cfg,
		opts:     opts,
		log:      opts.Logger,
		now:      opts.Now,
		clients:  map[string]*Client{},
		issuer:   strings.TrimSuffix(opts.Issuer, "/"),
		users:    map[string]*user{},
		sessions: map[string]*flowState{},
		refresh:  map[string]*refreshGrant{},
		links:    map[string]string{},

		revokedOrigins: map[string]bool{},
		signedOut:      map[string]time.Time{},
	}
	if s.log == nil {
		s.log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	for i := range cfg.Clients {
		c := &s.cfg.Clients[i]
		if c.ID == "" {
			return nil, fmt.Errorf("localcognito: client %d (%q) has no ID", i, c.Name)
		}
		if err := checkSessionSettings(c); err != nil {
			return nil, err
		}
		s.clients[c.ID] = c
	}
	if err := s.initKeys(); err != nil {
		return nil, err
	}
	return s, nil
}

// SetIssuer sets the base URL of the tokens' iss (for a server whose URL is
// known only once it listens).
func (s *Server) SetIssuer(base string) {
	s.mu.Lock()
	s.issuer = strings.TrimSuffix(base, "/")
	s.mu.Unlock()
}

// Issuer is <Issuer>/<PoolID>, the iss of every token.
func (s *Server) Issuer() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issuer + "/" + s.cfg.PoolID
}

// Handler serves the JSON API at "/", the JWKS at
// "/<PoolID>/.well-known/jwks.json", the OIDC discovery document at
// "/<PoolID>/.well-known/openid-configuration", and hands "/oauth2/",
// "/login" and "/logout" to Options.Hosted when set.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/"+s.cfg.PoolID+"/.well-known/jwks.json", s.serveJWKS)
	mux.HandleFunc("/"+s.cfg.PoolID+"/.well-known/openid-configuration", s.serveDiscovery)
	if s.opts.Hosted != nil {
		mux.Handle("/oauth2/", s.opts.Hosted)
		mux.Handle("/login", s.opts.Hosted)
		mux.Handle("/logout", s.opts.Hosted)
	}
	mux.HandleFunc("/", s.serveAPI)
	return mux
}

// corsAllowHeaders are the request headers browsers may send: what Amplify
// v6 and the AWS SDK for JavaScript v3 send with every call.
const corsAllowHeaders = "content-type, x-amz-target, x-amz-user-agent, cache-control, amz-sdk-invocation-id, amz-sdk-request, authorization, x-amz-date, x-amz-security-token"

func (s *Server) cors(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	if o := r.Header.Get("Origin"); o != "" {
		h.Set("Access-Control-Allow-Origin", o)
		h.Set("Access-Control-Expose-Headers", "x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage, date")
	}
}

// maxBody bounds a request body.
const maxBody = 1 << 20

const targetPrefix = "AWSCognitoIdentityProviderService."

// apiError is an error of the JSON protocol.
type apiError struct {
	Type, Message string
	status        int
	// reason is what the log says (never a secret); default Message.
	reason string
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func errf(typ, format string, a ...any) *apiError {
	return &apiError{Type: typ, Message: fmt.Sprintf(format, a...)}
}

// Error types, as the Cognito API reference names them.
const (
	eNotAuthorized       = "NotAuthorizedException"
	eInvalidParameter    = "InvalidParameterException"
	eResourceNotFound    = "ResourceNotFoundException"
	eUserNotFound        = "UserNotFoundException"
	eUserNotConfirmed    = "UserNotConfirmedException"
	eUsernameExists      = "UsernameExistsException"
	eCodeMismatch        = "CodeMismatchException"
	eExpiredCode         = "ExpiredCodeException"
	eInvalidPassword     = "InvalidPasswordException"
	eLambdaValidation    = "UserLambdaValidationException"
	eUnexpectedLambda    = "UnexpectedLambdaException"
	eInvalidLambdaResp   = "InvalidLambdaResponseException"
	eInternal            = "InternalErrorException"
	eUnknownOperation    = "UnknownOperationException"
	eSerialization       = "SerializationException"
	msgIncorrectPassword = "Incorrect username or password."
)

// writeError writes an awsJson1_1 error.
// DOCUMENTED: Smithy awsJson1_1 protocol: the error shape's name in the
// body's "__type" (clients also read the X-Amzn-ErrorType header, and
// Amplify v6's parseJsonError reads header, then body.code, then
// body.__type; the message from body.message), HTTP 400 for client errors.
func writeError(w http.ResponseWriter, e *apiError) {
	st := e.status
	if st == 0 {
		st = http.StatusBadRequest
		if e.Type == eInternal {
			st = http.StatusInternalServerError
		}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.Type)
	w.WriteHeader(st)
	b, _ := json.Marshal(map[string]string{"__type": e.Type, "message": e.Message})
	w.Write(b)
}

type opFunc func(ctx context.Context, s *Server, body []byte) (any, *apiError, string)

// ops maps X-Amz-Target operation names to handlers. Each returns the
// response, or an error, and the client id for the log.
var ops = map[string]opFunc{
	"SignUp":                 opSignUp,
	"ConfirmSignUp":          opConfirmSignUp,
	"ResendConfirmationCode": opResendConfirmationCode,
	"InitiateAuth":           opInitiateAuth,
	"RespondToAuthChallenge": opRespondToAuthChallenge,
	"GetUser":                opGetUser,
	"UpdateUserAttributes":   opUpdateUserAttributes,
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	s.cors(w, r)
	w.Header().Set("X-Amzn-RequestId", newUUID())
	if r.Method == http.MethodOptions {
		h := w.Header()
		h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.URL.Path != "/" {
		writeError(w, &apiError{Type: eResourceNotFound, Message: "Not found", status: http.StatusNotFound})
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, &apiError{Type: eUnknownOperation, Message: "Only POST is supported", status: http.StatusMethodNotAllowed})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op := strings.TrimPrefix(target, targetPrefix)
	f, ok := ops[op]
	if !ok || op == target {
		s.logCall(op, "", nil, "unknown operation")
		writeError(w, errf(eUnknownOperation, "Unknown operation %q", target))
		return
	}
	if e := checkIAM(op, r); e != nil {
		s.logCall(op, "", e, "")
		writeError(w, e)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeError(w, errf(eSerialization, "Request body unreadable or too large"))
		return
	}
	resp, aerr, client := s.call(r.Context(), f, body)
	s.logCall(op, client, aerr, "")
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		writeError(w, errf(eInternal, "Internal error"))
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Write(b)
}

// call runs one operation, turning a panic into an internal error.
func (s *Server) call(ctx context.Context, f opFunc, body []byte) (resp any, aerr *apiError, client string) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in operation", "panic", fmt.Sprint(p))
			resp, aerr = nil, errf(eInternal, "Internal error")
		}
	}()
	return f(ctx, s, body)
}

func (s *Server) logCall(op, client string, e *apiError, reason string) {
	if e == nil && reason == "" {
		s.log.Info("cognito call", "op", op, "client", client, "outcome", "ok")
		return
	}
	if e != nil {
		reason = e.reason
		if reason == "" {
			reason = e.Message
		}
		s.log.Info("cognito call", "op", op, "client", client, "outcome", e.Type, "reason", reason)
		return
	}
	s.log.Info("cognito call", "op", op, "client", client, "outcome", "error", "reason", reason)
}

// decode parses a request body strictly enough to refuse garbage.
func decode(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return errf(eSerialization, "Unexpected type for field %s", ute.Field)
		}
		return errf(eSerialization, "Request body is not valid JSON")
	}
	return nil
}

// clientRef is the ClientId member of an operation's input.
type clientRef struct {
	ClientID string `json:"ClientId"`
}

func (r *clientRef) clientID() string { return r.ClientID }

// decodeClientOp decodes an operation's input (a struct embedding clientRef)
// and resolves the app client it names. On an error it also returns the
// client id for the log line ("" when the body did not decode).
func decodeClientOp[T any, P interface {
	*T
	clientID() string
}](s *Server, body []byte) (P, *Client, *apiError, string) {
	in := P(new(T))
	if e := decode(body, in); e != nil {
		return nil, nil, e, ""
	}
	c, e := s.client(in.clientID())
	if e != nil {
		return nil, nil, e, in.clientID()
	}
	return in, c, nil, c.ID
}

// client resolves a ClientId.
func (s *Server) client(id string) (*Client, *apiError) {
	if id == "" {
		return nil, errf(eInvalidParameter, "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null")
	}
	c, ok := s.clients[id]
	if !ok {
		// DOCUMENTED: API reference, ResourceNotFoundException "This exception
		// is thrown when the Amazon Cognito service can't find the requested
		// resource." (message text as reported by users: "User pool client
		// <id> does not exist.")
		return nil, errf(eResourceNotFound, "User pool client %s does not exist.", id)
	}
	return c, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// newUUID is a random (version 4) UUID, the shape of Cognito's sub.
func newUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
