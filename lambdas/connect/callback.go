package connect

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/cognitobridge/cognitobridge/lambdas/clientassert"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/deadline"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/httpapi"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/oidcrp"
)

// Cognito is the part of the Cognito user pools API the handlers use;
// *cognitoidentityprovider.Client satisfies it.
type Cognito interface {
	AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, optFns ...func(*cip.Options)) (*cip.AdminGetUserOutput, error)
	AdminLinkProviderForUser(ctx context.Context, in *cip.AdminLinkProviderForUserInput, optFns ...func(*cip.Options)) (*cip.AdminLinkProviderForUserOutput, error)
	AdminDisableProviderForUser(ctx context.Context, in *cip.AdminDisableProviderForUserInput, optFns ...func(*cip.Options)) (*cip.AdminDisableProviderForUserOutput, error)
}

var _ Cognito = (*cip.Client)(nil)

// SecretSource yields the raw JSON of the provider secret;
// *secretcache.Cache satisfies it.
type SecretSource interface {
	Value(ctx context.Context) (string, error)
	Invalidate()
}

// SubjectAttribute is the SourceUser.ProviderAttributeName: Cognito takes
// the subject of the provider's token.
const SubjectAttribute = "Cognito_Subject"

// releaseTimeout bounds the clean-up after a failed link; it fits in
// DeadlineMargin.
const releaseTimeout = 250 * time.Millisecond

// cognitoProvider is the ProviderName of a native (destination) user.
const cognitoProvider = "Cognito"

// CallbackRequest is the body of POST /connect/callback: what the provider
// handed the app's redirect URI.
type CallbackRequest struct {
	Code  string `json:"code"`
	State string `json:"state"`
}

// CallbackResponse is the answer of a successful callback.
type CallbackResponse struct {
	Connected bool   `json:"connected"`
	Provider  string `json:"provider"`
}

// CallbackHandler answers POST /connect/callback.
type CallbackHandler struct {
	cfg     Config
	store   *Store
	cognito Cognito
	events  Events
	secrets SecretSource
	client  *http.Client
	prov    *oidcrp.Provider
	// Signer signs the client assertions when the token endpoint
	// authentication is contract.TokenAuthPrivateKeyJWT (required then;
	// without it every callback fails closed with client_assertion_failed).
	Signer *clientassert.Signer
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Logger receives one JSON line per request. Default: JSON to stderr.
	Logger *slog.Logger
}

// NewCallbackHandler returns the callback handler; httpClient (discovery,
// JWKS, token endpoint) defaults to oidcrp.NewHTTPClient(Budget). events
// receives the account event of every connect. secrets is nil with
// contract.TokenAuthPrivateKeyJWT (set Signer instead), required otherwise.
func NewCallbackHandler(cfg Config, store *Store, cognito Cognito, events Events, secrets SecretSource, httpClient *http.Client) (*CallbackHandler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || store.API == nil || store.Table == "" || cognito == nil || events == nil {
		return nil, errors.New("connect: store, Cognito client and EventBridge client are required")
	}
	if (secrets == nil) != cfg.KeyMode() {
		return nil, errors.New("connect: a secret source is required with a client secret, and none with " + contract.TokenAuthPrivateKeyJWT)
	}
	if httpClient == nil {
		httpClient = oidcrp.NewHTTPClient(Budget)
	}
	return &CallbackHandler{cfg: cfg, store: store, cognito: cognito, events: events, secrets: secrets, client: httpClient,
		prov: oidcrp.NewProvider(httpClient, cfg.Issuer, cfg.Endpoints), Now: time.Now,
		Logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}, nil
}

// Handle answers one request; it never returns an error.
func (h *CallbackHandler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return serve(ctx, h.Logger, "connect-callback", h.cfg, req, ReasonConnected, func(l *logLine) (Reason, any) {
		return h.callback(ctx, req, l), CallbackResponse{Connected: true, Provider: h.cfg.ProviderName}
	})
}

// ParseCallbackRequest reads the body strictly (one JSON object, code and
// state only, bounded, printable ASCII).
func ParseCallbackRequest(body []byte) (CallbackRequest, bool) {
	var r CallbackRequest
	if !decodeStrict(body, &r, false) || !printableASCII(r.Code, MaxCodeLen) || !printableASCII(r.State, MaxStateLen) {
		return CallbackRequest{}, false
	}
	return r, true
}

func printableASCII(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// callback runs the connect's steps in order: the caller and the body, the
// start it answers, the login at the provider, the destination user and
// its proof, the identity's ownership, then the link.
func (h *CallbackHandler) callback(ctx context.Context, req events.APIGatewayV2HTTPRequest, l *logLine) Reason {
	if m := req.RequestContext.HTTP.Method; m != "" && m != http.MethodPost {
		return ReasonMethodNotAllowed
	}
	now := h.Now()
	caller, r := callerFrom(req, h.cfg, now)
	if r != "" {
		return r
	}
	l.user = logref.Ref(h.cfg.PoolID, caller.Username)
	body, err := httpapi.Body(req, MaxBody)
	if err != nil {
		return ReasonBadRequest
	}
	in, ok := ParseCallbackRequest(body)
	if !ok {
		return ReasonBadRequest
	}
	ctx, cancel := deadline.Context(ctx, DeadlineMargin, Budget)
	defer cancel()

	// 1. The start: taken once, this caller's, in time.
	p, r := h.takeStart(ctx, in.State, caller, now, l)
	if r != "" {
		return r
	}
	// 2. The login at the provider: code exchange with the verifier, then
	// the ID token as Verify checks it.
	id, r := h.providerIdentity(ctx, in.Code, p, l)
	if r != "" {
		return r
	}
	l.identity = logref.Ref(h.cfg.ProviderName, id.Subject)
	if !plain(id.Subject, MaxSubLen) {
		return ReasonSubjectInvalid
	}

	// 3. This user: native, enabled, the token's user, room for the link.
	acct, r, awsCode := h.checkDestination(ctx, caller, id.Subject)
	if r != "" {
		l.awsCode = awsCode
		return r
	}
	// 3b. More than the password: a matching verified email or phone, or a
	// second factor of this sign-in (proof.go). Nothing is claimed yet.
	if l.proof = proven(h.cfg.proofs(), caller, acct, claimsOf(id.Claims), now, h.cfg.MaxAuthAge); l.proof == "" {
		l.proof = proofNone
		return ReasonProofRequired
	}
	// 4. The identity: no user of its own, not connected to someone else.
	r, l.awsCode = h.checkIdentityFree(ctx, caller, id.Subject, now)
	if r != "" {
		return r
	}
	// 5. The link, for this user.
	if r := h.link(ctx, caller, id.Subject, l); r != "" {
		return r
	}
	announce(ctx, h.events, contract.EventProviderConnected, h.cfg, caller.Username, l)
	return ReasonConnected
}

// takeStart takes the pending start the state names (once) and checks it
// is this caller's, for this provider, and in time.
func (h *CallbackHandler) takeStart(ctx context.Context, state string, caller Caller, now time.Time, l *logLine) (Pending, Reason) {
	p, found, err := h.store.TakePending(ctx, state, caller)
	if errors.Is(err, ErrNotYours) {
		return Pending{}, ReasonStateNotYours
	}
	if err != nil {
		var r Reason
		r, l.awsCode = classify(ctx, err, ReasonStoreError)
		return Pending{}, r
	}
	switch {
	case !found:
		return Pending{}, ReasonStateUnknown
	case p.Sub != caller.Sub || (p.OriginJTI != "" && p.OriginJTI != caller.OriginJTI) || p.Provider != h.cfg.ProviderName:
		return Pending{}, ReasonStateNotYours
	case now.After(p.CreatedAt.Add(h.cfg.StateTTL)) || now.Before(p.CreatedAt.Add(-time.Minute)):
		return Pending{}, ReasonStateExpired
	}
	return p, ""
}

// link links the provider's subject to the caller; a failed link releases
// the ownership claim checkIdentityFree took. "" once linked.
func (h *CallbackHandler) link(ctx context.Context, caller Caller, subject string, l *logLine) Reason {
	_, err := h.cognito.AdminLinkProviderForUser(ctx, &cip.AdminLinkProviderForUserInput{
		UserPoolId: aws.String(h.cfg.PoolID),
		DestinationUser: &types.ProviderUserIdentifierType{
			ProviderName:           aws.String(cognitoProvider),
			ProviderAttributeValue: aws.String(caller.Username),
		},
		SourceUser: &types.ProviderUserIdentifierType{
			ProviderName:           aws.String(h.cfg.ProviderName),
			ProviderAttributeName:  aws.String(SubjectAttribute),
			ProviderAttributeValue: aws.String(subject),
		},
	})
	if err == nil {
		return ""
	}
	// Best effort: the claim must not outlive a failed link (a stale
	// claim is also recognised and replaced by checkIdentityFree).
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	_ = h.store.ReleaseOwner(rctx, h.cfg.ProviderName, subject, Owner{Sub: caller.Sub, Username: caller.Username})
	rcancel()
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "LimitExceededException":
			return ReasonLinkLimit
		case "InvalidParameterException", "AliasExistsException":
			l.awsCode = ae.ErrorCode()
			return ReasonLinkRefused
		}
	}
	var r Reason
	r, l.awsCode = classify(ctx, err, ReasonCognitoError)
	return r
}

// providerIdentity exchanges the code (PKCE verifier, client secret or
// client assertion) and
// verifies the ID token: signature, issuer, audience, azp, expiry, this
// start's nonce, auth_time not before the start minus the skew.
func (h *CallbackHandler) providerIdentity(ctx context.Context, code string, p Pending, l *logLine) (oidcrp.Verified, Reason) {
	ep, err := h.prov.Endpoints(ctx, false, true, true)
	if err != nil {
		return oidcrp.Verified{}, ctxReason(ctx, ReasonProviderUnavailable)
	}
	var tok *oauth2.Token
	if h.cfg.KeyMode() {
		var r Reason
		if tok, r = h.exchangeWithAssertion(ctx, ep, code, p.Verifier, l); r != "" {
			return oidcrp.Verified{}, r
		}
	} else {
		clientSecret, r := h.clientSecret(ctx)
		if r != "" {
			return oidcrp.Verified{}, r
		}
		tok, err = h.exchange(ctx, ep, clientSecret, code, p.Verifier)
		var rerr *oauth2.RetrieveError
		if errors.As(err, &rerr) && rerr.ErrorCode == "invalid_client" {
			// The secret may have been rotated: refetch once, retry once.
			h.secrets.Invalidate()
			if clientSecret, r = h.clientSecret(ctx); r != "" {
				return oidcrp.Verified{}, r
			}
			tok, err = h.exchange(ctx, ep, clientSecret, code, p.Verifier)
		}
		if err != nil {
			return oidcrp.Verified{}, ctxReason(ctx, ReasonTokenExchangeFailed)
		}
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return oidcrp.Verified{}, ReasonIDTokenMissing
	}
	v, err := h.prov.VerifyIDToken(ctx, ep.JWKS, rawID, oidcrp.Check{
		ClientID:  h.cfg.ClientID,
		Algs:      h.cfg.IDTokenAlgs,
		Nonce:     p.Nonce,
		NotBefore: p.CreatedAt.Add(-h.cfg.AuthTimeSkew),
	})
	switch {
	case err == nil:
		return v, ""
	case errors.Is(err, oidcrp.ErrNonceMismatch):
		return oidcrp.Verified{}, ReasonNonceMismatch
	case errors.Is(err, oidcrp.ErrAuthTime):
		return oidcrp.Verified{}, ReasonAuthStale
	}
	return oidcrp.Verified{}, ctxReason(ctx, ReasonIDTokenInvalid)
}

func (h *CallbackHandler) clientSecret(ctx context.Context) (string, Reason) {
	raw, err := h.secrets.Value(ctx)
	if err != nil {
		return "", ctxReason(ctx, ReasonSecretUnavailable)
	}
	var m map[string]json.RawMessage
	var v string
	if json.Unmarshal([]byte(raw), &m) != nil || json.Unmarshal(m[h.cfg.SecretField], &v) != nil || v == "" {
		return "", ReasonSecretInvalid
	}
	return v, ""
}

// exchangeWithAssertion is the code exchange with private_key_jwt: the
// provider's discovery must accept the method and algorithm (checked before
// anything is signed), one kms:Sign call, no retry (there is no secret to
// refetch, and a refused assertion would be refused again).
func (h *CallbackHandler) exchangeWithAssertion(ctx context.Context, ep oidcrp.Endpoints, code, verifier string, l *logLine) (*oauth2.Token, Reason) {
	d, err := h.prov.ClientAuth(ctx)
	if err != nil {
		return nil, ctxReason(ctx, ReasonProviderUnavailable)
	}
	opts, err := clientassert.TokenOptions(ctx, h.Signer, h.cfg.ClientAssertion, clientassert.Discovery{Methods: d.Methods, Algs: d.Algs},
		h.cfg.ClientID, h.cfg.Issuer, ep.Token)
	switch {
	case errors.Is(err, clientassert.ErrProviderRefusesAlg):
		return nil, ReasonClientAuthUnsupported
	case err != nil:
		return nil, ctxReason(ctx, ReasonClientAssertionFailed)
	}
	tok, err := h.exchange(ctx, ep, "", code, verifier, opts...)
	if err != nil {
		// RFC 6749 §5.2 answers a failed client authentication with
		// invalid_client; some providers (zitadel) answer a refused
		// assertion with invalid_grant, which a bad code also gets: the log
		// names the provider's code.
		var rerr *oauth2.RetrieveError
		if errors.As(err, &rerr) {
			l.oauthError = clientassert.OAuthErrorCode(rerr.ErrorCode)
			if rerr.ErrorCode == "invalid_client" {
				return nil, ReasonClientAuthRefused
			}
		}
		return nil, ctxReason(ctx, ReasonTokenExchangeFailed)
	}
	return tok, ""
}

// exchange redeems the code. With a client secret: in the Authorization
// header (client_secret_basic) or the body (client_secret_post). With
// private_key_jwt (secret "", opts carrying the assertion): client_id in
// the body beside client_assertion_type and client_assertion, no secret.
func (h *CallbackHandler) exchange(ctx context.Context, ep oidcrp.Endpoints, secret, code, verifier string, opts ...oauth2.AuthCodeOption) (*oauth2.Token, error) {
	style := oauth2.AuthStyleInHeader
	if h.cfg.TokenAuthMethod == contract.TokenAuthPost || h.cfg.KeyMode() {
		style = oauth2.AuthStyleInParams
	}
	oc := &oauth2.Config{
		ClientID:     h.cfg.ClientID,
		ClientSecret: secret,
		Endpoint:     oauth2.Endpoint{TokenURL: ep.Token, AuthStyle: style},
		RedirectURL:  h.cfg.RedirectURI,
		Scopes:       h.cfg.Scopes,
	}
	return oc.Exchange(oidc.ClientContext(ctx, h.client), code, append([]oauth2.AuthCodeOption{oauth2.VerifierOption(verifier)}, opts...)...)
}

// identity is one entry of a user's "identities" attribute.
type identity struct {
	ProviderName string `json:"providerName"`
	UserID       string `json:"userId"`
}

// user is what the handlers read of AdminGetUser.
type user struct {
	status     types.UserStatusType
	enabled    bool
	sub        string
	identities []identity
	account    account
}

// getUser reads a user; found is false for UserNotFoundException.
func (h *CallbackHandler) getUser(ctx context.Context, username string) (u user, found bool, err error) {
	return getUser(ctx, h.cognito, h.cfg.PoolID, username)
}

func getUser(ctx context.Context, c Cognito, pool, username string) (u user, found bool, err error) {
	out, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String(username)})
	if err != nil {
		var nf *types.UserNotFoundException
		var ae smithy.APIError
		if errors.As(err, &nf) || (errors.As(err, &ae) && ae.ErrorCode() == "UserNotFoundException") {
			return user{}, false, nil
		}
		return user{}, false, err
	}
	if out == nil {
		return user{}, false, errors.New("connect: empty AdminGetUser answer")
	}
	u = user{status: out.UserStatus, enabled: out.Enabled}
	// MFA: DOCUMENTED (AdminGetUser response): UserMFASettingList "The MFA
	// options that are activated for the user", PreferredMfaSetting, and
	// the legacy MFAOptions (SMS).
	u.account.mfa = len(out.UserMFASettingList) > 0 || aws.ToString(out.PreferredMfaSetting) != "" || len(out.MFAOptions) > 0
	for _, a := range out.UserAttributes {
		switch aws.ToString(a.Name) {
		case "email":
			u.account.email = aws.ToString(a.Value)
		case "email_verified":
			u.account.emailVerified = aws.ToString(a.Value) == "true"
		case "phone_number":
			u.account.phone = aws.ToString(a.Value)
		case "phone_number_verified":
			u.account.phoneVerified = aws.ToString(a.Value) == "true"
		case "sub":
			u.sub = aws.ToString(a.Value)
		case "identities":
			if v := aws.ToString(a.Value); v != "" {
				if err := json.Unmarshal([]byte(v), &u.identities); err != nil {
					return user{}, false, errors.New("connect: identities attribute is not a JSON array")
				}
			}
		}
	}
	return u, true, nil
}

// checkDestination: the caller's user exists, is the token's (same sub),
// native, enabled, has no identity of this provider and room for one; it
// returns what the proof reads of the account.
func (h *CallbackHandler) checkDestination(ctx context.Context, caller Caller, subject string) (account, Reason, string) {
	u, found, err := h.getUser(ctx, caller.Username)
	if err != nil {
		r, code := classify(ctx, err, ReasonCognitoError)
		return account{}, r, code
	}
	switch {
	case !found:
		return account{}, ReasonUserNotFound, ""
	case u.sub != caller.Sub:
		return account{}, ReasonUserMismatch, ""
	case u.status == types.UserStatusTypeExternalProvider:
		return account{}, ReasonNotNativeUser, ""
	case !u.enabled:
		return account{}, ReasonUserDisabled, ""
	}
	for _, id := range u.identities {
		if equalFoldASCII(id.ProviderName, h.cfg.ProviderName) {
			if id.UserID == subject {
				return account{}, ReasonAlreadyConnected, ""
			}
			return account{}, ReasonProviderInUse, ""
		}
	}
	if len(u.identities) >= h.cfg.MaxIdentities {
		return account{}, ReasonLinkLimit, ""
	}
	return u.account, "", ""
}

// checkIdentityFree: the provider identity has no user of its own in the
// pool ("<provider>_<sub>", the name Cognito gives a federated user; the
// prefix also in ASCII lower case), and is not connected to another user
// (the owner record, claimed here for the caller; a record whose owner no
// longer has the identity is stale and replaced).
func (h *CallbackHandler) checkIdentityFree(ctx context.Context, caller Caller, subject string, now time.Time) (Reason, string) {
	names := []string{h.cfg.ProviderName + "_" + subject}
	if lower := lowerASCII(h.cfg.ProviderName); lower != h.cfg.ProviderName {
		names = append(names, lower+"_"+subject)
	}
	for _, name := range names {
		_, found, err := h.getUser(ctx, name)
		if err != nil {
			return classify(ctx, err, ReasonCognitoError)
		}
		if found {
			return ReasonIdentityHasUser, ""
		}
	}
	me := Owner{Sub: caller.Sub, Username: caller.Username}
	owner, err := h.store.ClaimOwner(ctx, h.cfg.ProviderName, subject, me, nil, now)
	if err == nil {
		return "", ""
	}
	if !errors.Is(err, ErrExists) {
		return classify(ctx, err, ReasonStoreError)
	}
	if owner.Username == "" {
		return ReasonIdentityOwned, ""
	}
	// Another user was recorded as the owner: refused while that user
	// still has the identity.
	u, found, err := h.getUser(ctx, owner.Username)
	if err != nil {
		return classify(ctx, err, ReasonCognitoError)
	}
	if found && u.sub == owner.Sub {
		for _, id := range u.identities {
			if equalFoldASCII(id.ProviderName, h.cfg.ProviderName) && id.UserID == subject {
				return ReasonIdentityOwned, ""
			}
		}
	}
	if _, err := h.store.ClaimOwner(ctx, h.cfg.ProviderName, subject, me, &owner, now); err != nil {
		if errors.Is(err, ErrExists) {
			return ReasonIdentityOwned, ""
		}
		return classify(ctx, err, ReasonStoreError)
	}
	return "", ""
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// equalFoldASCII compares ignoring ASCII case only.
func equalFoldASCII(a, b string) bool { return len(a) == len(b) && lowerASCII(a) == lowerASCII(b) }
