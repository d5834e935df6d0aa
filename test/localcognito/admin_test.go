package localcognito

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

const adminPool = "us-east-1_AdminPool1"

// adminEnv is a pool with usernames (email an attribute), the provider
// "Mosaic", a signed SDK client (dummy credentials, as the Lambda
// functions' SDK signs) and an anonymous one.
func adminEnv(t *testing.T, trig Triggers) (*Server, *cip.Client, *cip.Client) {
	t.Helper()
	srv, err := New(Config{
		PoolID:            adminPool,
		CustomAttributes:  map[string]bool{"ial": true, "fixed": false},
		Clients:           []Client{{ID: "web", Name: "web"}},
		IdentityProviders: []IdentityProvider{{Name: "Mosaic", Type: "OIDC"}},
		Triggers:          trig,
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	srv.SetIssuer(ts.URL)
	signed := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", "")})
	anon := cip.New(cip.Options{Region: "us-east-1", BaseEndpoint: aws.String(ts.URL), RetryMaxAttempts: 1, Credentials: aws.AnonymousCredentials{}})
	return srv, signed, anon
}

func TestAdminNeedsSigV4(t *testing.T) {
	srv, _, anon := adminEnv(t, nil)
	srv.SeedUser("ann", "Password-123", map[string]string{"email": "ann@example.com"}, true)
	_, err := anon.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: aws.String(adminPool), Username: aws.String("ann")})
	if got := errCode(err); !strings.HasPrefix(got, "MissingAuthenticationTokenException") {
		t.Fatalf("unsigned AdminGetUser: %q", got)
	}
	_, err = anon.ListUsers(context.Background(), &cip.ListUsersInput{UserPoolId: aws.String(adminPool)})
	if got := errCode(err); !strings.HasPrefix(got, "MissingAuthenticationTokenException") {
		t.Fatalf("unsigned ListUsers: %q", got)
	}
}

func TestAdminGetUserAndListUsers(t *testing.T) {
	srv, api, _ := adminEnv(t, nil)
	ctx := context.Background()
	annSub, _ := srv.SeedUser("ann", "Password-123", map[string]string{"email": "ann@example.com", "email_verified": "true"}, true)
	srv.SeedUser("bob", "Password-123", map[string]string{"email": `b"o\b@example.com`}, false)
	for i := range 3 {
		srv.SeedUser(fmt.Sprintf("many%d", i), "Password-123", map[string]string{"email": "many@example.com"}, true)
	}

	u, err := api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(adminPool), Username: aws.String("ann")})
	if err != nil {
		t.Fatal(errCode(err))
	}
	attrs := map[string]string{}
	for _, a := range u.UserAttributes {
		attrs[*a.Name] = *a.Value
	}
	if *u.Username != "ann" || u.UserStatus != types.UserStatusTypeConfirmed || !u.Enabled || attrs["sub"] != annSub || attrs["email_verified"] != "true" ||
		len(u.UserMFASettingList) != 0 || u.PreferredMfaSetting != nil || len(u.MFAOptions) != 0 || u.UserCreateDate == nil {
		t.Fatalf("AdminGetUser %+v", u)
	}
	if _, err := api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(adminPool), Username: aws.String("nobody")}); errCode(err) != "UserNotFoundException: User does not exist." {
		t.Fatalf("unknown user: %s", errCode(err))
	}
	var nf *types.UserNotFoundException
	if _, err := api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(adminPool), Username: aws.String("nobody")}); !errors.As(err, &nf) {
		t.Fatalf("not a typed UserNotFoundException: %v", err)
	}
	if _, err := api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String("us-east-1_Other"), Username: aws.String("ann")}); !strings.HasPrefix(errCode(err), "ResourceNotFoundException") {
		t.Fatalf("other pool: %s", errCode(err))
	}

	list := func(filter string, limit int32, token *string) (*cip.ListUsersOutput, error) {
		return api.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(adminPool), Filter: aws.String(filter), Limit: aws.Int32(limit), PaginationToken: token})
	}
	names := func(o *cip.ListUsersOutput) (out []string) {
		for _, u := range o.Users {
			out = append(out, *u.Username)
		}
		return out
	}
	for filter, want := range map[string]string{
		`email = "ann@example.com"`:           "ann",
		`email = "ANN@example.com"`:           "",
		`email ^= "ann@"`:                     "ann",
		`email = "b\"o\\b@example.com"`:       "bob",
		`cognito:user_status = "unconfirmed"`: "bob",
		`username = "ann"`:                    "ann",
		`sub = "` + annSub + `"`:              "ann",
		`status = "Enabled"`:                  "ann,bob,many0,many1,many2",
		``:                                    "ann,bob,many0,many1,many2",
	} {
		o, err := list(filter, 0, nil)
		if err != nil {
			t.Fatalf("%s: %s", filter, errCode(err))
		}
		if got := strings.Join(names(o), ","); got != want {
			t.Errorf("%s: %q, want %q", filter, got, want)
		}
	}
	for _, bad := range []string{`email = ann`, `email = "a"b"`, `email = "a\"`, `custom:ial = "1"`, `email > "a"`} {
		if _, err := list(bad, 0, nil); !strings.HasPrefix(errCode(err), "InvalidParameterException") {
			t.Errorf("%s: %s", bad, errCode(err))
		}
	}
	o, err := list(`email = "many@example.com"`, 2, nil)
	if err != nil || len(o.Users) != 2 || o.PaginationToken == nil {
		t.Fatalf("page 1: %v %+v", errCode(err), o)
	}
	o2, err := list(`email = "many@example.com"`, 2, o.PaginationToken)
	if err != nil || strings.Join(names(o2), ",") != "many2" || o2.PaginationToken != nil {
		t.Fatalf("page 2: %v %v", errCode(err), names(o2))
	}
	if o.Users[0].UserStatus != types.UserStatusTypeConfirmed || !o.Users[0].Enabled {
		t.Errorf("user entry %+v", o.Users[0])
	}
}

func TestAdminLinkDisableAndFederatedSignIn(t *testing.T) {
	srv, api, _ := adminEnv(t, nil)
	ctx := context.Background()
	srv.SeedUser("ann", "Password-123", map[string]string{"email": "ann@example.com", "email_verified": "true"}, true)
	link := func(dest, provider, sub string) error {
		_, err := api.AdminLinkProviderForUser(ctx, &cip.AdminLinkProviderForUserInput{
			UserPoolId:      aws.String(adminPool),
			DestinationUser: &types.ProviderUserIdentifierType{ProviderName: aws.String("Cognito"), ProviderAttributeValue: aws.String(dest)},
			SourceUser:      &types.ProviderUserIdentifierType{ProviderName: aws.String(provider), ProviderAttributeName: aws.String("Cognito_Subject"), ProviderAttributeValue: aws.String(sub)},
		})
		return err
	}
	if err := link("nobody", "Mosaic", "s1"); !strings.HasPrefix(errCode(err), "UserNotFoundException") {
		t.Fatalf("unknown destination: %s", errCode(err))
	}
	if err := link("ann", "Cognito", "s1"); !strings.HasPrefix(errCode(err), "InvalidParameterException") {
		t.Fatalf("Cognito source: %s", errCode(err))
	}
	if err := link("ann", "Mosaic", "s1"); err != nil {
		t.Fatal(errCode(err))
	}
	if err := link("ann", "Mosaic", "s1"); !strings.HasPrefix(errCode(err), "InvalidParameterException") {
		t.Fatalf("linked twice: %s", errCode(err))
	}
	u, _ := api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(adminPool), Username: aws.String("ann")})
	var ids []identity
	for _, a := range u.UserAttributes {
		if *a.Name == "identities" {
			json.Unmarshal([]byte(*a.Value), &ids)
		}
	}
	if len(ids) != 1 || ids[0].ProviderName != "Mosaic" || ids[0].UserID != "s1" || ids[0].ProviderType != "OIDC" {
		t.Fatalf("identities %+v", ids)
	}
	// The linked identity signs in as ann; an unlinked one gets its own user.
	if n, err := srv.FederatedSignIn(ctx, "web", "Mosaic", "s1", map[string]string{"email": "ann@example.com"}); err != nil || n != "ann" {
		t.Fatalf("linked sign-in: %q %v", n, err)
	}
	n, err := srv.FederatedSignIn(ctx, "web", "Mosaic", "s2", map[string]string{"email": "new@example.com", "email_verified": "true"})
	if err != nil || n != "Mosaic_s2" {
		t.Fatalf("new federated user: %q %v", n, err)
	}
	o, _ := api.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(adminPool), Filter: aws.String(`email = "new@example.com"`)})
	if len(o.Users) != 1 || o.Users[0].UserStatus != types.UserStatusTypeExternalProvider {
		t.Fatalf("federated user %+v", o.Users)
	}
	if err := link("ann", "Mosaic", "s2"); !strings.HasPrefix(errCode(err), "InvalidParameterException") {
		t.Fatalf("a source with its own user was linked: %s", errCode(err))
	}

	disable := func(sub string) error {
		_, err := api.AdminDisableProviderForUser(ctx, &cip.AdminDisableProviderForUserInput{UserPoolId: aws.String(adminPool),
			User: &types.ProviderUserIdentifierType{ProviderName: aws.String("Mosaic"), ProviderAttributeName: aws.String("Cognito_Subject"), ProviderAttributeValue: aws.String(sub)}})
		return err
	}
	if err := disable("s1"); err != nil {
		t.Fatal(errCode(err))
	}
	u, _ = api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(adminPool), Username: aws.String("ann")})
	for _, a := range u.UserAttributes {
		if *a.Name == "identities" {
			t.Fatalf("identities left after disable: %s", *a.Value)
		}
	}
	if n, err := srv.FederatedSignIn(ctx, "web", "Mosaic", "s1", nil); err != nil || n != "Mosaic_s1" {
		t.Fatalf("after unlinking, the identity is a new user: %q %v", n, err)
	}
	if err := disable("s2"); err != nil {
		t.Fatal(errCode(err))
	}
	var te *TriggerError
	if _, err := srv.FederatedSignIn(ctx, "web", "Mosaic", "s2", nil); !errors.As(err, &te) {
		t.Fatalf("disabled federated user signed in: %v", err)
	}
}

func TestAdminUpdateConfirmDelete(t *testing.T) {
	trig := &fakeTriggers{fns: map[Slot]func(map[string]any) error{SlotPostConfirmation: func(map[string]any) error { return nil }}}
	srv, api, _ := adminEnv(t, trig)
	ctx := context.Background()
	srv.SeedUser("ann", "Password-123", map[string]string{"email": "ann@example.com", "email_verified": "true"}, false)
	pool, ann := aws.String(adminPool), aws.String("ann")
	if _, err := api.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: pool, Username: ann}); err != nil {
		t.Fatal(errCode(err))
	}
	if ev := trig.of(SlotPostConfirmation); len(ev) != 1 || ev[0]["triggerSource"] != "PostConfirmation_ConfirmSignUp" {
		t.Fatalf("post confirmation events %v", ev)
	}
	if _, err := api.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: pool, Username: ann}); !strings.HasPrefix(errCode(err), "NotAuthorizedException") {
		t.Fatalf("confirmed twice: %s", errCode(err))
	}
	attr := func(n, v string) types.AttributeType {
		return types.AttributeType{Name: aws.String(n), Value: aws.String(v)}
	}
	if _, err := api.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: pool, Username: ann,
		UserAttributes: []types.AttributeType{attr("email", "ann2@example.com"), attr("custom:ial", "2")}}); err != nil {
		t.Fatal(errCode(err))
	}
	for _, bad := range []types.AttributeType{attr("sub", "x"), attr("custom:fixed", "x"), attr("custom:nope", "x")} {
		if _, err := api.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: pool, Username: ann, UserAttributes: []types.AttributeType{bad}}); err == nil {
			t.Errorf("%s written", *bad.Name)
		}
	}
	if _, err := api.AdminDeleteUserAttributes(ctx, &cip.AdminDeleteUserAttributesInput{UserPoolId: pool, Username: ann, UserAttributeNames: []string{"custom:ial"}}); err != nil {
		t.Fatal(errCode(err))
	}
	u, _ := api.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool, Username: ann})
	got := map[string]string{}
	for _, a := range u.UserAttributes {
		got[*a.Name] = *a.Value
	}
	if got["email"] != "ann2@example.com" || got["email_verified"] != "false" || got["custom:ial"] != "" || u.UserStatus != types.UserStatusTypeConfirmed {
		t.Fatalf("after updates: %v %s", got, u.UserStatus)
	}
}

// TestFederatedPreSignUp: the first sign-in of an identity runs pre sign-up
// with PreSignUp_ExternalProvider; a refusal is Cognito's trigger error,
// and a link the trigger makes (through the admin API, as the linking
// behaviour does) signs the identity in as the native user.
func TestFederatedPreSignUp(t *testing.T) {
	var api *cip.Client
	trig := &fakeTriggers{fns: map[Slot]func(map[string]any) error{SlotPreSignUp: func(ev map[string]any) error {
		attrs := req(ev)["userAttributes"].(map[string]any)
		switch attrs["email"] {
		case "refused@example.com":
			return errors.New("Sign in with your password, then connect Mosaic.")
		case "ann@example.com":
			_, err := api.AdminLinkProviderForUser(context.Background(), &cip.AdminLinkProviderForUserInput{
				UserPoolId:      aws.String(ev["userPoolId"].(string)),
				DestinationUser: &types.ProviderUserIdentifierType{ProviderName: aws.String("Cognito"), ProviderAttributeValue: aws.String("ann")},
				SourceUser: &types.ProviderUserIdentifierType{ProviderName: aws.String("Mosaic"), ProviderAttributeName: aws.String("Cognito_Subject"),
					ProviderAttributeValue: aws.String(strings.TrimPrefix(ev["userName"].(string), "Mosaic_"))},
			})
			return err
		}
		return nil
	}}}
	srv, signed, _ := adminEnv(t, trig)
	api = signed
	ctx := context.Background()
	srv.SeedUser("ann", "Password-123", map[string]string{"email": "ann@example.com", "email_verified": "true"}, true)

	_, err := srv.FederatedSignIn(ctx, "web", "Mosaic", "r1", map[string]string{"email": "refused@example.com"})
	var te *TriggerError
	if !errors.As(err, &te) || te.Message != "PreSignUp failed with error Sign in with your password, then connect Mosaic.." {
		t.Fatalf("refusal: %v", err)
	}
	ev := trig.of(SlotPreSignUp)[0]
	if ev["triggerSource"] != "PreSignUp_ExternalProvider" || ev["userName"] != "Mosaic_r1" {
		t.Fatalf("event %v", ev)
	}
	if n, err := srv.FederatedSignIn(ctx, "web", "Mosaic", "a1", map[string]string{"email": "ann@example.com"}); err != nil || n != "ann" {
		t.Fatalf("linked by the trigger: %q %v", n, err)
	}
	if n, err := srv.FederatedSignIn(ctx, "web", "Mosaic", "a1", nil); err != nil || n != "ann" || len(trig.of(SlotPreSignUp)) != 2 {
		t.Fatalf("second sign-in: %q %v (pre sign-up runs only at the first)", n, err)
	}
	if _, err := srv.FederatedSignIn(ctx, "web", "Other", "x", nil); err == nil {
		t.Fatal("unknown provider accepted")
	}
}
