package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// Probe is one black-box scenario.
type Probe struct {
	// Name identifies the probe in the table and in WaitingOnBranch.
	Name string
	// Ops are the operations it calls; Client the client that calls them.
	Ops, Client string
	// Want is the observation Cognito's documentation implies; Doc names
	// the page(s) that decide it (developer guide page titles, API
	// reference operation pages) or, marked REPORTED, the report.
	Want, Doc string
	// Run returns the observation on e's target.
	Run func(ctx context.Context, e *Env) string
}

// Env is what a probe runs with: the target and the Node clients.
type Env struct {
	T *Target
	// JS runs a script of testdata/js with the given environment and
	// returns its one line of JSON output.
	JS func(ctx context.Context, script string, env map[string]string) ([]byte, error)
}

// The passwords every probe user gets: they satisfy the pools' policy.
const (
	password    = "Right-Passw0rd!"
	newPassword = "Other-Passw0rd!2"
	wrongPass   = "Wrong-Passw0rd!"
)

// user creates a confirmed user on the main pool with a verified email
// <name>@example.com and returns the user name.
func (e *Env) user(ctx context.Context, name string) (string, error) {
	email := strings.ToLower(name) + "@example.com"
	return name, e.T.Users.CreateUser(ctx, e.T.Main, name, password, map[string]string{"email": email, "email_verified": "true"})
}

// identityJS runs one amazon-cognito-identity-js scenario on pool p.
func (e *Env) identityJS(ctx context.Context, scenario string, p Pool, username, pass string) string {
	out, err := e.JS(ctx, "identityjs.js", map[string]string{
		"SCENARIO": scenario, "ENDPOINT": endpointOf(e.T, p), "POOL_ID": p.PoolID, "CLIENT_ID": p.ClientID,
		"USERNAME": username, "PASSWORD": pass,
	})
	if err != nil {
		return "client error: " + err.Error()
	}
	var r struct {
		OK   bool
		Code string
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return fmt.Sprintf("client printed %q", out)
	}
	if r.OK {
		return "ok"
	}
	return jsCode(r.Code)
}

// jsCode maps the local endpoint's UnknownOperationException to NotServed
// (the scripts report moto's HTML 500 page as "not served" themselves).
func jsCode(code string) string {
	switch code {
	case "UnknownOperationException":
		return NotServed
	}
	return code
}

// endpointOf is the endpoint URL the JS clients need (they have no default
// resolution from a region here).
func endpointOf(t *Target, p Pool) string {
	if p.Endpoint != "" {
		return strings.TrimSuffix(p.Endpoint, "/") + "/"
	}
	return "https://cognito-idp." + t.Region + ".amazonaws.com/"
}

// signedIn creates a user on the main pool and signs it in with SRP.
func (e *Env) signedIn(ctx context.Context, name string) (*types.AuthenticationResultType, string) {
	if _, err := e.user(ctx, name); err != nil {
		return nil, "set-up failed: " + errCode(err)
	}
	s := srpSignIn(ctx, e.T, e.T.Main, name, password, nil, nil)
	if s.Tokens == nil || s.Tokens.AccessToken == nil {
		return nil, "sign-in: " + s.outcome()
	}
	return s.Tokens, ""
}

func refresh(ctx context.Context, t *Target, rt *string) (*cip.InitiateAuthOutput, error) {
	return t.API(t.Main).InitiateAuth(ctx, &cip.InitiateAuthInput{
		AuthFlow:       types.AuthFlowTypeRefreshTokenAuth,
		ClientId:       aws.String(t.Main.ClientID),
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(rt)},
	})
}

// steps joins the observations of a probe's steps.
func steps(s ...string) string { return strings.Join(s, "; ") }

// signUp is SignUp on p with the given attributes.
func signUp(ctx context.Context, t *Target, p Pool, username, pass string, attrs map[string]string) string {
	in := &cip.SignUpInput{ClientId: aws.String(p.ClientID), Username: aws.String(username), Password: aws.String(pass)}
	for _, k := range slices.Sorted(mapsKeys(attrs)) {
		in.UserAttributes = append(in.UserAttributes, types.AttributeType{Name: aws.String(k), Value: aws.String(attrs[k])})
	}
	_, err := t.API(p).SignUp(ctx, in)
	return errCode(err)
}

func mapsKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// Probes is the suite, in the order of the table.
var Probes = []Probe{
	{
		Name: "username-case", Ops: "InitiateAuth, RespondToAuthChallenge (USER_SRP_AUTH)", Client: "amazon-cognito-identity-js",
		Want: "ok",
		Doc:  "CreateUserPool, UsernameConfiguration: CaseSensitive false makes user names case-insensitive (user Demo signs in as DEMO)",
		Run: func(ctx context.Context, e *Env) string {
			if _, err := e.user(ctx, "Demo"); err != nil {
				return "set-up failed: " + errCode(err)
			}
			return e.identityJS(ctx, "signin", e.T.Main, "DEMO", password)
		},
	},
	{
		Name: "email-alias", Ops: "InitiateAuth, RespondToAuthChallenge (USER_SRP_AUTH)", Client: "amazon-cognito-identity-js",
		Want: "ok",
		Doc:  "Developer guide, User pool attributes, Sign-in attributes (aliases): a verified email alias signs in like the user name",
		Run: func(ctx context.Context, e *Env) string {
			if _, err := e.user(ctx, "alias-user"); err != nil {
				return "set-up failed: " + errCode(err)
			}
			return e.identityJS(ctx, "signin", e.T.Main, "alias-user@example.com", password)
		},
	},
	{
		Name: "srp-sign-in", Ops: "InitiateAuth, RespondToAuthChallenge (USER_SRP_AUTH)", Client: "AWS SDK for Go v2",
		Want: "tokens",
		Doc:  "InitiateAuth, RespondToAuthChallenge: PASSWORD_VERIFIER answered with the right password gives tokens",
		Run: func(ctx context.Context, e *Env) string {
			if _, err := e.user(ctx, "srp-user"); err != nil {
				return "set-up failed: " + errCode(err)
			}
			return srpSignIn(ctx, e.T, e.T.Main, "srp-user", password, nil, nil).outcome()
		},
	},
	{
		Name: "srp-wrong-password", Ops: "InitiateAuth, RespondToAuthChallenge (USER_SRP_AUTH)", Client: "AWS SDK for Go v2",
		Want: "NotAuthorizedException",
		Doc:  "RespondToAuthChallenge, Errors: NotAuthorizedException for a wrong password (the PASSWORD_CLAIM_SIGNATURE does not verify)",
		Run: func(ctx context.Context, e *Env) string {
			if _, err := e.user(ctx, "wrong-pass-user"); err != nil {
				return "set-up failed: " + errCode(err)
			}
			return srpSignIn(ctx, e.T, e.T.Main, "wrong-pass-user", wrongPass, nil, nil).outcome()
		},
	},
	{
		Name: "identity-js-sign-in", Ops: "InitiateAuth, RespondToAuthChallenge (USER_SRP_AUTH)", Client: "amazon-cognito-identity-js",
		Want: "ok",
		Doc:  "InitiateAuth, RespondToAuthChallenge: the client answers PASSWORD_VERIFIER for USER_ID_FOR_SRP and sends it back as USERNAME",
		Run: func(ctx context.Context, e *Env) string {
			if _, err := e.user(ctx, "js-user"); err != nil {
				return "set-up failed: " + errCode(err)
			}
			return e.identityJS(ctx, "signin", e.T.Main, "js-user", password)
		},
	},
	{
		Name: "srp-bad-timestamp", Ops: "RespondToAuthChallenge (PASSWORD_VERIFIER)", Client: "AWS SDK for Go v2",
		Want: "InvalidParameterException",
		Doc:  "REPORTED (amazon-cognito-identity-js issue 683): TIMESTAMP must be \"EEE MMM d HH:mm:ss UTC yyyy\"; an RFC 3339 TIMESTAMP, signed correctly, is refused",
		Run: func(ctx context.Context, e *Env) string {
			if _, err := e.user(ctx, "timestamp-user"); err != nil {
				return "set-up failed: " + errCode(err)
			}
			rfc3339 := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
			return srpSignIn(ctx, e.T, e.T.Main, "timestamp-user", password, rfc3339, nil).outcome()
		},
	},
	{
		Name: "unknown-user-srp", Ops: "InitiateAuth, RespondToAuthChallenge (USER_SRP_AUTH)", Client: "AWS SDK for Go v2",
		Want: "challenge PASSWORD_VERIFIER; NotAuthorizedException",
		Doc:  "Developer guide, Managing user existence error responses: with PreventUserExistenceErrors ENABLED an unknown user gets a challenge, then NotAuthorizedException",
		Run: func(ctx context.Context, e *Env) string {
			var first string
			s := srpSignIn(ctx, e.T, e.T.Main, "nobody-here", password, nil, func() { first = "challenge PASSWORD_VERIFIER" })
			if first == "" {
				return s.outcome()
			}
			return steps(first, s.outcome())
		},
	},
	{
		Name: "unknown-user-forgot-password", Ops: "ForgotPassword", Client: "amazon-cognito-identity-js",
		Want: "ok",
		Doc:  "Developer guide, Managing user existence error responses: ForgotPassword for an unknown user answers with simulated code delivery details",
		Run: func(ctx context.Context, e *Env) string {
			return e.identityJS(ctx, "forgot", e.T.Main, "nobody-here", "")
		},
	},
	{
		Name: "unknown-user-resend-code", Ops: "ResendConfirmationCode", Client: "amazon-cognito-identity-js",
		Want: "ok",
		Doc:  "Developer guide, Managing user existence error responses: ResendConfirmationCode for an unknown user answers as if a code was sent",
		Run: func(ctx context.Context, e *Env) string {
			return e.identityJS(ctx, "resend", e.T.MFA, "nobody-here@example.com", "")
		},
	},
	{
		Name: "signup-ok", Ops: "SignUp", Client: "AWS SDK for Go v2",
		Want: "ok",
		Doc:  "SignUp: a self-sign-up pool accepts a user with the required attributes and a password of the policy",
		Run: func(ctx context.Context, e *Env) string {
			return signUp(ctx, e.T, e.T.MFA, "signup-ok@example.com", password, map[string]string{"name": "Sign Up"})
		},
	},
	{
		Name: "signup-admin-only", Ops: "SignUp", Client: "AWS SDK for Go v2",
		Want: "NotAuthorizedException",
		Doc:  "CreateUserPool, AdminCreateUserConfig.AllowAdminCreateUserOnly; SignUp, Errors: NotAuthorizedException when the pool does not allow self sign-up",
		Run: func(ctx context.Context, e *Env) string {
			return signUp(ctx, e.T, e.T.Main, "self-signup", password, map[string]string{"email": "self-signup@example.com"})
		},
	},
	{
		Name: "signup-weak-password", Ops: "SignUp", Client: "AWS SDK for Go v2",
		Want: "InvalidPasswordException",
		Doc:  "CreateUserPool, Policies.PasswordPolicy; SignUp, Errors: InvalidPasswordException (\"Short-1!a\" has 9 of 12 characters)",
		Run: func(ctx context.Context, e *Env) string {
			return signUp(ctx, e.T, e.T.MFA, "weak@example.com", "Short-1!a", map[string]string{"name": "Weak"})
		},
	},
	{
		Name: "signup-missing-required", Ops: "SignUp", Client: "AWS SDK for Go v2",
		Want: "InvalidParameterException",
		Doc:  "Developer guide, Working with user attributes (required attributes); SignUp, Errors: InvalidParameterException when a required attribute (name) is missing",
		Run: func(ctx context.Context, e *Env) string {
			return signUp(ctx, e.T, e.T.MFA, "noname@example.com", password, nil)
		},
	},
	{
		Name: "token-kids", Ops: "InitiateAuth, RespondToAuthChallenge", Client: "AWS SDK for Go v2",
		Want: "different kids",
		Doc:  "Developer guide, Understanding the access token / the identity token: a pool's JWKS has two keys, one signs ID tokens, the other access tokens",
		Run: func(ctx context.Context, e *Env) string {
			tok, fail := e.signedIn(ctx, "kid-user")
			if tok == nil {
				return fail
			}
			id, err := jwtHeader(aws.ToString(tok.IdToken))
			if err != nil {
				return "ID token: " + err.Error()
			}
			acc, err := jwtHeader(aws.ToString(tok.AccessToken))
			if err != nil {
				return "access token: " + err.Error()
			}
			if id["kid"] == acc["kid"] {
				return "same kid"
			}
			return "different kids"
		},
	},
	{
		Name: "refresh-token-auth", Ops: "InitiateAuth (REFRESH_TOKEN_AUTH)", Client: "AWS SDK for Go v2",
		Want: "new ID and access tokens, no refresh token",
		Doc:  "InitiateAuth, REFRESH_TOKEN_AUTH: new ID and access tokens; a new refresh token only with refresh token rotation",
		Run: func(ctx context.Context, e *Env) string {
			tok, fail := e.signedIn(ctx, "refresh-user")
			if tok == nil {
				return fail
			}
			out, err := refresh(ctx, e.T, tok.RefreshToken)
			if err != nil {
				return errCode(err)
			}
			return describeRefresh(tok, out.AuthenticationResult)
		},
	},
	{
		Name: "get-tokens-from-refresh-token", Ops: "GetTokensFromRefreshToken", Client: "AWS SDK for Go v2",
		Want: "new ID and access tokens",
		Doc:  "GetTokensFromRefreshToken: new ID and access tokens (Amplify v6.15+ refreshes only this way; whether a client without rotation gets its refresh token back is left to the endpoint's tests)",
		Run: func(ctx context.Context, e *Env) string {
			tok, fail := e.signedIn(ctx, "gettokens-user")
			if tok == nil {
				return fail
			}
			out, err := e.T.API(e.T.Main).GetTokensFromRefreshToken(ctx, &cip.GetTokensFromRefreshTokenInput{
				ClientId: aws.String(e.T.Main.ClientID), RefreshToken: tok.RefreshToken,
			})
			if err != nil {
				return errCode(err)
			}
			return strings.SplitN(describeRefresh(tok, out.AuthenticationResult), ",", 2)[0]
		},
	},
	{
		Name: "revoke-token", Ops: "RevokeToken, InitiateAuth (REFRESH_TOKEN_AUTH)", Client: "AWS SDK for Go v2",
		Want: "RevokeToken ok; refresh NotAuthorizedException",
		Doc:  "RevokeToken: a revoked refresh token (and the access tokens it issued) can no longer be used",
		Run: func(ctx context.Context, e *Env) string {
			tok, fail := e.signedIn(ctx, "revoke-user")
			if tok == nil {
				return fail
			}
			_, err := e.T.API(e.T.Main).RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(e.T.Main.ClientID), Token: tok.RefreshToken})
			if err != nil {
				return "RevokeToken " + errCode(err)
			}
			_, err = refresh(ctx, e.T, tok.RefreshToken)
			return steps("RevokeToken ok", "refresh "+errCode(err))
		},
	},
	{
		Name: "global-sign-out", Ops: "GlobalSignOut, GetUser, InitiateAuth (REFRESH_TOKEN_AUTH)", Client: "AWS SDK for Go v2",
		Want: "GlobalSignOut ok; GetUser NotAuthorizedException; refresh NotAuthorizedException",
		Doc:  "GlobalSignOut: invalidates the user's ID, access and refresh tokens; a revoked access token is refused with NotAuthorizedException",
		Run: func(ctx context.Context, e *Env) string {
			tok, fail := e.signedIn(ctx, "signout-user")
			if tok == nil {
				return fail
			}
			api := e.T.API(e.T.Main)
			if _, err := api.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: tok.AccessToken}); err != nil {
				return "GlobalSignOut " + errCode(err)
			}
			_, err := api.GetUser(ctx, &cip.GetUserInput{AccessToken: tok.AccessToken})
			_, rerr := refresh(ctx, e.T, tok.RefreshToken)
			return steps("GlobalSignOut ok", "GetUser "+errCode(err), "refresh "+errCode(rerr))
		},
	},
	{
		Name: "change-password", Ops: "ChangePassword, InitiateAuth, RespondToAuthChallenge", Client: "AWS SDK for Go v2",
		Want: "wrong previous NotAuthorizedException; weak proposed InvalidPasswordException; ok; new password tokens",
		Doc:  "ChangePassword, Errors: NotAuthorizedException (wrong previous password), InvalidPasswordException (policy); the new password signs in",
		Run: func(ctx context.Context, e *Env) string {
			tok, fail := e.signedIn(ctx, "change-user")
			if tok == nil {
				return fail
			}
			api := e.T.API(e.T.Main)
			change := func(prev, next string) string {
				_, err := api.ChangePassword(ctx, &cip.ChangePasswordInput{AccessToken: tok.AccessToken, PreviousPassword: aws.String(prev), ProposedPassword: aws.String(next)})
				return errCode(err)
			}
			wrong := change(wrongPass, newPassword)
			if wrong == NotServed {
				return NotServed
			}
			weak := change(password, "weak")
			ok := change(password, newPassword)
			return steps("wrong previous "+wrong, "weak proposed "+weak, ok,
				"new password "+srpSignIn(ctx, e.T, e.T.Main, "change-user", newPassword, nil, nil).outcome())
		},
	},
	{
		Name: "forgot-password", Ops: "ForgotPassword, ConfirmForgotPassword", Client: "AWS SDK for Go v2",
		Want: "ForgotPassword ok; wrong code CodeMismatchException; right code ok; new password tokens",
		Doc:  "ForgotPassword; ConfirmForgotPassword, Errors: CodeMismatchException for a wrong code; the new password signs in",
		Run: func(ctx context.Context, e *Env) string {
			name, err := e.user(ctx, "forgot-user")
			if err != nil {
				return "set-up failed: " + errCode(err)
			}
			api := e.T.API(e.T.Main)
			if _, err := api.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(e.T.Main.ClientID), Username: aws.String(name)}); err != nil {
				return "ForgotPassword " + errCode(err)
			}
			if e.T.Codes == nil {
				return steps("ForgotPassword ok", "not run further: no code source")
			}
			code, cerr := e.T.Codes.Code(e.T.Main, name, CodeForgotPassword)
			if cerr != nil {
				return steps("ForgotPassword ok", "no code: "+cerr.Error())
			}
			confirm := func(c string) string {
				_, err := api.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(e.T.Main.ClientID), Username: aws.String(name), ConfirmationCode: aws.String(c), Password: aws.String(newPassword)})
				return errCode(err)
			}
			wrong := "000000"
			if code == wrong {
				wrong = "111111"
			}
			return steps("ForgotPassword ok", "wrong code "+confirm(wrong), "right code "+confirm(code),
				"new password "+srpSignIn(ctx, e.T, e.T.Main, name, newPassword, nil, nil).outcome())
		},
	},
	{
		Name: "attribute-verification", Ops: "UpdateUserAttributes, GetUserAttributeVerificationCode, VerifyUserAttribute, GetUser", Client: "AWS SDK for Go v2",
		Want: "email_verified false after the change; GetUserAttributeVerificationCode ok; VerifyUserAttribute ok; email_verified true",
		Doc:  "Developer guide, Verifying updates to email addresses and phone numbers; UpdateUserAttributes, GetUserAttributeVerificationCode, VerifyUserAttribute: a changed email is unverified until its code is confirmed",
		Run: func(ctx context.Context, e *Env) string {
			tok, fail := e.signedIn(ctx, "verify-user")
			if tok == nil {
				return fail
			}
			api := e.T.API(e.T.Main)
			verified := func() string {
				u, err := api.GetUser(ctx, &cip.GetUserInput{AccessToken: tok.AccessToken})
				if err != nil {
					return "GetUser " + errCode(err)
				}
				for _, a := range u.UserAttributes {
					if aws.ToString(a.Name) == "email_verified" {
						return "email_verified " + aws.ToString(a.Value)
					}
				}
				return "no email_verified"
			}
			if _, err := api.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: tok.AccessToken,
				UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("verify-user-new@example.com")}}}); err != nil {
				return "UpdateUserAttributes " + errCode(err)
			}
			after := verified() + " after the change"
			if _, err := api.GetUserAttributeVerificationCode(ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: tok.AccessToken, AttributeName: aws.String("email")}); err != nil {
				return steps(after, "GetUserAttributeVerificationCode "+errCode(err))
			}
			if e.T.Codes == nil {
				return steps(after, "GetUserAttributeVerificationCode ok", "not run further: no code source")
			}
			code, cerr := e.T.Codes.Code(e.T.Main, "verify-user", CodeVerifyEmail)
			if cerr != nil {
				return steps(after, "GetUserAttributeVerificationCode ok", "no code: "+cerr.Error())
			}
			_, err := api.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: tok.AccessToken, AttributeName: aws.String("email"), Code: aws.String(code)})
			return steps(after, "GetUserAttributeVerificationCode ok", "VerifyUserAttribute "+errCode(err), verified())
		},
	},
	{
		Name: "totp-mfa", Ops: "AssociateSoftwareToken, VerifySoftwareToken, RespondToAuthChallenge (MFA_SETUP, SOFTWARE_TOKEN_MFA), SetUserMFAPreference", Client: "AWS SDK for Go v2",
		Want: "challenge MFA_SETUP; VerifySoftwareToken SUCCESS; tokens; SetUserMFAPreference ok; next sign-in challenge SOFTWARE_TOKEN_MFA; wrong code CodeMismatchException; right code tokens",
		Doc:  "Developer guide, TOTP software token MFA; AssociateSoftwareToken, VerifySoftwareToken, RespondToAuthChallenge (MFA_SETUP, SOFTWARE_TOKEN_MFA), SetUserMFAPreference: MFA required and no factor yet is MFA_SETUP",
		Run:  runTOTP,
	},
	{
		Name: "session-validity", Ops: "InitiateAuth, RespondToAuthChallenge (Session)", Client: "AWS SDK for Go v2",
		Want: "answered after 4 min: tokens; after 6 min: NotAuthorizedException",
		Doc:  "CreateUserPoolClient, AuthSessionValidity (5 on the samples): the Session of a challenge is good for that many minutes",
		Run: func(ctx context.Context, e *Env) string {
			if e.T.Clock == nil {
				return "not run: no clock control"
			}
			if _, err := e.user(ctx, "session-user"); err != nil {
				return "set-up failed: " + errCode(err)
			}
			var moved time.Duration
			defer func() { e.T.Clock.Advance(-moved) }()
			after := func(d time.Duration) string {
				ts := func(t time.Time) string { return t.Add(moved).UTC().Format("Mon Jan 2 15:04:05 UTC 2006") }
				s := srpSignIn(ctx, e.T, e.T.Main, "session-user", password, ts, func() { e.T.Clock.Advance(d); moved += d })
				return s.outcome()
			}
			return steps("answered after 4 min: "+after(4*time.Minute), "after 6 min: "+after(6*time.Minute))
		},
	},
	{
		Name: "amplify-session", Ops: "signIn, fetchAuthSession({forceRefresh:true}), signOut", Client: "aws-amplify 6.22.1",
		Want: "signIn ok; refresh new tokens; signOut ok; refresh after signOut NotAuthorizedException",
		Doc:  "GetTokensFromRefreshToken (Amplify's only refresh path); RevokeToken (Amplify signOut revokes the refresh token when the client has token revocation)",
		Run: func(ctx context.Context, e *Env) string {
			if _, err := e.user(ctx, "amplify-user"); err != nil {
				return "set-up failed: " + errCode(err)
			}
			out, err := e.JS(ctx, "amplify.mjs", map[string]string{
				"ENDPOINT": endpointOf(e.T, e.T.Main), "POOL_ID": e.T.Main.PoolID, "CLIENT_ID": e.T.Main.ClientID,
				"USERNAME": "amplify-user", "PASSWORD": password,
			})
			if err != nil {
				return "client error: " + err.Error()
			}
			var r struct{ SignIn, Refresh, SignOut, RefreshAfterSignOut string }
			if err := json.Unmarshal(out, &r); err != nil {
				return fmt.Sprintf("client printed %q", out)
			}
			if r.SignIn != "ok" {
				return "signIn " + jsCode(r.SignIn)
			}
			return steps("signIn ok", "refresh "+jsCode(r.Refresh), "signOut "+jsCode(r.SignOut), "refresh after signOut "+jsCode(r.RefreshAfterSignOut))
		},
	},
}

// describeRefresh says what a refresh returned next to the sign-in's
// tokens.
func describeRefresh(before, after *types.AuthenticationResultType) string {
	if after == nil || after.AccessToken == nil || after.IdToken == nil {
		return "no tokens"
	}
	s := "new ID and access tokens"
	if aws.ToString(after.AccessToken) == aws.ToString(before.AccessToken) {
		s = "the same access token"
	}
	if after.RefreshToken == nil {
		return s + ", no refresh token"
	}
	if aws.ToString(after.RefreshToken) == aws.ToString(before.RefreshToken) {
		return s + ", the same refresh token"
	}
	return s + ", a new refresh token"
}

// runTOTP sets TOTP up at the first sign-in of a user of the MFA pool, then
// signs in again with a wrong and a right code.
func runTOTP(ctx context.Context, e *Env) string {
	p := e.T.MFA
	name := "totp-user@example.com"
	if err := e.T.Users.CreateUser(ctx, p, name, password, map[string]string{"email": name, "email_verified": "true", "name": "Totp"}); err != nil {
		return "set-up failed: " + errCode(err)
	}
	api := e.T.API(p)
	s := srpSignIn(ctx, e.T, p, name, password, nil, nil)
	if s.Challenge != types.ChallengeNameTypeMfaSetup {
		return s.outcome()
	}
	var obs []string
	obs = append(obs, "challenge MFA_SETUP")
	as, err := api.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: aws.String(s.Session)})
	if err != nil {
		return steps(append(obs, "AssociateSoftwareToken "+errCode(err))...)
	}
	now := time.Now()
	code, err := totp(aws.ToString(as.SecretCode), now)
	if err != nil {
		return steps(append(obs, "SecretCode: "+err.Error())...)
	}
	vs, err := api.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: as.Session, UserCode: aws.String(code), FriendlyDeviceName: aws.String("conformance")})
	if err != nil {
		return steps(append(obs, "VerifySoftwareToken "+errCode(err))...)
	}
	obs = append(obs, "VerifySoftwareToken "+string(vs.Status))
	r, err := api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(p.ClientID), ChallengeName: types.ChallengeNameTypeMfaSetup, Session: vs.Session,
		ChallengeResponses: map[string]string{"USERNAME": challengeUser(s, name)},
	})
	if err != nil {
		return steps(append(obs, "MFA_SETUP answer "+errCode(err))...)
	}
	if r.AuthenticationResult == nil {
		return steps(append(obs, "MFA_SETUP answer: challenge "+string(r.ChallengeName))...)
	}
	obs = append(obs, "tokens")
	_, err = api.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{
		AccessToken:              r.AuthenticationResult.AccessToken,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true},
	})
	obs = append(obs, "SetUserMFAPreference "+errCode(err))
	// answer signs in again and answers SOFTWARE_TOKEN_MFA with code; ok is
	// false when the sign-in did not ask for it (the observation says what
	// it did instead).
	answer := func(code string) (string, bool) {
		s := srpSignIn(ctx, e.T, p, name, password, nil, nil)
		if s.Challenge != types.ChallengeNameTypeSoftwareTokenMfa {
			return s.outcome(), false
		}
		r, err := api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
			ClientId: aws.String(p.ClientID), ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa, Session: aws.String(s.Session),
			ChallengeResponses: map[string]string{"USERNAME": challengeUser(s, name), "SOFTWARE_TOKEN_MFA_CODE": code},
		})
		switch {
		case err != nil:
			return errCode(err), true
		case r.AuthenticationResult != nil:
			return "tokens", true
		}
		return "challenge " + string(r.ChallengeName), true
	}
	// The wrong code is the right one of a far time step; the right one is
	// the next time step's, so that it is not the code VerifySoftwareToken
	// just used (ASSUMED: Cognito accepts the adjacent step, as RFC 6238
	// section 5.2 recommends for clock drift).
	wrongCode, _ := totp(aws.ToString(as.SecretCode), now.Add(-time.Hour))
	if wrongCode == code {
		wrongCode = fmt.Sprintf("%06d", (atoi(code)+1)%1_000_000)
	}
	rightCode, _ := totp(aws.ToString(as.SecretCode), now.Add(30*time.Second))
	wrong, asked := answer(wrongCode)
	if !asked {
		return steps(append(obs, "next sign-in "+wrong)...)
	}
	right, _ := answer(rightCode)
	return steps(append(obs, "next sign-in challenge SOFTWARE_TOKEN_MFA", "wrong code "+wrong, "right code "+right)...)
}

// challengeUser is the USERNAME an MFA answer carries: the challenge's
// USERNAME parameter when it has one, else the name the user signed in
// with, as Amplify does (MFA_SETUP's parameters need not name the user).
func challengeUser(s signIn, signedInAs string) string {
	if u := s.Params["USERNAME"]; u != "" {
		return u
	}
	return signedInAs
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}
