package e2e

// The shared-pool sample (apps/shared-pool) end to end: the trigger
// functions run as the synthesized template configures them (their
// environment is read from test/testdata/shared-pool.template.json, the
// golden snapshot TestGoldenTemplates keeps equal to the synthesized
// template), with the real binaries behind a Lambda Runtime API, the real
// OpenID Provider, and moto's DynamoDB, Secrets Manager and SSM. Cognito is
// the documented fake of cognito_test.go; the app client ids are ours.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// Client ids of the shared pool's app clients in this test.
const (
	mobileClientID = "1mobile0000000000000000000"
	webClientID    = "2web000000000000000000000"
	hostedClientID = "3hosted00000000000000000000"
)

// templateFunctions returns the environment of every Lambda function of a
// golden template, keyed by the start of the function's description.
func templateFunctions(t *testing.T, app string) map[string]map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", app+".template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]struct {
			Type       string
			Properties struct {
				Description string
				Environment struct{ Variables map[string]any }
			}
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, r := range doc.Resources {
		if r.Type == "AWS::Lambda::Function" {
			out[r.Properties.Description] = r.Properties.Environment.Variables
		}
	}
	return out
}

// functionEnv is the environment of the template's function whose
// description contains what, its literal values as synthesized and its
// references resolved by resolve (a reference without a resolution fails).
func functionEnv(t *testing.T, fns map[string]map[string]any, what string, resolve map[string]string) map[string]string {
	t.Helper()
	for desc, vars := range fns {
		if !strings.Contains(desc, what) {
			continue
		}
		env := map[string]string{}
		for k, v := range vars {
			if s, ok := v.(string); ok {
				env[k] = s
				continue
			}
			r, ok := resolve[k]
			if !ok {
				t.Fatalf("%s: %s is a reference (%v) this test does not resolve", what, k, v)
			}
			env[k] = r
		}
		return env
	}
	t.Fatalf("no function %q in the template", what)
	return nil
}

// putStringList stores an SSM StringList in moto, as the stack's
// AWS::SSM::Parameter would.
func putStringList(t *testing.T, endpoint, name string, values ...string) {
	t.Helper()
	c := ssm.New(ssm.Options{Region: region, BaseEndpoint: aws.String(endpoint), Credentials: motoserver.Credentials})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(name), Type: ssmtypes.ParameterTypeStringList, Value: aws.String(strings.Join(values, ",")),
	}); err != nil {
		t.Fatalf("moto PutParameter: %v", err)
	}
}

// hostedSignIn is a hosted-UI (managed login) sign-in, federated or native,
// on clientID: Cognito runs no custom-auth trigger and issues tokens through
// pre token generation with TokenGeneration_HostedAuth.
func (c *cognito) hostedSignIn(t *testing.T, u poolUser, clientID string) (bool, map[string]any) {
	t.Helper()
	hc := *c
	hc.clientID = clientID
	var ev localcognito.PreTokenGenerationEventV2
	ev.EventHeader = hc.header("TokenGeneration_HostedAuth", u)
	ev.Version = "2"
	ev.Request.UserAttributes = u.attrs
	ev.Request.GroupConfiguration.GroupsToOverride = []string{}
	ev.Request.GroupConfiguration.IAMRolesToOverride = []string{}
	ev.Request.Scopes = []string{"openid", "email"}
	if err := c.guard.invoke(t, ev, &ev); err != nil {
		return false, nil
	}
	var claims map[string]any
	if d := ev.Response.ClaimsAndScopeOverrideDetails; d != nil && d.AccessTokenGeneration != nil {
		claims = d.AccessTokenGeneration.ClaimsToAddOrOverride
	}
	return true, claims
}

// onClient returns the pool as seen from another app client.
func (c *cognito) onClient(clientID string) *cognito {
	cc := *c
	cc.clientID = clientID
	return &cc
}

func TestSharedPoolEndToEnd(t *testing.T) {
	moto := startMoto(t)
	peer := oidcpeer.Start(t, oidcpeer.Options{Users: peerUsers})
	fns := templateFunctions(t, "shared-pool")

	stackSeq++
	table := createTable(t, moto, fmt.Sprintf("cognitobridge-e2e-%d", stackSeq))
	secretARN := createSecret(t, moto, fmt.Sprintf("cognitobridge/e2e/%d", stackSeq), contract.ProviderSecret{ClientSecret: peer.ClientSecret()})
	resolve := map[string]string{
		contract.EnvIssuer:      peer.Issuer(),
		contract.EnvClientID:    peer.ClientID(),
		contract.EnvRedirectURI: peer.RedirectURI(),
		contract.EnvSecretARN:   secretARN,
		contract.EnvStepUpTable: table,
		// The stack's log reference key, a secret in moto.
		contract.EnvLogRefKeySecretARN: createRawSecret(t, moto, fmt.Sprintf("cognitobridge/e2e/logkey-%d", stackSeq), "0123456789abcdef0123456789abcdef"),
	}
	endpoints := map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB":        moto,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": moto,
		"AWS_ENDPOINT_URL_SSM":             moto,
	}
	env := func(what string) map[string]string {
		e := functionEnv(t, fns, what, resolve)
		for k, v := range endpoints {
			e[k] = v
		}
		return e
	}
	guardEnv := env("pre token generation")
	// The stack's parameter: the clients the step-up protects (the web
	// client only), under the literal name the guard was given.
	putStringList(t, moto, guardEnv[contract.EnvProtectedClientsParameter], webClientID)

	s := &stack{peer: peer, table: table, sensitive: []string{peer.ClientSecret()}}
	t.Cleanup(func() { s.checkOutput(t) })
	pool := &cognito{
		poolID:   "us-east-1_SharedP01",
		clientID: webClientID,
		define:   startFunction(t, binDefine, env("Define auth challenge")),
		create:   startFunction(t, binCreate, env("Create auth challenge")),
		verify:   startFunction(t, binVerify, env("Verify auth challenge")),
		guard:    startFunction(t, binGuard, guardEnv),
	}
	s.pool = pool
	s.fns = []*function{pool.define, pool.create, pool.verify, pool.guard}
	user := freshUser("ivan", "0b6e2a3c-0000-4000-8000-00000000c501", "alice@example.com")
	highValue := map[string]string{contract.MetadataStepUpReason: contract.StepUpReasonHighValueTransaction}
	// The claims the guard added in the two web sign-ins, for the API below.
	var ordinaryClaims, stepUpClaims map[string]any
	ordinaryDone, stepUpDone := false, false

	t.Run("mobile client: tokens with the password alone, untouched", func(t *testing.T) {
		var ok bool
		var claims map[string]any
		got := reasons(t, pool.guard, func() { ok, claims = pool.onClient(mobileClientID).passwordOnly(t, user, nil) })
		if !ok || claims != nil {
			t.Fatalf("mobile sign-in: issued %v, claims %v", ok, claims)
		}
		if !slices.Equal(got, []string{"unprotected_client"}) {
			t.Errorf("guard reasons %q", got)
		}
	})

	t.Run("web client, ordinary sign-in: tokens after the password, no step-up claims", func(t *testing.T) {
		cl := client{srp: true, passwordOK: true, answer: func(t *testing.T, _ int, _ map[string]string) (string, bool) {
			t.Fatal("the provider was asked on an ordinary on-demand sign-in")
			return "", false
		}}
		var r signIn
		got := reasons(t, pool.define, func() { r = pool.run(t, user, cl) })
		if !r.issued || r.claims != nil || len(r.creates) != 0 {
			t.Fatalf("ordinary web sign-in %+v", r)
		}
		ordinaryClaims, ordinaryDone = r.claims, true
		if !slices.Equal(got, []string{"next_password_verifier", "ok_password_only"}) {
			t.Errorf("Define reasons %q", got)
		}
	})

	t.Run("web client, on-demand step-up: the provider, then the claims", func(t *testing.T) {
		cl := stepUpClient(s, "alice", "alice-provider-pw")
		cl.passwordMetadata = highValue                               // Amplify: signIn's options.clientMetadata
		cl.metadata = func(pub map[string]string) map[string]string { // confirmSignIn's
			m := echoBinding(pub)
			m[contract.MetadataStepUpReason] = contract.StepUpReasonHighValueTransaction
			return m
		}
		r := pool.run(t, user, cl)
		s.remember(r)
		wantTokens(t, r)
		if r.claims[contract.ClaimStepUpReason] != contract.StepUpReasonHighValueTransaction {
			t.Errorf("claims %v", r.claims)
		}
		stepUpClaims, stepUpDone = r.claims, true
	})

	t.Run("web client: a password-only issuance echoing a guess is refused", func(t *testing.T) {
		if ok, _ := pool.passwordOnly(t, user, map[string]string{contract.MetadataStepUpBinding: "guess"}); ok {
			t.Fatal("a guessed binding value got tokens")
		}
	})

	t.Run("high-value route: RFC 9470 without a fresh step-up, the backend with one", func(t *testing.T) {
		if !ordinaryDone || !stepUpDone {
			t.Fatal("the two web sign-ins above did not complete: run the whole TestSharedPoolEndToEnd")
		}
		// The access tokens Cognito would issue for those two sign-ins:
		// the claims are the guard's, the signature the fake pool's (a
		// Cognito-shaped token signed by test/e2e's key set, see gate_test.go).
		tx := newTxStack(t, txBackendARN)
		token := func(claims map[string]any) string {
			at, _ := claims[contract.ClaimStepUpAt].(float64)
			reason, _ := claims[contract.ClaimStepUpReason].(string)
			if at == 0 {
				return tx.pool.accessToken(t, user.attrs["sub"], time.Time{}, "")
			}
			return tx.pool.accessToken(t, user.attrs["sub"], time.Unix(int64(at), 0), reason)
		}
		const payment = `{"amount":"10.00","currency":"EUR","to":"DE89370400440532013000"}`
		resp := tx.api.call(t, "Bearer "+token(ordinaryClaims), payment)
		if resp.status != 401 || !strings.HasPrefix(resp.headers["WWW-Authenticate"], `Bearer error="insufficient_user_authentication"`) ||
			!strings.Contains(resp.headers["WWW-Authenticate"], "max_age=300") {
			t.Fatalf("ordinary token on the high-value route: %d %v %s", resp.status, resp.headers, resp.body)
		}
		if n := len(tx.lambda.callsTo(txBackendARN)); n != 0 {
			t.Fatalf("backend invoked %d times without a step-up", n)
		}
		resp = tx.api.call(t, "Bearer "+token(stepUpClaims), payment)
		if resp.status != 200 || len(tx.lambda.callsTo(txBackendARN)) != 1 {
			t.Fatalf("stepped-up token: %d %v %s", resp.status, resp.headers, resp.body)
		}
	})

	t.Run("hosted sign-in (Mosaic federation) passes the guard untouched", func(t *testing.T) {
		federated := poolUser{name: "Mosaic_0b6e2a3c", attrs: map[string]string{"sub": "0b6e2a3c-0000-4000-8000-00000000c502", "email": "carol@example.com", "email_verified": "true"}}
		var ok bool
		var claims map[string]any
		got := reasons(t, pool.guard, func() { ok, claims = pool.hostedSignIn(t, federated, hostedClientID) })
		if !ok || claims != nil {
			t.Fatalf("hosted sign-in: issued %v, claims %v", ok, claims)
		}
		if !slices.Equal(got, []string{"unprotected_client"}) {
			t.Errorf("guard reasons %q", got)
		}
	})
}
