package localcognito

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// signingKey is one of the pool's RSA signing keys.
type signingKey struct {
	priv   *rsa.PrivateKey
	kid    string
	signer jose.Signer
}

func newSigningKey() (signingKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return signingKey{}, err
	}
	kid := randomHex(16)
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k, KeyID: kid, Algorithm: string(jose.RS256)}}, nil)
	if err != nil {
		return signingKey{}, err
	}
	return signingKey{priv: k, kid: kid, signer: sig}, nil
}

// initKeys generates the pool's two signing keys: one for ID tokens, one
// for access tokens. DOCUMENTED ("Using the access token"): "The header
// for the access token has the same structure as the ID token. However,
// the key ID (kid) is different because different keys are used to sign
// ID tokens and access tokens." Both are in the JWKS.
func (s *Server) initKeys() error {
	var err error
	if s.idKey, err = newSigningKey(); err != nil {
		return err
	}
	s.accessKey, err = newSigningKey()
	return err
}

func (s *Server) jwks() jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	for _, k := range []signingKey{s.idKey, s.accessKey} {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.RS256), Use: "sig"})
	}
	return set
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	json.NewEncoder(w).Encode(v)
}

func (s *Server) serveJWKS(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, s.jwks())
}

// serveDiscovery serves the pool's OpenID configuration.
// DOCUMENTED: Cognito serves it at
// https://cognito-idp.<region>.amazonaws.com/<poolId>/.well-known/openid-configuration,
// with the hosted-UI endpoints on the pool's domain (here: the Issuer base,
// served by Options.Hosted).
func (s *Server) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	iss := s.Issuer()
	s.mu.Lock()
	base := s.issuer
	s.mu.Unlock()
	writeJSON(w, map[string]any{
		"issuer":                                iss,
		"jwks_uri":                              iss + "/.well-known/jwks.json",
		"authorization_endpoint":                base + "/oauth2/authorize",
		"token_endpoint":                        base + "/oauth2/token",
		"userinfo_endpoint":                     base + "/oauth2/userInfo",
		"end_session_endpoint":                  base + "/logout",
		"response_types_supported":              []string{"code", "token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "email", "phone", "profile"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

// Default validities. DOCUMENTED: CreateUserPoolClient: access and ID
// tokens 1 hour, refresh token 30 days.
const (
	defaultTokenValidity   = 3600
	defaultRefreshValidity = 30 * 24 * 3600
)

// refreshGrant is what a refresh token stands for.
type refreshGrant struct {
	username, clientID string
	originJTI          string
	scopes             []string
	authTime           time.Time
	expires            time.Time
	// revoked: RevokeToken or GlobalSignOut ended it.
	revoked bool
	// rotated is when refresh token rotation replaced it (zero: never);
	// it stays good for the client's RetryGracePeriodSeconds after.
	rotated time.Time
}

type authenticationResult struct {
	AccessToken  string `json:"AccessToken"`
	ExpiresIn    int    `json:"ExpiresIn"`
	IdToken      string `json:"IdToken"`
	RefreshToken string `json:"RefreshToken,omitempty"`
	TokenType    string `json:"TokenType"`
}

// protectedClaims cannot be changed by pre token generation.
// DOCUMENTED: "Pre token generation Lambda trigger": claims you can't add,
// modify or suppress (the token's structure and identity claims); here they
// are ignored rather than refused (ASSUMED: Cognito's exact handling of
// such a response was not observed).
var protectedClaims = []string{"acr", "amr", "aud", "at_hash", "auth_time", "azp", "c_hash", "client_id", "cognito:username", "event_id", "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "sub", "token_use", "username", "scope"}

// tokenRequest is one token issuance.
type tokenRequest struct {
	u        *user
	c        *Client
	source   string // srcTokenAuth or srcTokenRefresh
	metadata map[string]string
	authTime time.Time
	// originJTI is kept across refreshes.
	originJTI string
	// withRefresh: also issue a refresh token (not on refresh).
	withRefresh bool
	// scopes of the access token: nil for the user pool API's sign-ins,
	// which get aws.cognito.signin.user.admin (scopeSelfService); a hosted
	// sign-in's are the OAuth scopes it was granted.
	scopes []string
}

// scopeSelfService lets an access token call the user's own operations
// (GetUser, UpdateUserAttributes, ...). DOCUMENTED: "Scopes, M2M, and
// resource servers": the user pool API's tokens carry it; a hosted
// sign-in's tokens carry it only when the client allows it and the
// authorize request asked for it.
const scopeSelfService = "aws.cognito.signin.user.admin"

// issue runs pre token generation and signs the tokens. A pre token
// generation error fails the call and no token is issued (DOCUMENTED: a
// trigger error fails the operation that invoked it).
func (s *Server) issue(ctx context.Context, tr tokenRequest) (*authenticationResult, *apiError) {
	s.mu.Lock()
	attrs := tr.u.attributes()
	username := tr.u.username
	sub := tr.u.sub
	s.mu.Unlock()
	now := s.now()
	iss := s.Issuer()
	if tr.originJTI == "" {
		tr.originJTI = newUUID()
	}
	eventID := newUUID()
	scopes := []string{scopeSelfService}
	if tr.scopes != nil {
		scopes = slices.Clone(tr.scopes)
	}

	id := map[string]any{}
	for k, v := range attrs {
		if !readable(tr.c, k) {
			continue
		}
		switch k {
		case "email_verified", "phone_number_verified":
			id[k] = v == "true"
		case "identities":
			// DOCUMENTED: "Understanding the identity (ID) token": the
			// identities claim is a JSON array (the attribute is its text).
			var arr []any
			if json.Unmarshal([]byte(v), &arr) == nil {
				id[k] = arr
			}
		default:
			id[k] = v
		}
	}
	// DOCUMENTED: "Understanding user pool JSON web tokens (JWTs)": the
	// claims of the ID and access tokens.
	id["sub"] = sub
	id["iss"] = iss
	id["cognito:username"] = username
	id["origin_jti"] = tr.originJTI
	id["aud"] = tr.c.ID
	id["event_id"] = eventID
	id["token_use"] = "id"
	id["auth_time"] = tr.authTime.Unix()
	access := map[string]any{
		"sub":        sub,
		"iss":        iss,
		"client_id":  tr.c.ID,
		"origin_jti": tr.originJTI,
		"event_id":   eventID,
		"token_use":  "access",
		"auth_time":  tr.authTime.Unix(),
		"username":   username,
	}

	if s.has(SlotPreTokenGeneration) {
		hdr := s.header(tr.source, username, tr.c.ID)
		// DOCUMENTED (Knowledge Center "cognito-clientmetadata-lambda-trigger"
		// and the InitiateAuth API reference): pre token generation gets the
		// ClientMetadata of the RespondToAuthChallenge that ends the sign-in,
		// never InitiateAuth's (callers pass nil for InitiateAuth).
		switch s.cfg.PreTokenGenerationVersion {
		case "V1_0":
			var ev PreTokenGenerationEventV1
			ev.EventHeader = hdr
			ev.Request.UserAttributes = attrs
			ev.Request.GroupConfiguration = GroupConfiguration{GroupsToOverride: []string{}, IAMRolesToOverride: []string{}}
			ev.Request.ClientMetadata = tr.metadata
			if e := s.invoke(ctx, SlotPreTokenGeneration, &ev); e != nil {
				return nil, e
			}
			if d := ev.Response.ClaimsOverrideDetails; d != nil {
				override(id, d.ClaimsToAddOrOverride, d.ClaimsToSuppress)
			}
		default:
			var ev PreTokenGenerationEventV2
			ev.EventHeader = hdr
			ev.Version = "2"
			if s.cfg.PreTokenGenerationVersion == "V3_0" {
				ev.Version = "3"
			}
			ev.Request.UserAttributes = attrs
			ev.Request.GroupConfiguration = GroupConfiguration{GroupsToOverride: []string{}, IAMRolesToOverride: []string{}}
			ev.Request.Scopes = slices.Clone(scopes)
			ev.Request.ClientMetadata = tr.metadata
			if e := s.invoke(ctx, SlotPreTokenGeneration, &ev); e != nil {
				return nil, e
			}
			if d := ev.Response.ClaimsAndScopeOverrideDetails; d != nil {
				if g := d.IDTokenGeneration; g != nil {
					override(id, g.ClaimsToAddOrOverride, g.ClaimsToSuppress)
				}
				if g := d.AccessTokenGeneration; g != nil {
					override(access, g.ClaimsToAddOrOverride, g.ClaimsToSuppress)
					for _, sc := range g.ScopesToAdd {
						if !slices.Contains(scopes, sc) {
							scopes = append(scopes, sc)
						}
					}
					scopes = slices.DeleteFunc(scopes, func(sc string) bool { return slices.Contains(g.ScopesToSuppress, sc) })
				}
			}
		}
	}
	access["scope"] = strings.Join(scopes, " ")

	accessTTL := orDefault(tr.c.AccessTokenValidity, defaultTokenValidity)
	idTTL := orDefault(tr.c.IDTokenValidity, defaultTokenValidity)
	id["iat"], id["exp"], id["jti"] = now.Unix(), now.Add(time.Duration(idTTL)*time.Second).Unix(), newUUID()
	access["iat"], access["exp"], access["jti"] = now.Unix(), now.Add(time.Duration(accessTTL)*time.Second).Unix(), newUUID()
	if !revocationEnabled(tr.c) {
		// DOCUMENTED ("Revoking tokens"): "After you enable token
		// revocation, new claims are added in the Amazon Cognito JSON web
		// tokens. The origin_jti and jti claims are added to access and ID
		// tokens." Without it they are absent (Amplify's signOut then
		// skips RevokeToken: it revokes only tokens with origin_jti).
		for _, m := range []map[string]any{id, access} {
			delete(m, "origin_jti")
			delete(m, "jti")
		}
	}
	idTok, err := jwt.Signed(s.idKey.signer).Claims(id).Serialize()
	if err != nil {
		return nil, errf(eInternal, "Internal error")
	}
	accTok, err := jwt.Signed(s.accessKey.signer).Claims(access).Serialize()
	if err != nil {
		return nil, errf(eInternal, "Internal error")
	}
	res := &authenticationResult{AccessToken: accTok, IdToken: idTok, ExpiresIn: accessTTL, TokenType: "Bearer"}
	if tr.withRefresh {
		res.RefreshToken = s.storeRefresh(refreshGrant{
			username: username, clientID: tr.c.ID, originJTI: tr.originJTI, authTime: tr.authTime, scopes: tr.scopes,
			expires: now.Add(time.Duration(orDefault(tr.c.RefreshTokenValidity, defaultRefreshValidity)) * time.Second),
		})
	}
	return res, nil
}

// storeRefresh files g under a new refresh token and returns the token.
// Cognito's refresh tokens are encrypted JWTs; an opaque random value is
// enough for a local endpoint (clients never parse it).
func (s *Server) storeRefresh(g refreshGrant) string {
	rt := randomHex(32)
	s.mu.Lock()
	s.refresh[rt] = &g
	s.mu.Unlock()
	return rt
}

func orDefault(v, d int) int {
	if v <= 0 {
		return d
	}
	return v
}

func override(claims map[string]any, add map[string]any, suppress []string) {
	for _, k := range suppress {
		if !slices.Contains(protectedClaims, k) {
			delete(claims, k)
		}
	}
	for k, v := range add {
		if !slices.Contains(protectedClaims, k) {
			// A whole number from the trigger's JSON (float64 here) is
			// signed as an integer, as Cognito does: go-jose's encoder
			// would write 1796190020 as 1.79619002e+09, which integer
			// readers of the claim (epoch seconds) refuse.
			if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
				v = int64(f)
			}
			claims[k] = v
		}
	}
}

// selfServiceUser decodes body into in and returns the user and client of
// its access token (*tok, read once decoded), which must carry the scope of
// the self-service operations.
func (s *Server) selfServiceUser(body []byte, in any, tok *string) (*user, *Client, *apiError) {
	if e := decode(body, in); e != nil {
		return nil, nil, e
	}
	return s.userForAccessToken(*tok, scopeSelfService)
}

// userForAccessToken checks an access token this pool issued, carrying
// scope, and returns its user and client.
func (s *Server) userForAccessToken(tok, scope string) (*user, *Client, *apiError) {
	bad := &apiError{Type: eNotAuthorized, Message: "Invalid Access Token", reason: "access token refused"}
	if tok == "" {
		return nil, nil, errf(eInvalidParameter, "1 validation error detected: Value null at 'accessToken' failed to satisfy constraint: Member must not be null")
	}
	t, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, nil, bad
	}
	var std jwt.Claims
	var extra struct {
		TokenUse  string `json:"token_use"`
		ClientID  string `json:"client_id"`
		Username  string `json:"username"`
		Scope     string `json:"scope"`
		OriginJTI string `json:"origin_jti"`
	}
	// Only the access-token key verifies an access token: an ID token
	// (signed with the other key) is refused here, as it is by Cognito.
	if err := t.Claims(&s.accessKey.priv.PublicKey, &std, &extra); err != nil {
		return nil, nil, bad
	}
	if std.Issuer != s.Issuer() || extra.TokenUse != "access" {
		return nil, nil, bad
	}
	// DOCUMENTED: the user's own operations (GetUser, UpdateUserAttributes
	// API reference) need aws.cognito.signin.user.admin, the userInfo
	// endpoint needs openid.
	if !slices.Contains(strings.Fields(extra.Scope), scope) {
		return nil, nil, &apiError{Type: eNotAuthorized, Message: "Access Token does not have required scopes", reason: "access token without " + scope}
	}
	if std.Expiry == nil || !s.now().Before(std.Expiry.Time()) {
		return nil, nil, &apiError{Type: eNotAuthorized, Message: "Access Token has expired", reason: "access token expired"}
	}
	c, ok := s.clients[extra.ClientID]
	if !ok {
		return nil, nil, bad
	}
	s.mu.Lock()
	u := s.users[extra.Username]
	revoked := s.accessRevoked(extra.Username, extra.OriginJTI, std.IssuedAt)
	s.mu.Unlock()
	if u == nil || u.sub != std.Subject {
		return nil, nil, &apiError{Type: eNotAuthorized, Message: "Invalid Access Token", reason: "user gone"}
	}
	if revoked {
		// DOCUMENTED ("Revoking tokens"): "Revoked tokens can't be used with
		// any Cognito API calls that require a token." REPORTED
		// (https://github.com/aws-amplify/amplify-js/issues/3540,
		// https://github.com/aws-amplify/amplify-js/issues/2205): the reply
		// is NotAuthorizedException "Access Token has been revoked".
		return nil, nil, &apiError{Type: eNotAuthorized, Message: "Access Token has been revoked", reason: "access token revoked"}
	}
	return u, c, nil
}

// accessRevoked reports whether an access token of username, of the
// sign-in originJTI, issued at iat, was revoked: its sign-in's refresh
// token was revoked, or (a token without origin_jti, from a client without
// token revocation) GlobalSignOut ran at or after its issue (iat has
// second precision: such a client's token issued in the same second as the
// sign-out is refused too). Callers hold s.mu.
func (s *Server) accessRevoked(username, originJTI string, iat *jwt.NumericDate) bool {
	if originJTI != "" {
		return s.revokedOrigins[originJTI]
	}
	out, ok := s.signedOut[username]
	return ok && (iat == nil || iat.Time().Unix() <= out.Unix())
}
