package connect

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/cognitobridge/cognitobridge/constructs/federation"
	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

type fakePool struct{ awscognito.IUserPool }
type fakeClient struct{ awscognito.IUserPoolClient }
type fakeSecret struct{ awssecretsmanager.ISecret }

// validateCase is a row of a props validation table: want "" means valid.
type validateCase struct {
	name   string
	mutate func(p *ConnectProps)
	want   string
}

// checkValidate runs validate on valid() changed by each row.
func checkValidate(t *testing.T, valid func() *ConnectProps, cases []validateCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := valid()
			c.mutate(p)
			_, err := p.validate()
			cdktest.CheckError(t, err, c.want)
		})
	}
}

func TestValidate(t *testing.T) {
	valid := func() *ConnectProps {
		return &ConnectProps{UserPool: fakePool{}, Client: fakeClient{}, ProviderName: jsii.String("Mosaic"),
			Issuer: jsii.String("https://userid.security"), ClientID: jsii.String("c"), Secret: fakeSecret{},
			RedirectURI: jsii.String("https://app.example.com/connect/done")}
	}
	checkValidate(t, valid, []validateCase{
		{"valid", func(p *ConnectProps) {}, ""},
		{"all set", func(p *ConnectProps) {
			p.Scopes = jsii.Strings("openid", "email")
			p.StateTTL = awscdk.Duration_Minutes(jsii.Number(5))
			p.MaxAuthAge = awscdk.Duration_Minutes(jsii.Number(60))
			p.MaxIdentities = jsii.Number(3)
			p.TokenAuthMethod = jsii.String(contract.TokenAuthPost)
			p.SecretField = jsii.String("mosaic.secret")
			p.AllowOrigins = jsii.Strings("https://app.example.com", "http://localhost:3000")
			p.Endpoints = &Endpoints{Authorization: jsii.String("https://a.example.com/auth"), Token: jsii.String("https://a.example.com/token"), JwksUri: jsii.String("https://a.example.com/jwks")}
		}, ""},
		{"no pool", func(p *ConnectProps) { p.UserPool = nil }, "expected UserPool to be set, received nil"},
		{"no client", func(p *ConnectProps) { p.Client = nil }, "expected Client to be set, received nil"},
		{"no provider", func(p *ConnectProps) { p.ProviderName = nil }, "expected ProviderName (or Federation) to be set, received nil"},
		{"Cognito", func(p *ConnectProps) { p.ProviderName = jsii.String("Cognito") }, "expected ProviderName to be the provider's name in the pool"},
		{"long name", func(p *ConnectProps) { p.ProviderName = jsii.String(strings.Repeat("p", 33)) }, "expected ProviderName to be the provider's name in the pool"},
		{"no issuer", func(p *ConnectProps) { p.Issuer = nil }, "expected Issuer (or Federation) to be set, received nil"},
		{"http issuer", func(p *ConnectProps) { p.Issuer = jsii.String("http://idp.example.com") }, "expected Issuer to be an absolute https URL"},
		{"no client id", func(p *ConnectProps) { p.ClientID = nil }, "expected ClientID (or Federation) to be set"},
		{"no secret", func(p *ConnectProps) { p.Secret = nil }, "expected Secret (or Federation) to be set"},
		{"no redirect", func(p *ConnectProps) { p.RedirectURI = nil }, "expected RedirectURI to be set, received nil"},
		{"redirect fragment", func(p *ConnectProps) { p.RedirectURI = jsii.String("https://app.example.com/#x") }, "expected RedirectURI to be an absolute https URL"},
		{"endpoint missing", func(p *ConnectProps) { p.Endpoints = &Endpoints{Authorization: jsii.String("https://a.example.com")} }, "expected Endpoints.Token to be set"},
		{"scopes without openid", func(p *ConnectProps) { p.Scopes = jsii.Strings("email") }, `expected Scopes to contain "openid"`},
		{"auth method", func(p *ConnectProps) { p.TokenAuthMethod = jsii.String("client_secret_jwt") }, "expected TokenAuthMethod to be one of"},
		{"state TTL short", func(p *ConnectProps) { p.StateTTL = awscdk.Duration_Seconds(jsii.Number(30)) }, "expected StateTTL between 60 and 3600 seconds"},
		{"auth age long", func(p *ConnectProps) { p.MaxAuthAge = awscdk.Duration_Hours(jsii.Number(2)) }, "expected MaxAuthAge between 60 and 3600 seconds"},
		{"identities", func(p *ConnectProps) { p.MaxIdentities = jsii.Number(6) }, "expected MaxIdentities to be an integer between 1 and 5"},
		{"secret field", func(p *ConnectProps) { p.SecretField = jsii.String("a b") }, "expected SecretField to be a JSON field name"},
		{"origin with path", func(p *ConnectProps) { p.AllowOrigins = jsii.Strings("https://app.example.com/x") }, "expected AllowOrigins[0] to be an https origin"},
		{"origin *", func(p *ConnectProps) { p.AllowOrigins = jsii.Strings("*") }, "expected AllowOrigins[0] to be an https origin"},
	})
	cdktest.MustPanic(t, "connect: expected props to be set, received nil", func() { NewConnect(cdktest.NewStack(), jsii.String("C"), nil) })
}

func stubCode(t *testing.T) *ConnectCode {
	c := cdktest.StubCode(t)
	return &ConnectCode{Start: c, Callback: c, Disconnect: c}
}

func mosaic(stack awscdk.Stack) federation.Federation {
	return federation.NewFederation(stack, jsii.String("Mosaic"), &federation.FederationProps{
		Provider:           &federation.Provider{Mosaic: &federation.MosaicProvider{ClientID: jsii.String("mosaic-client")}},
		CallbackURLs:       jsii.Strings("https://app.example.com/cb"),
		LogoutURLs:         jsii.Strings("https://app.example.com/"),
		DomainPrefix:       jsii.String("acme-login"),
		AllowCognitoSignIn: jsii.Bool(true),
		Linkable:           jsii.Bool(true),
	})
}

// TestConnectWithFederation: the Mosaic federation's provider is taken from
// its identity provider resource; every route is behind the pool's JWT
// authorizer for the hosted sign-in client; each function has only its
// rights; the table keeps pending starts with a TTL; cdk-nag's
// AwsSolutions pack finds nothing.
func TestConnectWithFederation(t *testing.T) {
	// GIVEN
	stack := cdktest.NewStack()
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	fed := mosaic(stack)
	// The pool's feature plan is the app's choice (as in the samples).
	cdknag.NagSuppressions_AddResourceSuppressions(fed.UserPool(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-COG8"), Reason: jsii.String("Essentials feature plan, as in the samples: the app chooses the plan"),
	}}, jsii.Bool(false))
	// WHEN
	c := NewConnect(stack, jsii.String("Connect"), &ConnectProps{
		UserPool: fed.UserPool(), Client: fed.Client(), Federation: fed,
		RedirectURI:  jsii.String("https://app.example.com/connect/done"),
		AllowOrigins: jsii.Strings("https://app.example.com"),
		Code:         stubCode(t),
	})
	// THEN
	tmpl := assertions.Template_FromStack(stack, nil)
	annotations := assertions.Annotations_FromStack(stack)
	nagID := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	for _, m := range *annotations.FindError(jsii.String("*"), nagID) {
		t.Errorf("cdk-nag error: %s", cdktest.Show(m))
	}
	for _, m := range *annotations.FindWarning(jsii.String("*"), nagID) {
		t.Errorf("cdk-nag warning: %s", cdktest.Show(m))
	}

	res := cdktest.AllResources(t, tmpl)
	var poolID, clientID, tableID, secretID string
	fnByHandler := map[string]string{}
	for id, r := range res {
		switch r.Type {
		case "AWS::Cognito::UserPool":
			poolID = id
		case "AWS::Cognito::UserPoolClient":
			clientID = id
		case "AWS::DynamoDB::Table":
			tableID = id
		case "AWS::SecretsManager::Secret":
			if strings.HasPrefix(id, "MosaicClientSecret") {
				secretID = id
			}
		case "AWS::Lambda::Function":
			if d, _ := r.Properties["Description"].(string); strings.HasPrefix(d, "cognitobridge connect") {
				switch {
				case strings.Contains(d, StartPath):
					fnByHandler["start"] = id
				case strings.Contains(d, CallbackPath):
					fnByHandler["callback"] = id
				case strings.Contains(d, DisconnectPath):
					fnByHandler["disconnect"] = id
				}
			}
		}
	}
	if poolID == "" || clientID == "" || tableID == "" || secretID == "" || len(fnByHandler) != 3 {
		t.Fatalf("missing resources: pool %q client %q table %q secret %q functions %v", poolID, clientID, tableID, secretID, fnByHandler)
	}

	// The environment: provider from the federation, pool and client.
	env := res[fnByHandler["callback"]].Properties["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
	for k, want := range map[string]interface{}{
		contract.EnvConnectProviderName:      "Mosaic",
		contract.EnvIssuer:                   "https://userid.security",
		contract.EnvClientID:                 "mosaic-client",
		contract.EnvAuthorizeURL:             "https://api.transmitsecurity.io/cis/oidc/auth",
		contract.EnvTokenURL:                 "https://api.transmitsecurity.io/cis/oidc/token",
		contract.EnvJWKSURL:                  "https://api.transmitsecurity.io/cis/oidc/jwks",
		contract.EnvRedirectURI:              "https://app.example.com/connect/done",
		contract.EnvConnectStateTTLSeconds:   "600",
		contract.EnvConnectMaxAuthAgeSeconds: "900",
		contract.EnvConnectUserPoolID:        map[string]interface{}{"Ref": poolID},
		contract.EnvConnectTable:             map[string]interface{}{"Ref": tableID},
		contract.EnvSecretARN:                map[string]interface{}{"Ref": secretID},
		contract.EnvTokenClientID:            map[string]interface{}{"Ref": clientID},
	} {
		if cdktest.Show(env[k]) != cdktest.Show(want) {
			t.Errorf("%s = %s, want %s", k, cdktest.Show(env[k]), cdktest.Show(want))
		}
	}
	if got := cdktest.Show(env[contract.EnvTokenIssuer]); !strings.Contains(got, "https://cognito-idp.") || !strings.Contains(got, poolID) {
		t.Errorf("token issuer %s", got)
	}
	for _, fn := range fnByHandler {
		p := res[fn].Properties
		if p["Runtime"] != "provided.al2023" || cdktest.Show(p["Architectures"]) != `["arm64"]` || p["Timeout"] != float64(5) || p["MemorySize"] != float64(128) {
			t.Errorf("function %s: %s", fn, cdktest.Show(p))
		}
	}

	// Every route: POST, JWT authorizer of the pool for the client.
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Authorizer"), map[string]interface{}{
		"AuthorizerType":   "JWT",
		"IdentitySource":   []interface{}{"$request.header.Authorization"},
		"JwtConfiguration": map[string]interface{}{"Audience": []interface{}{map[string]interface{}{"Ref": clientID}}},
	})
	routes := cdktest.Resources(t, tmpl, "AWS::ApiGatewayV2::Route")
	keys := map[string]bool{}
	for _, r := range routes {
		p := r["Properties"].(map[string]interface{})
		keys[p["RouteKey"].(string)] = true
		if p["AuthorizationType"] != "JWT" || p["AuthorizerId"] == nil {
			t.Errorf("route %v without the JWT authorizer", p["RouteKey"])
		}
	}
	if len(routes) != 3 || !keys["POST "+StartPath] || !keys["POST "+CallbackPath] || !keys["POST "+DisconnectPath] {
		t.Errorf("routes %v", keys)
	}
	tmpl.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Api"), map[string]interface{}{
		"CorsConfiguration": map[string]interface{}{"AllowOrigins": []interface{}{"https://app.example.com"}, "AllowMethods": []interface{}{"POST"}},
	})

	// The table: TTL, point-in-time recovery.
	tmpl.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]interface{}{
		"KeySchema":                        []interface{}{map[string]interface{}{"AttributeName": contract.RecordPartitionKey, "KeyType": "HASH"}},
		"TimeToLiveSpecification":          map[string]interface{}{"AttributeName": contract.RecordExpiresAt, "Enabled": true},
		"PointInTimeRecoverySpecification": map[string]interface{}{"PointInTimeRecoveryEnabled": true},
	})

	// Rights: each role its own, nothing else.
	rights := map[string][]string{}
	for _, r := range res {
		if r.Type != "AWS::IAM::Policy" {
			continue
		}
		roles := cdktest.Show(r.Properties["Roles"])
		doc := r.Properties["PolicyDocument"].(map[string]interface{})
		for _, st := range doc["Statement"].([]interface{}) {
			s := st.(map[string]interface{})
			var actions []string
			switch a := s["Action"].(type) {
			case string:
				actions = []string{a}
			case []interface{}:
				for _, x := range a {
					actions = append(actions, x.(string))
				}
			}
			for _, a := range actions {
				if strings.HasPrefix(a, "logs:") {
					continue
				}
				for h, fn := range fnByHandler {
					if strings.Contains(roles, strings.TrimSuffix(fn, fn[strings.Index(fn, "Function"):])+"Role") {
						rights[h] = append(rights[h], a+" "+cdktest.Show(s["Resource"]))
					}
				}
			}
		}
	}
	tableArn := cdktest.Show(map[string]interface{}{"Fn::GetAtt": []interface{}{tableID, "Arn"}})
	poolArn := cdktest.Show(map[string]interface{}{"Fn::GetAtt": []interface{}{poolID, "Arn"}})
	secretRef := cdktest.Show(map[string]interface{}{"Ref": secretID})
	// Every function reads the stack's log reference key (constructs/internal/logkey).
	logKey := []string{"secretsmanager:GetSecretValue " + `{"Ref":"CognitobridgeLogRefKey`, "secretsmanager:DescribeSecret " + `{"Ref":"CognitobridgeLogRefKey`}
	// The account events: the default bus only (the statement's
	// events:source condition is checked in TestConnectEvents).
	bus := "events:PutEvents " + `{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":events:",{"Ref":"AWS::Region"},":",{"Ref":"AWS::AccountId"},":event-bus/default"]]}`
	want := map[string][]string{
		"start": {"dynamodb:PutItem " + tableArn},
		"callback": {"dynamodb:DeleteItem " + tableArn, "dynamodb:PutItem " + tableArn, "dynamodb:GetItem " + tableArn,
			"cognito-idp:AdminGetUser " + poolArn, "cognito-idp:AdminLinkProviderForUser " + poolArn,
			"secretsmanager:GetSecretValue " + secretRef, "secretsmanager:DescribeSecret " + secretRef, bus},
		"disconnect": {"dynamodb:DeleteItem " + tableArn, "cognito-idp:AdminGetUser " + poolArn, "cognito-idp:AdminDisableProviderForUser " + poolArn, "cognito-idp:AdminDeleteUserAttributes " + poolArn, bus},
	}
	for h, w := range want {
		w = append(w, logKey...)
		got := strings.Join(rights[h], "\n")
		if len(rights[h]) != len(w) {
			t.Errorf("%s rights:\n%s\nwant %d", h, got, len(w))
		}
		for _, x := range w {
			if !strings.Contains(got, x) {
				t.Errorf("%s lacks %s; has:\n%s", h, x, got)
			}
		}
	}
	if c.Url() == nil || c.Table() == nil || c.Authorizer() == nil {
		t.Error("accessors")
	}
}

// TestConnectExplicitProvider: without Federation, the given provider;
// without endpoints the handlers discover them; options reach the
// environment.
func TestConnectExplicitProvider(t *testing.T) {
	stack := cdktest.NewStack()
	pool := awscognito.NewUserPool(stack, jsii.String("Pool"), nil)
	client := pool.AddClient(jsii.String("App"), nil)
	secret := awssecretsmanager.NewSecret(stack, jsii.String("Secret"), nil)
	NewConnect(stack, jsii.String("Connect"), &ConnectProps{
		UserPool: pool, Client: client, ProviderName: jsii.String("Corp"), Issuer: jsii.String("https://idp.example.com"),
		ClientID: jsii.String("corp-client"), Secret: secret, SecretField: jsii.String("corp"), RedirectURI: jsii.String("https://app.example.com/c"),
		Scopes: jsii.Strings("openid", "email"), TokenAuthMethod: jsii.String(contract.TokenAuthPost),
		StateTTL: awscdk.Duration_Minutes(jsii.Number(5)), MaxAuthAge: awscdk.Duration_Minutes(jsii.Number(5)), MaxIdentities: jsii.Number(2),
		Code: stubCode(t),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	for _, fn := range cdktest.Resources(t, tmpl, "AWS::Lambda::Function") {
		vars := fn["Properties"].(map[string]interface{})["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
		for k, want := range map[string]string{
			contract.EnvConnectProviderName: "Corp", contract.EnvIssuer: "https://idp.example.com", contract.EnvClientID: "corp-client",
			contract.EnvConnectSecretField: "corp", contract.EnvScopes: "openid email", contract.EnvTokenAuthMethod: contract.TokenAuthPost,
			contract.EnvConnectStateTTLSeconds: "300", contract.EnvConnectMaxAuthAgeSeconds: "300", contract.EnvLinkMaxIdentities: "2",
		} {
			if vars[k] != want {
				t.Errorf("%s = %v, want %s", k, vars[k], want)
			}
		}
		for _, k := range []string{contract.EnvAuthorizeURL, contract.EnvTokenURL, contract.EnvJWKSURL} {
			if _, ok := vars[k]; ok {
				t.Errorf("%s set without endpoints", k)
			}
		}
	}
	if cors := cdktest.Resources(t, tmpl, "AWS::ApiGatewayV2::Api"); strings.Contains(cdktest.Show(cors), "CorsConfiguration") {
		t.Errorf("CORS without AllowOrigins: %s", cdktest.Show(cors))
	}
}

// TestRefusesTheProviderResourceName: a token name would reference the
// provider resource; the plain name is required, as for linking.
func TestRefusesTheProviderResourceName(t *testing.T) {
	stack := cdktest.NewStack()
	fed := mosaic(stack)
	cdktest.MustPanic(t, "connect: expected ProviderName to be a plain name", func() {
		NewConnect(stack, jsii.String("Connect"), &ConnectProps{UserPool: fed.UserPool(), Client: fed.Client(), Federation: fed,
			ProviderName: fed.Provider().ProviderName(), RedirectURI: jsii.String("https://app.example.com/c"), Code: stubCode(t)})
	})
}

// TestCfnLint lints a stack with the construct (cfn-lint is preinstalled on
// the project's machines; required in CI).
func TestCfnLint(t *testing.T) {
	cdktest.CfnLintPath(t) // before the synth
	stack := cdktest.NewStack()
	fed := mosaic(stack)
	NewConnect(stack, jsii.String("Connect"), &ConnectProps{UserPool: fed.UserPool(), Client: fed.Client(), Federation: fed,
		RedirectURI: jsii.String("https://app.example.com/connect/done"), Code: stubCode(t)})
	cdktest.CfnLint(t, stack)
}
