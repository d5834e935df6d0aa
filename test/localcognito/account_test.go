package localcognito

import (
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/test/localcognito/srp"
)

// The clients of the sample-shaped pool: default flows, one hiding user
// existence (as every sample client does), one LEGACY.
const (
	clientHiding = "hidingclient"
	clientLegacy = "legacyclient"
)

// samplePolicy is every sample pool's password policy.
var samplePolicy = &PasswordPolicy{MinimumLength: 12, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 3}

// aliasConfig is a pool shaped like the samples (blockid-stepup's): user
// names case-insensitive, the email alias, the samples' password policy,
// email required and verified before an update, recovery by verified email;
// self sign-up allowed so the tests can sign users up.
func aliasConfig(trig Triggers) Config {
	return Config{
		Region:                  "us-east-1",
		PoolID:                  testPool,
		AutoVerifiedAttributes:  []string{"email"},
		Clients:                 []Client{{ID: clientHiding, Name: "hiding", PreventUserExistenceErrors: "ENABLED"}, {ID: clientLegacy, Name: "legacy", PreventUserExistenceErrors: "LEGACY"}},
		Triggers:                trig,
		UsernameCaseInsensitive: true,
		AliasAttributes:         []string{"email"},
		PasswordPolicy:          samplePolicy,
		RequiredAttributes:      []string{"email"},
		AttributesRequireVerificationBeforeUpdate: []string{"email"},
		AccountRecovery: []string{"verified_email"},
	}
}

func newEnvWith(t *testing.T, cfg Config, trig *fakeTriggers) *env {
	t.Helper()
	c := &clock{t: time.Now()}
	srv, err := New(cfg, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	srv.SetIssuer(ts.URL)
	api := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: aws.AnonymousCredentials{}, HTTPClient: ts.Client(), RetryMaxAttempts: 1})
	return &env{srv: srv, ts: ts, api: api, trig: trig, clock: c}
}

const demoPassword = "Demo-Passw0rd!"

// seedDemo seeds "demo" (verified demo@example.com) and "bob" (unverified
// bob@example.com), both confirmed.
func seedDemo(t *testing.T, e *env) {
	t.Helper()
	if _, err := e.srv.SeedUser("demo", demoPassword, map[string]string{"email": "demo@example.com", "email_verified": "true"}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.SeedUser("bob", demoPassword, map[string]string{"email": "bob@example.com", "email_verified": "false"}, true); err != nil {
		t.Fatal(err)
	}
}

// signIn runs USER_SRP_AUTH and returns the tokens or the error code.
func signIn(t *testing.T, e *env, clientID, name, password string) (*types.AuthenticationResultType, string) {
	t.Helper()
	cl, out, err := srpStart(t, e, clientID, name)
	if err != nil {
		return nil, errCode(err)
	}
	res, err := answerPassword(t, e, cl, clientID, password, out, nil)
	if err != nil {
		return nil, errCode(err)
	}
	return res.AuthenticationResult, ""
}

func attrsOf(t *testing.T, e *env, access *string) map[string]string {
	t.Helper()
	gu, err := e.api.GetUser(context.Background(), &cip.GetUserInput{AccessToken: access})
	if err != nil {
		t.Fatal(errCode(err))
	}
	m := map[string]string{"username": *gu.Username}
	for _, a := range gu.UserAttributes {
		m[*a.Name] = *a.Value
	}
	return m
}

const (
	wantIncorrect = "NotAuthorizedException: Incorrect username or password."
	wantNoUser    = "UserNotFoundException: User does not exist."
)

// TestUserNames: one rule resolves a name everywhere: the username in any
// case (CaseSensitive false), a verified email alias in any case, never an
// unverified email; a case-sensitive pool matches exactly.
func TestUserNames(t *testing.T) {
	insensitive := newEnvWith(t, aliasConfig(nil), nil)
	seedDemo(t, insensitive)
	sensitiveCfg := aliasConfig(nil)
	sensitiveCfg.UsernameCaseInsensitive = false
	sensitive := newEnvWith(t, sensitiveCfg, nil)
	seedDemo(t, sensitive)
	for _, tc := range []struct {
		name      string
		e         *env
		login     string
		wantUser  string // "" = refused
		legacyErr string
	}{
		{"username", insensitive, "demo", "demo", ""},
		{"capitalized", insensitive, "Demo", "demo", ""},
		{"upper case", insensitive, "DEMO", "demo", ""},
		{"verified email alias", insensitive, "demo@example.com", "demo", ""},
		{"alias in another case", insensitive, "DEMO@Example.COM", "demo", ""},
		{"unverified email is no alias", insensitive, "bob@example.com", "", wantNoUser},
		{"user with an unverified email by name", insensitive, "BOB", "bob", ""},
		{"case-sensitive pool, exact", sensitive, "demo", "demo", ""},
		{"case-sensitive pool, capitalized", sensitive, "Demo", "", wantNoUser},
		{"case-sensitive pool, alias in another case", sensitive, "DEMO@example.com", "", wantNoUser},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, got := signIn(t, tc.e, clientHiding, tc.login, demoPassword)
			if tc.wantUser == "" {
				if got != wantIncorrect {
					t.Fatalf("hiding client: %q, want %q", got, wantIncorrect)
				}
				if _, got := signIn(t, tc.e, clientLegacy, tc.login, demoPassword); got != tc.legacyErr {
					t.Fatalf("LEGACY client: %q, want %q", got, tc.legacyErr)
				}
				return
			}
			if got != "" {
				t.Fatal(got)
			}
			if u := attrsOf(t, tc.e, res.AccessToken)["username"]; u != tc.wantUser {
				t.Errorf("signed in as %q, want %q", u, tc.wantUser)
			}
			// The admin operations resolve the name the same way.
			out, err := tc.e.api.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: aws.String(testPool), Username: aws.String(tc.login)}, withSigV4)
			if err != nil || *out.Username != tc.wantUser {
				t.Errorf("AdminGetUser(%q): %v %v", tc.login, out, errCode(err))
			}
		})
	}
}

// TestUserExistence: with PreventUserExistenceErrors ENABLED an unknown name
// answers as a known one would (a stable fake SRP challenge, then the
// generic NotAuthorizedException; codes "sent"; wrong codes); LEGACY says
// UserNotFoundException.
func TestUserExistence(t *testing.T) {
	e := newEnvWith(t, aliasConfig(nil), nil)
	seedDemo(t, e)
	ctx := context.Background()

	t.Run("SRP challenge of an unknown name is stable and UUID-shaped", func(t *testing.T) {
		uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
		_, a, err := srpStart(t, e, clientHiding, "nobody")
		if err != nil {
			t.Fatal(errCode(err))
		}
		_, b, _ := srpStart(t, e, clientHiding, "NOBODY")
		_, c, _ := srpStart(t, e, clientHiding, "somebody-else")
		pa, pb, pc := a.ChallengeParameters, b.ChallengeParameters, c.ChallengeParameters
		if !uuid.MatchString(pa["USER_ID_FOR_SRP"]) || pa["USERNAME"] != pa["USER_ID_FOR_SRP"] {
			t.Errorf("fake user id %q / %q", pa["USER_ID_FOR_SRP"], pa["USERNAME"])
		}
		if pa["USER_ID_FOR_SRP"] != pb["USER_ID_FOR_SRP"] || pa["SALT"] != pb["SALT"] {
			t.Error("two attempts for one (case-insensitive) name differ")
		}
		if pa["USER_ID_FOR_SRP"] == pc["USER_ID_FOR_SRP"] || pa["SALT"] == pc["SALT"] || pa["SRP_B"] == pb["SRP_B"] {
			t.Error("different names share a fake identity, or B repeats")
		}
	})

	for _, tc := range []struct {
		op          string
		call        func(client string) string
		hiding, leg string
	}{
		{"InitiateAuth+RespondToAuthChallenge", func(client string) string {
			_, got := signIn(t, e, client, "nobody", demoPassword)
			return got
		}, wantIncorrect, wantNoUser},
		{"ResendConfirmationCode", func(client string) string {
			out, err := e.api.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{ClientId: aws.String(client), Username: aws.String("nobody@example.com")})
			if err == nil && (out.CodeDeliveryDetails == nil || *out.CodeDeliveryDetails.Destination != "n***@e***") {
				return "delivery " + aws.ToString(out.CodeDeliveryDetails.Destination)
			}
			return errCode(err)
		}, "", "UserNotFoundException: Username/client id combination not found."},
		{"ForgotPassword", func(client string) string {
			out, err := e.api.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(client), Username: aws.String("nobody")})
			if err == nil && (out.CodeDeliveryDetails == nil || out.CodeDeliveryDetails.DeliveryMedium != types.DeliveryMediumTypeEmail) {
				return "no simulated delivery"
			}
			return errCode(err)
		}, "", "UserNotFoundException: Username/client id combination not found."},
		{"ConfirmSignUp", func(client string) string {
			_, err := e.api.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(client), Username: aws.String("nobody"), ConfirmationCode: aws.String("123456")})
			return errCode(err)
		}, "CodeMismatchException: " + msgCodeInvalid, "UserNotFoundException: Username/client id combination not found."},
		{"ConfirmForgotPassword", func(client string) string {
			_, err := e.api.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(client), Username: aws.String("nobody"), ConfirmationCode: aws.String("123456"), Password: aws.String(demoPassword)})
			return errCode(err)
		}, "CodeMismatchException: " + msgCodeInvalid, "UserNotFoundException: Username/client id combination not found."},
	} {
		t.Run(tc.op, func(t *testing.T) {
			if got := tc.call(clientHiding); got != tc.hiding {
				t.Errorf("ENABLED: %q, want %q", got, tc.hiding)
			}
			if got := tc.call(clientLegacy); got != tc.leg {
				t.Errorf("LEGACY: %q, want %q", got, tc.leg)
			}
		})
	}
}

// withSigV4 signs an admin call (dummy credentials, as the functions' SDK).
func withSigV4(o *cip.Options) {
	o.Credentials = credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", "")
}

// TestSignUpRules: AllowAdminCreateUserOnly, the user-name pattern, the
// email alias's ban on email-shaped user names, the password policy and the
// required attributes.
func TestSignUpRules(t *testing.T) {
	ctx := context.Background()
	adminOnly := aliasConfig(nil)
	adminOnly.AllowAdminCreateUserOnly = true
	for _, tc := range []struct {
		name     string
		cfg      Config
		username string
		password string
		noEmail  bool
		want     string
	}{
		{name: "admin-only pool", cfg: adminOnly, username: "carol", password: demoPassword, want: "NotAuthorizedException: SignUp is not permitted for this user pool"},
		{name: "accepted", username: "carol", password: demoPassword},
		{name: "space counts as a symbol", username: "carol", password: "Demo Passw0rd"},
		{name: "emoji in the user name", username: "carol🙂", password: demoPassword},
		{name: "too short", username: "carol", password: "De-Passw0rd", want: "InvalidPasswordException: Password did not conform with policy: Password not long enough"},
		{name: "no upper case", username: "carol", password: "demo-passw0rd!", want: "InvalidPasswordException: Password did not conform with policy: Password must have uppercase characters"},
		{name: "non-Latin upper case does not count", username: "carol", password: "édemo-passw0rd!Ä", want: "InvalidPasswordException: Password did not conform with policy: Password must have uppercase characters"},
		{name: "no lower case", username: "carol", password: "DEMO-PASSW0RD!", want: "InvalidPasswordException: Password did not conform with policy: Password must have lowercase characters"},
		{name: "no number", username: "carol", password: "Demo-Password!", want: "InvalidPasswordException: Password did not conform with policy: Password must have numeric characters"},
		{name: "no symbol", username: "carol", password: "DemoPassw0rdXY", want: "InvalidPasswordException: Password did not conform with policy: Password must have symbol characters"},
		{name: "a non-listed sign is no symbol", username: "carol", password: "DemoPassw0rd€§", want: "InvalidPasswordException: Password did not conform with policy: Password must have symbol characters"},
		{name: "space in the user name", username: "carol smith", password: demoPassword, want: `InvalidParameterException: 1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{M}\p{S}\p{N}\p{P}]+`},
		{name: "user name too long", username: strings.Repeat("c", 129), password: demoPassword, want: "InvalidParameterException: 1 validation error detected: Value at 'username' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{name: "email-shaped user name with the email alias", username: "carol@example.com", password: demoPassword, want: "InvalidParameterException: Username cannot be of email format, since user pool is configured for email alias."},
		{name: "required email missing", username: "carol", password: demoPassword, noEmail: true, want: "InvalidParameterException: Attributes did not conform to the schema: email: The attribute is required"},
		{name: "user name taken in another case", username: "DEMO", password: demoPassword, want: "UsernameExistsException: User already exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			if cfg.PoolID == "" {
				cfg = aliasConfig(nil)
			}
			e := newEnvWith(t, cfg, nil)
			seedDemo(t, e)
			in := &cip.SignUpInput{ClientId: aws.String(clientHiding), Username: aws.String(tc.username), Password: aws.String(tc.password)}
			if !tc.noEmail {
				in.UserAttributes = []types.AttributeType{{Name: aws.String("email"), Value: aws.String("carol@example.com")}}
			}
			out, err := e.api.SignUp(ctx, in)
			if got := errCode(err); got != tc.want {
				t.Fatalf("error %q, want %q", got, tc.want)
			}
			if tc.want == "" && (out.UserConfirmed || out.CodeDeliveryDetails == nil) {
				t.Errorf("output %+v", out)
			}
		})
	}
}

// TestAliasUniqueness: a second account may sign up with a verified email
// of another, but confirming it is AliasExistsException unless
// ForceAliasCreation moves the alias (the first account's email becomes
// unverified and the alias signs the second in).
func TestAliasUniqueness(t *testing.T) {
	ctx := context.Background()
	e := newEnvWith(t, aliasConfig(nil), nil)
	seedDemo(t, e)
	if _, err := e.api.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(clientHiding), Username: aws.String("shirley"), Password: aws.String(demoPassword),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("Demo@example.com")}}}); err != nil {
		t.Fatal(errCode(err))
	}
	code := e.srv.PendingCode("shirley", PurposeSignUp)
	for _, tc := range []struct {
		name  string
		force bool
		want  string
	}{
		{"without ForceAliasCreation", false, "AliasExistsException: An account with the email already exists."},
		{"with ForceAliasCreation", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.api.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(clientHiding), Username: aws.String("shirley"), ConfirmationCode: aws.String(code), ForceAliasCreation: tc.force})
			if got := errCode(err); got != tc.want {
				t.Fatalf("error %q, want %q", got, tc.want)
			}
		})
	}
	res, got := signIn(t, e, clientHiding, "demo@example.com", demoPassword)
	if got != "" || attrsOf(t, e, res.AccessToken)["username"] != "shirley" {
		t.Fatalf("the alias signs in %v %q, want shirley", res, got)
	}
	res, _ = signIn(t, e, clientHiding, "demo", demoPassword)
	if a := attrsOf(t, e, res.AccessToken); a["email_verified"] != "false" {
		t.Errorf("the previous holder's email is still verified: %v", a)
	}
}

func TestCanonicalTimestamp(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Tue Mar 3 09:05:07 UTC 2026", "Tue Mar 3 09:05:07 UTC 2026"},
		{"Tue Mar 03 09:05:07 UTC 2026", "Tue Mar 3 09:05:07 UTC 2026"},
		{"Tue Mar 3 09:05:07 GMT 2026", "Tue Mar 3 09:05:07 UTC 2026"},
		{"Wed Mar 3 09:05:07 UTC 2026", ""}, // wrong day of the week
		{"Tue Mar 3 9:05:07 UTC 2026", ""},
		{"Tue Mar 3 09:05:7 UTC 2026", ""},
		{"tue Mar 3 09:05:07 UTC 2026", ""},
		{"Tue Mar 3 09:05:07 +0000 2026", ""},
		{"Tue Mar 32 09:05:07 UTC 2026", ""},
		{"2026-03-03T09:05:07Z", ""},
		{"", ""},
		{"mar. mars 3 09:05:07 UTC 2026", ""},
	} {
		got, e := canonicalTimestamp(tc.in)
		if got != tc.want || (tc.want == "") != (e != nil) {
			t.Errorf("canonicalTimestamp(%q) = %q, %v; want %q", tc.in, got, e, tc.want)
		}
	}
}

// TestSRPTimestamp: the PASSWORD_VERIFIER TIMESTAMP in the clients' format
// signs in; another format is InvalidParameterException; a padded day, signed
// as sent, is a wrong password (the signature is over Cognito's rendering).
func TestSRPTimestamp(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 5, 7, 0, time.UTC)
	for _, tc := range []struct {
		name, ts, want string
	}{
		{"the clients' format", srp.Timestamp(now), ""},
		{"padded day", "Tue Mar 03 09:05:07 UTC 2026", wantIncorrect},
		{"ISO 8601", "2026-03-03T09:05:07Z", "InvalidParameterException: TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."},
		{"missing", "", "InvalidParameterException: TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnvWith(t, aliasConfig(nil), nil)
			seedDemo(t, e)
			cl, out, err := srpStart(t, e, clientHiding, "demo")
			if err != nil {
				t.Fatal(errCode(err))
			}
			p := out.ChallengeParameters
			sig, err := cl.Sign("LocalPool1", p["USER_ID_FOR_SRP"], demoPassword, p["SALT"], p["SRP_B"], p["SECRET_BLOCK"], tc.ts)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.api.RespondToAuthChallenge(context.Background(), &cip.RespondToAuthChallengeInput{
				ClientId: aws.String(clientHiding), ChallengeName: types.ChallengeNameTypePasswordVerifier, Session: out.Session,
				ChallengeResponses: map[string]string{"USERNAME": p["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"], "PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": tc.ts},
			})
			if got := errCode(err); got != tc.want {
				t.Fatalf("error %q, want %q", got, tc.want)
			}
		})
	}
}

// TestForgotPassword: the reset code goes to the verified email; the new
// password meets the policy; post confirmation runs with
// PostConfirmation_ConfirmForgotPassword; the new password signs in and the
// old one no longer does. A user without a verified email cannot reset
// (LEGACY says so; ENABLED answers as if a code were sent).
func TestForgotPassword(t *testing.T) {
	trig := &fakeTriggers{fns: map[Slot]func(map[string]any) error{SlotPostConfirmation: func(map[string]any) error { return nil }}}
	e := newEnvWith(t, aliasConfig(trig), trig)
	seedDemo(t, e)
	ctx := context.Background()
	const newPassword = "New-Passw0rd-2!"

	confirm := func(code, pw string) string {
		_, err := e.api.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{ClientId: aws.String(clientLegacy), Username: aws.String("DEMO@example.com"),
			ConfirmationCode: aws.String(code), Password: aws.String(pw), ClientMetadata: map[string]string{"src": "reset"}})
		return errCode(err)
	}
	if got := confirm("123456", newPassword); got != "ExpiredCodeException: "+msgCodeExpired {
		t.Errorf("no code requested: %q", got)
	}
	out, err := e.api.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(clientLegacy), Username: aws.String("Demo")})
	if err != nil {
		t.Fatal(errCode(err))
	}
	if d := out.CodeDeliveryDetails; d == nil || *d.Destination != "d***@e***" || *d.AttributeName != "email" {
		t.Fatalf("delivery %+v", d)
	}
	code := e.srv.PendingCode("demo", PurposeForgotPassword)
	if len(code) != 6 {
		t.Fatalf("pending code %q", code)
	}
	for _, tc := range []struct {
		name, code, pw, want string
	}{
		{"wrong code", "x" + code, newPassword, "CodeMismatchException: " + msgCodeInvalid},
		{"weak password", code, "short", "InvalidPasswordException: Password did not conform with policy: Password not long enough"},
		{"right", code, newPassword, ""},
		{"code used", code, newPassword, "ExpiredCodeException: " + msgCodeExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := confirm(tc.code, tc.pw); got != tc.want {
				t.Fatalf("error %q, want %q", got, tc.want)
			}
		})
	}
	pc := trig.of(SlotPostConfirmation)
	if len(pc) != 1 || pc[0]["triggerSource"] != "PostConfirmation_ConfirmForgotPassword" || pc[0]["userName"] != "demo" || mdOf(pc[0])["src"] != "reset" {
		t.Errorf("post confirmation events %v", pc)
	}
	if _, got := signIn(t, e, clientLegacy, "demo", demoPassword); got != wantIncorrect {
		t.Errorf("old password: %q", got)
	}
	if _, got := signIn(t, e, clientLegacy, "demo", newPassword); got != "" {
		t.Errorf("new password: %q", got)
	}

	t.Run("no verified email", func(t *testing.T) {
		_, err := e.api.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(clientLegacy), Username: aws.String("bob")})
		if got := errCode(err); got != "InvalidParameterException: Cannot reset password for the user as there is no registered/verified email or phone_number" {
			t.Errorf("LEGACY: %q", got)
		}
		out, err := e.api.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(clientHiding), Username: aws.String("bob")})
		if err != nil || out.CodeDeliveryDetails == nil {
			t.Errorf("ENABLED: %v %q", out, errCode(err))
		}
		if e.srv.PendingCode("bob", PurposeForgotPassword) != "" {
			t.Error("a code was issued for an unverified email")
		}
	})
}

// TestChangePassword: the previous password is checked against the stored
// verifier; the proposed one against the policy.
func TestChangePassword(t *testing.T) {
	e := newEnvWith(t, aliasConfig(nil), nil)
	seedDemo(t, e)
	res, got := signIn(t, e, clientHiding, "demo", demoPassword)
	if got != "" {
		t.Fatal(got)
	}
	const newPassword = "Changed-Passw0rd!"
	for _, tc := range []struct {
		name, previous, proposed, want string
	}{
		{"wrong previous", "Wrong-Passw0rd!", newPassword, wantIncorrect},
		{"weak proposed", demoPassword, "changed-passw0rd!", "InvalidPasswordException: Password did not conform with policy: Password must have uppercase characters"},
		{"right", demoPassword, newPassword, ""},
		{"the old one no longer", demoPassword, newPassword, wantIncorrect},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.api.ChangePassword(context.Background(), &cip.ChangePasswordInput{AccessToken: res.AccessToken, PreviousPassword: aws.String(tc.previous), ProposedPassword: aws.String(tc.proposed)})
			if got := errCode(err); got != tc.want {
				t.Fatalf("error %q, want %q", got, tc.want)
			}
		})
	}
	if _, got := signIn(t, e, clientHiding, "demo", newPassword); got != "" {
		t.Errorf("new password: %q", got)
	}
}

// TestEmailUpdate: with email in AttributesRequireVerificationBeforeUpdate
// the old email stays active and verified (and the alias) until the code
// sent to the new one is verified; without it the change is immediate and
// unverified, and neither address is an alias until verified.
func TestEmailUpdate(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name          string
		beforeUpdate  bool
		pendingEmail  string // the email GetUser shows before verification
		pendingVerify string
	}{
		{"verified before update", true, "demo@example.com", "true"},
		{"immediate", false, "new@example.com", "false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := aliasConfig(nil)
			if !tc.beforeUpdate {
				cfg.AttributesRequireVerificationBeforeUpdate = nil
			}
			e := newEnvWith(t, cfg, nil)
			seedDemo(t, e)
			res, got := signIn(t, e, clientHiding, "demo", demoPassword)
			if got != "" {
				t.Fatal(got)
			}
			out, err := e.api.UpdateUserAttributes(ctx, &cip.UpdateUserAttributesInput{AccessToken: res.AccessToken,
				UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("new@example.com")}, {Name: aws.String("name"), Value: aws.String("Demo")}}})
			if err != nil {
				t.Fatal(errCode(err))
			}
			if l := out.CodeDeliveryDetailsList; len(l) != 1 || *l[0].Destination != "n***@e***" {
				t.Fatalf("delivery %+v", l)
			}
			a := attrsOf(t, e, res.AccessToken)
			if a["email"] != tc.pendingEmail || a["email_verified"] != tc.pendingVerify || a["name"] != "Demo" {
				t.Errorf("before verification: %v", a)
			}
			aliasBefore := ""
			if !tc.beforeUpdate {
				aliasBefore = wantIncorrect
			}
			if _, got := signIn(t, e, clientHiding, "demo@example.com", demoPassword); got != aliasBefore {
				t.Errorf("old alias before verification: %q, want %q", got, aliasBefore)
			}
			if _, got := signIn(t, e, clientHiding, "new@example.com", demoPassword); got != wantIncorrect {
				t.Errorf("new alias before verification: %q", got)
			}
			code := e.srv.PendingCode("demo", PurposeVerifyEmail)
			verify := func(code string) string {
				_, err := e.api.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: res.AccessToken, AttributeName: aws.String("email"), Code: aws.String(code)})
				return errCode(err)
			}
			if got := verify("x" + code); got != "CodeMismatchException: "+msgCodeInvalid {
				t.Errorf("wrong code: %q", got)
			}
			if got := verify(code); got != "" {
				t.Fatal(got)
			}
			if a := attrsOf(t, e, res.AccessToken); a["email"] != "new@example.com" || a["email_verified"] != "true" {
				t.Errorf("after verification: %v", a)
			}
			if _, got := signIn(t, e, clientHiding, "new@example.com", demoPassword); got != "" {
				t.Errorf("new alias after verification: %q", got)
			}
			if _, got := signIn(t, e, clientHiding, "demo@example.com", demoPassword); got != wantIncorrect {
				t.Errorf("old alias after verification: %q", got)
			}
		})
	}
}

// TestGetUserAttributeVerificationCode: a code for the current email
// verifies it (bob's unverified address becomes his alias).
func TestGetUserAttributeVerificationCode(t *testing.T) {
	ctx := context.Background()
	e := newEnvWith(t, aliasConfig(nil), nil)
	seedDemo(t, e)
	res, got := signIn(t, e, clientHiding, "bob", demoPassword)
	if got != "" {
		t.Fatal(got)
	}
	for _, tc := range []struct{ attr, want string }{
		{"phone_number", "InvalidParameterException: Attribute phone_number cannot be verified by the local endpoint (email only)"},
		{"email", ""},
	} {
		out, err := e.api.GetUserAttributeVerificationCode(ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: res.AccessToken, AttributeName: aws.String(tc.attr)})
		if got := errCode(err); got != tc.want {
			t.Fatalf("%s: %q, want %q", tc.attr, got, tc.want)
		}
		if tc.want == "" && *out.CodeDeliveryDetails.Destination != "b***@e***" {
			t.Errorf("delivery %+v", out.CodeDeliveryDetails)
		}
	}
	if _, err := e.api.VerifyUserAttribute(ctx, &cip.VerifyUserAttributeInput{AccessToken: res.AccessToken, AttributeName: aws.String("email"), Code: aws.String(e.srv.PendingCode("bob", PurposeVerifyEmail))}); err != nil {
		t.Fatal(errCode(err))
	}
	if _, got := signIn(t, e, clientHiding, "Bob@Example.com", demoPassword); got != "" {
		t.Errorf("the verified email is no alias: %q", got)
	}
}
