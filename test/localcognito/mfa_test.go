package localcognito

import (
	"context"
	"encoding/base32"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/pquerna/otp/totp"
)

// mfaStart is 15 s into a TOTP step, so that a test's clock moves by whole
// steps and a code's step is never ambiguous.
var mfaStart = time.Unix(1_800_000_015, 0)

// mfaEnv is newEnv's pool with MfaConfiguration mode (TOTP enabled unless
// mode is OFF), a clock at mfaStart, and a signed (admin) client.
func mfaEnv(t *testing.T, mode string, trig *fakeTriggers) (*env, *cip.Client) {
	t.Helper()
	var tr Triggers
	if trig != nil {
		tr = trig
	}
	cfg := testConfig(tr)
	cfg.MfaConfiguration = mode
	if mode != "OFF" {
		cfg.EnabledMfas = []string{"SOFTWARE_TOKEN_MFA"}
	}
	c := &clock{t: mfaStart}
	srv, err := New(cfg, Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	srv.SetIssuer(ts.URL)
	opts := cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), HTTPClient: ts.Client(), RetryMaxAttempts: 1}
	api, admin := opts, opts
	api.Credentials = aws.AnonymousCredentials{}
	admin.Credentials = credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", "")
	return &env{srv: srv, ts: ts, api: cip.New(api), trig: trig, clock: c}, cip.New(admin)
}

// passwordStep signs in with SRP on clientSRP up to the answer to
// PASSWORD_VERIFIER.
func passwordStep(t *testing.T, e *env, email, password string) (*cip.RespondToAuthChallengeOutput, error) {
	t.Helper()
	cl, out, err := srpStart(t, e, clientSRP, email)
	if err != nil {
		t.Fatal(errCode(err))
	}
	return answerPassword(t, e, cl, clientSRP, password, out, nil)
}

// codeAt is the TOTP of secret at the env's time plus off, as an
// authenticator app computes it (pquerna/otp, RFC 6238 defaults).
func codeAt(t *testing.T, e *env, secret string, off time.Duration) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, e.clock.now().Add(off))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mangle changes one digit of a code.
func mangle(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

func respondMFA(e *env, name types.ChallengeNameType, session *string, username, code string) (*cip.RespondToAuthChallengeOutput, error) {
	r := map[string]string{"USERNAME": username}
	if name == types.ChallengeNameTypeSoftwareTokenMfa {
		r["SOFTWARE_TOKEN_MFA_CODE"] = code
	}
	return e.api.RespondToAuthChallenge(context.Background(), &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(clientSRP), ChallengeName: name, Session: session, ChallengeResponses: r,
	})
}

// mfaOf is what GetUser and AdminGetUser show of the user's MFA.
func mfaOf(t *testing.T, e *env, admin *cip.Client, access *string, username string) (string, []string) {
	t.Helper()
	ctx := context.Background()
	gu, err := e.api.GetUser(ctx, &cip.GetUserInput{AccessToken: access})
	if err != nil {
		t.Fatal(errCode(err))
	}
	au, err := admin.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(testPool), Username: aws.String(username)})
	if err != nil {
		t.Fatal(errCode(err))
	}
	if aws.ToString(gu.PreferredMfaSetting) != aws.ToString(au.PreferredMfaSetting) || !slices.Equal(gu.UserMFASettingList, au.UserMFASettingList) {
		t.Errorf("GetUser MFA %v %v, AdminGetUser %v %v", aws.ToString(gu.PreferredMfaSetting), gu.UserMFASettingList, aws.ToString(au.PreferredMfaSetting), au.UserMFASettingList)
	}
	if len(au.MFAOptions) != 0 {
		t.Errorf("MFAOptions %v, want none (SMS only)", au.MFAOptions)
	}
	return aws.ToString(au.PreferredMfaSetting), au.UserMFASettingList
}

// TestMFASetupThenTOTP: in a pool with MFA ON, the first sign-in sets up
// TOTP (MFA_SETUP: AssociateSoftwareToken, VerifySoftwareToken and
// RespondToAuthChallenge with the sessions as Amplify v6 chains them), and
// every later one answers SOFTWARE_TOKEN_MFA with a fresh code.
func TestMFASetupThenTOTP(t *testing.T) {
	ctx := context.Background()
	e, admin := mfaEnv(t, "ON", nil)
	sub := e.seed(t, "ann@example.com", "Correct-horse-1")

	out, err := passwordStep(t, e, "ann@example.com", "Correct-horse-1")
	if err != nil {
		t.Fatal(errCode(err))
	}
	if out.ChallengeName != types.ChallengeNameTypeMfaSetup || out.AuthenticationResult != nil {
		t.Fatalf("after the password: %q %+v, want MFA_SETUP and no tokens", out.ChallengeName, out.AuthenticationResult)
	}
	if p := out.ChallengeParameters; p["MFAS_CAN_SETUP"] != `["SOFTWARE_TOKEN_MFA"]` || p["USER_ID_FOR_SRP"] != sub {
		t.Fatalf("MFA_SETUP parameters %v", p)
	}
	if au, err := admin.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(testPool), Username: aws.String(sub)}); err != nil || len(au.UserMFASettingList) != 0 || au.PreferredMfaSetting != nil {
		t.Fatalf("AdminGetUser before the setup: %v %+v", errCode(err), au)
	}

	// Amplify v6: AssociateSoftwareToken with the MFA_SETUP Session only.
	as, err := e.api.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: out.Session})
	if err != nil {
		t.Fatal(errCode(err))
	}
	secret := aws.ToString(as.SecretCode)
	if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret); err != nil || len(secret) != 52 {
		t.Fatalf("SecretCode %q (%d characters) is not 32 bytes of base32: %v", secret, len(secret), err)
	}
	if as.Session == nil || *as.Session == *out.Session {
		t.Fatal("AssociateSoftwareToken with a Session answers a new Session")
	}
	if _, err := respondMFA(e, types.ChallengeNameTypeMfaSetup, out.Session, sub, ""); !strings.HasPrefix(errCode(err), "NotAuthorizedException") {
		t.Fatalf("the MFA_SETUP Session after AssociateSoftwareToken: %q, want it spent", errCode(err))
	}

	if got, want := e.srv.AuthenticatorCode("ann@example.com"), codeAt(t, e, secret, 0); got != want {
		t.Errorf("AuthenticatorCode %q, want the app's %q", got, want)
	}
	if got := e.srv.AuthenticatorCode("nobody@example.com"); got != "" {
		t.Errorf("AuthenticatorCode of an unknown user %q", got)
	}

	// A wrong code: the Session survives for another try.
	_, err = e.api.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: as.Session, UserCode: aws.String(mangle(codeAt(t, e, secret, 0)))})
	if got := errCode(err); got != "EnableSoftwareTokenMFAException: Code mismatch and fail enable Software Token MFA" {
		t.Fatalf("wrong setup code: %q", got)
	}
	vs, err := e.api.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: as.Session, UserCode: aws.String(codeAt(t, e, secret, 0)), FriendlyDeviceName: aws.String("Ann's phone")})
	if err != nil {
		t.Fatal(errCode(err))
	}
	if vs.Status != types.VerifySoftwareTokenResponseTypeSuccess || vs.Session == nil {
		t.Fatalf("VerifySoftwareToken %+v", vs)
	}
	done, err := respondMFA(e, types.ChallengeNameTypeMfaSetup, vs.Session, sub, "")
	if err != nil {
		t.Fatal(errCode(err))
	}
	if done.AuthenticationResult == nil || done.AuthenticationResult.AccessToken == nil {
		t.Fatalf("MFA_SETUP answered: %+v, want tokens", done)
	}
	if pref, list := mfaOf(t, e, admin, done.AuthenticationResult.AccessToken, sub); pref != "SOFTWARE_TOKEN_MFA" || !slices.Equal(list, []string{"SOFTWARE_TOKEN_MFA"}) {
		t.Errorf("after the setup: preferred %q list %v", pref, list)
	}

	// Later sign-ins: SOFTWARE_TOKEN_MFA. Each row starts a sign-in after
	// moving the clock; the state (the last step used) carries over.
	for _, tc := range []struct {
		name    string
		advance time.Duration
		off     time.Duration // the code of now+off
		raw     string        // instead of a computed code
		wrong   bool          // one digit changed
		want    string        // "" = tokens
	}{
		{name: "the setup code again, same step", off: 0, want: "CodeMismatchException: Invalid code or auth state for the user."},
		{name: "a wrong code", advance: 30 * time.Second, wrong: true, want: "CodeMismatchException: Invalid code or auth state for the user."},
		{name: "the previous step's code (clock skew)", advance: 60 * time.Second, off: -30 * time.Second},
		{name: "the code just used", off: -30 * time.Second, want: "CodeMismatchException: Invalid code or auth state for the user."},
		{name: "a code two steps old", advance: 60 * time.Second, off: -60 * time.Second, want: "CodeMismatchException: Invalid code or auth state for the user."},
		{name: "the next step's code (clock skew)", off: 30 * time.Second},
		{name: "the current code after a later one", off: 0, want: "CodeMismatchException: Invalid code or auth state for the user."},
		{name: "five digits", raw: "12345", want: "CodeMismatchException: Invalid code or auth state for the user."},
		{name: "a fresh code at a later step", advance: 60 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.clock.advance(tc.advance)
			out, err := passwordStep(t, e, "ann@example.com", "Correct-horse-1")
			if err != nil {
				t.Fatal(errCode(err))
			}
			if out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa || out.AuthenticationResult != nil {
				t.Fatalf("after the password: %q, want SOFTWARE_TOKEN_MFA", out.ChallengeName)
			}
			if p := out.ChallengeParameters; p["USER_ID_FOR_SRP"] != sub || p["FRIENDLY_DEVICE_NAME"] != "Ann's phone" {
				t.Errorf("SOFTWARE_TOKEN_MFA parameters %v", p)
			}
			code := tc.raw
			if code == "" {
				code = codeAt(t, e, secret, tc.off)
			}
			if tc.wrong {
				code = mangle(code)
			}
			res, err := respondMFA(e, types.ChallengeNameTypeSoftwareTokenMfa, out.Session, sub, code)
			if got := errCode(err); got != tc.want {
				t.Fatalf("error %q, want %q", got, tc.want)
			}
			if tc.want == "" {
				if res.AuthenticationResult == nil {
					t.Fatal("no tokens")
				}
				return
			}
			// A refused code ends the sign-in: the Session is spent.
			_, err = respondMFA(e, types.ChallengeNameTypeSoftwareTokenMfa, out.Session, sub, codeAt(t, e, secret, 0))
			if got := errCode(err); got != "NotAuthorizedException: Invalid session for the user, session can only be used once." {
				t.Fatalf("the Session after a refused code: %q", got)
			}
		})
	}
}

// TestMFASetupSessions: what AssociateSoftwareToken, VerifySoftwareToken
// and the MFA_SETUP answer refuse.
func TestMFASetupSessions(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		run  func(e *env, sub string, setup *cip.RespondToAuthChallengeOutput) error
		want string
	}{
		{"a PASSWORD_VERIFIER session does not set up a token", func(e *env, sub string, _ *cip.RespondToAuthChallengeOutput) error {
			_, out, err := srpStart(t, e, clientSRP, "ann@example.com")
			if err != nil {
				return err
			}
			_, err = e.api.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: out.Session})
			return err
		}, "NotAuthorizedException: Invalid session for the user."},
		{"MFA_SETUP before VerifySoftwareToken", func(e *env, sub string, setup *cip.RespondToAuthChallengeOutput) error {
			as, err := e.api.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: setup.Session})
			if err != nil {
				return err
			}
			_, err = respondMFA(e, types.ChallengeNameTypeMfaSetup, as.Session, sub, "")
			return err
		}, "InvalidParameterException: MFA_SETUP needs the Session returned by VerifySoftwareToken"},
		{"an access token and a session", func(e *env, sub string, setup *cip.RespondToAuthChallengeOutput) error {
			_, err := e.api.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: setup.Session, AccessToken: aws.String("x")})
			return err
		}, "InvalidParameterException: Provide either an access token or a session, not both"},
		{"a code that is not six digits", func(e *env, sub string, setup *cip.RespondToAuthChallengeOutput) error {
			as, err := e.api.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: setup.Session})
			if err != nil {
				return err
			}
			_, err = e.api.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: as.Session, UserCode: aws.String("12a456")})
			return err
		}, "InvalidParameterException: 1 validation error detected: Value at 'userCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+"},
		{"too many wrong codes spend the session", func(e *env, sub string, setup *cip.RespondToAuthChallengeOutput) error {
			as, err := e.api.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: setup.Session})
			if err != nil {
				return err
			}
			for range maxVerifyAttempts {
				e.api.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: as.Session, UserCode: aws.String(mangle(codeAt(t, e, *as.SecretCode, 0)))})
			}
			_, err = e.api.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: as.Session, UserCode: aws.String(codeAt(t, e, *as.SecretCode, 0))})
			return err
		}, "NotAuthorizedException: Invalid session for the user, session can only be used once."},
		{"an expired setup session", func(e *env, sub string, setup *cip.RespondToAuthChallengeOutput) error {
			as, err := e.api.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: setup.Session})
			if err != nil {
				return err
			}
			e.clock.advance(sessionTTL + time.Second)
			_, err = e.api.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: as.Session, UserCode: aws.String(codeAt(t, e, *as.SecretCode, 0))})
			return err
		}, "NotAuthorizedException: Invalid session for the user, session is expired."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := mfaEnv(t, "ON", nil)
			sub := e.seed(t, "ann@example.com", "Correct-horse-1")
			setup, err := passwordStep(t, e, "ann@example.com", "Correct-horse-1")
			if err != nil || setup.ChallengeName != types.ChallengeNameTypeMfaSetup {
				t.Fatalf("%q %v", errCode(err), setup)
			}
			if got := errCode(tc.run(e, sub, setup)); got != tc.want {
				t.Fatalf("error %q, want %q", got, tc.want)
			}
		})
	}
}

// TestMFAOptionalPool: in an OPTIONAL pool a user without TOTP signs in
// without a challenge; a token associated and verified with the access
// token changes nothing until SetUserMFAPreference activates it; then
// every sign-in answers SOFTWARE_TOKEN_MFA, until it is turned off.
func TestMFAOptionalPool(t *testing.T) {
	ctx := context.Background()
	e, admin := mfaEnv(t, "OPTIONAL", nil)
	sub := e.seed(t, "ann@example.com", "Correct-horse-1")
	signIn := func(t *testing.T) (*cip.RespondToAuthChallengeOutput, string) {
		t.Helper()
		out, err := passwordStep(t, e, "ann@example.com", "Correct-horse-1")
		if err != nil {
			t.Fatal(errCode(err))
		}
		if out.AuthenticationResult != nil {
			return out, ""
		}
		return out, string(out.ChallengeName)
	}
	out, ch := signIn(t)
	if ch != "" {
		t.Fatalf("a user without TOTP: challenge %q, want tokens", ch)
	}
	access := out.AuthenticationResult.AccessToken
	as, err := e.api.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})
	if err != nil {
		t.Fatal(errCode(err))
	}
	if as.Session != nil {
		t.Errorf("AssociateSoftwareToken with an access token answered a Session")
	}
	vs, err := e.api.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(codeAt(t, e, *as.SecretCode, 0))})
	if err != nil || vs.Status != types.VerifySoftwareTokenResponseTypeSuccess || vs.Session != nil {
		t.Fatalf("VerifySoftwareToken: %q %+v", errCode(err), vs)
	}
	if pref, list := mfaOf(t, e, admin, access, sub); pref != "" || len(list) != 0 {
		t.Errorf("verified, not activated: preferred %q list %v, want none", pref, list)
	}
	if _, ch := signIn(t); ch != "" {
		t.Fatalf("verified, not activated: challenge %q, want tokens", ch)
	}
	set := func(enabled, preferred bool) {
		t.Helper()
		if _, err := e.api.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
			SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: enabled, PreferredMfa: preferred}}); err != nil {
			t.Fatal(errCode(err))
		}
	}
	set(true, true)
	if pref, list := mfaOf(t, e, admin, access, sub); pref != "SOFTWARE_TOKEN_MFA" || !slices.Equal(list, []string{"SOFTWARE_TOKEN_MFA"}) {
		t.Errorf("activated: preferred %q list %v", pref, list)
	}
	e.clock.advance(30 * time.Second)
	out, ch = signIn(t)
	if ch != "SOFTWARE_TOKEN_MFA" {
		t.Fatalf("activated: challenge %q, want SOFTWARE_TOKEN_MFA", ch)
	}
	if res, err := respondMFA(e, types.ChallengeNameTypeSoftwareTokenMfa, out.Session, sub, codeAt(t, e, *as.SecretCode, 0)); err != nil || res.AuthenticationResult == nil {
		t.Fatalf("TOTP answer: %q", errCode(err))
	}
	set(false, false)
	if pref, list := mfaOf(t, e, admin, access, sub); pref != "" || len(list) != 0 {
		t.Errorf("turned off: preferred %q list %v", pref, list)
	}
	if _, ch := signIn(t); ch != "" {
		t.Fatalf("turned off: challenge %q, want tokens", ch)
	}
}

// TestSetUserMFAPreference: TOTP is activated only once verified; what a
// preference shows in GetUser; factors the endpoint does not have.
func TestSetUserMFAPreference(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, pool string
		state      string // "none", "pending" (associated), "verified"
		in         cip.SetUserMFAPreferenceInput
		want       string // error, "" = success
		pref       string
		list       []string
	}{
		{name: "never set up", pool: "OPTIONAL", state: "none",
			in:   cip.SetUserMFAPreferenceInput{SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}},
			want: "InvalidParameterException: User has not set up software token mfa"},
		{name: "associated, not verified", pool: "OPTIONAL", state: "pending",
			in:   cip.SetUserMFAPreferenceInput{SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true}},
			want: "InvalidParameterException: User has not verified software token mfa"},
		{name: "enabled and preferred", pool: "OPTIONAL", state: "verified",
			in:   cip.SetUserMFAPreferenceInput{SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}},
			pref: "SOFTWARE_TOKEN_MFA", list: []string{"SOFTWARE_TOKEN_MFA"}},
		{name: "enabled, not preferred", pool: "OPTIONAL", state: "verified",
			in:   cip.SetUserMFAPreferenceInput{SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true}},
			list: []string{"SOFTWARE_TOKEN_MFA"}},
		{name: "no settings", pool: "OPTIONAL", state: "verified", in: cip.SetUserMFAPreferenceInput{}},
		{name: "turning SMS off is a no-op", pool: "OPTIONAL", state: "none",
			in: cip.SetUserMFAPreferenceInput{SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: false}}},
		{name: "SMS on", pool: "OPTIONAL", state: "verified",
			in:   cip.SetUserMFAPreferenceInput{SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true}},
			want: "InvalidParameterException: SMS_MFA MFA is not available in the local endpoint"},
		{name: "a pool with MFA off", pool: "OFF", state: "none",
			in:   cip.SetUserMFAPreferenceInput{SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true}},
			want: "InvalidParameterException: User has not set up software token mfa"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, admin := mfaEnv(t, tc.pool, nil)
			sub := e.seed(t, "ann@example.com", "Correct-horse-1")
			out, err := passwordStep(t, e, "ann@example.com", "Correct-horse-1")
			if err != nil {
				t.Fatal(errCode(err))
			}
			access := out.AuthenticationResult.AccessToken
			if tc.state != "none" {
				as, err := e.api.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})
				if err != nil {
					t.Fatal(errCode(err))
				}
				if tc.state == "verified" {
					if _, err := e.api.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(codeAt(t, e, *as.SecretCode, 0))}); err != nil {
						t.Fatal(errCode(err))
					}
				}
			}
			in := tc.in
			in.AccessToken = access
			_, err = e.api.SetUserMFAPreference(ctx, &in)
			if got := errCode(err); got != tc.want {
				t.Fatalf("error %q, want %q", got, tc.want)
			}
			if pref, list := mfaOf(t, e, admin, access, sub); pref != tc.pref || !slices.Equal(list, tc.list) {
				t.Errorf("preferred %q list %v, want %q %v", pref, list, tc.pref, tc.list)
			}
		})
	}
	t.Run("MFA ON: TOTP cannot be turned off", func(t *testing.T) {
		e, admin := mfaEnv(t, "ON", nil)
		sub := e.seed(t, "ann@example.com", "Correct-horse-1")
		setup, err := passwordStep(t, e, "ann@example.com", "Correct-horse-1")
		if err != nil {
			t.Fatal(errCode(err))
		}
		as, err := e.api.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{Session: setup.Session})
		if err != nil {
			t.Fatal(errCode(err))
		}
		vs, err := e.api.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{Session: as.Session, UserCode: aws.String(codeAt(t, e, *as.SecretCode, 0))})
		if err != nil {
			t.Fatal(errCode(err))
		}
		done, err := respondMFA(e, types.ChallengeNameTypeMfaSetup, vs.Session, sub, "")
		if err != nil {
			t.Fatal(errCode(err))
		}
		access := done.AuthenticationResult.AccessToken
		if _, err := e.api.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
			SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: false}}); err != nil {
			t.Fatal(errCode(err))
		}
		if pref, list := mfaOf(t, e, admin, access, sub); pref != "SOFTWARE_TOKEN_MFA" || len(list) != 1 {
			t.Errorf("after turning off in an ON pool: %q %v, want unchanged", pref, list)
		}
		if out, err := passwordStep(t, e, "ann@example.com", "Correct-horse-1"); err != nil || out.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
			t.Fatalf("sign-in: %q %v, want SOFTWARE_TOKEN_MFA", errCode(err), out)
		}
	})
}

// TestMFAOffPool: with MFA OFF a sign-in is as before, and no user can set
// up a token.
func TestMFAOffPool(t *testing.T) {
	ctx := context.Background()
	e, _ := mfaEnv(t, "OFF", nil)
	e.seed(t, "ann@example.com", "Correct-horse-1")
	out, err := passwordStep(t, e, "ann@example.com", "Correct-horse-1")
	if err != nil || out.AuthenticationResult == nil || out.ChallengeName != "" {
		t.Fatalf("sign-in: %q %+v", errCode(err), out)
	}
	access := out.AuthenticationResult.AccessToken
	_, err = e.api.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})
	if got := errCode(err); got != "SoftwareTokenMFANotFoundException: Software Token MFA has not been enabled by the userPool." {
		t.Fatalf("AssociateSoftwareToken: %q", got)
	}
	_, err = e.api.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String("123456")})
	if got := errCode(err); got != "SoftwareTokenMFANotFoundException: Software Token MFA has not been enabled by the userPool." {
		t.Fatalf("VerifySoftwareToken: %q", got)
	}
}

// TestCustomAuthWithMFADue: a CUSTOM_AUTH sign-in that Define would end
// with tokens is refused when Cognito's own MFA would apply (not emulated);
// a user without TOTP in the same OPTIONAL pool signs in as before.
func TestCustomAuthWithMFADue(t *testing.T) {
	for _, tc := range []struct {
		name string
		totp bool
		want string
	}{
		{"no TOTP", false, ""},
		{"TOTP activated", true, "InvalidParameterException: The local endpoint does not emulate MFA inside CUSTOM_AUTH (this user's sign-in needs TOTP MFA)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := mfaEnv(t, "OPTIONAL", stepUpTriggers())
			sub := e.seed(t, "ann@example.com", "Correct-horse-1")
			if tc.totp {
				e.srv.mu.Lock()
				e.srv.users[sub].mfa = &userMFA{secret: "JBSWY3DPEHPK3PXP", enabled: true}
				e.srv.mu.Unlock()
			}
			out := e.customAuth(t, clientCust, "ann@example.com")
			_, err := e.answerCustom(clientCust, out, sub, "42")
			if got := errCode(err); got != tc.want {
				t.Fatalf("error %q, want %q", got, tc.want)
			}
		})
	}
}

// TestNewChecksMFA: New refuses an MFA setting the endpoint cannot run.
func TestNewChecksMFA(t *testing.T) {
	for _, tc := range []struct {
		mode    string
		enabled []string
		want    string // "" = accepted
	}{
		{"", nil, ""},
		{"OFF", []string{"SMS_MFA", "EMAIL_OTP"}, ""},
		{"ON", []string{"SOFTWARE_TOKEN_MFA"}, ""},
		{"OPTIONAL", []string{"SOFTWARE_TOKEN_MFA"}, ""},
		{"ON", []string{"SOFTWARE_TOKEN_MFA", "SMS_MFA"}, "EnabledMfas SMS_MFA"},
		{"OPTIONAL", []string{"EMAIL_OTP", "SOFTWARE_TOKEN_MFA"}, "EnabledMfas EMAIL_OTP"},
		{"OPTIONAL", []string{"SOFTWARE_TOKEN"}, `EnabledMfas "SOFTWARE_TOKEN"`},
		{"ON", nil, "without SOFTWARE_TOKEN_MFA"},
		{"on", []string{"SOFTWARE_TOKEN_MFA"}, `MfaConfiguration "on"`},
	} {
		t.Run(tc.mode+" "+strings.Join(tc.enabled, ","), func(t *testing.T) {
			cfg := testConfig(nil)
			cfg.MfaConfiguration, cfg.EnabledMfas = tc.mode, tc.enabled
			_, err := New(cfg, Options{})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %q", err, tc.want)
			}
		})
	}
}
