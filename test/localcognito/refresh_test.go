package localcognito

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Clients of the session tests, added to testConfig's.
const (
	clientRotate  = "rotateclient"  // SRP, rotation with a 10 s grace, refresh tokens valid 1 h
	clientRotate0 = "rotate0client" // SRP, rotation without grace
	clientNoRevoc = "norevocclient" // SRP, EnableTokenRevocation false
	clientSession = "sessionclient" // custom auth, AuthSessionValidity 5
)

// newSessionEnv is newEnv with the session tests' clients.
func newSessionEnv(t *testing.T, trig *fakeTriggers) *env {
	t.Helper()
	var tr Triggers
	if trig != nil {
		tr = trig
	}
	cfg := testConfig(tr)
	off := false
	srpFlows := []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
	cfg.Clients = append(cfg.Clients,
		Client{ID: clientRotate, Name: "rotate", ExplicitAuthFlows: srpFlows, RefreshTokenRotation: "ENABLED", RetryGracePeriodSeconds: 10, RefreshTokenValidity: 3600},
		Client{ID: clientRotate0, Name: "rotate0", ExplicitAuthFlows: srpFlows, RefreshTokenRotation: "ENABLED"},
		Client{ID: clientNoRevoc, Name: "norevoc", ExplicitAuthFlows: srpFlows, EnableTokenRevocation: &off},
		Client{ID: clientSession, Name: "session", ExplicitAuthFlows: []string{"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}, AuthSessionValidity: 5},
	)
	c := &clock{t: time.Now()}
	srv, err := New(cfg, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{srv: srv, trig: trig, clock: c}
	e.ts = newTestServer(t, srv)
	e.api = cip.New(cip.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(e.ts.URL), Credentials: aws.AnonymousCredentials{},
		HTTPClient: e.ts.Client(), RetryMaxAttempts: 1,
	})
	return e
}

func newTestServer(t *testing.T, srv *Server) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	srv.SetIssuer(ts.URL)
	return ts
}

// signInAnn signs ann in with SRP at client, sending md with the password
// answer, and returns the tokens.
func signInAnn(t *testing.T, e *env, client string, md map[string]string) *types.AuthenticationResultType {
	t.Helper()
	cl, out, err := srpStart(t, e, client, "ann@example.com")
	if err != nil {
		t.Fatal(errCode(err))
	}
	res, err := answerPassword(t, e, cl, client, "Correct-horse-1", out, md)
	if err != nil {
		t.Fatal(errCode(err))
	}
	return res.AuthenticationResult
}

// claimsOf reads a token's header kid and claims without verifying it (the
// tests that verify do so separately).
func claimsOf(t *testing.T, tok string) (string, map[string]any) {
	t.Helper()
	p, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := p.UnsafeClaimsWithoutVerification(&m); err != nil {
		t.Fatal(err)
	}
	return p.Headers[0].KeyID, m
}

func (e *env) getTokens(client, rt string, md map[string]string) (*types.AuthenticationResultType, error) {
	out, err := e.api.GetTokensFromRefreshToken(context.Background(), &cip.GetTokensFromRefreshTokenInput{
		ClientId: aws.String(client), RefreshToken: aws.String(rt), ClientMetadata: md,
	})
	if err != nil {
		return nil, err
	}
	return out.AuthenticationResult, nil
}

func (e *env) refreshAuth(client, rt string) (*types.AuthenticationResultType, error) {
	out, err := e.api.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": rt}, ClientMetadata: map[string]string{"from": "initiate"},
	})
	if err != nil {
		return nil, err
	}
	return out.AuthenticationResult, nil
}

func (e *env) getUser(access string) error {
	_, err := e.api.GetUser(context.Background(), &cip.GetUserInput{AccessToken: aws.String(access)})
	return err
}

// The two refresh operations: both keep the sign-in's auth_time and
// origin_jti; pre token generation learns which one ran from its
// triggerSource, and only GetTokensFromRefreshToken's ClientMetadata
// reaches it.
func TestRefreshOperations(t *testing.T) {
	for _, tc := range []struct {
		name       string
		refresh    func(e *env, rt string) (*types.AuthenticationResultType, error)
		wantSource string
		wantMD     map[string]any
	}{
		{"GetTokensFromRefreshToken", func(e *env, rt string) (*types.AuthenticationResultType, error) {
			return e.getTokens(clientSRP, rt, map[string]string{"from": "refresh"})
		}, "TokenGeneration_Authentication", map[string]any{"from": "refresh"}},
		{"REFRESH_TOKEN_AUTH", func(e *env, rt string) (*types.AuthenticationResultType, error) {
			return e.refreshAuth(clientSRP, rt)
		}, "TokenGeneration_RefreshTokens", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newSessionEnv(t, stepUpTriggers())
			e.seed(t, "ann@example.com", "Correct-horse-1")
			first := signInAnn(t, e, clientSRP, map[string]string{"k": "v"})
			e.clock.advance(10 * time.Minute)
			ar, err := tc.refresh(e, *first.RefreshToken)
			if err != nil {
				t.Fatal(errCode(err))
			}
			if ar.AccessToken == nil || ar.IdToken == nil || ar.RefreshToken != nil || ar.ExpiresIn != 3600 {
				t.Fatalf("refresh result %+v (no new refresh token without rotation)", ar)
			}
			toks := e.trig.of(SlotPreTokenGeneration)
			if len(toks) != 2 {
				t.Fatalf("pre token generation ran %d times, want 2", len(toks))
			}
			if got := toks[1]["triggerSource"]; got != tc.wantSource {
				t.Errorf("triggerSource %v, want %v", got, tc.wantSource)
			}
			if got := mdOf(toks[1]); !equalJSON(got, tc.wantMD) {
				t.Errorf("clientMetadata %v, want %v", got, tc.wantMD)
			}
			for _, slot := range []Slot{SlotPreAuthentication, SlotDefineAuthChallenge, SlotPostAuthentication} {
				if n := len(e.trig.of(slot)); n > 1 {
					t.Errorf("%s ran on the refresh", slot)
				}
			}
			for _, pair := range [][2]string{{*first.AccessToken, *ar.AccessToken}, {*first.IdToken, *ar.IdToken}} {
				_, before := claimsOf(t, pair[0])
				_, after := claimsOf(t, pair[1])
				if before["auth_time"] != after["auth_time"] || before["origin_jti"] != after["origin_jti"] || after["origin_jti"] == nil {
					t.Errorf("auth_time/origin_jti %v/%v after refresh, want the sign-in's %v/%v", after["auth_time"], after["origin_jti"], before["auth_time"], before["origin_jti"])
				}
				if before["jti"] == after["jti"] || after["iat"].(float64) <= before["iat"].(float64) {
					t.Errorf("refreshed token has jti %v iat %v, the sign-in's %v %v", after["jti"], after["iat"], before["jti"], before["iat"])
				}
			}
			if err := e.getUser(*ar.AccessToken); err != nil {
				t.Errorf("refreshed access token refused: %s", errCode(err))
			}
		})
	}
}

func equalJSON(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestGetTokensFromRefreshTokenRefusals(t *testing.T) {
	e := newSessionEnv(t, nil)
	e.seed(t, "ann@example.com", "Correct-horse-1")
	ar := signInAnn(t, e, clientSRP, nil)
	for _, tc := range []struct {
		name, client, token, want string
	}{
		{"other client", clientCust, *ar.RefreshToken, "NotAuthorizedException: Invalid Refresh Token"},
		{"garbage", clientSRP, "nope", "NotAuthorizedException: Invalid Refresh Token"},
		{"an access token", clientSRP, *ar.AccessToken, "NotAuthorizedException: Invalid Refresh Token"},
		{"unknown client", "nosuchclient", *ar.RefreshToken, "ResourceNotFoundException: User pool client nosuchclient does not exist."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.getTokens(tc.client, tc.token, nil)
			if got := errCode(err); got != tc.want {
				t.Errorf("error %q, want %q", got, tc.want)
			}
		})
	}
	e.clock.advance(30*24*time.Hour + time.Second)
	if _, err := e.getTokens(clientSRP, *ar.RefreshToken, nil); errCode(err) != "NotAuthorizedException: Refresh Token has expired" {
		t.Errorf("expired refresh token: %s", errCode(err))
	}
}

func TestRefreshTokenRotation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client string
		wait   time.Duration // before the old token is used again
		want   string        // its outcome
	}{
		{"retry within the grace period", clientRotate, 9 * time.Second, ""},
		{"reuse after the grace period", clientRotate, 10 * time.Second, "RefreshTokenReuseException"},
		{"reuse without a grace period", clientRotate0, 0, "RefreshTokenReuseException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newSessionEnv(t, stepUpTriggers())
			e.seed(t, "ann@example.com", "Correct-horse-1")
			first := signInAnn(t, e, tc.client, nil)
			old := *first.RefreshToken
			e.clock.advance(time.Minute)
			ar, err := e.getTokens(tc.client, old, nil)
			if err != nil {
				t.Fatal(errCode(err))
			}
			if ar.RefreshToken == nil || *ar.RefreshToken == old {
				t.Fatalf("rotation gave refresh token %v", ar.RefreshToken)
			}
			_, a0 := claimsOf(t, *first.AccessToken)
			_, a1 := claimsOf(t, *ar.AccessToken)
			if a0["origin_jti"] != a1["origin_jti"] || a0["auth_time"] != a1["auth_time"] {
				t.Errorf("rotation changed origin_jti or auth_time")
			}
			e.clock.advance(tc.wait)
			_, err = e.getTokens(tc.client, old, nil)
			if got, _, _ := strings.Cut(errCode(err), ":"); got != tc.want {
				t.Errorf("old refresh token: %q, want %q", errCode(err), tc.want)
			}
			// The new token works whatever happened to the old one.
			if _, err := e.getTokens(tc.client, *ar.RefreshToken, nil); err != nil {
				t.Errorf("new refresh token refused: %s", errCode(err))
			}
		})
	}

	t.Run("REFRESH_TOKEN_AUTH refused", func(t *testing.T) {
		e := newSessionEnv(t, nil)
		e.seed(t, "ann@example.com", "Correct-horse-1")
		ar := signInAnn(t, e, clientRotate, nil)
		_, err := e.refreshAuth(clientRotate, *ar.RefreshToken)
		if got := errCode(err); got != "UnsupportedOperationException: This API does not support refresh token rotation" {
			t.Errorf("REFRESH_TOKEN_AUTH on a rotating client: %q", got)
		}
	})

	t.Run("rotated token keeps the original expiry", func(t *testing.T) {
		e := newSessionEnv(t, nil)
		e.seed(t, "ann@example.com", "Correct-horse-1")
		rt := *signInAnn(t, e, clientRotate, nil).RefreshToken
		for i := 0; i < 3; i++ { // 3 rotations in the first 45 minutes
			e.clock.advance(15 * time.Minute)
			ar, err := e.getTokens(clientRotate, rt, nil)
			if err != nil {
				t.Fatal(errCode(err))
			}
			rt = *ar.RefreshToken
		}
		e.clock.advance(15*time.Minute + time.Second) // 1 h after the sign-in
		if _, err := e.getTokens(clientRotate, rt, nil); errCode(err) != "NotAuthorizedException: Refresh Token has expired" {
			t.Errorf("rotated token after the sign-in's refresh validity: %s", errCode(err))
		}
	})

	t.Run("hosted token endpoint rotates", func(t *testing.T) {
		e := newSessionEnv(t, nil)
		e.seed(t, "ann@example.com", "Correct-horse-1")
		old := *signInAnn(t, e, clientRotate0, nil).RefreshToken
		toks, err := e.srv.RefreshTokens(context.Background(), clientRotate0, old)
		if err != nil || toks.RefreshToken == "" || toks.RefreshToken == old {
			t.Fatalf("hosted refresh: %v, refresh token rotated: %v", err, toks.RefreshToken != old)
		}
		if _, err := e.srv.RefreshTokens(context.Background(), clientRotate0, old); !errors.Is(err, ErrInvalidGrant) {
			t.Errorf("hosted reuse of a rotated token: %v", err)
		}
	})
}

func TestRevokeToken(t *testing.T) {
	e := newSessionEnv(t, stepUpTriggers())
	e.seed(t, "ann@example.com", "Correct-horse-1")
	ctx := context.Background()
	revoke := func(client, token string) error {
		_, err := e.api.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(client), Token: aws.String(token)})
		return err
	}
	kept := signInAnn(t, e, clientSRP, nil) // another sign-in of the same user
	gone := signInAnn(t, e, clientSRP, nil)
	refreshed, err := e.getTokens(clientSRP, *gone.RefreshToken, nil)
	if err != nil {
		t.Fatal(errCode(err))
	}
	if err := revoke(clientSRP, *gone.RefreshToken); err != nil {
		t.Fatal(errCode(err))
	}
	// A hosted sign-in (openid scope, for userInfo), revoked the same way.
	hosted, err := e.srv.IssueTokens(ctx, clientSRP, "ann@example.com", []string{"openid"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.UserInfo(hosted.AccessToken); err != nil {
		t.Fatal(err)
	}
	if err := revoke(clientSRP, hosted.RefreshToken); err != nil {
		t.Fatal(errCode(err))
	}
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"GetTokensFromRefreshToken", func() error { _, err := e.getTokens(clientSRP, *gone.RefreshToken, nil); return err }, "NotAuthorizedException: Refresh Token has been revoked"},
		{"REFRESH_TOKEN_AUTH", func() error { _, err := e.refreshAuth(clientSRP, *gone.RefreshToken); return err }, "NotAuthorizedException: Refresh Token has been revoked"},
		{"hosted refresh grant", func() error {
			_, err := e.srv.RefreshTokens(ctx, clientSRP, *gone.RefreshToken)
			if errors.Is(err, ErrInvalidGrant) {
				return errors.New("invalid_grant")
			}
			return err
		}, "not an API error: invalid_grant"},
		{"GetUser with the sign-in's access token", func() error { return e.getUser(*gone.AccessToken) }, "NotAuthorizedException: Access Token has been revoked"},
		{"GetUser with a refreshed access token", func() error { return e.getUser(*refreshed.AccessToken) }, "NotAuthorizedException: Access Token has been revoked"},
		{"userInfo", func() error { _, err := e.srv.UserInfo(hosted.AccessToken); return errors.New(errCodeOf(err)) }, "not an API error: NotAuthorizedException: Access Token has been revoked"},
		{"other sign-in refreshes", func() error { _, err := e.getTokens(clientSRP, *kept.RefreshToken, nil); return err }, ""},
		{"other sign-in's access token", func() error { return e.getUser(*kept.AccessToken) }, ""},
		{"revoking again", func() error { return revoke(clientSRP, *gone.RefreshToken) }, ""},
		{"an unknown token", func() error { return revoke(clientSRP, "nope") }, ""},
		{"an access token", func() error { return revoke(clientSRP, *kept.AccessToken) }, "UnsupportedTokenTypeException: Unsupported token type"},
		{"another client's token", func() error { return revoke(clientCust, *kept.RefreshToken) }, "UnauthorizedException: Refresh token was not issued to this client"},
		{"a client without revocation", func() error { return revoke(clientNoRevoc, "x") }, "UnsupportedOperationException: Token revocation is not enabled for this client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := errCode(tc.call()); got != tc.want {
				t.Errorf("%q, want %q", got, tc.want)
			}
		})
	}
}

// errCodeOf renders an *apiError returned outside the JSON protocol.
func errCodeOf(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Type + ": " + ae.Message
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestGlobalSignOut(t *testing.T) {
	for _, tc := range []struct {
		name     string
		signOut  func(e *env, access string) error
		clients  []string // the user's sign-ins, the first signs out
		wantClms bool     // tokens carry origin_jti and jti
	}{
		{"GlobalSignOut", func(e *env, access string) error {
			_, err := e.api.GlobalSignOut(context.Background(), &cip.GlobalSignOutInput{AccessToken: aws.String(access)})
			return err
		}, []string{clientSRP, clientRotate}, true},
		{"GlobalSignOut without token revocation", func(e *env, access string) error {
			_, err := e.api.GlobalSignOut(context.Background(), &cip.GlobalSignOutInput{AccessToken: aws.String(access)})
			return err
		}, []string{clientNoRevoc, clientSRP}, false},
		{"AdminUserGlobalSignOut", func(e *env, _ string) error {
			body := `{"UserPoolId":"` + testPool + `","Username":"ann@example.com"}`
			req, _ := http.NewRequest(http.MethodPost, e.ts.URL, strings.NewReader(body))
			req.Header.Set("X-Amz-Target", targetPrefix+"AdminUserGlobalSignOut")
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test")
			r, err := e.ts.Client().Do(req)
			if err != nil {
				return err
			}
			defer r.Body.Close()
			if b, _ := io.ReadAll(r.Body); r.StatusCode != http.StatusOK {
				return errors.New(string(b))
			}
			return nil
		}, []string{clientSRP, clientNoRevoc}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newSessionEnv(t, nil)
			e.seed(t, "ann@example.com", "Correct-horse-1")
			var sessions []*types.AuthenticationResultType
			for _, c := range tc.clients {
				sessions = append(sessions, signInAnn(t, e, c, nil))
			}
			_, claims := claimsOf(t, *sessions[0].AccessToken)
			if has := claims["origin_jti"] != nil && claims["jti"] != nil; has != tc.wantClms {
				t.Errorf("access token has origin_jti and jti: %v, want %v", has, tc.wantClms)
			}
			e.clock.advance(time.Second)
			if err := tc.signOut(e, *sessions[0].AccessToken); err != nil {
				t.Fatal(errCode(err))
			}
			for i, s := range sessions {
				if _, err := e.getTokens(tc.clients[i], *s.RefreshToken, nil); errCode(err) != "NotAuthorizedException: Refresh Token has been revoked" {
					t.Errorf("sign-in %d refresh after global sign-out: %q", i, errCode(err))
				}
				if err := e.getUser(*s.AccessToken); errCode(err) != "NotAuthorizedException: Access Token has been revoked" {
					t.Errorf("sign-in %d access token after global sign-out: %q", i, errCode(err))
				}
			}
			// Signing in again works.
			e.clock.advance(time.Second)
			again := signInAnn(t, e, tc.clients[0], nil)
			if err := e.getUser(*again.AccessToken); err != nil {
				t.Errorf("new sign-in refused: %s", errCode(err))
			}
			if _, err := e.getTokens(tc.clients[0], *again.RefreshToken, nil); err != nil {
				t.Errorf("new sign-in's refresh refused: %s", errCode(err))
			}
		})
	}
}

// ID and access tokens are signed with different keys, both in the JWKS;
// each token verifies under its own key only.
func TestSigningKeys(t *testing.T) {
	e := newSessionEnv(t, nil)
	e.seed(t, "ann@example.com", "Correct-horse-1")
	ar := signInAnn(t, e, clientSRP, nil)
	r, err := e.ts.Client().Get(e.srv.Issuer() + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(r.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 || set.Keys[0].KeyID == set.Keys[1].KeyID {
		t.Fatalf("JWKS has %d keys (kids %v), want 2 with different kids", len(set.Keys), kids(set))
	}
	idKid, _ := claimsOf(t, *ar.IdToken)
	accKid, _ := claimsOf(t, *ar.AccessToken)
	if idKid == accKid {
		t.Fatalf("ID and access tokens share kid %s", idKid)
	}
	for _, tc := range []struct{ name, token, kid string }{
		{"ID token", *ar.IdToken, idKid},
		{"access token", *ar.AccessToken, accKid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := jwt.ParseSigned(tc.token, []jose.SignatureAlgorithm{jose.RS256})
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range set.Keys {
				var m map[string]any
				err := p.Claims(k.Key, &m)
				if own := k.KeyID == tc.kid; own != (err == nil) {
					t.Errorf("key %s (own: %v) verifies: %v", k.KeyID, own, err == nil)
				}
			}
		})
	}
	// The user-pool API takes only an access token.
	if err := e.getUser(*ar.IdToken); errCode(err) != "NotAuthorizedException: Invalid Access Token" {
		t.Errorf("GetUser with an ID token: %q", errCode(err))
	}
}

func kids(set jose.JSONWebKeySet) []string {
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.KeyID)
	}
	return out
}

// A Session value lives the client's AuthSessionValidity.
func TestAuthSessionValidity(t *testing.T) {
	for _, tc := range []struct {
		name, client string
		wait         time.Duration
		want         string
	}{
		{"5 minutes: in time", clientSession, 5*time.Minute - time.Second, ""},
		{"5 minutes: expired", clientSession, 5*time.Minute + time.Second, "NotAuthorizedException: Invalid session for the user, session is expired."},
		{"default 3 minutes: expired", clientCust, 3*time.Minute + time.Second, "NotAuthorizedException: Invalid session for the user, session is expired."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newSessionEnv(t, stepUpTriggers())
			sub := e.seed(t, "ann@example.com", "Correct-horse-1")
			ctx := context.Background()
			out, err := e.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
				ClientId: aws.String(tc.client), AuthFlow: types.AuthFlowTypeCustomAuth,
				AuthParameters: map[string]string{"USERNAME": "ann@example.com"},
			})
			if err != nil {
				t.Fatal(errCode(err))
			}
			e.clock.advance(tc.wait)
			_, err = e.api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
				ClientId: aws.String(tc.client), ChallengeName: types.ChallengeNameTypeCustomChallenge, Session: out.Session,
				ChallengeResponses: map[string]string{"USERNAME": sub, "ANSWER": "42"},
			})
			if got := errCode(err); got != tc.want {
				t.Errorf("%q, want %q", got, tc.want)
			}
		})
	}
}

// New refuses session settings Cognito would refuse, naming them.
func TestSessionSettingsChecked(t *testing.T) {
	for _, tc := range []struct {
		client Client
		want   string
	}{
		{Client{ID: "a", AuthSessionValidity: 2}, "AuthSessionValidity 2"},
		{Client{ID: "a", AuthSessionValidity: 16}, "AuthSessionValidity 16"},
		{Client{ID: "a", RefreshTokenRotation: "enabled"}, "RefreshTokenRotation.Feature"},
		{Client{ID: "a", RefreshTokenRotation: "ENABLED", RetryGracePeriodSeconds: 61}, "RetryGracePeriodSeconds 61"},
		{Client{ID: "a", AuthSessionValidity: 15, RefreshTokenRotation: "DISABLED", RetryGracePeriodSeconds: 60}, ""},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, err := New(Config{PoolID: testPool, Clients: []Client{tc.client}}, Options{})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %q", err, tc.want)
			}
		})
	}
}

// The operations are registered for the JSON protocol.
func TestSessionOperationsRegistered(t *testing.T) {
	for _, op := range []string{"GetTokensFromRefreshToken", "RevokeToken", "GlobalSignOut", "AdminUserGlobalSignOut"} {
		if _, ok := ops[op]; !ok {
			t.Errorf("%s not registered", op)
		}
	}
	if !iamOp("AdminUserGlobalSignOut") {
		t.Error("AdminUserGlobalSignOut is not IAM-authorized")
	}
}
