package template

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/localcognito/srp"
)

// TestGoldenAccountSettings: every sample's user-name, sign-up, recovery and
// user-existence settings reach localcognito.Config, and the endpoint
// accepts them (New refuses what it cannot honour).
func TestGoldenAccountSettings(t *testing.T) {
	strict := localcognito.PasswordPolicy{MinimumLength: 12, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 3}
	for _, tc := range []struct {
		name               string
		alias, required    []string
		adminOnly          bool
		verifyBeforeUpdate []string
		emailUsername      bool
	}{
		{name: "biopass-mfa", alias: []string{"email"}, required: []string{"email"}, adminOnly: true, verifyBeforeUpdate: []string{"email"}},
		{name: "blockid-federation", alias: []string{"email"}, adminOnly: true},
		{name: "blockid-stepup", alias: []string{"email"}, required: []string{"email"}, adminOnly: true, verifyBeforeUpdate: []string{"email"}},
		{name: "identity-proofing", required: []string{"email"}, verifyBeforeUpdate: []string{"email"}, emailUsername: true},
		{name: "mosaic-passwordless", alias: []string{"email"}, adminOnly: true},
		{name: "shared-pool", alias: []string{"email"}, adminOnly: true, verifyBeforeUpdate: []string{"email"}},
		{name: "transaction-stepup", alias: []string{"email"}, required: []string{"email"}, adminOnly: true, verifyBeforeUpdate: []string{"email"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(testdata, tc.name+".template.json")
			p, err := Load(path, Options{Parameters: allParameters(t, path)})
			if err != nil {
				t.Fatal(err)
			}
			c := p.Config
			if !c.UsernameCaseInsensitive || !slices.Equal(c.AliasAttributes, tc.alias) || slices.Contains(c.UsernameAttributes, "email") != tc.emailUsername {
				t.Errorf("names: case-insensitive %v alias %v username attributes %v", c.UsernameCaseInsensitive, c.AliasAttributes, c.UsernameAttributes)
			}
			if c.PasswordPolicy == nil || *c.PasswordPolicy != strict {
				t.Errorf("password policy %+v", c.PasswordPolicy)
			}
			if c.AllowAdminCreateUserOnly != tc.adminOnly || !slices.Equal(c.RequiredAttributes, tc.required) {
				t.Errorf("admin only %v required %v", c.AllowAdminCreateUserOnly, c.RequiredAttributes)
			}
			if !slices.Equal(c.AttributesRequireVerificationBeforeUpdate, tc.verifyBeforeUpdate) || !slices.Equal(c.AccountRecovery, []string{"verified_email"}) {
				t.Errorf("verify before update %v recovery %v", c.AttributesRequireVerificationBeforeUpdate, c.AccountRecovery)
			}
			for _, cl := range c.Clients {
				if cl.PreventUserExistenceErrors != "ENABLED" {
					t.Errorf("client %s: PreventUserExistenceErrors %q", cl.Name, cl.PreventUserExistenceErrors)
				}
			}
			if _, err := localcognito.New(c, localcognito.Options{}); err != nil {
				t.Errorf("the endpoint refuses the sample: %v", err)
			}
		})
	}
}

// TestAccountSettingsRefused: a setting the endpoint cannot honour fails
// Load or New with an error naming it.
func TestAccountSettingsRefused(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"password history", `"Schema": [`, `"Policies": {"PasswordPolicy": {"MinimumLength": 8, "PasswordHistorySize": 3}}, "Schema": [`, "PasswordHistorySize"},
		{"unknown policy field", `"Schema": [`, `"Policies": {"PasswordPolicy": {"MinimumLength": 8, "RequireEmoji": true}}, "Schema": [`, "Policies.PasswordPolicy.RequireEmoji"},
		{"short minimum", `"Schema": [`, `"Policies": {"PasswordPolicy": {"MinimumLength": 4}}, "Schema": [`, "MinimumLength 4"},
		{"phone recovery", `"Schema": [`, `"AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_phone_number", "Priority": 1}]}, "Schema": [`, "verified_phone_number"},
		{"phone update verification", `"Schema": [`, `"AutoVerifiedAttributes": ["email"], "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["phone_number"]}, "Schema": [`, "AttributesRequireVerificationBeforeUpdate \"phone_number\""},
		{"update verification without auto-verification", `"Schema": [`, `"UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]}, "Schema": [`, "not in AutoVerifiedAttributes"},
		{"preferred_username alias", `"UsernameAttributes": ["email"],`, `"AliasAttributes": ["preferred_username"],`, "AliasAttributes \"preferred_username\""},
		{"user existence value", `"AccessTokenValidity": 10,`, `"AccessTokenValidity": 10, "PreventUserExistenceErrors": "MAYBE",`, "PreventUserExistenceErrors \"MAYBE\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := minimal(`"x"`)
			if !bytes.Contains(raw, []byte(tc.from)) {
				t.Fatalf("the minimal template has no %s", tc.from)
			}
			raw = bytes.Replace(raw, []byte(tc.from), []byte(tc.to), 1)
			p, err := Parse(raw, Options{StackName: "Local", PoolName: "LocalPool"})
			if err == nil {
				_, err = localcognito.New(p.Config, localcognito.Options{})
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
}

// TestProofingSampleSignUp signs a user up on the identity-proofing
// sample's own pool settings (no triggers) with the password the browser
// test uses (devstack.DemoPassword's value), confirms it and signs in over
// SRP with the email in another case: the policy, the required email and
// the case rule of the sample let the demo flow through.
func TestProofingSampleSignUp(t *testing.T) {
	const password = "Demo-Passw0rd!" // devstack.DemoPassword (devstack imports this package)
	path := filepath.Join(testdata, "identity-proofing.template.json")
	p, err := Load(path, Options{Parameters: allParameters(t, path)})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := localcognito.New(p.Config, localcognito.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	srv.SetIssuer(ts.URL)
	api := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1})
	ctx := context.Background()
	client := p.Config.Clients[0].ID
	if _, err := api.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(client), Username: aws.String("weak@example.com"), Password: aws.String("password1")}); err == nil || !strings.Contains(err.Error(), "InvalidPasswordException") {
		t.Errorf("a weak password: %v", err)
	}
	out, err := api.SignUp(ctx, &cip.SignUpInput{ClientId: aws.String(client), Username: aws.String("ada.proofing@example.com"), Password: aws.String(password)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(client), Username: out.UserSub,
		ConfirmationCode: aws.String(srv.PendingCode("ada.proofing@example.com", localcognito.PurposeSignUp))}); err != nil {
		t.Fatal(err)
	}
	cl, err := srp.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	ia, err := api.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: aws.String(client), AuthFlow: types.AuthFlowTypeUserSrpAuth,
		AuthParameters: map[string]string{"USERNAME": "Ada.Proofing@Example.com", "SRP_A": cl.SRPAHex()}})
	if err != nil {
		t.Fatal(err)
	}
	cp := ia.ChallengeParameters
	now := srp.Timestamp(time.Now())
	poolName := p.Config.PoolID[strings.Index(p.Config.PoolID, "_")+1:]
	sig, err := cl.Sign(poolName, cp["USER_ID_FOR_SRP"], password, cp["SALT"], cp["SRP_B"], cp["SECRET_BLOCK"], now)
	if err != nil {
		t.Fatal(err)
	}
	res, err := api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: aws.String(client), ChallengeName: types.ChallengeNameTypePasswordVerifier, Session: ia.Session,
		ChallengeResponses: map[string]string{"USERNAME": cp["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"], "PASSWORD_CLAIM_SIGNATURE": sig, "TIMESTAMP": now}})
	// The pool requires TOTP MFA: a user without it sets it up now.
	if err != nil || res.ChallengeName != types.ChallengeNameTypeMfaSetup {
		t.Fatalf("sign-in: %v, challenge %q; want MFA_SETUP", err, res.ChallengeName)
	}
}
