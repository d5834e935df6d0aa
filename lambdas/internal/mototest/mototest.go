// Package mototest holds the set-ups the handler tests share around
// moto_server (test/motoserver): for Cognito, usually with test/cognitofake
// in front of it, a client, a user pool, a user, a user's attributes and
// identities; for DynamoDB, a step-up table; for Secrets Manager, a client.
// Only tests import it.
package mototest

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/test/motoserver"
)

// Cognito returns a Cognito client for endpoint (moto_server, or
// cognitofake in front of it) with moto's credentials, a 10 s HTTP timeout
// and no retries: cognitofake's FailNext fails exactly one call, and the
// test must see that failure.
func Cognito(endpoint string) *cip.Client {
	return cip.New(cip.Options{
		Region:       motoserver.Region,
		Credentials:  motoserver.Credentials,
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   &http.Client{Timeout: 10 * time.Second},
		Retryer:      aws.NopRetryer{},
	})
}

// UserPool creates a user pool named name with moto's defaults and
// returns its id.
func UserPool(tb testing.TB, ctx context.Context, c *cip.Client, name string) string {
	tb.Helper()
	out, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String(name)})
	if err != nil {
		tb.Fatal(err)
	}
	return aws.ToString(out.UserPool.Id)
}

// CreateUser creates the user name in pool (no invitation message) with
// attrs, given as name, value pairs in the order Cognito receives them.
func CreateUser(tb testing.TB, ctx context.Context, c *cip.Client, pool, name string, attrs ...string) {
	tb.Helper()
	if len(attrs)%2 != 0 {
		tb.Fatalf("CreateUser %s: attributes must come in name, value pairs: %q", name, attrs)
	}
	var list []types.AttributeType
	for i := 0; i < len(attrs); i += 2 {
		list = append(list, types.AttributeType{Name: aws.String(attrs[i]), Value: aws.String(attrs[i+1])})
	}
	if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(pool), Username: aws.String(name), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: list,
	}); err != nil {
		tb.Fatalf("AdminCreateUser %s: %v", name, err)
	}
}

// Attributes returns the user's attributes as AdminGetUser reads them.
func Attributes(tb testing.TB, ctx context.Context, c *cip.Client, pool, user string) map[string]string {
	tb.Helper()
	out, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(pool), Username: aws.String(user)})
	if err != nil {
		tb.Fatal(err)
	}
	attrs := map[string]string{}
	for _, a := range out.UserAttributes {
		attrs[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	return attrs
}

// Identities returns the user's "identities" attribute, parsed (nil when
// there is none or it is not a JSON array).
func Identities(tb testing.TB, ctx context.Context, c *cip.Client, pool, user string) []map[string]any {
	tb.Helper()
	raw, ok := Attributes(tb, ctx, c, pool, user)["identities"]
	if !ok {
		return nil
	}
	var l []map[string]any
	_ = json.Unmarshal([]byte(raw), &l)
	return l
}
