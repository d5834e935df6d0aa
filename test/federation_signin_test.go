package test

// The federated sign-in of the BlockID sample, played as Cognito documents
// it, against moto's user pools, with the sample's own configuration read
// from its synthesized template: the identity provider's attribute
// mapping, the hosted sign-in client's write list, the pool's schema and
// the pre token generation function's environment. Cognito writes every
// mapped attribute at each federated sign-in and "throws an error" when the
// client cannot write one; then pre token generation
// (TokenGeneration_HostedAuth) runs the real assurance behaviour, composed
// as lambdas/cmd/pretokengen composes it.

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/apps/stacks"
	"github.com/cognitobridge/cognitobridge/lambdas/assurance"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/pretokengen"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
)

// sampleConfig is what the sign-in needs from a synthesized template.
type sampleConfig struct {
	mapping  map[string]string // pool attribute → provider claim
	write    []string          // the hosted sign-in client's write list
	custom   []string          // the pool's custom attribute names
	provider string
	env      map[string]string // the pre token generation function's literal environment
}

func blockIDSampleConfig(t *testing.T) sampleConfig {
	t.Helper()
	var app stacks.App
	for _, a := range stacks.Apps {
		if a.Name == "blockid-federation" {
			app = a
		}
	}
	var doc struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
		}
	}
	if err := json.Unmarshal(synthesized(t, app), &doc); err != nil {
		t.Fatal(err)
	}
	c := sampleConfig{mapping: map[string]string{}, env: map[string]string{}}
	for _, r := range doc.Resources {
		switch r.Type {
		case "AWS::Cognito::UserPoolIdentityProvider":
			c.provider = text(r.Properties["ProviderName"])
			for k, v := range r.Properties["AttributeMapping"].(map[string]any) {
				c.mapping[k] = text(v)
			}
		case "AWS::Cognito::UserPoolClient":
			c.write = strs(r.Properties["WriteAttributes"])
		case "AWS::Cognito::UserPool":
			for _, s := range r.Properties["Schema"].([]any) {
				m := s.(map[string]any)
				if n := text(m["Name"]); n != "email" && n != "phone_number" {
					c.custom = append(c.custom, n)
				}
			}
		case "AWS::Lambda::Function":
			vars, _ := r.Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
			if _, ok := vars[contract.EnvPreTokenBehaviours]; !ok {
				continue
			}
			for k, v := range vars {
				if s, ok := v.(string); ok {
					c.env[k] = s
				}
			}
		}
	}
	if c.provider == "" || len(c.write) == 0 || len(c.env) == 0 {
		t.Fatalf("the BlockID sample lacks a provider, a client write list or a pre token generation function: %+v", c)
	}
	return c
}

// federatedSignIn plays one BlockID sign-in with claims: Cognito writes the
// mapped attributes (refusing the sign-in when the client cannot write one),
// then issues tokens through pre token generation. It returns the ID
// token's claim overrides.
func federatedSignIn(t *testing.T, ctx context.Context, cog *cip.Client, poolID, user string, cfg sampleConfig, h *pretokengen.Handler, claims map[string]string) map[string]any {
	t.Helper()
	var attrs []ciptypes.AttributeType
	for attr, claim := range cfg.mapping {
		if !slices.Contains(cfg.write, attr) {
			t.Fatalf("Cognito refuses the sign-in: the client cannot write the mapped attribute %s", attr)
		}
		if v, ok := claims[claim]; ok {
			attrs = append(attrs, ciptypes.AttributeType{Name: aws.String(attr), Value: aws.String(v)})
		}
	}
	if _, err := cog.AdminUpdateUserAttributes(ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: aws.String(poolID), Username: aws.String(user), UserAttributes: attrs}); err != nil {
		t.Fatalf("writing the mapped attributes: %v", err)
	}
	u, err := cog.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String(user)})
	if err != nil {
		t.Fatal(err)
	}
	var ev pretokengen.Event
	ev.Version, ev.TriggerSource, ev.Region, ev.UserPoolID, ev.UserName = "2", assurance.TriggerHostedAuth, motoserver.Region, poolID, user
	ev.CallerContext.ClientID = "hostedclient00000000000000"
	ev.Request.UserAttributes = map[string]string{}
	for _, a := range u.UserAttributes {
		ev.Request.UserAttributes[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	ev.Request.Scopes = []string{"openid", "email", "profile"}
	raw, _ := json.Marshal(ev)
	out, err := lambda.NewHandler(h.Handle).Invoke(ctx, raw)
	if err != nil {
		t.Fatalf("pre token generation refused the sign-in: %v", err)
	}
	var resp struct {
		Response struct {
			Details *pretokengen.ClaimsAndScopeOverrideDetails `json:"claimsAndScopeOverrideDetails"`
		} `json:"response"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatal(err)
	}
	if d := resp.Response.Details; d != nil && d.IDTokenGeneration != nil {
		return d.IDTokenGeneration.ClaimsToAddOrOverride
	}
	return nil
}

func testBlockIDSignInThroughTheHandlers(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts moto_server")
	}
	cfg := blockIDSampleConfig(t)
	endpoint := motoserver.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cog := cip.New(cip.Options{Region: motoserver.Region, Credentials: motoserver.Credentials, BaseEndpoint: aws.String(endpoint)})
	var schema []ciptypes.SchemaAttributeType
	for _, n := range cfg.custom {
		schema = append(schema, ciptypes.SchemaAttributeType{Name: aws.String(n), AttributeDataType: ciptypes.AttributeDataTypeString, Mutable: aws.Bool(true)})
	}
	pool, err := cog.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("blockid-federation"), Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	poolID := aws.ToString(pool.UserPool.Id)
	// The federated user Cognito creates at the first sign-in.
	user := cfg.provider + "_3f2c9a"
	identities := `[{"userId":"3f2c9a","providerName":"` + cfg.provider + `","providerType":"OIDC","issuer":null,"primary":true,"dateCreated":1767225600000}]`
	if _, err := cog.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(poolID), Username: aws.String(user), MessageAction: ciptypes.MessageActionTypeSuppress,
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("identities"), Value: aws.String(identities)}}}); err != nil {
		t.Fatal(err)
	}
	// The handler, composed from the template's environment as the command
	// composes it.
	getenv := func(k string) string { return cfg.env[k] }
	names, err := pretokengen.ConfigFromEnv(getenv)
	if err != nil {
		t.Fatal(err)
	}
	behaviours, err := pretokengen.Build(names, map[string]pretokengen.Factory{
		contract.BehaviourAssurance: func() (pretokengen.Behaviour, error) {
			ac, err := assurance.ConfigFromEnv(getenv)
			if err != nil {
				return nil, err
			}
			return assurance.New(cog, ac)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := pretokengen.New(behaviours...)
	h.Logger = nil
	userAttrs := func() map[string]string {
		u, err := cog.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: aws.String(poolID), Username: aws.String(user)})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, a := range u.UserAttributes {
			m[aws.ToString(a.Name)] = aws.ToString(a.Value)
		}
		return m
	}

	// BlockID asserts IAL2: the mapped attributes are written, the raw
	// claim is consumed by this sign-in (issue 14: it counts once), and
	// the backend-only assurance is written.
	claims := federatedSignIn(t, ctx, cog, poolID, user, cfg, h, map[string]string{"email": "alice@example.com", "email_verified": "true", "amr": `["liveid","ial2"]`})
	attrs := userAttrs()
	if attrs["email"] != "alice@example.com" {
		t.Fatalf("mapped attributes not written: %v", attrs)
	}
	if raw, ok := attrs[contract.AttrIdPIALRaw]; ok {
		t.Fatalf("the raw claim %q outlived the sign-in that wrote it", raw)
	}
	if attrs[contract.AttrIAL] != "2" || attrs[contract.AttrIALSource] != cfg.provider || attrs[contract.AttrIALEmail] != "alice@example.com" || claims[contract.AttrIAL] != "2" {
		t.Fatalf("assurance not granted: attrs %v, claims %v", attrs, claims)
	}
	// The next BlockID sign-in carries no IAL: the assurance is withdrawn.
	claims = federatedSignIn(t, ctx, cog, poolID, user, cfg, h, map[string]string{"email": "alice@example.com", "email_verified": "true", "amr": `["liveid"]`})
	if attrs := userAttrs(); attrs[contract.AttrIAL] != "" || claims[contract.AttrIAL] != nil {
		t.Fatalf("assurance kept after a sign-in without it: attrs %v, claims %v", attrs, claims)
	}
	if strings.Contains(strings.Join(cfg.write, ","), contract.AssuranceAttributePrefix) {
		t.Fatalf("the client writes an assurance attribute: %v", cfg.write)
	}
}
