package linking_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/mototest"
	"github.com/cognitobridge/cognitobridge/lambdas/linking"
	"github.com/cognitobridge/cognitobridge/lambdas/presignup"
	"github.com/cognitobridge/cognitobridge/test/cognitofake"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
)

// namedEnv is a moto pool behind cognitofake (which answers
// AdminLinkProviderForUser and writes the destination's identities on moto)
// and the deployed pre sign-up handler built from environment variables,
// as lambdas/cmd/presignup builds it.
type namedEnv struct {
	t      *testing.T
	ctx    context.Context
	fake   *cognitofake.Fake
	client *cip.Client
	pool   string
	logs   bytes.Buffer
}

func newNamedEnv(t *testing.T) *namedEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts moto_server")
	}
	e := &namedEnv{t: t, fake: cognitofake.Start(t, motoserver.Start(t))}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	e.ctx = ctx
	e.client = mototest.Cognito(e.fake.Endpoint())
	e.pool = mototest.UserPool(t, ctx, e.client, "named")
	return e
}

func (e *namedEnv) native(name, email string) {
	e.t.Helper()
	mototest.CreateUser(e.t, e.ctx, e.client, e.pool, name, "email", email, "email_verified", "true")
}

// handler is the pre sign-up handler configured by env, as deployed.
func (e *namedEnv) handler(env map[string]string) lambda.Handler {
	e.t.Helper()
	cfg, err := linking.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		e.t.Fatal(err)
	}
	b, err := linking.New(e.client, cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	b.Logger = slog.New(slog.NewJSONHandler(&e.logs, nil))
	h := presignup.New(b)
	h.Logger = b.Logger
	return lambda.NewHandler(h.Handle)
}

// signUp invokes the handler with the PreSignUp_ExternalProvider event of
// a first sign-in at provider as subject, asserting email verified.
func (e *namedEnv) signUp(h lambda.Handler, provider, subject, email string) error {
	e.t.Helper()
	return e.firstSignIn(h, provider, subject, map[string]string{"email": email, "email_verified": "true", "sub": "new"})
}

// firstSignIn invokes the handler with the PreSignUp_ExternalProvider
// event of a first sign-in at provider as subject, with the attributes the
// provider's mapping gives.
func (e *namedEnv) firstSignIn(h lambda.Handler, provider, subject string, attrs map[string]string) error {
	e.t.Helper()
	ev := presignup.Event{
		Header: presignup.Header{Version: "1", TriggerSource: presignup.TriggerExternalProvider, Region: motoserver.Region,
			UserPoolID: e.pool, UserName: provider + "_" + subject, CallerContext: presignup.CallerContext{ClientID: "hostedui"}},
		Request: presignup.Request{UserAttributes: attrs},
	}
	raw, _ := json.Marshal(ev)
	_, err := h.Invoke(e.ctx, raw)
	return err
}

func (e *namedEnv) identities(user string) []map[string]any {
	e.t.Helper()
	return mototest.Identities(e.t, e.ctx, e.client, e.pool, user)
}

// TestLooseProviderTakeoverRefusedByDefault: an attacker registers the
// victim's address at a provider that verifies loosely and signs in
// through the hosted UI. With the deployed default (no provider trusted for
// email verification) the sign-up is refused with the connect message, and
// the victim's account gains no identity.
func TestLooseProviderTakeoverRefusedByDefault(t *testing.T) {
	e := newNamedEnv(t)
	e.native("alice-native", "alice@example.com")
	h := e.handler(map[string]string{contract.EnvLinkProviders: `["Loose","Mosaic"]`})

	err := e.signUp(h, "Loose", "attacker-1", "alice@example.com")
	if err == nil || err.Error() != linking.ConnectMessage("Loose") {
		t.Fatalf("takeover sign-up: %v, want %q", err, linking.ConnectMessage("Loose"))
	}
	// Other spellings of the same address: the same refusal.
	if err := e.signUp(h, "Loose", "attacker-2", "ALICE@Example.com"); err == nil || err.Error() != linking.ConnectMessage("Loose") {
		t.Fatalf("mixed case: %v", err)
	}
	// Trusting another provider does not trust this one.
	h2 := e.handler(map[string]string{contract.EnvLinkProviders: `["Loose","Mosaic"]`, contract.EnvLinkTrustedProviders: `["Mosaic"]`})
	if err := e.signUp(h2, "Loose", "attacker-3", "alice@example.com"); err == nil || err.Error() != linking.ConnectMessage("Loose") {
		t.Fatalf("other provider trusted: %v", err)
	}
	if n := e.fake.Calls("AdminLinkProviderForUser"); n != 0 {
		t.Fatalf("AdminLinkProviderForUser called %d times", n)
	}
	if ids := e.identities("alice-native"); len(ids) != 0 {
		t.Fatalf("victim gained identities: %v", ids)
	}
	// An address nobody uses signs up as a separate user, as before.
	if err := e.signUp(h, "Loose", "someone", "new@example.com"); err != nil {
		t.Fatalf("unrelated sign-up refused: %v", err)
	}
	for _, l := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		if strings.Contains(l, "presignup linking decision") && strings.Contains(l, `"refused":true`) &&
			(!strings.Contains(l, `"reason":"connect_required"`) || !strings.Contains(l, `"trusted":false`)) {
			t.Errorf("log line %s", l)
		}
	}
	if strings.Contains(e.logs.String(), "alice@") || strings.Contains(e.logs.String(), "attacker-") {
		t.Errorf("email or subject logged: %s", e.logs.String())
	}
}

// TestTrustedProviderAutomaticLinking: a provider the app owner trusts for
// email verification (EnvLinkTrustedProviders) is linked on its first
// sign-in to the one native user with that verified email and no MFA;
// the link appears in the user's identities, and a second identity of the
// same provider with the same email is refused (no double link).
func TestTrustedProviderAutomaticLinking(t *testing.T) {
	e := newNamedEnv(t)
	e.native("bob-native", "bob@example.com")
	h := e.handler(map[string]string{contract.EnvLinkProviders: `["Mosaic"]`, contract.EnvLinkTrustedProviders: `["Mosaic"]`})

	if err := e.signUp(h, "Mosaic", "bob-sub", "Bob@example.com"); err != nil {
		t.Fatalf("trusted sign-up: %v", err)
	}
	want := cognitofake.Link{UserPoolID: e.pool,
		Destination: cognitofake.Identifier{ProviderName: "Cognito", ProviderAttributeValue: "bob-native"},
		Source:      cognitofake.Identifier{ProviderName: "Mosaic", ProviderAttributeName: "Cognito_Subject", ProviderAttributeValue: "bob-sub"}}
	if l := e.fake.Links(); len(l) != 1 || l[0] != want {
		t.Fatalf("links %+v, want %+v", l, want)
	}
	if ids := e.identities("bob-native"); len(ids) != 1 || ids[0]["providerName"] != "Mosaic" || ids[0]["userId"] != "bob-sub" {
		t.Fatalf("identities %v", ids)
	}
	if err := e.signUp(h, "Mosaic", "other-sub", "bob@example.com"); err == nil || err.Error() != linking.MsgAlreadyLinked {
		t.Fatalf("second identity of the provider: %v", err)
	}
	if n := len(e.fake.Links()); n != 1 {
		t.Fatalf("links %d", n)
	}
	if !strings.Contains(e.logs.String(), `"reason":"linked"`) || !strings.Contains(e.logs.String(), `"trusted":true`) {
		t.Errorf("log %s", e.logs.String())
	}
}

// TestTrustedProviderRefusedForMFAUser: even a trusted provider is never
// linked automatically onto a native user who has MFA (moto's AdminGetUser
// shows SMS_MFA after AdminSetUserMFAPreference): the person is sent to
// the connect flow, where they pass their own sign-in, MFA included.
func TestTrustedProviderRefusedForMFAUser(t *testing.T) {
	e := newNamedEnv(t)
	e.native("carol-native", "carol@example.com")
	if _, err := e.client.AdminSetUserMFAPreference(e.ctx, &cip.AdminSetUserMFAPreferenceInput{
		UserPoolId: aws.String(e.pool), Username: aws.String("carol-native"),
		SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true, PreferredMfa: true},
	}); err != nil {
		t.Fatal(err)
	}
	u, err := e.client.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(e.pool), Username: aws.String("carol-native")})
	if err != nil || !linking.HasMFA(u) || len(u.UserMFASettingList) != 1 || u.UserMFASettingList[0] != "SMS_MFA" {
		t.Fatalf("moto's AdminGetUser: %+v %v", u, err)
	}
	h := e.handler(map[string]string{contract.EnvLinkProviders: `["Mosaic"]`, contract.EnvLinkTrustedProviders: `["Mosaic"]`})
	if err := e.signUp(h, "Mosaic", "carol-sub", "carol@example.com"); err == nil || err.Error() != linking.ConnectMessage("Mosaic") {
		t.Fatalf("MFA user: %v, want %q", err, linking.ConnectMessage("Mosaic"))
	}
	if n := e.fake.Calls("AdminLinkProviderForUser"); n != 0 {
		t.Fatalf("AdminLinkProviderForUser called %d times", n)
	}
	if ids := e.identities("carol-native"); len(ids) != 0 {
		t.Fatalf("identities %v", ids)
	}
	if !strings.Contains(e.logs.String(), `"reason":"mfa_enabled"`) {
		t.Errorf("log %s", e.logs.String())
	}
}
