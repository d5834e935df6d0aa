package cognitofake_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/cognitobridge/cognitobridge/test/cognitofake"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
)

func client(endpoint string) *cip.Client {
	return cip.New(cip.Options{
		Region:       motoserver.Region,
		Credentials:  motoserver.Credentials,
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   &http.Client{Timeout: 10 * time.Second},
		// No retries: the SDK retries LimitExceededException (a throttle
		// code), which would consume more than one FailNext.
		Retryer: aws.NopRetryer{},
	})
}

func createUser(t *testing.T, ctx context.Context, c *cip.Client, pool, name, email string) {
	t.Helper()
	_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(pool), Username: aws.String(name), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{
			{Name: aws.String("email"), Value: aws.String(email)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	})
	if err != nil {
		t.Fatalf("AdminCreateUser %s: %v", name, err)
	}
}

func listNames(t *testing.T, ctx context.Context, c *cip.Client, pool, filter string) ([]string, error) {
	t.Helper()
	out, err := c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: aws.String(pool), Filter: aws.String(filter)})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, u := range out.Users {
		names = append(names, aws.ToString(u.Username))
	}
	return names, nil
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// TestMotoListUsersFindings documents what moto 5.2.1 itself does with the
// ListUsers email filter (straight to moto, no fake): the comparison is
// exact and case-sensitive, and escapes are not undone (the value is
// everything between the first and the last quotation mark).
func TestMotoListUsersFindings(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts moto_server")
	}
	moto := motoserver.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := client(moto)
	pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("findings")})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(pool.UserPool.Id)
	createUser(t, ctx, c, id, "lower", "alice@example.com")
	createUser(t, ctx, c, id, "quote", `a"b@example.com`)

	for _, tc := range []struct {
		filter string
		want   int
	}{
		{`email = "alice@example.com"`, 1},
		{`email = "Alice@Example.com"`, 0}, // case-sensitive
		{`email = "a\"b@example.com"`, 0},  // escaped quote not unescaped
		{`email = "a"b@example.com"`, 1},   // greedy: raw quote matches
		{`email = "x" or email ^= ""`, 0},  // value is `x" or email ^= `: no injection
		{`email ^= "ali"`, 1},              // prefix
	} {
		names, err := listNames(t, ctx, c, id, tc.filter)
		if err != nil || len(names) != tc.want {
			t.Errorf("moto %s: got %v, %v; want %d users", tc.filter, names, err, tc.want)
		}
	}
}

func TestFake(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts moto_server")
	}
	fake := cognitofake.Start(t, motoserver.Start(t))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := client(fake.Endpoint())
	pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("fake")}) // forwarded
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(pool.UserPool.Id)
	createUser(t, ctx, c, id, "quote", `a"b\c@example.com`)

	// ListUsers: documented escapes are undone for moto; malformed refused.
	if names, err := listNames(t, ctx, c, id, `email = "a\"b\\c@example.com"`); err != nil || len(names) != 1 {
		t.Fatalf("escaped filter: %v %v", names, err)
	}
	for _, bad := range []string{`email = "a"b@example.com"`, `email = "a\b"`, `email = "x`, `email "x"`} {
		if _, err := listNames(t, ctx, c, id, bad); code(err) != "InvalidParameterException" {
			t.Errorf("filter %s: %v", bad, err)
		}
	}

	link := func(in *cip.AdminLinkProviderForUserInput) error {
		_, err := c.AdminLinkProviderForUser(ctx, in)
		return err
	}
	good := func() *cip.AdminLinkProviderForUserInput {
		return &cip.AdminLinkProviderForUserInput{
			UserPoolId:      aws.String(id),
			DestinationUser: &types.ProviderUserIdentifierType{ProviderName: aws.String("Cognito"), ProviderAttributeValue: aws.String("quote")},
			SourceUser:      &types.ProviderUserIdentifierType{ProviderName: aws.String("corp_oidc"), ProviderAttributeName: aws.String("Cognito_Subject"), ProviderAttributeValue: aws.String("sub-1")},
		}
	}
	bads := map[string]func(*cip.AdminLinkProviderForUserInput){
		"pool pattern":     func(in *cip.AdminLinkProviderForUserInput) { in.UserPoolId = aws.String("nounderscore") },
		"source native":    func(in *cip.AdminLinkProviderForUserInput) { in.SourceUser.ProviderName = aws.String("Cognito") },
		"source attr name": func(in *cip.AdminLinkProviderForUserInput) { in.SourceUser.ProviderAttributeName = nil },
		"provider too long": func(in *cip.AdminLinkProviderForUserInput) {
			in.SourceUser.ProviderName = aws.String("p123456789012345678901234567890123")
		},
		"no provider name":   func(in *cip.AdminLinkProviderForUserInput) { in.DestinationUser.ProviderName = nil },
		"empty source value": func(in *cip.AdminLinkProviderForUserInput) { in.SourceUser.ProviderAttributeValue = aws.String("") },
	}
	for name, mut := range bads {
		in := good()
		mut(in)
		if err := link(in); code(err) != "InvalidParameterException" {
			t.Errorf("%s: %v", name, err)
		}
	}
	missing := good()
	missing.DestinationUser.ProviderAttributeValue = aws.String("nobody")
	if err := link(missing); code(err) != "UserNotFoundException" {
		t.Errorf("missing destination: %v", err)
	}
	fake.FailNext("AdminLinkProviderForUser", "LimitExceededException", "limit")
	if err := link(good()); code(err) != "LimitExceededException" {
		t.Errorf("FailNext: %v", err)
	}
	if len(fake.Links()) != 0 {
		t.Fatalf("links recorded by failed calls: %v", fake.Links())
	}
	if err := link(good()); err != nil {
		t.Fatalf("good link: %v", err)
	}
	if err := link(good()); code(err) != "InvalidParameterException" {
		t.Errorf("second link of the same source: %v", err)
	}
	want := cognitofake.Link{UserPoolID: id,
		Destination: cognitofake.Identifier{ProviderName: "Cognito", ProviderAttributeValue: "quote"},
		Source:      cognitofake.Identifier{ProviderName: "corp_oidc", ProviderAttributeName: "Cognito_Subject", ProviderAttributeValue: "sub-1"}}
	if got := fake.Links(); len(got) != 1 || got[0] != want {
		t.Fatalf("links %+v", got)
	}
	if n := fake.Calls("AdminLinkProviderForUser"); n != len(bads)+4 {
		t.Errorf("calls %d", n)
	}

	// The link shows in the destination's identities attribute on moto.
	ids := func(user string) []map[string]any {
		t.Helper()
		out, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(id), Username: aws.String(user)})
		if err != nil {
			t.Fatalf("AdminGetUser %s: %v", user, err)
		}
		for _, a := range out.UserAttributes {
			if aws.ToString(a.Name) == "identities" {
				var l []map[string]any
				if err := json.Unmarshal([]byte(aws.ToString(a.Value)), &l); err != nil {
					t.Fatalf("identities %q: %v", aws.ToString(a.Value), err)
				}
				return l
			}
		}
		return nil
	}
	if l := ids("quote"); len(l) != 1 || l[0]["providerName"] != "corp_oidc" || l[0]["userId"] != "sub-1" || l[0]["providerType"] != "OIDC" {
		t.Fatalf("identities after link: %v", l)
	}
	// A source that has its own federated user in the pool is refused.
	createUser(t, ctx, c, id, "corp_oidc_sub-own", "own@example.com")
	own := good()
	own.SourceUser.ProviderAttributeValue = aws.String("sub-own")
	if err := link(own); code(err) != "InvalidParameterException" {
		t.Errorf("source with its own user: %v", err)
	}
	// Five identities at most.
	for i := 2; i <= 5; i++ {
		in := good()
		in.SourceUser.ProviderName = aws.String(fmt.Sprintf("p%d", i))
		if err := link(in); err != nil {
			t.Fatalf("link %d: %v", i, err)
		}
	}
	sixth := good()
	sixth.SourceUser.ProviderName = aws.String("p6")
	if err := link(sixth); code(err) != "LimitExceededException" {
		t.Errorf("sixth identity: %v", err)
	}
	// Disconnect: the link and the identity go; the same source can link again.
	if _, err := c.AdminDisableProviderForUser(ctx, &cip.AdminDisableProviderForUserInput{UserPoolId: aws.String(id),
		User: &types.ProviderUserIdentifierType{ProviderName: aws.String("corp_oidc"), ProviderAttributeName: aws.String("Cognito_Subject"), ProviderAttributeValue: aws.String("sub-1")}}); err != nil {
		t.Fatalf("AdminDisableProviderForUser: %v", err)
	}
	if l := ids("quote"); len(l) != 4 {
		t.Fatalf("identities after disable: %v", l)
	}
	for _, l := range fake.Links() {
		if l.Source.ProviderName == "corp_oidc" {
			t.Fatalf("link kept after disable: %+v", l)
		}
	}
	if err := link(good()); err != nil {
		t.Errorf("relink after disable: %v", err)
	}
}

func TestParseFilter(t *testing.T) {
	for in, want := range map[string]string{
		`email = "a@x"`:         "a@x",
		`email="a\"b"`:          `a"b`,
		`email = "a\\"`:         `a\`,
		`email = "\\\"\\"`:      `\"\`,
		` given_name ^= "Jon" `: "Jon",
	} {
		if _, _, v, err := cognitofake.ParseFilter(in); err != nil || v != want {
			t.Errorf("%s: %q %v", in, v, err)
		}
	}
	for _, in := range []string{`email = "a\"`, `email = "a"b"`, `email = a`, `email = "a\x"`, ``} {
		if _, _, _, err := cognitofake.ParseFilter(in); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}
