package e2e

// Issue 14, section 3: the assurance of a federated sign-in follows the
// account. The pool's pre token generation function (the real pretokengen
// binary, with the environment the BlockID federation sample's golden
// template gives it) and the connect API's disconnect function (the real
// connect-disconnect binary, configured as the connect construct
// configures it, for the assurance provider) run against moto's user pools
// behind test/cognitofake (AdminLinkProviderForUser and
// AdminDisableProviderForUser, which moto lacks). Cognito's own part is
// played here, as cognito_test.go does:
//
//   - a sign-in through BlockID writes the provider's mapped claims (amr
//     into custom:idp_ial_raw) into the user, a linked native user
//     included (REPORTED: amplify-js issue 7300; issue 835 of
//     aws-solutions-library-samples/accelerated-intelligent-document-processing-on-aws),
//     then issues tokens with TokenGeneration_HostedAuth;
//   - a password sign-in on the hosted UI writes nothing and issues tokens
//     with TokenGeneration_HostedAuth too (DOCUMENTED: the pre token
//     generation trigger sources; a managed login sign-in of any kind);
//   - a refresh issues tokens with TokenGeneration_RefreshTokens.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitobridge/cognitobridge/lambdas/assurance"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/pretokengen"
	"github.com/cognitobridge/cognitobridge/test/cognitofake"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
)

const (
	binDisconnect = "connect-disconnect"
	// assuranceProvider is the BlockID federation sample's provider name.
	assuranceProvider = "BlockID"
	hostedClient      = "4hostedblockid000000000000"
)

// assuranceStack is a pool with the assurance behaviour and a connect API
// for its assurance provider.
type assuranceStack struct {
	cog        *cip.Client
	poolID     string
	ptg        *function
	disconnect *function
	tokenIss   string
	tokenCl    string
}

func newAssuranceStack(t *testing.T) *assuranceStack {
	t.Helper()
	moto := startMoto(t)
	fake := cognitofake.Start(t, moto)
	s := &assuranceStack{cog: cip.New(cip.Options{Region: region, BaseEndpoint: aws.String(fake.Endpoint()), Credentials: motoserver.Credentials})}
	ctx := t.Context()
	str := func(name string) ciptypes.SchemaAttributeType {
		return ciptypes.SchemaAttributeType{Name: aws.String(name), AttributeDataType: ciptypes.AttributeDataTypeString, Mutable: aws.Bool(true)}
	}
	pool, err := s.cog.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("assurance-e2e"), Schema: []ciptypes.SchemaAttributeType{
		str("ial"), str("ial_at"), str("ial_email"), str("ial_src"), str("idp_ial_raw"),
	}})
	if err != nil {
		t.Fatalf("moto CreateUserPool: %v", err)
	}
	s.poolID = aws.ToString(pool.UserPool.Id)
	logKey := createRawSecret(t, moto, fmt.Sprintf("cognitobridge/e2e/assurance-logref-%d", time.Now().UnixNano()), "0123456789abcdef0123456789abcdef0123456789")
	aws := map[string]string{
		"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": fake.Endpoint(),
		"AWS_ENDPOINT_URL_SECRETS_MANAGER":           moto,
		"AWS_ENDPOINT_URL_DYNAMODB":                  moto,
	}

	// Pre token generation as the BlockID federation sample configures it.
	env := functionEnv(t, templateFunctions(t, "blockid-federation"), "pre token generation",
		map[string]string{contract.EnvLogRefKeySecretARN: logKey})
	for k, v := range aws {
		env[k] = v
	}
	s.ptg = startFunction(t, binGuard, env)

	// The disconnect function as the connect construct configures it (the
	// mosaic-passwordless sample's), for the assurance provider.
	s.tokenIss = "https://cognito-idp." + region + ".amazonaws.com/" + s.poolID
	s.tokenCl = "5connectclient000000000000"
	denv := functionEnv(t, templateFunctions(t, "mosaic-passwordless"), "connect: removes", map[string]string{
		contract.EnvClientID:           "blockid-client",
		contract.EnvConnectTable:       createTable(t, moto, fmt.Sprintf("cognitobridge-e2e-connect-%d", time.Now().UnixNano())),
		contract.EnvConnectUserPoolID:  s.poolID,
		contract.EnvLogRefKeySecretARN: logKey,
		contract.EnvRedirectURI:        "https://app.example.com/callback.html",
		contract.EnvSecretARN:          "arn:aws:secretsmanager:us-east-1:123456789012:secret:unused",
		contract.EnvTokenClientID:      s.tokenCl,
		contract.EnvTokenIssuer:        s.tokenIss,
	})
	denv[contract.EnvConnectProviderName] = assuranceProvider
	for k, v := range aws {
		denv[k] = v
	}
	s.disconnect = startFunction(t, binDisconnect, denv)
	return s
}

// nativeUser creates a confirmed native user with a verified email and
// links a BlockID identity to it (as connect or pre sign-up linking does).
func (s *assuranceStack) nativeUser(t *testing.T, name, email string, linked bool) string {
	t.Helper()
	ctx := t.Context()
	out, err := s.cog.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(s.poolID), Username: aws.String(name),
		MessageAction:  ciptypes.MessageActionTypeSuppress,
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}, {Name: aws.String("email_verified"), Value: aws.String("true")}}})
	if err != nil {
		t.Fatalf("AdminCreateUser: %v", err)
	}
	var sub string
	for _, a := range out.User.Attributes {
		if aws.ToString(a.Name) == "sub" {
			sub = aws.ToString(a.Value)
		}
	}
	if linked {
		s.link(t, name)
	}
	return sub
}

func (s *assuranceStack) link(t *testing.T, name string) {
	t.Helper()
	if _, err := s.cog.AdminLinkProviderForUser(t.Context(), &cip.AdminLinkProviderForUserInput{UserPoolId: aws.String(s.poolID),
		DestinationUser: &ciptypes.ProviderUserIdentifierType{ProviderName: aws.String("Cognito"), ProviderAttributeValue: aws.String(name)},
		SourceUser: &ciptypes.ProviderUserIdentifierType{ProviderName: aws.String(assuranceProvider), ProviderAttributeName: aws.String("Cognito_Subject"),
			ProviderAttributeValue: aws.String("blockid-" + name)},
	}); err != nil {
		t.Fatalf("AdminLinkProviderForUser: %v", err)
	}
}

func (s *assuranceStack) attrs(t *testing.T, name string) map[string]string {
	t.Helper()
	return userAttrs(t, s.cog, s.poolID, name)
}

func (s *assuranceStack) set(t *testing.T, name string, kv ...string) {
	t.Helper()
	setAttrs(t, s.cog, s.poolID, name, kv...)
}

// issue is one token issuance of name with source: the real pre token
// generation function decides; it returns the ID token's custom:ial as the
// issuance leaves it ("" for none) and whether the sign-in was refused.
func (s *assuranceStack) issue(t *testing.T, name, source string) (ial string, refused bool) {
	t.Helper()
	attrs := s.attrs(t, name)
	var ev pretokengen.Event
	ev.Version, ev.TriggerSource, ev.Region, ev.UserPoolID, ev.UserName = "2", source, region, s.poolID, name
	ev.CallerContext.ClientID = hostedClient
	ev.Request.UserAttributes = attrs
	ev.Request.Scopes = []string{"openid", "email", "profile"}
	var out struct {
		Response struct {
			Details *pretokengen.ClaimsAndScopeOverrideDetails `json:"claimsAndScopeOverrideDetails"`
		} `json:"response"`
	}
	if err := s.ptg.invoke(t, ev, &out); err != nil {
		return "", true
	}
	// The ID token: the user's attributes as the event carried them, then
	// the function's overrides and suppressions.
	ial = attrs[contract.AttrIAL]
	if d := out.Response.Details; d != nil && d.IDTokenGeneration != nil {
		for _, n := range d.IDTokenGeneration.ClaimsToSuppress {
			if n == contract.AttrIAL {
				ial = ""
			}
		}
		if v, ok := d.IDTokenGeneration.ClaimsToAddOrOverride[contract.AttrIAL].(string); ok {
			ial = v
		}
	}
	return ial, false
}

// blockIDSignIn: Cognito writes BlockID's mapped claim, then issues tokens.
func (s *assuranceStack) blockIDSignIn(t *testing.T, name string, amr ...string) string {
	t.Helper()
	raw, _ := json.Marshal(amr)
	s.set(t, name, contract.AttrIdPIALRaw, string(raw))
	ial, refused := s.issue(t, name, assurance.TriggerHostedAuth)
	if refused {
		t.Fatalf("BlockID sign-in of %s refused:\n%s", name, s.ptg.output(t))
	}
	return ial
}

// passwordSignIn: a hosted UI password sign-in writes nothing.
func (s *assuranceStack) passwordSignIn(t *testing.T, name string) string {
	t.Helper()
	ial, refused := s.issue(t, name, assurance.TriggerHostedAuth)
	if refused {
		t.Fatalf("password sign-in of %s refused:\n%s", name, s.ptg.output(t))
	}
	return ial
}

// callDisconnect is POST /connect/disconnect with name's fresh access token.
func (s *assuranceStack) callDisconnect(t *testing.T, name, sub string) int {
	t.Helper()
	var req events.APIGatewayV2HTTPRequest
	req.RouteKey, req.RawPath = "POST "+contract.ConnectDisconnectPath, contract.ConnectDisconnectPath
	req.RequestContext.HTTP.Method, req.RequestContext.HTTP.Path = http.MethodPost, contract.ConnectDisconnectPath
	req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
		Claims: map[string]string{"token_use": "access", "client_id": s.tokenCl, "iss": s.tokenIss, "sub": sub, "username": name,
			"auth_time": strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10), "origin_jti": "jti-" + name},
	}}
	var resp events.APIGatewayV2HTTPResponse
	if err := s.disconnect.invoke(t, req, &resp); err != nil {
		t.Fatalf("disconnect failed:\n%s", s.disconnect.output(t))
	}
	return resp.StatusCode
}

// TestAttackStaleProviderClaimAfterPasswordSignIn: Alice's account is
// linked to BlockID, which proofed her (ial2). Someone holding her password
// changes the account's email to an address they control and verify; the
// assurance, bound to Alice's email, is dropped at the next issuance. They
// then sign in with the password on the hosted UI: no BlockID sign-in, no
// proof. Before the fix the BlockID claim her last BlockID sign-in left in
// custom:idp_ial_raw turned back into custom:ial, now bound to their
// address. The rightful sign-ins beside it: Alice's BlockID sign-in grants
// ial2, and grants it again after she recovers her address.
func TestAttackStaleProviderClaimAfterPasswordSignIn(t *testing.T) {
	s := newAssuranceStack(t)
	const alice = "alice"
	s.nativeUser(t, alice, "alice@example.com", true)

	if got := s.blockIDSignIn(t, alice, "pwd", "liveid", "ial2"); got != "2" {
		t.Fatalf("Alice's BlockID sign-in: custom:ial %q, want 2\n%s", got, s.ptg.output(t))
	}
	// Her own password sign-in keeps what BlockID granted.
	if got := s.passwordSignIn(t, alice); got != "2" {
		t.Fatalf("Alice's password sign-in after BlockID: custom:ial %q, want 2", got)
	}

	s.set(t, alice, "email", "mallory@example.com", "email_verified", "true")
	if got, _ := s.issue(t, alice, "TokenGeneration_RefreshTokens"); got != "" {
		t.Fatalf("after the email change: custom:ial %q", got)
	}
	if got := s.passwordSignIn(t, alice); got != "" {
		t.Errorf("the password sign-in after the email change got custom:ial %q from an earlier BlockID sign-in's claim", got)
	}
	if a := s.attrs(t, alice); a[contract.AttrIAL] != "" || a[contract.AttrIALEmail] == "mallory@example.com" {
		t.Errorf("the pool's user after the password sign-in: %v", a)
	}

	// Alice recovers her address and signs in with BlockID: proofed again.
	s.set(t, alice, "email", "alice@example.com", "email_verified", "true")
	if got := s.blockIDSignIn(t, alice, "pwd", "liveid", "ial2"); got != "2" {
		t.Errorf("Alice's BlockID sign-in after recovery: custom:ial %q, want 2", got)
	}
}

// TestProviderLevelBelowMinimumGrantsNothing: a BlockID sign-in stating only
// ial1 (a self-asserted identity) gives nothing under the default minimum
// level (2), and withdraws what BlockID granted before.
func TestProviderLevelBelowMinimumGrantsNothing(t *testing.T) {
	s := newAssuranceStack(t)
	s.nativeUser(t, "bob", "bob@example.com", true)
	if got := s.blockIDSignIn(t, "bob", "pwd", "ial1"); got != "" {
		t.Errorf("ial1: custom:ial %q", got)
	}
	if got := s.blockIDSignIn(t, "bob", "pwd", "ial2"); got != "2" {
		t.Fatalf("ial2: custom:ial %q", got)
	}
	if got := s.blockIDSignIn(t, "bob", "pwd", "ial1"); got != "" {
		t.Errorf("ial1 after ial2: custom:ial %q", got)
	}
}

// TestDisconnectWithdrawsAssurance: Carol's account got ial2 from a BlockID
// sign-in; she disconnects BlockID (POST /connect/disconnect). The
// assurance BlockID granted goes with it: deleted from the user at once,
// and absent from every later token. Before the fix it stayed, bound to her
// unchanged email, with no BlockID identity left to vouch for it. Beside
// it: an assurance from identity proofing survives a disconnect, and
// reconnecting and signing in with BlockID grants BlockID's again.
func TestDisconnectWithdrawsAssurance(t *testing.T) {
	s := newAssuranceStack(t)
	const carol, dan = "carol", "dan"
	carolSub := s.nativeUser(t, carol, "carol@example.com", true)
	if got := s.blockIDSignIn(t, carol, "pwd", "ial2"); got != "2" {
		t.Fatalf("Carol's BlockID sign-in: custom:ial %q\n%s", got, s.ptg.output(t))
	}
	if st := s.callDisconnect(t, carol, carolSub); st != http.StatusOK {
		t.Fatalf("disconnect: %d\n%s", st, s.disconnect.output(t))
	}
	if a := s.attrs(t, carol); a[contract.AttrIAL] != "" || assurance.Bound(a) {
		t.Errorf("after the disconnect the user keeps the assurance: %v", a)
	}
	if got, _ := s.issue(t, carol, "TokenGeneration_RefreshTokens"); got != "" {
		t.Errorf("a refresh after the disconnect: custom:ial %q", got)
	}
	if got := s.passwordSignIn(t, carol); got != "" {
		t.Errorf("a password sign-in after the disconnect: custom:ial %q", got)
	}

	// Reconnected (linked again) and signed in with BlockID: granted again.
	s.link(t, carol)
	if got := s.blockIDSignIn(t, carol, "pwd", "ial2"); got != "2" {
		t.Errorf("Carol's BlockID sign-in after reconnecting: custom:ial %q", got)
	}

	// An assurance of identity proofing is not BlockID's to withdraw.
	danSub := s.nativeUser(t, dan, "dan@example.com", true)
	s.set(t, dan, contract.AttrIAL, "2", contract.AttrIALAt, "2026-12-01T10:00:00Z", contract.AttrIALEmail, "dan@example.com",
		contract.AttrIALSource, contract.AssuranceSourceProofing)
	if st := s.callDisconnect(t, dan, danSub); st != http.StatusOK {
		t.Fatalf("Dan's disconnect: %d\n%s", st, s.disconnect.output(t))
	}
	if a := s.attrs(t, dan); !assurance.Bound(a) {
		t.Errorf("Dan's proofing assurance after his disconnect: %v", a)
	}
	if got := s.passwordSignIn(t, dan); got != "2" {
		t.Errorf("Dan's sign-in after his disconnect: custom:ial %q, want 2", got)
	}
}
