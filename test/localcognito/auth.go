package localcognito

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"slices"
	"time"
)

// sessionTTL: DOCUMENTED: the Session of an authentication challenge is
// valid for 3 minutes by default (app client AuthSessionValidity; a client
// that sets it gets its own, see sessionValidity).
const sessionTTL = 3 * time.Minute

// maxSessionEntries bounds a custom-auth conversation.
const maxSessionEntries = 30

// flowState is one sign-in in progress, behind one Session value. Each
// Session value is good for one RespondToAuthChallenge.
type flowState struct {
	client   *Client
	u        *user  // nil: unknown user (userNotFound)
	userName string // as the events and challenges show it
	// srpID is the USER_ID_FOR_SRP of an unknown user (fakeIdentity);
	// "" for a known one, whose is userName.
	srpID   string
	custom  bool
	expires time.Time

	expect      string // challenge the next answer must be for
	srpA        string // the client's SRP_A (CUSTOM_AUTH with SRP)
	verifier    any    // the user's, or a decoy for an unknown user
	srp         srpSession
	secretBlock string
	entries     []SessionEntry
	private     map[string]string
	metadata    string // challengeMetadata of the pending custom challenge

	// MFA (mfa.go): mfaVerified is set by a successful VerifySoftwareToken
	// with this sign-in's Session (MFA_SETUP can then be answered);
	// mfaFails counts its wrong codes.
	mfaVerified bool
	mfaFails    int
}

type initiateAuthInput struct {
	clientRef
	AuthFlow       string            `json:"AuthFlow"`
	AuthParameters map[string]string `json:"AuthParameters"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

type respondInput struct {
	clientRef
	ChallengeName      string            `json:"ChallengeName"`
	ChallengeResponses map[string]string `json:"ChallengeResponses"`
	ClientMetadata     map[string]string `json:"ClientMetadata"`
	Session            string            `json:"Session"`
}

type authOutput struct {
	ChallengeName        string                `json:"ChallengeName,omitempty"`
	ChallengeParameters  map[string]string     `json:"ChallengeParameters"`
	Session              string                `json:"Session,omitempty"`
	AuthenticationResult *authenticationResult `json:"AuthenticationResult,omitempty"`
}

// flowAllowed reports whether c allows flow.
// DOCUMENTED: CreateUserPoolClient, ExplicitAuthFlows: no value means
// ALLOW_USER_SRP_AUTH, ALLOW_CUSTOM_AUTH and ALLOW_REFRESH_TOKEN_AUTH; the
// legacy values CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH and
// ADMIN_NO_SRP_AUTH (legacy clients always allow SRP and refresh).
func flowAllowed(c *Client, flow string) bool {
	flows := c.ExplicitAuthFlows
	if len(flows) == 0 {
		flows = []string{"ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
	}
	legacy := false
	for _, f := range flows {
		switch f {
		case "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH":
			legacy = true
		}
	}
	switch flow {
	case "USER_SRP_AUTH":
		return slices.Contains(flows, "ALLOW_USER_SRP_AUTH") || (legacy && !slices.Contains(flows, "CUSTOM_AUTH_FLOW_ONLY"))
	case "CUSTOM_AUTH":
		return slices.Contains(flows, "ALLOW_CUSTOM_AUTH") || slices.Contains(flows, "CUSTOM_AUTH_FLOW_ONLY")
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		return slices.Contains(flows, "ALLOW_REFRESH_TOKEN_AUTH") || legacy
	case "USER_PASSWORD_AUTH":
		return slices.Contains(flows, "ALLOW_USER_PASSWORD_AUTH") || slices.Contains(flows, "USER_PASSWORD_AUTH")
	}
	return false
}

func opInitiateAuth(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	in, c, e, id := decodeClientOp[initiateAuthInput](s, body)
	if e != nil {
		return nil, e, id
	}
	switch in.AuthFlow {
	case "USER_SRP_AUTH", "CUSTOM_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
	case "USER_PASSWORD_AUTH", "USER_AUTH":
		// Not implemented by this endpoint (none of the samples use them).
		if !flowAllowed(c, in.AuthFlow) {
			return nil, notEnabled(in.AuthFlow), c.ID
		}
		return nil, errf(eInvalidParameter, "%s is not supported by the local endpoint", in.AuthFlow), c.ID
	case "":
		return nil, errf(eInvalidParameter, "1 validation error detected: Value null at 'authFlow' failed to satisfy constraint: Member must not be null"), c.ID
	default:
		return nil, errf(eInvalidParameter, "Initiate Auth method not supported."), c.ID
	}
	if !flowAllowed(c, in.AuthFlow) {
		return nil, notEnabled(in.AuthFlow), c.ID
	}
	p := in.AuthParameters
	switch in.AuthFlow {
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		out, e := s.refreshTokens(ctx, c, p["REFRESH_TOKEN"])
		return out, e, c.ID
	case "USER_SRP_AUTH":
		if p["SRP_A"] == "" {
			return nil, errf(eInvalidParameter, "Missing required parameter SRP_A"), c.ID
		}
	}
	name := p["USERNAME"]
	if name == "" {
		return nil, errf(eInvalidParameter, "Missing required parameter USERNAME"), c.ID
	}
	s.mu.Lock()
	u := s.lookup(name)
	s.mu.Unlock()
	st := &flowState{client: c, u: u, userName: name, custom: in.AuthFlow == "CUSTOM_AUTH"}
	if u != nil {
		st.userName, st.verifier = u.username, u.verifier
	} else {
		if c.PreventUserExistenceErrors != "ENABLED" {
			// DOCUMENTED: PreventUserExistenceErrors LEGACY (the API
			// default): an unknown user is UserNotFoundException.
			return nil, &apiError{Type: eUserNotFound, Message: "User does not exist.", reason: "unknown user"}, c.ID
		}
		// DOCUMENTED ("Managing user existence error responses"): with
		// ENABLED, SRP answers with a challenge as for a real user (the
		// same salt and a UUID-format internal user id at every attempt:
		// fakeIdentity) and fails at the password with the generic
		// NotAuthorizedException; custom auth runs the triggers with
		// userNotFound=true.
		id, salt := s.fakeIdentity(name)
		if srpImpl != nil {
			v, err := srpImpl.Decoy(s.poolName(), id, salt)
			if err != nil {
				return nil, &apiError{Type: eInternal, Message: "Internal error", reason: "verifier: " + err.Error()}, c.ID
			}
			st.verifier = v
		}
		st.srpID = id
	}

	// DOCUMENTED: "Pre authentication Lambda trigger": invoked when a user
	// attempts to sign in (InitiateAuth), before Cognito checks anything
	// else; its error refuses the sign-in. InitiateAuth's ClientMetadata
	// reaches it (as validationData, per the InitiateAuth API reference).
	if s.has(SlotPreAuthentication) {
		var ev PreAuthenticationEvent
		ev.EventHeader = s.header(srcPreAuth, st.userName, c.ID)
		ev.Request.UserAttributes = s.userAttrs(st)
		ev.Request.ValidationData = in.ClientMetadata
		ev.Request.UserNotFound = u == nil
		if e := s.invoke(ctx, SlotPreAuthentication, &ev); e != nil {
			return nil, e, c.ID
		}
	}

	if !st.custom {
		out, e := s.passwordChallenge(st, p["SRP_A"])
		return out, e, c.ID
	}
	// CUSTOM_AUTH.
	// DOCUMENTED ("Custom authentication challenge Lambda triggers"): with
	// SRP_A and CHALLENGE_NAME=SRP_A, Define first sees the session
	// [{SRP_A, true}]; without, an empty session.
	if p["CHALLENGE_NAME"] == ChallengeSRPA && p["SRP_A"] != "" {
		st.entries = []SessionEntry{{ChallengeName: ChallengeSRPA, ChallengeResult: true}}
		st.expect = ChallengeSRPA // no answer expected until Define asks
		st.srpA = p["SRP_A"]
	} else if u != nil && !u.confirmed {
		return nil, errf(eUserNotConfirmed, "User is not confirmed."), c.ID
	}
	// DOCUMENTED (Knowledge Center "cognito-clientmetadata-lambda-trigger";
	// InitiateAuth API reference): InitiateAuth's ClientMetadata does NOT
	// reach Define, Create, Verify or pre token generation.
	out, e := s.define(ctx, st, nil)
	return out, e, c.ID
}

// notEnabled is the refusal of a flow the client does not allow.
// OBSERVED by others (Cognito's reply as reported by emulator authors and
// users; not in the API reference): InvalidParameterException
// "<FLOW> flow not enabled for this client".
func notEnabled(flow string) *apiError {
	return &apiError{Type: eInvalidParameter, Message: flow + " flow not enabled for this client", reason: "flow not allowed: " + flow}
}

func (s *Server) attrsOf(u *user) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return u.attributes()
}

// passwordChallenge starts SRP and returns the PASSWORD_VERIFIER challenge.
// DOCUMENTED: "User pool authentication flow" / InitiateAuth: the
// challenge parameters SALT, SRP_B, SECRET_BLOCK, USER_ID_FOR_SRP,
// USERNAME.
func (s *Server) passwordChallenge(st *flowState, srpA string) (*authOutput, *apiError) {
	if srpImpl == nil {
		return nil, &apiError{Type: eInternal, Message: "Internal error", reason: "SRP engine not linked"}
	}
	ses, err := srpImpl.Start(st.verifier, srpA)
	if err != nil {
		return nil, errf(eInvalidParameter, "Invalid SRP_A")
	}
	sb := make([]byte, 64)
	if _, err := rand.Read(sb); err != nil {
		panic(err)
	}
	st.srp = ses
	st.secretBlock = base64.StdEncoding.EncodeToString(sb)
	st.expect = ChallengePassword
	id := st.userName
	if st.srpID != "" {
		id = st.srpID
	}
	return &authOutput{
		ChallengeName: ChallengePassword,
		ChallengeParameters: map[string]string{
			"SALT":            ses.SaltHex(),
			"SRP_B":           ses.SRPB(),
			"SECRET_BLOCK":    st.secretBlock,
			"USER_ID_FOR_SRP": id,
			"USERNAME":        id,
		},
		Session: s.store(st),
	}, nil
}

// store files st under a new Session value.
func (s *Server) store(st *flowState) string {
	b := make([]byte, 48)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	st.expires = s.now().Add(sessionValidity(st.client))
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for k, v := range s.sessions {
		if now.After(v.expires) {
			delete(s.sessions, k)
		}
	}
	s.sessions[id] = st
	return id
}

// take removes and returns the state behind a Session value: a Session is
// good for one answer (each answer gets a new one).
// REPORTED (Cognito users' observation, not the API reference): a reused
// or expired session is NotAuthorizedException "Invalid session for the
// user, session is expired." / "... session can only be used once.".
func (s *Server) take(id string) (*flowState, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.sessions[id]
	if !ok {
		return nil, &apiError{Type: eNotAuthorized, Message: "Invalid session for the user, session can only be used once.", reason: "unknown or used session"}
	}
	delete(s.sessions, id)
	if s.now().After(st.expires) {
		return nil, &apiError{Type: eNotAuthorized, Message: "Invalid session for the user, session is expired.", reason: "session expired"}
	}
	return st, nil
}

func opRespondToAuthChallenge(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	in, c, e, id := decodeClientOp[respondInput](s, body)
	if e != nil {
		return nil, e, id
	}
	if in.Session == "" {
		return nil, errf(eInvalidParameter, "Missing required parameter Session"), c.ID
	}
	st, e := s.take(in.Session)
	if e != nil {
		return nil, e, c.ID
	}
	if st.client.ID != c.ID {
		return nil, &apiError{Type: eNotAuthorized, Message: "Invalid session for the user.", reason: "session of another client"}, c.ID
	}
	if in.ChallengeName != st.expect {
		return nil, errf(eInvalidParameter, "Invalid challenge name %q", in.ChallengeName), c.ID
	}
	r := in.ChallengeResponses
	if name := r["USERNAME"]; name == "" {
		return nil, errf(eInvalidParameter, "Missing required parameter USERNAME"), c.ID
	} else {
		s.mu.Lock()
		u := s.lookup(name)
		s.mu.Unlock()
		if u != st.u || (u == nil && name != st.userName && name != st.srpID) {
			return nil, &apiError{Type: eNotAuthorized, Message: msgIncorrectPassword, reason: "USERNAME differs from the session's user"}, c.ID
		}
	}
	md := in.ClientMetadata
	switch in.ChallengeName {
	case ChallengePassword:
		ts, e := canonicalTimestamp(r["TIMESTAMP"])
		if e != nil {
			return nil, e, c.ID
		}
		ok := s.checkPassword(st, r, ts)
		if !st.custom {
			if !ok {
				return nil, &apiError{Type: eNotAuthorized, Message: msgIncorrectPassword, reason: "wrong password"}, c.ID
			}
			if !st.u.confirmed {
				return nil, errf(eUserNotConfirmed, "User is not confirmed."), c.ID
			}
			// The pool's MFA, when due, comes between the password and the
			// tokens (mfa.go).
			if out := s.mfaChallenge(st); out != nil {
				return out, nil, c.ID
			}
			out, e := s.finish(ctx, st, md)
			return out, e, c.ID
		}
		if ok && !st.u.confirmed {
			return nil, errf(eUserNotConfirmed, "User is not confirmed."), c.ID
		}
		// As in the e2e fake: the outcome goes into the session and Define
		// decides.
		st.entries = append(st.entries, SessionEntry{ChallengeName: ChallengePassword, ChallengeResult: ok})
		st.srp, st.secretBlock = nil, ""
	case ChallengeCustom:
		ans, ok := r["ANSWER"]
		if !ok {
			return nil, errf(eInvalidParameter, "Missing required parameter ANSWER"), c.ID
		}
		ev := s.round(st, c.ID, md).Verify(st.private, ans)
		if !s.has(SlotVerifyAuthChallenge) {
			return nil, &apiError{Type: eInvalidLambdaResp, Message: "Invalid lambda response", reason: "no Verify trigger"}, c.ID
		}
		if e := s.invoke(ctx, SlotVerifyAuthChallenge, &ev); e != nil {
			return nil, e, c.ID
		}
		st.entries = append(st.entries, SessionEntry{ChallengeName: ChallengeCustom, ChallengeResult: ev.Response.AnswerCorrect, ChallengeMetadata: st.metadata})
		st.private, st.metadata = nil, ""
	case challengeMFASetup, challengeTOTP:
		out, e := s.answerMFA(ctx, st, in.ChallengeName, r, md)
		return out, e, c.ID
	default:
		return nil, errf(eInvalidParameter, "Unsupported challenge %q", in.ChallengeName), c.ID
	}
	out, e := s.define(ctx, st, md)
	return out, e, c.ID
}

// round is what the custom authentication triggers of one call of st's
// sign-in receive; md is the call's ClientMetadata.
func (s *Server) round(st *flowState, clientID string, md map[string]string) ChallengeRound {
	return ChallengeRound{Header: s.header("", st.userName, clientID), UserAttributes: s.userAttrs(st), UserNotFound: st.u == nil, Metadata: md}
}

func (s *Server) userAttrs(st *flowState) map[string]string {
	if st.u == nil {
		return map[string]string{}
	}
	return s.attrsOf(st.u)
}

// checkPassword checks the PASSWORD_VERIFIER answer against the SRP
// session and the secret block this server issued; ts is the TIMESTAMP as
// canonicalTimestamp renders it.
func (s *Server) checkPassword(st *flowState, r map[string]string, ts string) bool {
	if st.srp == nil || st.u == nil {
		return false
	}
	if subtle.ConstantTimeCompare([]byte(r["PASSWORD_CLAIM_SECRET_BLOCK"]), []byte(st.secretBlock)) != 1 {
		return false
	}
	return st.srp.Check(s.poolName(), st.userName, r["PASSWORD_CLAIM_SECRET_BLOCK"], ts, r["PASSWORD_CLAIM_SIGNATURE"])
}

// define invokes Define with the session so far and acts on its answer.
// md is the ClientMetadata of the call in progress (nil for InitiateAuth).
func (s *Server) define(ctx context.Context, st *flowState, md map[string]string) (*authOutput, *apiError) {
	if !s.has(SlotDefineAuthChallenge) {
		// ASSUMED: CUSTOM_AUTH on a pool without Define fails.
		return nil, &apiError{Type: eInvalidLambdaResp, Message: "Invalid lambda response", reason: "no Define trigger"}
	}
	if len(st.entries) >= maxSessionEntries {
		return nil, &apiError{Type: eNotAuthorized, Message: msgIncorrectPassword, reason: "too many challenges"}
	}
	round := s.round(st, st.client.ID, md)
	d := round.Define(st.entries)
	if e := s.invoke(ctx, SlotDefineAuthChallenge, &d); e != nil {
		return nil, e
	}
	r := d.Response
	switch {
	case r.FailAuthentication:
		// DOCUMENTED: failAuthentication ends the sign-in with an error
		// (NotAuthorizedException, "Incorrect username or password.").
		return nil, &apiError{Type: eNotAuthorized, Message: msgIncorrectPassword, reason: "Define: failAuthentication"}
	case r.IssueTokens:
		if e := s.customMFAGuard(st); e != nil {
			return nil, e
		}
		return s.finish(ctx, st, md)
	}
	switch r.ChallengeName {
	case ChallengePassword:
		if st.expect != ChallengeSRPA {
			return nil, &apiError{Type: eInvalidLambdaResp, Message: "Invalid lambda response", reason: "Define asked for PASSWORD_VERIFIER without SRP_A"}
		}
		return s.passwordChallenge(st, st.srpA)
	case ChallengeCustom:
		if !s.has(SlotCreateAuthChallenge) {
			return nil, &apiError{Type: eInvalidLambdaResp, Message: "Invalid lambda response", reason: "no Create trigger"}
		}
		ce := round.Create(st.entries)
		if e := s.invoke(ctx, SlotCreateAuthChallenge, &ce); e != nil {
			return nil, e
		}
		st.private = ce.Response.PrivateChallengeParameters
		st.metadata = ce.Response.ChallengeMetadata
		st.expect = ChallengeCustom
		st.srp, st.secretBlock = nil, ""
		params := map[string]string{}
		for k, v := range ce.Response.PublicChallengeParameters {
			params[k] = v
		}
		// ASSUMED (what the clients read): Cognito adds USERNAME.
		params["USERNAME"] = st.userName
		return &authOutput{ChallengeName: ChallengeCustom, ChallengeParameters: params, Session: s.store(st)}, nil
	default:
		return nil, &apiError{Type: eInvalidLambdaResp, Message: "Invalid lambda response", reason: "Define answered challenge " + r.ChallengeName}
	}
}

// finish ends a sign-in with tokens: post authentication, then pre token
// generation (both with the ClientMetadata of the call that ends it).
func (s *Server) finish(ctx context.Context, st *flowState, md map[string]string) (*authOutput, *apiError) {
	if st.u == nil {
		return nil, &apiError{Type: eNotAuthorized, Message: msgIncorrectPassword, reason: "tokens for an unknown user"}
	}
	if s.has(SlotPostAuthentication) {
		var ev PostAuthenticationEvent
		ev.EventHeader = s.header(srcPostAuth, st.userName, st.client.ID)
		ev.Request.UserAttributes = s.attrsOf(st.u)
		// DOCUMENTED (Knowledge Center "cognito-clientmetadata-lambda-trigger"):
		// RespondToAuthChallenge's ClientMetadata reaches post authentication.
		ev.Request.ClientMetadata = md
		if e := s.invoke(ctx, SlotPostAuthentication, &ev); e != nil {
			return nil, e
		}
	}
	res, e := s.issue(ctx, tokenRequest{u: st.u, c: st.client, source: srcTokenAuth, metadata: md, authTime: s.now(), withRefresh: true})
	if e != nil {
		return nil, e
	}
	return &authOutput{ChallengeParameters: map[string]string{}, AuthenticationResult: res}, nil
}

// refreshTokens is REFRESH_TOKEN_AUTH: new access and ID tokens, no new
// refresh token. Pre token generation runs with TokenGeneration_RefreshTokens
// and without ClientMetadata (DOCUMENTED: InitiateAuth's ClientMetadata
// does not reach pre token generation). The checks the refresh token
// passes are refresh.go's.
func (s *Server) refreshTokens(ctx context.Context, c *Client, rt string) (*authOutput, *apiError) {
	if rotates(c) {
		// DOCUMENTED (API reference, RefreshTokenRotationType): "Refresh
		// token rotation must be completed with GetTokensFromRefreshToken.
		// With refresh token rotation disabled, you can complete token
		// refresh with GetTokensFromRefreshToken and with
		// REFRESH_TOKEN_AUTH". ASSUMED: the refusal is
		// UnsupportedOperationException (the API reference's error for an
		// operation the client has not enabled), with the message a public
		// client's notes quote from a real pool.
		return nil, &apiError{Type: eUnsupportedOperation, Message: "This API does not support refresh token rotation", reason: "REFRESH_TOKEN_AUTH on a rotating client"}
	}
	res, e := s.refreshWith(ctx, c, rt, srcTokenRefresh, nil)
	if e != nil {
		return nil, e
	}
	return &authOutput{ChallengeParameters: map[string]string{}, AuthenticationResult: res}, nil
}
