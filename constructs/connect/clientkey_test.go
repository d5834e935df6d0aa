package connect

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/constructs/internal/logkey"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func keyCode(t *testing.T) *ConnectCode {
	c := stubCode(t)
	c.ClientJwks = c.Start
	return c
}

// keyConnectProps: the Mosaic federation, and connect with its own client
// registered for private_key_jwt.
func keyConnectProps(t *testing.T, stack awscdk.Stack) *ConnectProps {
	fed := mosaic(stack)
	return &ConnectProps{
		UserPool: fed.UserPool(), Client: fed.Client(), Federation: fed,
		ClientID:                jsii.String("mosaic-connect-client"),
		RedirectURI:             jsii.String("https://app.example.com/connect/done"),
		TokenAuthMethod:         jsii.String(contract.TokenAuthPrivateKeyJWT),
		ClientAssertionAudience: jsii.String(contract.AudienceIssuer),
		Code:                    keyCode(t),
	}
}

func TestValidateClientAssertion(t *testing.T) {
	valid := func() *ConnectProps {
		return &ConnectProps{UserPool: fakePool{}, Client: fakeClient{}, ProviderName: jsii.String("Mosaic"),
			Issuer: jsii.String("https://userid.security"), ClientID: jsii.String("connect-client"),
			RedirectURI: jsii.String("https://app.example.com/connect/done"), TokenAuthMethod: jsii.String(contract.TokenAuthPrivateKeyJWT)}
	}
	checkValidate(t, valid, []validateCase{
		{"valid: no secret", func(p *ConnectProps) {}, ""},
		{"all set", func(p *ConnectProps) {
			p.ClientAssertionAlgorithm = jsii.String(contract.ClientAssertionES256)
			p.ClientAssertionAudience = jsii.String(contract.AudienceIssuer)
			p.ClientAssertionJwksUri = jsii.Bool(true)
		}, ""},
		{"no client id", func(p *ConnectProps) { p.ClientID = nil }, "expected ClientID"},
		{"a secret", func(p *ConnectProps) { p.Secret = fakeSecret{} }, "expected no Secret with TokenAuthMethod"},
		{"a secret field", func(p *ConnectProps) { p.SecretField = jsii.String("x") }, "expected no SecretField with TokenAuthMethod"},
		{"algorithm", func(p *ConnectProps) { p.ClientAssertionAlgorithm = jsii.String("HS256") }, "ClientAssertionAlgorithm"},
		{"audience", func(p *ConnectProps) { p.ClientAssertionAudience = jsii.String("both") }, "ClientAssertionAudience"},
		{"key props without the mode", func(p *ConnectProps) {
			p.TokenAuthMethod, p.Secret = nil, fakeSecret{}
			p.ClientAssertionAudience = jsii.String(contract.AudienceIssuer)
		}, "expected ClientAssertionAudience only with TokenAuthMethod"},
	})
	// With Federation: its client id is Cognito's (authenticated by its
	// secret), so connect needs a client of its own.
	stack := cdktest.NewStack()
	p := keyConnectProps(t, stack)
	p.ClientID = nil
	cdktest.MustPanic(t, "connect: expected ClientID with TokenAuthMethod \"private_key_jwt\" (connect's own client", func() { NewConnect(stack, jsii.String("C1"), p) })
	p = keyConnectProps(t, cdktest.NewStack())
	p.ClientID = jsii.String("mosaic-client")
	cdktest.MustPanic(t, "received Federation's client id \"mosaic-client\"", func() { NewConnect(stack, jsii.String("C2"), p) })
}

// TestConnectPrivateKeyJWT: with Federation and private_key_jwt, connect
// reads no secret (Federation's stays Cognito's alone), only the callback
// may sign and only with the signing key, the public JWK Set and kid are
// outputs, the handlers get the key configuration and connect's own client
// id; cdk-nag's AwsSolutions pack and cfn-lint find nothing.
func TestConnectPrivateKeyJWT(t *testing.T) {
	cdktest.CfnLintPath(t)
	// GIVEN
	stack := cdktest.NewStack()
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	p := keyConnectProps(t, stack)
	cdknag.NagSuppressions_AddResourceSuppressions(p.UserPool, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-COG8"), Reason: jsii.String("Essentials feature plan, as in the samples: the app chooses the plan"),
	}}, jsii.Bool(false))
	// WHEN
	c := NewConnect(stack, jsii.String("Connect"), p)
	// THEN
	tmpl := assertions.Template_FromStack(stack, nil)
	nagID := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	annotations := assertions.Annotations_FromStack(stack)
	for _, m := range append(*annotations.FindError(jsii.String("*"), nagID), *annotations.FindWarning(jsii.String("*"), nagID)...) {
		t.Errorf("cdk-nag: %s", cdktest.Show(m))
	}
	if c.ClientAssertionKey() == nil {
		t.Fatal("ClientAssertionKey() is nil")
	}

	// No secret of connect's: the stack's secrets are Federation's (read by
	// CloudFormation for Cognito) and the log reference key.
	for name := range *tmpl.FindResources(jsii.String("AWS::SecretsManager::Secret"), nil) {
		if !strings.HasPrefix(name, logkey.ID) && !strings.HasPrefix(name, "MosaicClientSecret") {
			t.Errorf("a secret of connect in private_key_jwt mode: %s", name)
		}
	}
	tmpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]interface{}{"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"})
	tmpl.HasResourceProperties(jsii.String(contract.ClientJWKSResourceType), map[string]interface{}{
		contract.ClientJWKSPropAlg: "RS256", contract.ClientJWKSPropKeys: assertions.Match_AnyValue(),
	})
	for _, attr := range []string{contract.ClientJWKSAttrJWKS, contract.ClientJWKSAttrKID} {
		tmpl.HasOutput(jsii.String("*"), map[string]interface{}{
			"Value": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^ConnectClientJwks")), attr}},
		})
	}

	// Rights: kms:Sign for the callback alone, on the signing key alone;
	// no secretsmanager read besides the log reference key's.
	var keyID string
	for name := range *tmpl.FindResources(jsii.String("AWS::KMS::Key"), nil) {
		keyID = name
	}
	if !strings.HasPrefix(keyID, "ConnectClientAssertionKey") {
		t.Fatalf("the created key %q", keyID)
	}
	keyArn := cdktest.Show(map[string]interface{}{"Fn::GetAtt": []interface{}{keyID, "Arn"}})
	signers := 0
	for name, pol := range *tmpl.FindResources(jsii.String("AWS::IAM::Policy"), nil) {
		raw, _ := json.Marshal(pol)
		b := string(raw)
		if strings.Contains(b, `"kms:Sign"`) {
			signers++
			if !strings.HasPrefix(name, "ConnectCallback") {
				t.Errorf("%s has kms:Sign", name)
			}
		}
		if strings.HasPrefix(name, "Connect") && strings.Contains(b, "MosaicClientSecret") {
			t.Errorf("%s may read Federation's secret: %s", name, b)
		}
	}
	if signers != 1 {
		t.Fatalf("%d policies grant kms:Sign, want the callback's alone", signers)
	}
	var signRes []string
	for _, pol := range *tmpl.FindResources(jsii.String("AWS::IAM::Policy"), nil) {
		doc := (*pol)["Properties"].(map[string]interface{})["PolicyDocument"].(map[string]interface{})
		for _, st := range doc["Statement"].([]interface{}) {
			s := st.(map[string]interface{})
			if s["Action"] == "kms:Sign" {
				signRes = append(signRes, cdktest.Show(s["Resource"]))
			}
		}
	}
	if len(signRes) != 1 || signRes[0] != keyArn {
		t.Fatalf("kms:Sign on %v, want only %s", signRes, keyArn)
	}

	// The handlers: connect's own client, the key, no secret.
	for _, fn := range cdktest.Resources(t, tmpl, "AWS::Lambda::Function") {
		props := fn["Properties"].(map[string]interface{})
		if d, _ := props["Description"].(string); !strings.HasPrefix(d, "cognitobridge connect") {
			continue
		}
		vars := props["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
		for k, want := range map[string]interface{}{
			contract.EnvClientID:                "mosaic-connect-client",
			contract.EnvTokenAuthMethod:         contract.TokenAuthPrivateKeyJWT,
			contract.EnvClientAssertionAlg:      "RS256",
			contract.EnvClientAssertionAudience: contract.AudienceIssuer,
			contract.EnvClientAssertionKey:      map[string]interface{}{"Fn::GetAtt": []interface{}{keyID, "Arn"}},
		} {
			if cdktest.Show(vars[k]) != cdktest.Show(want) {
				t.Errorf("%s = %s, want %s", k, cdktest.Show(vars[k]), cdktest.Show(want))
			}
		}
		if _, ok := vars[contract.EnvSecretARN]; ok {
			t.Errorf("%s set in private_key_jwt mode", contract.EnvSecretARN)
		}
	}
	cdktest.CfnLint(t, stack)
}

// TestConnectPrivateKeyJWTExplicitProvider: without Federation no secret
// exists at all (the log reference key aside); a given key, its rotation
// key and the jwks_uri.
func TestConnectPrivateKeyJWTExplicitProvider(t *testing.T) {
	stack := cdktest.NewStack()
	pool := awscognito.NewUserPool(stack, jsii.String("Pool"), nil)
	key := awskms.NewKey(stack, jsii.String("Mine"), &awskms.KeyProps{KeySpec: awskms.KeySpec_ECC_NIST_P256, KeyUsage: awskms.KeyUsage_SIGN_VERIFY})
	next := awskms.NewKey(stack, jsii.String("Next"), &awskms.KeyProps{KeySpec: awskms.KeySpec_ECC_NIST_P256, KeyUsage: awskms.KeyUsage_SIGN_VERIFY})
	c := NewConnect(stack, jsii.String("Connect"), &ConnectProps{
		UserPool: pool, Client: pool.AddClient(jsii.String("App"), nil), ProviderName: jsii.String("Corp"),
		Issuer: jsii.String("https://idp.example.com"), ClientID: jsii.String("corp-connect"), RedirectURI: jsii.String("https://app.example.com/c"),
		TokenAuthMethod: jsii.String(contract.TokenAuthPrivateKeyJWT), ClientAssertionAlgorithm: jsii.String(contract.ClientAssertionES256),
		ClientAssertionKey: key, ClientAssertionRotationKey: next, ClientAssertionJwksUri: jsii.Bool(true),
		Code: keyCode(t),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	for name := range *tmpl.FindResources(jsii.String("AWS::SecretsManager::Secret"), nil) {
		if !strings.HasPrefix(name, logkey.ID) {
			t.Errorf("a secret in private_key_jwt mode: %s", name)
		}
	}
	if n := len(*tmpl.FindResources(jsii.String("AWS::KMS::Key"), nil)); n != 2 {
		t.Errorf("%d KMS keys, want the two given", n)
	}
	if c.ClientAssertionKey() != key {
		t.Error("ClientAssertionKey() is not the given key")
	}
	tmpl.HasResourceProperties(jsii.String(contract.ClientJWKSResourceType), map[string]interface{}{
		contract.ClientJWKSPropAlg: "ES256",
		contract.ClientJWKSPropKeys: []interface{}{
			map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^Mine")), "Arn"}},
			map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^Next")), "Arn"}},
		},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Url"), map[string]interface{}{"AuthType": "NONE"})
	for name, pol := range *tmpl.FindResources(jsii.String("AWS::IAM::Policy"), nil) {
		raw, _ := json.Marshal(pol)
		if strings.Contains(string(raw), `"kms:Sign"`) && (strings.Contains(string(raw), "Next") || !strings.HasPrefix(name, "ConnectCallback")) {
			t.Errorf("%s: kms:Sign beyond the callback's signing key: %s", name, raw)
		}
	}
}
