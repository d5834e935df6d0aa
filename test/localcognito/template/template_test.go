package template

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/test/localcognito"
)

const testdata = "../../testdata"

// allParameters gives every stack parameter of a template a placeholder
// value (a parameter-shaped URL for the URL ones).
func allParameters(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Parameters map[string]json.RawMessage }
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for name := range doc.Parameters {
		if name == "BootstrapVersion" {
			continue
		}
		v := "p-" + name
		if strings.Contains(strings.ToLower(name), "url") || strings.Contains(strings.ToLower(name), "uri") || strings.Contains(name, "Issuer") {
			v = "https://example.test/" + name
		}
		out[name] = v
	}
	return out
}

func goldens(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testdata, "*.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The local endpoint runs the triggers without a KMS: the
	// private_key_jwt sample (its key ARN and kid come from an AWS::KMS::Key
	// and a custom resource, which Load refuses to invent) runs its real
	// binaries against moto's KMS in test/e2e (clientkey_test.go) instead.
	files = slices.DeleteFunc(files, func(f string) bool { return filepath.Base(f) == "biopass-mfa-key.template.json" })
	if len(files) != 8 {
		t.Fatalf("%d golden templates, expected 8: %v", len(files), files)
	}
	return files
}

var clientIDPattern = regexp.MustCompile(`^[a-z0-9]{26}$`)

func TestEveryGoldenLoads(t *testing.T) {
	for _, path := range goldens(t) {
		name := strings.TrimSuffix(filepath.Base(path), ".template.json")
		t.Run(name, func(t *testing.T) {
			p, err := Load(path, Options{Parameters: allParameters(t, path)})
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`^us-east-1_[A-Za-z0-9]{9}$`).MatchString(p.Config.PoolID) {
				t.Errorf("pool id %q", p.Config.PoolID)
			}
			if len(p.Config.Clients) == 0 {
				t.Error("no app client")
			}
			for _, c := range p.Config.Clients {
				if !clientIDPattern.MatchString(c.ID) {
					t.Errorf("client id %q", c.ID)
				}
			}
			if len(p.Triggers) == 0 {
				t.Error("no trigger")
			}
			for slot, fn := range p.Triggers {
				if fn.Binary == "" || fn.Timeout <= 0 || fn.Handler != "bootstrap" {
					t.Errorf("%s: %+v", slot, fn)
				}
				if _, err := os.Stat(filepath.Join("..", "..", "..", "lambdas", "cmd", fn.Binary, "main.go")); err != nil {
					t.Errorf("%s: binary %s: %v", slot, fn.Binary, err)
				}
				for k, v := range fn.Environment {
					if strings.Contains(v, "{{resolve") || strings.Contains(v, "Fn::") {
						t.Errorf("%s: %s=%q unresolved", slot, k, v)
					}
				}
			}
			// Deterministic: a second load gives the same ids and environments.
			p2, err := Load(path, Options{Parameters: allParameters(t, path)})
			if err != nil {
				t.Fatal(err)
			}
			if p2.Config.PoolID != p.Config.PoolID || fmt.Sprint(p2.ClientLogicalIDs) != fmt.Sprint(p.ClientLogicalIDs) {
				t.Error("two loads disagree")
			}
			t.Log("\n" + Summary(p))
		})
	}
}

func TestBlockIDStepUp(t *testing.T) {
	path := filepath.Join(testdata, "blockid-stepup.template.json")
	p, err := Load(path, Options{Parameters: allParameters(t, path)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[localcognito.Slot]string{
		localcognito.SlotDefineAuthChallenge: "stepup-define",
		localcognito.SlotCreateAuthChallenge: "stepup-create",
		localcognito.SlotVerifyAuthChallenge: "stepup-verify",
		localcognito.SlotPreTokenGeneration:  "pretokengen",
	}
	if len(p.Triggers) != len(want) {
		t.Fatalf("triggers %v", p.Triggers)
	}
	for slot, bin := range want {
		if fn := p.Triggers[slot]; fn == nil || fn.Binary != bin {
			t.Errorf("%s: %+v", slot, fn)
		}
	}
	if p.Config.PreTokenGenerationVersion != "V2_0" {
		t.Errorf("pre token generation version %q", p.Config.PreTokenGenerationVersion)
	}
	if !slices.Equal(p.AliasAttributes, []string{"email"}) || p.CaseSensitive {
		t.Errorf("alias %v case sensitive %v", p.AliasAttributes, p.CaseSensitive)
	}
	clientID := p.ClientLogicalIDs["StepUpUserPoolClient567B157A"]
	if len(p.Config.Clients) != 1 || p.Config.Clients[0].ID != clientID ||
		!slices.Equal(p.Config.Clients[0].ExplicitAuthFlows, []string{"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}) ||
		p.Config.Clients[0].ReadAttributes != nil || len(p.Config.Clients[0].WriteAttributes) != 13 {
		t.Errorf("clients %+v", p.Config.Clients)
	}
	guard := p.Triggers[localcognito.SlotPreTokenGeneration]
	table := "blockid-stepup-StepUpRecords2F5BCC52"
	if guard.Environment["COGNITOBRIDGE_STEPUP_TABLE"] != table {
		t.Errorf("guard env %v", guard.Environment)
	}
	if len(p.Tables) != 1 || p.Tables[0] != (Table{LogicalID: "StepUpRecords2F5BCC52", Name: table, PartitionKey: "pk", PartitionKeyType: "S", TTLAttribute: "expiresAt"}) {
		t.Errorf("tables %+v", p.Tables)
	}
	// The created client signs in with CUSTOM_AUTH only: it is listed and
	// marked so (a GetTokensFromRefreshToken refresh passes the guard).
	if len(p.SSMParameters) != 1 || p.SSMParameters[0].Value != clientID+",custom-auth-only:"+clientID || p.SSMParameters[0].Type != "StringList" ||
		p.SSMParameters[0].Name != guard.Environment["COGNITOBRIDGE_PROTECTED_CLIENTS_PARAMETER"] {
		t.Errorf("SSM %+v", p.SSMParameters)
	}
	create := p.Triggers[localcognito.SlotCreateAuthChallenge]
	var provider *Secret
	for i := range p.Secrets {
		if p.Secrets[i].LogicalID == "StepUpProviderSecretCEFFD3EF" {
			provider = &p.Secrets[i]
		}
	}
	if provider == nil || create.Environment["COGNITOBRIDGE_SECRET_ARN"] != provider.ARN ||
		provider.ARN != "arn:aws:secretsmanager:us-east-1:123456789012:secret:blockid-stepup/StepUpProviderSecretCEFFD3EF" {
		t.Fatalf("provider secret %+v, env %v", provider, create.Environment)
	}
	// The template's SecretString resolves with the parameters.
	var s map[string]string
	if err := json.Unmarshal([]byte(provider.Value), &s); err != nil || s["clientSecret"] != "p-ClientSecret" || s["tenantDns"] != "p-TenantDns" {
		t.Errorf("provider secret value does not resolve from the parameters (%v)", err)
	}
}

func TestFederationProvider(t *testing.T) {
	path := filepath.Join(testdata, "mosaic-passwordless.template.json")
	params := allParameters(t, path)
	p, err := Load(path, Options{Parameters: params, SecretValues: map[string]string{"MosaicClientSecretValue3BAF586D": `{"clientSecret":"s3cret"}`}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Config.IdentityProviders) != 1 {
		t.Fatalf("providers %+v", p.Config.IdentityProviders)
	}
	idp := p.Config.IdentityProviders[0]
	if idp.Name != "Mosaic" || idp.Type != "OIDC" || idp.Issuer != "https://userid.security" || idp.ClientID != "p-MosaicClientId" ||
		idp.ClientSecret != "s3cret" || idp.TokenURL != "https://api.transmitsecurity.io/cis/oidc/token" ||
		idp.UserInfoURL != "https://api.transmitsecurity.io/cis/oidc/me" || idp.AttributeMapping["custom:idp_email"] != "email" || idp.AttributeMapping["email"] != "" {
		t.Errorf("provider %+v", idp)
	}
	if len(p.ProviderSecrets) != 1 || !p.ProviderSecrets[0].Resolved || p.ProviderSecrets[0].JSONKey != "clientSecret" {
		t.Errorf("provider secrets %+v", p.ProviderSecrets)
	}
	c := p.Config.Clients[0]
	if !slices.Equal(c.SupportedIdentityProviders, []string{"Mosaic", "COGNITO"}) || !slices.Equal(c.CallbackURLs, []string{params["CallbackUrl"]}) {
		t.Errorf("client %+v", c)
	}
	// Without a secret value the template's own SecretString (from the
	// parameters) fills it.
	p, err = Load(path, Options{Parameters: params})
	if err != nil {
		t.Fatal(err)
	}
	if p.Config.IdentityProviders[0].ClientSecret != "p-MosaicClientSecret" || !p.ProviderSecrets[0].Resolved {
		t.Errorf("client secret not taken from the template's secret")
	}
}

func TestMissingParameterNamesTheVariable(t *testing.T) {
	path := filepath.Join(testdata, "biopass-mfa.template.json")
	params := allParameters(t, path)
	delete(params, "BiopassIssuer")
	_, err := Load(path, Options{Parameters: params})
	if err == nil || !strings.Contains(err.Error(), "COGNITOBRIDGE_ISSUER") || !strings.Contains(err.Error(), "BiopassIssuer") || !errors.Is(err, ErrUnresolvable) {
		t.Fatalf("error %v", err)
	}
	// An override replaces the variable, so it need not resolve.
	var log strings.Builder
	p, err := Load(path, Options{Parameters: params, Overrides: map[string]string{"COGNITOBRIDGE_ISSUER": "http://127.0.0.1:9/op"}, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	fn := p.Triggers[localcognito.SlotVerifyAuthChallenge]
	if fn.Environment["COGNITOBRIDGE_ISSUER"] != "http://127.0.0.1:9/op" || !slices.Equal(fn.Overridden, []string{"COGNITOBRIDGE_ISSUER"}) {
		t.Errorf("verify %+v", fn)
	}
	if strings.Count(log.String(), "COGNITOBRIDGE_ISSUER overridden") != 2 { // Create and Verify
		t.Errorf("log %q", log.String())
	}
	// An override no function has is a mistake.
	if _, err := Load(path, Options{Parameters: allParameters(t, path), Overrides: map[string]string{"COGNITOBRIDGE_ISUER": "x"}}); err == nil || !strings.Contains(err.Error(), "COGNITOBRIDGE_ISUER") {
		t.Errorf("misspelt override: %v", err)
	}
}

// minimal is a template with one pool, one client and a Define trigger
// whose environment holds v.
func minimal(v string) []byte {
	return []byte(`{
 "Parameters": {"Greeting": {"Type": "String", "Default": "hello"}, "Secret": {"Type": "String", "NoEcho": true}},
 "Resources": {
  "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {
    "UsernameAttributes": ["email"],
    "Schema": [{"Name": "email", "Mutable": true}, {"Name": "tier", "AttributeDataType": "String", "Mutable": false}],
    "LambdaConfig": {"DefineAuthChallenge": {"Fn::GetAtt": ["Fn", "Arn"]}}}},
  "Client": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": {"Ref": "Pool"},
    "SupportedIdentityProviders": ["COGNITO", {"Ref": "Idp"}], "AccessTokenValidity": 10, "RefreshTokenValidity": 60,
    "TokenValidityUnits": {"AccessToken": "minutes", "RefreshToken": "minutes"}}},
  "Idp": {"Type": "AWS::Cognito::UserPoolIdentityProvider", "Properties": {"UserPoolId": {"Ref": "Pool"},
    "ProviderName": "Acme", "ProviderType": "OIDC", "ProviderDetails": {"client_id": "c", "oidc_issuer": "https://idp.test"}}},
  "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]}},
  "Sec": {"Type": "AWS::SecretsManager::Secret", "Properties": {"Name": "named/secret", "GenerateSecretString": {"PasswordLength": 40}}},
  "Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Name": {"Fn::Sub": "/app/${AWS::StackName}/clients"}, "Type": "StringList", "Value": {"Fn::Join": [",", [{"Ref": "Client"}, "x"]]}}},
  "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {}},
  "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Handler": "bootstrap", "Runtime": "provided.al2023", "Timeout": 4,
    "Description": "cognitobridge step-up Define auth challenge: test",
    "Environment": {"Variables": {"V": ` + v + `}}}}
 }}`)
}

func TestResolver(t *testing.T) {
	const stack = "Local"
	pool := "us-east-1_" + PoolName(stack, "Pool")
	client := ClientID(stack, "Client")
	ok := []struct{ in, want string }{
		{`"literal"`, "literal"},
		{`42`, "42"},
		{`true`, "true"},
		{`{"Ref": "AWS::Region"}`, "us-east-1"},
		{`{"Ref": "AWS::AccountId"}`, "123456789012"},
		{`{"Ref": "AWS::Partition"}`, "aws"},
		{`{"Ref": "AWS::StackName"}`, stack},
		{`{"Ref": "AWS::URLSuffix"}`, "amazonaws.com"},
		{`{"Ref": "Greeting"}`, "hello"},
		{`{"Ref": "Pool"}`, pool},
		{`{"Ref": "Client"}`, client},
		{`{"Ref": "Idp"}`, "Acme"},
		{`{"Ref": "Table"}`, "Local-Table"},
		{`{"Fn::GetAtt": ["Table", "Arn"]}`, "arn:aws:dynamodb:us-east-1:123456789012:table/Local-Table"},
		{`{"Ref": "Sec"}`, "arn:aws:secretsmanager:us-east-1:123456789012:secret:named/secret"},
		{`{"Ref": "Param"}`, "/app/Local/clients"},
		{`{"Fn::GetAtt": ["Param", "Value"]}`, client + ",x"},
		{`{"Fn::GetAtt": ["Pool", "Arn"]}`, "arn:aws:cognito-idp:us-east-1:123456789012:userpool/" + pool},
		{`{"Fn::GetAtt": ["Pool", "ProviderName"]}`, "cognito-idp.us-east-1.amazonaws.com/" + pool},
		{`{"Fn::GetAtt": "Pool.ProviderURL"}`, "https://cognito-idp.us-east-1.amazonaws.com/" + pool},
		{`{"Fn::GetAtt": ["Fn", "Arn"]}`, "arn:aws:lambda:us-east-1:123456789012:function:Local-Fn"},
		{`{"Fn::Join": ["", ["https://cognito-idp.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}, "/", {"Ref": "Pool"}]]}`, "https://cognito-idp.us-east-1.amazonaws.com/" + pool},
		{`{"Fn::Join": ["", [{"Fn::GetAtt": ["Api", "ApiEndpoint"]}, "/cb"]]}`, "https://" + base36(stack+"/Api", 10) + ".execute-api.us-east-1.amazonaws.com/cb"},
		{`{"Fn::Sub": "arn:${AWS::Partition}:x:${AWS::Region}:${AWS::AccountId}:${AWS::StackName}/${Pool}/${Pool.Arn}/${!Raw}"}`,
			"arn:aws:x:us-east-1:123456789012:Local/" + pool + "/arn:aws:cognito-idp:us-east-1:123456789012:userpool/" + pool + "/${Raw}"},
		{`{"Fn::Sub": ["${A}-${Greeting}", {"A": {"Ref": "Client"}}]}`, client + "-hello"},
	}
	for _, c := range ok {
		t.Run(c.in, func(t *testing.T) {
			p, err := Parse(minimal(c.in), Options{StackName: stack})
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Triggers[localcognito.SlotDefineAuthChallenge].Environment["V"]; got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	bad := []struct{ in, why string }{
		{`{"Fn::ImportValue": "Other"}`, "Fn::ImportValue is not supported"},
		{`{"Fn::If": ["c", "a", "b"]}`, "Fn::If is not supported"},
		{`{"Ref": "Nowhere"}`, "Nowhere, neither a parameter nor a resource"},
		{`{"Ref": "Secret"}`, "stack parameter Secret has no value"},
		{`{"Ref": "Role"}`, "AWS::IAM::Role is not supported"},
		{`{"Fn::GetAtt": ["Pool", "Nope"]}`, "Pool.Nope"},
		{`{"Fn::GetAtt": ["Pool"]}`, "malformed Fn::GetAtt"},
		{`{"Fn::Join": ["", [{"Ref": "Nowhere"}]]}`, "Nowhere"},
		{`{"Fn::Sub": "${Nowhere}"}`, "Nowhere"},
		{`{"Ref": "AWS::NoValue"}`, "AWS::NoValue"},
		{`{"Ref": "A", "Fn::Join": []}`, "not one intrinsic"},
		{`null`, "null"},
		{`["a"]`, "[]interface"},
		{`"{{resolve:secretsmanager:x:SecretString:y::}}"`, "dynamic reference"},
	}
	for _, c := range bad {
		t.Run("bad "+c.in, func(t *testing.T) {
			_, err := Parse(minimal(c.in), Options{StackName: stack})
			if err == nil {
				t.Fatal("loaded")
			}
			if !strings.Contains(err.Error(), "variable V") || !strings.Contains(err.Error(), c.why) {
				t.Errorf("error %q does not name the variable and %q", err, c.why)
			}
		})
	}
}

func TestMinimalPool(t *testing.T) {
	p, err := Parse(minimal(`"x"`), Options{StackName: "Local", PoolName: "LocalPool"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Config.PoolID != "us-east-1_LocalPool" || !slices.Equal(p.Config.UsernameAttributes, []string{"email"}) || !p.CaseSensitive {
		t.Errorf("pool %+v", p.Config)
	}
	if len(p.Config.CustomAttributes) != 1 || p.Config.CustomAttributes["tier"] {
		t.Errorf("custom attributes %v", p.Config.CustomAttributes)
	}
	c := p.Config.Clients[0]
	if c.Name != "Client" || !slices.Equal(c.SupportedIdentityProviders, []string{"COGNITO", "Acme"}) || c.AccessTokenValidity != 600 || c.RefreshTokenValidity != 3600 || c.IDTokenValidity != 0 {
		t.Errorf("client %+v", c)
	}
	if fn := p.Triggers[localcognito.SlotDefineAuthChallenge]; fn.Timeout.Seconds() != 4 || fn.MemorySize != 128 {
		t.Errorf("function %+v", fn)
	}
	if p.Tables[0].SortKey != "sk" || p.Tables[0].SortKeyType != "N" || p.Tables[0].TTLAttribute != "" {
		t.Errorf("table %+v", p.Tables[0])
	}
	if s := p.Secrets[0]; s.Name != "named/secret" || s.Generate == nil || s.Generate.Length != 40 || s.HasValue {
		t.Errorf("secret %+v", s)
	}
}

func TestImportedPoolThroughPoolTriggers(t *testing.T) {
	tmpl := []byte(`{"Resources": {
  "Triggers": {"Type": "Custom::CognitoPoolTriggers", "Properties": {"ServiceToken": {"Fn::GetAtt": ["CR", "Arn"]},
    "UserPoolId": "us-east-1_Imported1",
    "Triggers": [
      {"Operation": "DefineAuthChallenge", "LambdaArn": {"Fn::GetAtt": ["Def", "Arn"]}},
      {"Operation": "PreTokenGeneration", "LambdaArn": {"Fn::GetAtt": ["Guard", "Arn"]}, "LambdaVersion": "V2_0"}]}},
  "Client": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": "us-east-1_Imported1", "ExplicitAuthFlows": ["ALLOW_CUSTOM_AUTH"]}},
  "Def": {"Type": "AWS::Lambda::Function", "Properties": {"Handler": "bootstrap", "Runtime": "provided.al2023",
    "Description": "cognitobridge step-up Define auth challenge: x", "Environment": {"Variables": {"POOL": {"Fn::Sub": "${AWS::Region}"}}}}},
  "Guard": {"Type": "AWS::Lambda::Function", "Properties": {"Handler": "bootstrap", "Runtime": "provided.al2023",
    "Description": "cognitobridge pre token generation: x"}},
  "CR": {"Type": "AWS::Lambda::Function", "Properties": {"Handler": "bootstrap", "Runtime": "provided.al2023",
    "Description": "cognitobridge pool triggers: x"}}
}}`)
	p, err := Parse(tmpl, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Imported || p.Config.PoolID != "us-east-1_Imported1" || p.Config.PreTokenGenerationVersion != "V2_0" || len(p.Triggers) != 2 ||
		p.Triggers[localcognito.SlotDefineAuthChallenge].Binary != "stepup-define" || len(p.Config.Clients) != 1 {
		t.Errorf("pool %+v triggers %v", p.Config, p.Triggers)
	}
	// A trigger whose function is not the expected handler is refused.
	bad := strings.Replace(string(tmpl), `"Operation": "DefineAuthChallenge"`, `"Operation": "CreateAuthChallenge"`, 1)
	if _, err := Parse([]byte(bad), Options{}); err == nil || !strings.Contains(err.Error(), "stepup-define") {
		t.Errorf("mismatched binary: %v", err)
	}
}

func TestUnknownFunctionNeedsBinary(t *testing.T) {
	tmpl := strings.Replace(string(minimal(`"x"`)), "cognitobridge step-up Define auth challenge: test", "my own define", 1)
	_, err := Parse([]byte(tmpl), Options{})
	if err == nil || !strings.Contains(err.Error(), `Options.Binaries["Fn"]`) {
		t.Fatalf("error %v", err)
	}
	p, err := Parse([]byte(tmpl), Options{Binaries: map[string]string{"Fn": "stepup-define"}})
	if err != nil || p.Triggers[localcognito.SlotDefineAuthChallenge].Binary != "stepup-define" {
		t.Fatalf("%v", err)
	}
}
