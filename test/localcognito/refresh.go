package localcognito

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Sessions and tokens after sign-in: GetTokensFromRefreshToken (with
// refresh token rotation), RevokeToken, GlobalSignOut and
// AdminUserGlobalSignOut, and the client settings they honour
// (AuthSessionValidity, EnableTokenRevocation, RefreshTokenRotation).
// Request and response shapes follow the Amazon Cognito user pools API
// reference.

func init() {
	for name, f := range map[string]opFunc{
		"GetTokensFromRefreshToken": opGetTokensFromRefreshToken,
		"RevokeToken":               opRevokeToken,
		"GlobalSignOut":             opGlobalSignOut,
		"AdminUserGlobalSignOut":    opAdminUserGlobalSignOut,
	} {
		ops[name] = f
	}
}

// Error types of these operations, as the API reference names them.
const (
	eUnsupportedOperation = "UnsupportedOperationException"
	eUnsupportedTokenType = "UnsupportedTokenTypeException"
	eUnauthorized         = "UnauthorizedException"
	eRefreshTokenReuse    = "RefreshTokenReuseException"
)

// The documented ranges of the client's session settings.
// DOCUMENTED (CloudFormation AWS::Cognito::UserPoolClient):
// AuthSessionValidity is 3 to 15 minutes, default 3;
// RefreshTokenRotation.Feature is ENABLED or DISABLED and
// RetryGracePeriodSeconds 0 to 60.
const (
	minAuthSession, maxAuthSession = 3, 15
	maxRetryGrace                  = 60
)

// checkSessionSettings refuses a client whose session settings Cognito
// would refuse, naming the setting.
func checkSessionSettings(c *Client) error {
	if v := c.AuthSessionValidity; v != 0 && (v < minAuthSession || v > maxAuthSession) {
		return fmt.Errorf("localcognito: client %s: AuthSessionValidity %d is not %d to %d minutes", c.ID, v, minAuthSession, maxAuthSession)
	}
	switch c.RefreshTokenRotation {
	case "", "ENABLED", "DISABLED":
	default:
		return fmt.Errorf("localcognito: client %s: RefreshTokenRotation.Feature %q is not ENABLED or DISABLED", c.ID, c.RefreshTokenRotation)
	}
	if v := c.RetryGracePeriodSeconds; v < 0 || v > maxRetryGrace {
		return fmt.Errorf("localcognito: client %s: RefreshTokenRotation.RetryGracePeriodSeconds %d is not 0 to %d", c.ID, v, maxRetryGrace)
	}
	return nil
}

// sessionValidity is how long a Session value of c stays good.
// DOCUMENTED (CloudFormation AWS::Cognito::UserPoolClient,
// AuthSessionValidity): Cognito creates a session token for each API
// request of an authentication flow, valid for this many minutes; the user
// answers each challenge before it expires.
func sessionValidity(c *Client) time.Duration {
	if c == nil || c.AuthSessionValidity == 0 {
		return sessionTTL
	}
	return time.Duration(c.AuthSessionValidity) * time.Minute
}

// revocationEnabled reports whether c has token revocation (default: yes).
func revocationEnabled(c *Client) bool {
	return c.EnableTokenRevocation == nil || *c.EnableTokenRevocation
}

// rotates reports whether c has refresh token rotation.
func rotates(c *Client) bool { return c.RefreshTokenRotation == "ENABLED" }

// refreshWith issues new tokens from refresh token rt at client c, with
// pre token generation's triggerSource source and ClientMetadata md. Both
// refresh paths keep the original sign-in's auth_time, origin_jti and
// scopes (DOCUMENTED: "Using the access token": auth_time "On refreshes
// ... represents the time when the original authentication occurred";
// origin_jti is "from when the original authentication occurred").
//
// On a client with rotation the result carries a new refresh token and rt
// is rotated out (DOCUMENTED: API reference, GetTokensFromRefreshToken and
// RefreshTokenRotationType): rt stays good for RetryGracePeriodSeconds
// after its first rotation ("This allows for client-side retries"; 0 means
// "a successful request immediately invalidates the submitted refresh
// token"); afterwards it is RefreshTokenReuseException ("requests token
// refresh with a refresh token that has been invalidated by refresh-token
// rotation"). ASSUMED: a retry within the grace period is answered as the
// first request was (new tokens and another new refresh token), and reuse
// after it revokes nothing else.
//
// The new refresh token inherits the original's expiry. REPORTED (AWS
// re:Post, "Rotated Refresh Token Validity",
// https://repost.aws/questions/QUzBxC3OvwTpiTymQWBYLDOg, accepted answer):
// RefreshTokenValidity is measured "from when the user initially
// authenticates - not from when the token is rotated".
func (s *Server) refreshWith(ctx context.Context, c *Client, rt, source string, md map[string]string) (*authenticationResult, *apiError) {
	bad := &apiError{Type: eNotAuthorized, Message: "Invalid Refresh Token", reason: "refresh token refused"}
	if rt == "" {
		return nil, errf(eInvalidParameter, "Missing required parameter REFRESH_TOKEN")
	}
	now := s.now()
	s.mu.Lock()
	g := s.refresh[rt]
	var u *user
	var grant refreshGrant
	if g != nil {
		u = s.users[g.username]
		grant = *g
		// A rotated successor stored while its sign-in was being revoked
		// is revoked with it.
		grant.revoked = grant.revoked || s.revokedOrigins[grant.originJTI]
	}
	s.mu.Unlock()
	switch {
	case g == nil || grant.clientID != c.ID || u == nil:
		// DOCUMENTED ("Revoking tokens"): a refresh token belongs to the
		// client that obtained it.
		return nil, bad
	case grant.revoked:
		// DOCUMENTED ("Revoking tokens"): a revoked refresh token no longer
		// issues tokens. ASSUMED: message.
		return nil, &apiError{Type: eNotAuthorized, Message: "Refresh Token has been revoked", reason: "refresh token revoked"}
	case now.After(grant.expires):
		return nil, &apiError{Type: eNotAuthorized, Message: "Refresh Token has expired", reason: "refresh token expired"}
	case !grant.rotated.IsZero() && !now.Before(grant.rotated.Add(time.Duration(c.RetryGracePeriodSeconds)*time.Second)):
		// ASSUMED: message.
		return nil, &apiError{Type: eRefreshTokenReuse, Message: "Refresh token has been rotated and is no longer valid", reason: "rotated refresh token reused"}
	}
	res, e := s.issue(ctx, tokenRequest{u: u, c: c, source: source, metadata: md, authTime: grant.authTime, originJTI: grant.originJTI, scopes: grant.scopes})
	if e != nil {
		// A trigger refused: nothing is rotated.
		return nil, e
	}
	if rotates(c) {
		s.mu.Lock()
		if g.rotated.IsZero() {
			g.rotated = now
		}
		s.mu.Unlock()
		next := grant
		next.rotated = time.Time{}
		res.RefreshToken = s.storeRefresh(next)
	}
	return res, nil
}

type getTokensFromRefreshTokenInput struct {
	clientRef
	RefreshToken   string            `json:"RefreshToken"`
	ClientSecret   string            `json:"ClientSecret"`
	DeviceKey      string            `json:"DeviceKey"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

// opGetTokensFromRefreshToken is the refresh Amplify v6.15+ uses
// (refreshAuthTokens sends ClientId, RefreshToken, DeviceKey and the
// fetchAuthSession clientMetadata; it keeps its refresh token when the
// answer has none).
//
// DOCUMENTED ("Customizing user pool workflows with Lambda triggers",
// "Connecting API operations to Lambda triggers"): GetTokensFromRefreshToken
// invokes pre token generation with triggerSource
// TokenGeneration_Authentication ("User authentication or token refresh
// complete"), unlike REFRESH_TOKEN_AUTH's TokenGeneration_RefreshTokens;
// the API reference: "When you use the GetTokensFromRefreshToken API
// action, Amazon Cognito invokes the Lambda function the pre token
// generation trigger" with the request's ClientMetadata. No other trigger
// runs. The client's flows are not checked: ASSUMED (the API reference
// ties the operation to no ExplicitAuthFlows value; rotation requires it
// while REFRESH_TOKEN_AUTH may be off). DeviceKey is accepted and ignored:
// device tracking is not emulated.
func opGetTokensFromRefreshToken(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	in, c, e, id := decodeClientOp[getTokensFromRefreshTokenInput](s, body)
	if e != nil {
		return nil, e, id
	}
	if in.RefreshToken == "" {
		return nil, errf(eInvalidParameter, "1 validation error detected: Value null at 'refreshToken' failed to satisfy constraint: Member must not be null"), c.ID
	}
	if e := noSecret(c); e != nil {
		return nil, e, c.ID
	}
	res, e := s.refreshWith(ctx, c, in.RefreshToken, srcTokenAuth, in.ClientMetadata)
	if e != nil {
		return nil, e, c.ID
	}
	return struct {
		AuthenticationResult *authenticationResult `json:"AuthenticationResult"`
	}{res}, nil, c.ID
}

// noSecret refuses a client with a secret. LOCAL: client secrets are not
// emulated (no sample client has one), so such a call cannot be checked.
func noSecret(c *Client) *apiError {
	if c.GenerateSecret {
		return &apiError{Type: eInvalidParameter, Message: "Clients with a secret are not supported by the local endpoint", reason: "client with a secret"}
	}
	return nil
}

type revokeTokenInput struct {
	clientRef
	Token        string `json:"Token"`
	ClientSecret string `json:"ClientSecret"`
}

// opRevokeToken revokes a refresh token and the access tokens of its
// sign-in (Amplify's signOut sends ClientId and Token when the access token
// has origin_jti). DOCUMENTED ("Revoking tokens"): "When you revoke a
// refresh token, all access tokens that were previously issued by that
// refresh token become invalid. The other refresh tokens issued to the user
// are not affected"; "Refresh tokens must be revoked using the same client
// ID that was used to obtain the token"; the client must have token
// revocation enabled. With rotation, the refresh tokens of one sign-in
// share its origin_jti and are revoked together.
func opRevokeToken(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	in, c, e, id := decodeClientOp[revokeTokenInput](s, body)
	if e != nil {
		return nil, e, id
	}
	if in.Token == "" {
		return nil, errf(eInvalidParameter, "1 validation error detected: Value null at 'token' failed to satisfy constraint: Member must not be null"), c.ID
	}
	if e := noSecret(c); e != nil {
		return nil, e, c.ID
	}
	if !revocationEnabled(c) {
		// DOCUMENTED (RevokeToken API reference, UnsupportedOperationException:
		// an operation that isn't enabled for the user pool client).
		// ASSUMED: message.
		return nil, &apiError{Type: eUnsupportedOperation, Message: "Token revocation is not enabled for this client", reason: "revocation disabled"}, c.ID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.refresh[in.Token]
	switch {
	case g == nil && strings.Count(in.Token, ".") == 2:
		// DOCUMENTED (RevokeToken API reference): only refresh tokens are
		// revoked; UnsupportedTokenTypeException is "thrown when an
		// unsupported token is passed to an operation".
		return nil, &apiError{Type: eUnsupportedTokenType, Message: "Unsupported token type", reason: "not a refresh token"}, c.ID
	case g == nil:
		// ASSUMED: an unknown token is not an error (RFC 7009, 2.2, which
		// the pool's revocation endpoint follows).
		return struct{}{}, nil, c.ID
	case g.clientID != c.ID:
		// ASSUMED: UnauthorizedException (RevokeToken's error for a request
		// that isn't authorized).
		return nil, &apiError{Type: eUnauthorized, Message: "Refresh token was not issued to this client", reason: "refresh token of another client"}, c.ID
	}
	s.revokeOrigin(g.originJTI)
	return struct{}{}, nil, c.ID
}

// revokeOrigin revokes every refresh token of the sign-in originJTI and
// refuses its access tokens. Callers hold s.mu.
func (s *Server) revokeOrigin(originJTI string) {
	s.revokedOrigins[originJTI] = true
	for _, g := range s.refresh {
		if g.originJTI == originJTI {
			g.revoked = true
		}
	}
}

// signOutEverywhere revokes every refresh token of username, on every
// client, and refuses the access tokens issued so far. Callers hold s.mu.
func (s *Server) signOutEverywhere(username string) {
	for _, g := range s.refresh {
		if g.username == username {
			g.revoked = true
			s.revokedOrigins[g.originJTI] = true
		}
	}
	s.signedOut[username] = s.now()
}

// opGlobalSignOut signs the user of the access token out everywhere.
// DOCUMENTED (GlobalSignOut API reference): it "Invalidates the identity,
// access, and refresh tokens that Amazon Cognito issued to a user"; the
// access token needs aws.cognito.signin.user.admin. After it the refresh
// tokens no longer work and the access tokens are refused by the user-pool
// API ("Access Token has been revoked", REPORTED in
// https://github.com/aws-amplify/amplify-js/issues/3540 for a second
// GlobalSignOut); a JWT library still accepts them until they expire.
func opGlobalSignOut(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	var in accessTokenInput
	u, c, e := s.selfServiceUser(body, &in, &in.AccessToken)
	if e != nil {
		return nil, e, ""
	}
	s.mu.Lock()
	s.signOutEverywhere(u.username)
	s.mu.Unlock()
	return struct{}{}, nil, c.ID
}

// opAdminUserGlobalSignOut is GlobalSignOut by user name, with IAM
// credentials. DOCUMENTED (AdminUserGlobalSignOut API reference): it
// invalidates the user's identity, access and refresh tokens.
func opAdminUserGlobalSignOut(ctx context.Context, s *Server, body []byte) (any, *apiError, string) {
	var in adminUserInput
	u, e := s.adminTarget(body, &in, &in)
	if e != nil {
		return nil, e, adminLog
	}
	s.mu.Lock()
	s.signOutEverywhere(u.username)
	s.mu.Unlock()
	return struct{}{}, nil, adminLog
}
