package proofing

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/federation"
	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/constructs/pretokengen"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

func TestValidate(t *testing.T) {
	base := func() *ProofingProps {
		return &ProofingProps{IDVBaseURL: jsii.String("https://acme.1kosmos.net/docuverify")}
	}
	if err := base().validate(); err != nil {
		t.Fatal(err)
	}
	for want, mutate := range map[string]func(*ProofingProps){
		"IDVBaseURL to be set":  func(p *ProofingProps) { p.IDVBaseURL = nil },
		"https URL":             func(p *ProofingProps) { p.IDVBaseURL = jsii.String("http://x") },
		"DocumentTypes[1]":      func(p *ProofingProps) { p.DocumentTypes = jsii.Strings("dl", "selfie") },
		"received \"dl\" twice": func(p *ProofingProps) { p.DocumentTypes = jsii.Strings("dl", "dl") },
		"at least one type":     func(p *ProofingProps) { p.DocumentTypes = &[]*string{} },
		"Liveness":              func(p *ProofingProps) { p.Liveness = jsii.String("none") },
		"ThrottleRateLimit":     func(p *ProofingProps) { p.ThrottleRateLimit = jsii.Number(0) },
		"MaxAccountsPerDocument to be a whole number between 1 and 100, received 0":      func(p *ProofingProps) { p.MaxAccountsPerDocument = jsii.Number(0) },
		"MaxAccountsPerDocument to be a whole number between 1 and 100, received 1.5":    func(p *ProofingProps) { p.MaxAccountsPerDocument = jsii.Number(1.5) },
		"expected MaxSessionsPerUser to be an integer between 1 and 1000, received 0":    func(p *ProofingProps) { p.MaxSessionsPerUser = jsii.Number(0) },
		"expected MaxSessionsPerUser to be an integer between 1 and 1000, received 1001": func(p *ProofingProps) { p.MaxSessionsPerUser = jsii.Number(1001) },
		"expected SessionsWindow": func(p *ProofingProps) { p.SessionsWindow = awscdk.Duration_Seconds(jsii.Number(30)) },
		"SessionsWindow":          func(p *ProofingProps) { p.SessionsWindow = awscdk.Duration_Days(jsii.Number(2)) },
	} {
		p := base()
		mutate(p)
		if err := p.validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", want, err)
		}
	}
	var nilProps *ProofingProps
	if err := nilProps.validate(); err == nil {
		t.Error("nil props accepted")
	}
}

func TestProofingBindsTheProofToTheAccount(t *testing.T) {
	stack := cdktest.NewStack()
	code := cdktest.StubCode(t)
	p := NewProofing(stack, jsii.String("Proofing"), &ProofingProps{
		IDVBaseURL:             jsii.String("https://acme.1kosmos.net/docuverify"),
		MaxAccountsPerDocument: jsii.Number(3),
		Code:                   &ProofingCode{PreSignUp: code, Session: code, Callback: code},
	})
	if p.Assurance() == nil || p.DocumentKey() == nil {
		t.Fatal("no assurance function or document key")
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	// The pre sign-up: the per-user start cap's defaults, and UpdateItem for
	// its counter on the proofing table only.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvUserCapStarts:        "3",
			contract.EnvUserCapWindowSeconds: "900",
			contract.EnvProofingTable:        map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^ProofingRecords"))},
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]interface{}{
		"PolicyName": assertions.Match_StringLikeRegexp(jsii.String("PreSignUpPolicy")),
		"PolicyDocument": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{map[string]interface{}{
			"Action":   []interface{}{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
			"Effect":   "Allow",
			"Resource": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^ProofingRecords")), "Arn"}},
		}})},
	})
	// The callback: the registry's limit and key, no right to confirm.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvProofingMaxAccountsPerDocument: "3",
			contract.EnvProofingDocumentKeySecretARN:   map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^ProofingDocumentKey"))},
		}},
	})
	tmpl.HasResource(jsii.String("AWS::SecretsManager::Secret"), map[string]interface{}{
		"Properties":     map[string]interface{}{"GenerateSecretString": map[string]interface{}{"PasswordLength": 64, "ExcludePunctuation": true}},
		"DeletionPolicy": "Retain",
	})
	raw, _ := json.Marshal(tmpl.ToJSON())
	if strings.Contains(string(raw), "AdminConfirmSignUp") {
		t.Error("a function may confirm users")
	}
	for _, action := range []string{"cognito-idp:AdminGetUser", "cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminDeleteUserAttributes"} {
		if !strings.Contains(string(raw), action) {
			t.Errorf("no %s", action)
		}
	}
	// The document key: only the callback may read it.
	tmpl.HasResourceProperties(jsii.String("AWS::SecretsManager::ResourcePolicy"), map[string]interface{}{
		"SecretId": map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^ProofingDocumentKey"))},
	})
}

// Proofing and a BlockID federation on one pool share one pre token
// generation function with one assurance behaviour, whose provider list
// names BlockID.
func TestProofingAndBlockIDFederationShareTheAssurance(t *testing.T) {
	stack := cdktest.NewStack()
	code := cdktest.StubCode(t)
	p := NewProofing(stack, jsii.String("Proofing"), &ProofingProps{
		IDVBaseURL:         jsii.String("https://acme.1kosmos.net/docuverify"),
		Code:               &ProofingCode{PreSignUp: code, Session: code, Callback: code},
		PreTokenGeneration: &pretokengen.PreTokenGenerationProps{Code: code},
	})
	fed := federation.NewFederation(stack, jsii.String("BlockID"), &federation.FederationProps{
		UserPool: p.UserPool(),
		Provider: &federation.Provider{BlockID: &federation.BlockIDProvider{
			TenantDNS: jsii.String("acme.1kosmos.net"), Community: jsii.String("default"), ClientID: jsii.String("cid"),
			PreTokenGeneration: &pretokengen.PreTokenGenerationProps{Code: code},
		}},
		CallbackURLs: jsii.Strings("https://app.example.com/cb"),
		LogoutURLs:   jsii.Strings("https://app.example.com/"),
		DomainPrefix: jsii.String("acme-proofing"),
	})
	if fed.Assurance() != p.Assurance() || len(p.Assurance().Behaviours()) != 1 {
		t.Fatalf("behaviours %v", p.Assurance().Behaviours())
	}
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvPreTokenBehaviours: contract.BehaviourAssurance,
			contract.EnvAssuranceProviders: `["BlockID"]`,
		}},
	})
	policies := 0
	for _, r := range *tmpl.FindResources(jsii.String("AWS::IAM::Policy"), nil) {
		if strings.Contains(mustJSON(r), "AdminDeleteUserAttributes") {
			policies++
		}
	}
	if policies != 1 {
		t.Fatalf("%d assurance policies, want 1", policies)
	}
}

func mustJSON(v interface{}) string {
	b, _ := json.Marshal(v)
	return string(b)
}
