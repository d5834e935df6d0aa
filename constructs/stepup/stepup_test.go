package stepup

import (
	"encoding/json"
	"maps"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// prebuilt is a stand-in handler bundle, so construct tests need no go build.
func prebuilt(t *testing.T) *StepUpCode {
	code := cdktest.StubCode(t)
	return &StepUpCode{Define: code, Create: code, Verify: code, Guard: code}
}

func props(r map[string]interface{}) map[string]interface{} {
	p, _ := r["Properties"].(map[string]interface{})
	return p
}

func envOf(r map[string]interface{}) map[string]interface{} {
	env, _ := props(r)["Environment"].(map[string]interface{})
	vars, _ := env["Variables"].(map[string]interface{})
	return vars
}

// The BlockID preset with every default, one behaviour per test over one
// synthesized stack (blockIDDefaults).

var (
	defaultsOnce  sync.Once
	defaultsStack struct {
		su   StepUp
		tmpl assertions.Template
	}
)

// blockIDDefaults synthesizes the BlockID preset with every default once;
// the tests only read it.
func blockIDDefaults(t *testing.T) (StepUp, assertions.Template) {
	t.Helper()
	defaultsOnce.Do(func() {
		// GIVEN
		stack := cdktest.NewStack()
		// WHEN
		defaultsStack.su = NewStepUp(stack, jsii.String("StepUp"), &StepUpProps{
			Provider: &Provider{BlockID: &BlockIDProvider{}},
			Code:     prebuilt(t),
		})
		defaultsStack.tmpl = assertions.Template_FromStack(stack, nil)
	})
	return defaultsStack.su, defaultsStack.tmpl
}

// onlyID is the logical id of the one resource in resources.
func onlyID(t *testing.T, resources map[string]map[string]interface{}, what string) string {
	t.Helper()
	if len(resources) != 1 {
		t.Fatalf("want 1 %s, got %d", what, len(resources))
	}
	for id := range resources {
		return id
	}
	return ""
}

// providerSecretID is the logical id of the provider secret (the stack's
// log reference key, constructs/internal/logkey, is the other secret).
func providerSecretID(t *testing.T, tmpl assertions.Template) string {
	t.Helper()
	secrets := cdktest.Resources(t, tmpl, "AWS::SecretsManager::Secret")
	for id := range secrets {
		if strings.HasPrefix(id, "CognitobridgeLogRefKey") {
			delete(secrets, id)
		}
	}
	return onlyID(t, secrets, "provider secret")
}

// assertSecretHolds requires the provider secret's SecretString (as JSON)
// to contain each of wants, and returns it.
func assertSecretHolds(t *testing.T, tmpl assertions.Template, wants ...string) string {
	t.Helper()
	r := cdktest.Resources(t, tmpl, "AWS::SecretsManager::Secret")[providerSecretID(t, tmpl)]
	raw, _ := json.Marshal(props(r)["SecretString"])
	for _, want := range wants {
		if !strings.Contains(string(raw), want) {
			t.Errorf("SecretString %s lacks %s", raw, want)
		}
	}
	return string(raw)
}

func TestDefaultsFunctions(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(4))
	tmpl.ResourceCountIs(jsii.String("AWS::Logs::LogGroup"), jsii.Number(4))
	tmpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(4))
	tmpl.AllResourcesProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Runtime":       "provided.al2023",
		"Architectures": []interface{}{"arm64"},
		"Handler":       "bootstrap",
		"Timeout":       5,
		"MemorySize":    128,
		"LoggingConfig": map[string]interface{}{"LogGroup": assertions.Match_AnyValue()},
	})
	tmpl.AllResourcesProperties(jsii.String("AWS::Logs::LogGroup"), map[string]interface{}{"RetentionInDays": 30})
}

func TestDefaultsUserPool(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPool"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
		"LambdaConfig": map[string]interface{}{
			"DefineAuthChallenge":         map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^StepUpDefineFunction")), "Arn"}},
			"CreateAuthChallenge":         map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^StepUpCreateFunction")), "Arn"}},
			"VerifyAuthChallengeResponse": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^StepUpVerifyFunction")), "Arn"}},
			// V2_0: the guard stamps the step-up claims into the access token.
			"PreTokenGenerationConfig": map[string]interface{}{
				"LambdaArn":     map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("PreTokenGenerationFunction")), "Arn"}},
				"LambdaVersion": "V2_0",
			},
		},
		"AdminCreateUserConfig": map[string]interface{}{"AllowAdminCreateUserOnly": true},
		"UsernameAttributes":    assertions.Match_Absent(),
		"AliasAttributes":       []interface{}{"email"},
		"MfaConfiguration":      "OFF",
		"DeletionProtection":    "ACTIVE",
		"UserPoolTier":          "ESSENTIALS",
		"Policies": map[string]interface{}{"PasswordPolicy": map[string]interface{}{
			"MinimumLength": 12, "RequireLowercase": true, "RequireUppercase": true, "RequireNumbers": true, "RequireSymbols": true,
		}},
		"Schema": assertions.Match_ArrayWith(&[]interface{}{map[string]interface{}{"Name": "email", "Required": true, "Mutable": true}}),
		// An email change takes effect only once verified: until then the
		// original keeps the recovery codes and the sign-in alias.
		"AutoVerifiedAttributes":      []interface{}{"email"},
		"UserAttributeUpdateSettings": map[string]interface{}{"AttributesRequireVerificationBeforeUpdate": []interface{}{"email"}},
	})
	tmpl.HasResource(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
		"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
	})
}

func TestDefaultsCognitoMayInvokeEachTrigger(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Permission"), jsii.Number(4))
	tmpl.AllResourcesProperties(jsii.String("AWS::Lambda::Permission"), map[string]interface{}{
		"Principal": "cognito-idp.amazonaws.com",
	})
}

// The app client: custom auth (SRP inside it) and refresh only, no secret,
// no OAuth, a 5 minute sign-in session, and a user may write profile
// attributes only (never email, phone or preferred_username).
func TestDefaultsClient(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolClient"), jsii.Number(1))
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]interface{}{
		"GenerateSecret":                  false,
		"PreventUserExistenceErrors":      "ENABLED",
		"AllowedOAuthFlowsUserPoolClient": false,
		"AuthSessionValidity":             5,
		"ExplicitAuthFlows":               []interface{}{"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
		"WriteAttributes": []interface{}{"address", "birthdate", "family_name", "gender", "given_name", "locale",
			"middle_name", "name", "nickname", "picture", "profile", "website", "zoneinfo"},
	})
	assertClientFlows(t, tmpl, "ALLOW_CUSTOM_AUTH,ALLOW_REFRESH_TOKEN_AUTH")
	assertWriteAttributesExclude(t, tmpl, "email", "email_verified", "phone_number", "phone_number_verified", "preferred_username")
}

// The step-up table, in the contract layout: enrollments survive the stack.
func TestDefaultsTable(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	onlyID(t, cdktest.Resources(t, tmpl, "AWS::DynamoDB::Table"), "table")
	assertStepUpTable(t, tmpl)
}

// NoEcho parameters, with readable logical ids, and a secret built from
// their Refs only.
func TestDefaultsSecretFromParameters(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	for _, name := range []string{"StepUpClientSecret", "StepUpClientId", "StepUpTenantDns", "StepUpCommunity"} {
		tmpl.HasParameter(jsii.String(name), map[string]interface{}{"Type": "String", "NoEcho": true})
	}
	assertSecretHolds(t, tmpl, `{"Ref":"StepUpClientSecret"}`, `{"Ref":"StepUpClientId"}`, `{"Ref":"StepUpTenantDns"}`, `{"Ref":"StepUpCommunity"}`,
		contract.SecretKeyClientSecret, contract.SecretKeyClientID, contract.SecretKeyTenantDNS, contract.SecretKeyCommunity)
	r := cdktest.Resources(t, tmpl, "AWS::SecretsManager::Secret")[providerSecretID(t, tmpl)]
	if _, ok := props(r)["GenerateSecretString"]; ok {
		t.Error("secret must not be generated")
	}
}

// Environment: configuration and the secret ARN only.
func TestDefaultsEnvironmentHoldsNoCredential(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	for id, r := range cdktest.Resources(t, tmpl, "AWS::Lambda::Function") {
		raw, _ := json.Marshal(envOf(r))
		if strings.Contains(string(raw), "StepUpClient") || strings.Contains(string(raw), "StepUpTenant") || strings.Contains(string(raw), "StepUpCommunity") {
			t.Errorf("%s environment references a credential parameter: %s", id, raw)
		}
	}
}

// Verify and the guard get the record table and window, Create the table
// and its per-user cap, no other function the table.
func TestDefaultsTableEnvironment(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	tableID := onlyID(t, cdktest.Resources(t, tmpl, "AWS::DynamoDB::Table"), "table")
	for id, r := range cdktest.Resources(t, tmpl, "AWS::Lambda::Function") {
		env := envOf(r)
		tableRef, _ := json.Marshal(env[contract.EnvStepUpTable])
		switch {
		case strings.HasPrefix(id, "StepUpVerify") || isGuardID(id):
			if string(tableRef) != `{"Ref":"`+tableID+`"}` || env[contract.EnvStepUpWindowSeconds] != "60" {
				t.Errorf("%s record env = %s, %v; want Ref %s and 60 s", id, tableRef, env[contract.EnvStepUpWindowSeconds], tableID)
			}
		case strings.HasPrefix(id, "StepUpCreate"):
			// Create counts each user's starts in the table.
			if string(tableRef) != `{"Ref":"`+tableID+`"}` || env[contract.EnvUserCapStarts] != "10" || env[contract.EnvUserCapWindowSeconds] != "900" {
				t.Errorf("%s cap env = %s, %v, %v; want Ref %s, 10 starts per 900 s", id, tableRef, env[contract.EnvUserCapStarts], env[contract.EnvUserCapWindowSeconds], tableID)
			}
		case env[contract.EnvStepUpTable] != nil:
			t.Errorf("%s gets the record table but does not use it", id)
		}
	}
}

// Enrollment and fresh authentication: Verify decides with all three,
// Create asks the provider for a fresh authentication.
func TestDefaultsEnrollmentAndFreshAuthEnvironment(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	for id, r := range cdktest.Resources(t, tmpl, "AWS::Lambda::Function") {
		env := envOf(r)
		want := map[string]interface{}{}
		switch {
		case strings.HasPrefix(id, "StepUpVerify"):
			want = map[string]interface{}{contract.EnvEnrollment: contract.EnrollmentFirstUse, contract.EnvFreshAuth: contract.FreshAuthRequired, contract.EnvAuthTimeSkewSeconds: "30"}
		case strings.HasPrefix(id, "StepUpCreate"):
			want = map[string]interface{}{contract.EnvFreshAuth: contract.FreshAuthRequired}
		}
		for _, k := range []string{contract.EnvEnrollment, contract.EnvFreshAuth, contract.EnvAuthTimeSkewSeconds} {
			if env[k] != want[k] {
				t.Errorf("%s %s = %v, want %v", id, k, env[k], want[k])
			}
		}
	}
}

func TestDefaultsGuardEnvironment(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	for id, r := range cdktest.Resources(t, tmpl, "AWS::Lambda::Function") {
		if !isGuardID(id) {
			continue
		}
		env := envOf(r)
		_, hasArn := env[contract.EnvSecretARN]
		param, _ := env[contract.EnvProtectedClientsParameter].(string)
		if hasArn || len(env) != 7 || env[contract.EnvLogRefKeySecretARN] == nil || env[contract.EnvStepUpReasons] != `["high_value_transaction"]` ||
			env[contract.EnvPreTokenBehaviours] != contract.BehaviourStepUpGuard || env[contract.EnvStepUpPolicy] != contract.PolicyAlways ||
			!strings.HasPrefix(param, "/cognitobridge/") {
			t.Errorf("Guard env = %v, want only the behaviour, record table, window, reasons, policy and the literal protected-clients parameter name", env)
		}
	}
}

func TestDefaultsDefineEnvironment(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	for id, r := range cdktest.Resources(t, tmpl, "AWS::Lambda::Function") {
		if !strings.HasPrefix(id, "StepUpDefine") {
			continue
		}
		env := envOf(r)
		if _, hasArn := env[contract.EnvSecretARN]; hasArn {
			t.Errorf("Define does not read the secret but gets its ARN")
		}
		if env[contract.EnvMaxAttempts] != "3" || env[contract.EnvAllowPasswordless] != "false" {
			t.Errorf("Define env = %v", env)
		}
	}
}

// Create and Verify: the secret's ARN and BlockID's configuration.
func TestDefaultsProviderEnvironment(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	secretID := providerSecretID(t, tmpl)
	for id, r := range cdktest.Resources(t, tmpl, "AWS::Lambda::Function") {
		if isGuardID(id) || strings.HasPrefix(id, "StepUpDefine") {
			continue
		}
		env := envOf(r)
		if ref, _ := json.Marshal(env[contract.EnvSecretARN]); string(ref) != `{"Ref":"`+secretID+`"}` {
			t.Errorf("%s %s = %s, want Ref %s", id, contract.EnvSecretARN, ref, secretID)
		}
		if env[contract.EnvProvider] != contract.ProviderBlockID || env[contract.EnvACRValues] != `["liveID push"]` || env[contract.EnvBudgetMillis] != "4000" {
			t.Errorf("%s env = %v", id, env)
		}
		// BlockID is asked for its acr values as essential claims: Verify
		// requires them by default.
		if env[contract.EnvRequiredACR] != `["liveID push"]` {
			t.Errorf("%s %s = %v, want the requested acr values", id, contract.EnvRequiredACR, env[contract.EnvRequiredACR])
		}
	}
}

// Roles: no managed policy, no wildcard resource.
func TestDefaultsRolesHaveNoBroadRights(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	for id, r := range cdktest.Resources(t, tmpl, "AWS::IAM::Role") {
		if _, ok := props(r)["ManagedPolicyArns"]; ok {
			t.Errorf("role %s has managed policies", id)
		}
	}
	policies, _ := json.Marshal(tmpl.FindResources(jsii.String("AWS::IAM::Policy"), nil))
	if strings.Contains(string(policies), `"*"`) {
		t.Errorf("an IAM policy uses a wildcard resource: %s", policies)
	}
}

// Verify writes its own log group and reads the secret; Define's and the
// guard's roles cannot read the secret.
func TestDefaultsSecretReaders(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	secretID := providerSecretID(t, tmpl)
	tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]interface{}{
		"PolicyDocument": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{
			map[string]interface{}{
				"Action":   []interface{}{"logs:CreateLogStream", "logs:PutLogEvents"},
				"Effect":   "Allow",
				"Resource": map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^StepUpVerifyLogs")), "Arn"}},
			},
			map[string]interface{}{
				"Action":   []interface{}{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"},
				"Effect":   "Allow",
				"Resource": map[string]interface{}{"Ref": secretID},
			},
		})},
		"Roles": []interface{}{map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^StepUpVerifyRole"))}},
	})
	for id, r := range cdktest.Resources(t, tmpl, "AWS::IAM::Policy") {
		raw, _ := json.Marshal(props(r))
		if (strings.Contains(string(raw), "StepUpDefineRole") || strings.Contains(string(raw), "PreTokenGenerationRole")) && strings.Contains(string(raw), `"Ref":"`+secretID+`"`) {
			t.Errorf("policy %s grants secret access: %s", id, raw)
		}
	}
}

// The step-up table: Verify reads and checks the enrollment and writes
// enrollment and record, the guard may only delete, both on the table's ARN
// alone; no other role touches it.
func TestDefaultsTableAccess(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	tableID := onlyID(t, cdktest.Resources(t, tmpl, "AWS::DynamoDB::Table"), "table")
	assertTableAccess(t, tmpl, verifyAndGuardAccess, map[string]interface{}{"Fn::GetAtt": []interface{}{tableID, "Arn"}})
}

// Resource policy: Create and Verify may read, everyone else is denied.
func TestDefaultsSecretResourcePolicy(t *testing.T) {
	_, tmpl := blockIDDefaults(t)
	roleArn := func(prefix string) map[string]interface{} {
		return map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("^" + prefix)), "Arn"}}
	}
	tmpl.HasResourceProperties(jsii.String("AWS::SecretsManager::ResourcePolicy"), map[string]interface{}{
		"SecretId": map[string]interface{}{"Ref": providerSecretID(t, tmpl)},
		"ResourcePolicy": map[string]interface{}{"Statement": []interface{}{
			map[string]interface{}{
				"Sid":       "AllowStepUpFunctions",
				"Effect":    "Allow",
				"Action":    "secretsmanager:GetSecretValue",
				"Principal": map[string]interface{}{"AWS": []interface{}{roleArn("StepUpCreateRole"), roleArn("StepUpVerifyRole")}},
				"Resource":  "*",
			},
			map[string]interface{}{
				"Sid":       "DenyEveryoneElse",
				"Effect":    "Deny",
				"Action":    "secretsmanager:GetSecretValue",
				"Principal": map[string]interface{}{"AWS": "*"},
				"Resource":  "*",
				"Condition": map[string]interface{}{"StringNotEquals": map[string]interface{}{
					"aws:PrincipalArn": []interface{}{roleArn("StepUpCreateRole"), roleArn("StepUpVerifyRole")},
				}},
			},
		}},
	})
}

func TestDefaultsAccessors(t *testing.T) {
	su, _ := blockIDDefaults(t)
	if su.UserPool() == nil || su.Client() == nil || su.Secret() == nil ||
		su.DefineFunction() == nil || su.CreateFunction() == nil || su.VerifyFunction() == nil ||
		su.GuardFunction() == nil || su.StepUpTable() == nil {
		t.Error("an accessor returned nil")
	}
}

// assertClientFlows requires every app client of tmpl to allow exactly want
// (sorted, comma separated).
func assertClientFlows(t *testing.T, tmpl assertions.Template, want string) {
	t.Helper()
	for id, r := range cdktest.Resources(t, tmpl, "AWS::Cognito::UserPoolClient") {
		var flows []string
		for _, v := range props(r)["ExplicitAuthFlows"].([]interface{}) {
			flows = append(flows, v.(string))
		}
		sort.Strings(flows)
		if got := strings.Join(flows, ","); got != want {
			t.Errorf("%s ExplicitAuthFlows = %s, want %s", id, got, want)
		}
	}
}

// isGuardID reports whether a logical id is the pool's shared pre token
// generation function (of which the guard is a behaviour).
func isGuardID(id string) bool { return strings.Contains(id, "PreTokenGenerationFunction") }

// verifyAndGuardAccess is the step-up table access of the roles with the
// guard on: Create counts each user's starts (UpdateItem); Verify reads the enrollment (GetItem) and writes enrollment and
// record in one transaction (ConditionCheckItem, PutItem); the guard only
// consumes records.
var verifyAndGuardAccess = map[string][]string{
	"StepUpCreateRole":                     {"dynamodb:UpdateItem"},
	"StepUpVerifyRole":                     {"dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem"},
	"StepUpUserPoolPreTokenGenerationRole": {"dynamodb:DeleteItem"},
}

// assertStepUpTable requires the one step-up table in the contract layout,
// retained with the stack, deletion protected, with point-in-time recovery.
func assertStepUpTable(t *testing.T, tmpl assertions.Template) {
	t.Helper()
	tmpl.ResourceCountIs(jsii.String("AWS::DynamoDB::Table"), jsii.Number(1))
	tmpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]interface{}{
		"DeletionPolicy":      "Retain",
		"UpdateReplacePolicy": "Retain",
		"Properties": map[string]interface{}{
			"KeySchema":                        []interface{}{map[string]interface{}{"AttributeName": contract.RecordPartitionKey, "KeyType": "HASH"}},
			"AttributeDefinitions":             []interface{}{map[string]interface{}{"AttributeName": contract.RecordPartitionKey, "AttributeType": "S"}},
			"BillingMode":                      "PAY_PER_REQUEST",
			"TimeToLiveSpecification":          map[string]interface{}{"AttributeName": contract.RecordExpiresAt, "Enabled": true},
			"SSESpecification":                 map[string]interface{}{"SSEEnabled": false}, // encrypted with an AWS owned key
			"PointInTimeRecoverySpecification": map[string]interface{}{"PointInTimeRecoveryEnabled": true},
			"DeletionProtectionEnabled":        true,
		},
	})
}

// assertWriteAttributesExclude requires every app client of tmpl to set
// WriteAttributes, none of them in banned.
func assertWriteAttributesExclude(t *testing.T, tmpl assertions.Template, banned ...string) {
	t.Helper()
	for id, r := range cdktest.Resources(t, tmpl, "AWS::Cognito::UserPoolClient") {
		attrs, ok := props(r)["WriteAttributes"].([]interface{})
		if !ok || len(attrs) == 0 {
			t.Errorf("%s sets no WriteAttributes (Cognito then lets the user write every standard attribute)", id)
		}
		for _, a := range attrs {
			for _, b := range banned {
				if a == b {
					t.Errorf("%s lets the user write %s: %v", id, b, attrs)
				}
			}
		}
	}
}

// assertTableAccess requires that, among all IAM policies, exactly the roles
// in want (logical id prefix -> actions) have a DynamoDB statement, each one
// Allow of exactly those actions on tableArn.
func assertTableAccess(t *testing.T, tmpl assertions.Template, want map[string][]string, tableArn map[string]interface{}) {
	t.Helper()
	wantArn, _ := json.Marshal(tableArn)
	seen := map[string]bool{}
	for id, r := range cdktest.Resources(t, tmpl, "AWS::IAM::Policy") {
		p := props(r)
		roles, _ := json.Marshal(p["Roles"])
		doc, _ := p["PolicyDocument"].(map[string]interface{})
		stmts, _ := doc["Statement"].([]interface{})
		for _, st := range stmts {
			raw, _ := json.Marshal(st)
			if !strings.Contains(string(raw), "dynamodb:") {
				continue
			}
			role := ""
			for prefix := range want {
				if strings.Contains(string(roles), `"Ref":"`+prefix) {
					role = prefix
				}
			}
			if role == "" {
				t.Errorf("policy %s of %s has a DynamoDB statement: %s", id, roles, raw)
				continue
			}
			m := st.(map[string]interface{})
			res, _ := json.Marshal(m["Resource"])
			var actions []string
			switch a := m["Action"].(type) {
			case string:
				actions = []string{a}
			case []interface{}:
				for _, v := range a {
					actions = append(actions, v.(string))
				}
			}
			sort.Strings(actions)
			if m["Effect"] != "Allow" || strings.Join(actions, ",") != strings.Join(want[role], ",") || string(res) != string(wantArn) {
				t.Errorf("%s DynamoDB statement = %s, want Allow %v on %s", role, raw, want[role], wantArn)
			}
			seen[role] = true
		}
	}
	for role := range want {
		if !seen[role] {
			t.Errorf("%s has no DynamoDB statement", role)
		}
	}
}

func TestEnrollmentFreshAuthAndClientProps(t *testing.T) {
	// GIVEN a region that needs USER_SRP_AUTH, a provider without auth_time,
	// administrator-only enrollment and the app's own write set
	stack := cdktest.NewStack()
	NewStepUp(stack, jsii.String("StepUp"), &StepUpProps{
		Provider:            &Provider{OIDC: &OIDCProvider{Issuer: jsii.String("https://idp.example.com"), RedirectURI: jsii.String("https://app.example.com/cb")}},
		AllowUserSrpAuth:    jsii.Bool(true),
		FreshAuthentication: jsii.Bool(false),
		Enrollment:          StepUpEnrollment_ADMIN_ONLY,
		ClientWriteAttributes: awscognito.NewClientAttributes().
			WithStandardAttributes(&awscognito.StandardAttributesMask{Nickname: jsii.Bool(true)}).
			WithCustomAttributes(jsii.String("theme")),
		Code: prebuilt(t),
	})
	// THEN
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]interface{}{
		"ExplicitAuthFlows": []interface{}{"ALLOW_CUSTOM_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
		"WriteAttributes":   []interface{}{"custom:theme", "nickname"},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Description": assertions.Match_StringLikeRegexp(jsii.String("Verify auth challenge")),
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvEnrollment:          contract.EnrollmentAdminOnly,
			contract.EnvFreshAuth:           contract.FreshAuthOff,
			contract.EnvAuthTimeSkewSeconds: "30",
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Description": assertions.Match_StringLikeRegexp(jsii.String("Create auth challenge")),
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvFreshAuth:           contract.FreshAuthOff,
			contract.EnvEnrollment:          assertions.Match_Absent(),
			contract.EnvAuthTimeSkewSeconds: assertions.Match_Absent(),
		}},
	})
}

func TestAuthTimeSkew(t *testing.T) {
	stack := cdktest.NewStack()
	NewStepUp(stack, jsii.String("StepUp"), &StepUpProps{
		Provider:     &Provider{BlockID: &BlockIDProvider{}},
		AuthTimeSkew: awscdk.Duration_Minutes(jsii.Number(2)),
		Code:         prebuilt(t),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvAuthTimeSkewSeconds: "120",
			contract.EnvFreshAuth:           contract.FreshAuthRequired,
		}},
	})
}

func TestGuardOff(t *testing.T) {
	stack := cdktest.NewStack()
	su := NewStepUp(stack, jsii.String("StepUp"), &StepUpProps{
		Provider:            &Provider{OIDC: &OIDCProvider{Issuer: jsii.String("https://idp.example.com"), RedirectURI: jsii.String("https://app.example.com/cb")}},
		ServerSideGuard:     jsii.Bool(false),
		AuthSessionValidity: awscdk.Duration_Minutes(jsii.Number(15)),
		Code:                prebuilt(t),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(3))
	// The table stays: Verify keeps the enrollments in it.
	assertStepUpTable(t, tmpl)
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
		"LambdaConfig": map[string]interface{}{"PreTokenGeneration": assertions.Match_Absent(), "PreTokenGenerationConfig": assertions.Match_Absent()},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]interface{}{"AuthSessionValidity": 15})
	assertClientFlows(t, tmpl, "ALLOW_CUSTOM_AUTH,ALLOW_REFRESH_TOKEN_AUTH")
	var tableID string
	for id := range cdktest.Resources(t, tmpl, "AWS::DynamoDB::Table") {
		tableID = id
	}
	for id, r := range cdktest.Resources(t, tmpl, "AWS::Lambda::Function") {
		env := envOf(r)
		_, hasTable := env[contract.EnvStepUpTable]
		if (strings.HasPrefix(id, "StepUpVerify") || strings.HasPrefix(id, "StepUpCreate")) != hasTable {
			t.Errorf("%s: %s present = %t, want it on Verify and Create (the start counter) only", id, contract.EnvStepUpTable, hasTable)
		}
		if _, ok := env[contract.EnvRequiredACR]; ok {
			t.Errorf("%s: OIDC acr must not be required unless RequiredAcr is set", id)
		}
	}
	// Verify keeps its enrollment access, Create its counter; no guard, no
	// DeleteItem.
	assertTableAccess(t, tmpl, map[string][]string{"StepUpVerifyRole": verifyAndGuardAccess["StepUpVerifyRole"], "StepUpCreateRole": verifyAndGuardAccess["StepUpCreateRole"]},
		map[string]interface{}{"Fn::GetAtt": []interface{}{tableID, "Arn"}})
	if su.GuardFunction() != nil || su.GuardLambdaVersion() != "" || su.StepUpReasons() != nil {
		t.Error("GuardFunction, GuardLambdaVersion and StepUpReasons must be empty without the guard")
	}
	if su.StepUpTable() == nil {
		t.Error("StepUpTable must exist without the guard: it holds the enrollments")
	}
	func() {
		defer func() {
			if msg, _ := recover().(string); !strings.Contains(msg, "expected ServerSideGuard to be true") {
				t.Errorf("AllowStepUpReasons without guard: panic %q", msg)
			}
		}()
		su.AllowStepUpReasons(jsii.Strings("payout_change"))
	}()
}

func TestGuardOnExistingPoolWithWindow(t *testing.T) {
	stack := cdktest.NewStack()
	pool := awscognito.NewUserPool(stack, jsii.String("Existing"), nil)
	su := NewStepUp(stack, jsii.String("StepUp"), &StepUpProps{
		Provider:     &Provider{BlockID: &BlockIDProvider{AcrValues: jsii.Strings("otp sms")}},
		UserPool:     pool,
		RequiredAcr:  jsii.Strings("otp sms", "liveID push"),
		StepUpWindow: awscdk.Duration_Seconds(jsii.Number(15)),
		// A Lite pool: the legacy trigger, no step-up claims.
		GuardLambdaVersion: awscognito.LambdaVersion_V1_0,
		StepUpReasons:      jsii.Strings("payout_change", "payout_change"),
		Code:               prebuilt(t),
	})
	su.AllowStepUpReasons(jsii.Strings("high_value_transaction", "payout_change"))
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
		"LambdaConfig": map[string]interface{}{
			"PreTokenGeneration":       map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("PreTokenGenerationFunction")), "Arn"}},
			"PreTokenGenerationConfig": assertions.Match_Absent(),
		},
	})
	if su.GuardLambdaVersion() != awscognito.LambdaVersion_V1_0 || strings.Join(su.StepUpReasons(), ",") != "payout_change,high_value_transaction" {
		t.Errorf("version %s, reasons %v", su.GuardLambdaVersion(), su.StepUpReasons())
	}
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Description": assertions.Match_StringLikeRegexp(jsii.String("pre token generation")),
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvStepUpReasons: `["payout_change","high_value_transaction"]`,
		}},
	})
	for _, fn := range []string{"StepUpVerifyFunction", "PreTokenGenerationFunction"} {
		found := false
		for id, r := range cdktest.Resources(t, tmpl, "AWS::Lambda::Function") {
			if strings.Contains(id, fn) {
				found = true
				if got := envOf(r)[contract.EnvStepUpWindowSeconds]; got != "15" {
					t.Errorf("%s window = %v, want 15", id, got)
				}
			}
		}
		if !found {
			t.Errorf("no %s", fn)
		}
	}
	// An explicit RequiredAcr wins over the requested values.
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvACRValues:   `["otp sms"]`,
			contract.EnvRequiredACR: `["otp sms","liveID push"]`,
		}},
	})
	// The guard must not depend on the pool (the pool depends on it).
	raw, _ := json.Marshal(tmpl.ToJSON())
	var doc struct {
		Resources map[string]map[string]interface{}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for id, r := range doc.Resources {
		if !isGuardID(id) && !strings.Contains(id, "PreTokenGenerationRole") && !strings.HasPrefix(id, "StepUpRecords") && !strings.HasPrefix(id, "StepUpVerify") {
			continue
		}
		if strings.Contains(id, "PreTokenGenerationFunctionPreTokenGeneration") || strings.Contains(id, "PreTokenGenerationFunctionPreTokenGenerationConfig") {
			continue // the Lambda permission for Cognito names the pool, as for every trigger
		}
		body, _ := json.Marshal(r)
		for poolID := range cdktest.Resources(t, tmpl, "AWS::Cognito::UserPool") {
			if strings.Contains(string(body), `"Ref":"`+poolID+`"`) || strings.Contains(string(body), `"`+poolID+`","Arn"`) {
				t.Errorf("%s references the user pool: %s", id, body)
			}
		}
	}
	if su.GuardFunction() == nil || su.StepUpTable() == nil {
		t.Error("guard accessors nil with the guard on")
	}
}

func TestExistingPoolAndSecretWithoutClient(t *testing.T) {
	// GIVEN a pool and a secret the user already has
	stack := cdktest.NewStack()
	pool := awscognito.NewUserPool(stack, jsii.String("Existing"), &awscognito.UserPoolProps{
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	secret := awssecretsmanager.Secret_FromSecretCompleteArn(stack, jsii.String("Imported"),
		jsii.String("arn:aws:secretsmanager:eu-west-1:111122223333:secret:biopass-AbCdEf"))
	webClient := awscognito.UserPoolClient_FromUserPoolClientId(stack, jsii.String("Web"), jsii.String("webclient0000000000000000001"))
	// WHEN
	su := NewStepUp(stack, jsii.String("Biopass"), &StepUpProps{
		Provider: &Provider{Biopass: &BiopassProvider{
			Issuer: jsii.String("https://biopass.example"), ClientID: jsii.String("client-1"), RedirectURI: jsii.String("https://app.example.com/cb"),
		}},
		UserPool:         pool,
		Secret:           secret,
		CreateClient:     jsii.Bool(false),
		ProtectedClients: &[]awscognito.IUserPoolClient{webClient},
		MaxAttempts:      jsii.Number(5),
		MemorySize:       jsii.Number(256),
		Timeout:          awscdk.Duration_Seconds(jsii.Number(3)),
		Code:             prebuilt(t),
	})
	// THEN
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPool"), jsii.Number(1))
	tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolClient"), jsii.Number(0))
	// Only the stack's log reference key; no provider secret.
	tmpl.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(1))
	// The guard protects the client the user named, and only it.
	tmpl.HasResourceProperties(jsii.String("AWS::SSM::Parameter"), map[string]interface{}{
		"Type": "StringList", "Value": "webclient0000000000000000001",
	})
	tmpl.HasResource(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
		"DeletionPolicy": "Delete",
		"Properties": map[string]interface{}{
			"LambdaConfig": map[string]interface{}{
				"DefineAuthChallenge":         assertions.Match_AnyValue(),
				"CreateAuthChallenge":         assertions.Match_AnyValue(),
				"VerifyAuthChallengeResponse": assertions.Match_AnyValue(),
			},
			// The user's pool keeps its own attribute update settings.
			"UserAttributeUpdateSettings": assertions.Match_Absent(),
		},
	})
	// The enrollments need the table on an existing pool too.
	assertStepUpTable(t, tmpl)
	if su.StepUpTable() == nil {
		t.Error("StepUpTable() nil on an existing pool")
	}
	if params := tmpl.FindParameters(jsii.String("*"), map[string]interface{}{"NoEcho": true}); len(*params) != 0 {
		t.Errorf("no parameter expected with an existing secret, got %v", *params)
	}
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Timeout": 3, "MemorySize": 256,
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvSecretARN:    "arn:aws:secretsmanager:eu-west-1:111122223333:secret:biopass-AbCdEf",
			contract.EnvProvider:     contract.ProviderOIDC,
			contract.EnvIssuer:       "https://biopass.example",
			contract.EnvClientID:     "client-1",
			contract.EnvRedirectURI:  "https://app.example.com/cb",
			contract.EnvScopes:       "openid email",
			contract.EnvBudgetMillis: "2400",
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{contract.EnvMaxAttempts: "5"}},
	})
	if su.Client() != nil {
		t.Error("Client() must be nil when CreateClient is false")
	}
	if *su.Secret().SecretArn() != "arn:aws:secretsmanager:eu-west-1:111122223333:secret:biopass-AbCdEf" {
		t.Errorf("Secret() is not the given secret")
	}
}

func TestTokenValuesSkipValidation(t *testing.T) {
	stack := cdktest.NewStack()
	issuer := awscdk.NewCfnParameter(stack, jsii.String("Issuer"), &awscdk.CfnParameterProps{Type: jsii.String("String")})
	attempts := awscdk.NewCfnParameter(stack, jsii.String("Attempts"), &awscdk.CfnParameterProps{Type: jsii.String("Number")})
	NewStepUp(stack, jsii.String("StepUp"), &StepUpProps{
		Provider: &Provider{OIDC: &OIDCProvider{
			Issuer:      issuer.ValueAsString(),
			RedirectURI: jsii.String("https://app.example.com/cb"),
			ClientID:    jsii.String("cid"),
		}},
		MaxAttempts: attempts.ValueAsNumber(),
		Code:        prebuilt(t),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{contract.EnvIssuer: map[string]interface{}{"Ref": "Issuer"}}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{contract.EnvMaxAttempts: map[string]interface{}{"Ref": "Attempts"}}},
	})
	// ClientID given: only the client secret parameter.
	tmpl.HasParameter(jsii.String("StepUpClientSecret"), map[string]interface{}{"NoEcho": true})
	if params := tmpl.FindParameters(jsii.String("StepUpClientId"), nil); len(*params) != 0 {
		t.Errorf("ClientId parameter created although ClientID was given")
	}
}

// TestBadPropsPanic: NewStepUp refuses invalid props (TestValidate has
// every rule) with a panic that reports every error validate found.
func TestBadPropsPanic(t *testing.T) {
	cdktest.MustPanic(t, "stepup: expected MaxAttempts to be an integer between 1 and 10, received 11\nexpected Timeout between 1 and 5 seconds, received 6 seconds", func() {
		NewStepUp(cdktest.NewStack(), jsii.String("StepUp"), &StepUpProps{
			Provider: &Provider{BlockID: &BlockIDProvider{}}, MaxAttempts: jsii.Number(11), Timeout: awscdk.Duration_Seconds(jsii.Number(6)), Code: prebuilt(t),
		})
	})
}

// TestValidPropsSynthesize: props at the bounds TestValidate accepts also
// synthesize.
func TestValidPropsSynthesize(t *testing.T) {
	cases := []struct {
		name  string
		props *StepUpProps
	}{
		{"window bounds", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, StepUpWindow: awscdk.Duration_Hours(jsii.Number(1))}},
		{"lite pool with V1", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, FeaturePlan: awscognito.FeaturePlan_LITE, GuardLambdaVersion: awscognito.LambdaVersion_V1_0}},
		{"pool-only props on a created pool", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, RemovalPolicy: awscdk.RemovalPolicy_DESTROY}},
		{"skew bounds", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, AuthTimeSkew: awscdk.Duration_Minutes(jsii.Number(5))}},
		{"skew zero", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, AuthTimeSkew: awscdk.Duration_Seconds(jsii.Number(0))}},
		{"session skew", &StepUpProps{Provider: &Provider{BlockIDSession: &BlockIDSessionProvider{}}, AuthTimeSkew: awscdk.Duration_Seconds(jsii.Number(60))}},
		{"session timeout bounds", &StepUpProps{Provider: &Provider{BlockIDSession: &BlockIDSessionProvider{SessionTimeout: awscdk.Duration_Minutes(jsii.Number(15)), PendingWait: awscdk.Duration_Seconds(jsii.Number(3))}}}},
		{"client may write other custom attributes", &StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}},
			ClientWriteAttributes: awscognito.NewClientAttributes().WithCustomAttributes(jsii.String("employee_id"))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.props.Code = prebuilt(t)
			NewStepUp(cdktest.NewStack(), jsii.String("StepUp"), c.props)
		})
	}
}

func TestExistingPoolRejectsPoolOnlyProps(t *testing.T) {
	stack := cdktest.NewStack()
	pool := awscognito.NewUserPool(stack, jsii.String("Existing"), nil)
	defer func() {
		r := recover()
		if msg, _ := r.(string); !strings.Contains(msg, "expected DeletionProtection only when the construct creates the user pool") {
			t.Fatalf("panic = %v", r)
		}
	}()
	NewStepUp(stack, jsii.String("StepUp"), &StepUpProps{
		Provider: &Provider{BlockID: &BlockIDProvider{}}, UserPool: pool, DeletionProtection: jsii.Bool(false), Code: prebuilt(t),
	})
}

func TestBlockIDTenantFromPropsGoesIntoTheSecret(t *testing.T) {
	stack := cdktest.NewStack()
	NewStepUp(stack, jsii.String("StepUp"), &StepUpProps{
		Provider: &Provider{BlockID: &BlockIDProvider{
			TenantDNS: jsii.String("acme.1kosmos.net"), Community: jsii.String("default"), ClientID: jsii.String("cid"),
			AcrValues: jsii.Strings("otp sms", "otp email"),
		}},
		ParameterPrefix: jsii.String("Kosmos"),
		Code:            prebuilt(t),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	params := *tmpl.FindParameters(jsii.String("*"), nil)
	if _, ok := params["KosmosClientSecret"]; !ok || len(params) != 2 { // + BootstrapVersion
		t.Errorf("want only the KosmosClientSecret parameter, got %v", params)
	}
	raw := assertSecretHolds(t, tmpl, `{"Ref":"KosmosClientSecret"}`, `\"tenantDns\":\"acme.1kosmos.net\"`, `\"community\":\"default\"`)
	if strings.Contains(raw, "clientId") {
		t.Errorf("client id given as a prop must not be in the secret: %s", raw)
	}
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvClientID:    "cid",
			contract.EnvACRValues:   `["otp sms","otp email"]`,
			contract.EnvIssuer:      assertions.Match_Absent(),
			contract.EnvProvider:    contract.ProviderBlockID,
			contract.EnvBindClaim:   assertions.Match_Absent(),
			contract.EnvMaxAttempts: assertions.Match_Absent(),
		}},
	})
}

// TestImportedPool: a pool created outside the app (by id) gets the
// step-up's four triggers from one pooltriggers custom resource, with the
// guard on the pool's shared pre token generation function.
func TestImportedPool(t *testing.T) {
	stack := cdktest.NewStack()
	pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("Console"), jsii.String("eu-west-1_AbCdEf123"))
	web := awscognito.UserPoolClient_FromUserPoolClientId(stack, jsii.String("Web"), jsii.String("webclient0000000000000000001"))
	NewStepUp(stack, jsii.String("StepUp"), &StepUpProps{
		Provider: &Provider{BlockID: &BlockIDProvider{}}, UserPool: pool,
		CreateClient: jsii.Bool(false), ProtectedClients: &[]awscognito.IUserPoolClient{web},
		Code: prebuilt(t),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPool"), jsii.Number(0))
	tmpl.ResourceCountIs(jsii.String("Custom::CognitoPoolTriggers"), jsii.Number(1))
	arn := func(prefix string) map[string]interface{} {
		return map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String(prefix)), "Arn"}}
	}
	for _, trig := range []map[string]interface{}{
		{"Operation": "DefineAuthChallenge", "LambdaArn": arn("^StepUpDefineFunction")},
		{"Operation": "CreateAuthChallenge", "LambdaArn": arn("^StepUpCreateFunction")},
		{"Operation": "VerifyAuthChallengeResponse", "LambdaArn": arn("^StepUpVerifyFunction")},
		{"Operation": "PreTokenGeneration", "LambdaArn": arn("^ConsolePreTokenGenerationFunction"), "LambdaVersion": "V2_0"},
	} {
		tmpl.HasResourceProperties(jsii.String("Custom::CognitoPoolTriggers"), map[string]interface{}{
			"UserPoolId": "eu-west-1_AbCdEf123",
			"Triggers":   assertions.Match_ArrayWith(&[]interface{}{trig}),
		})
	}
	// Cognito may invoke each of them, from that pool only.
	tmpl.ResourcePropertiesCountIs(jsii.String("AWS::Lambda::Permission"), map[string]interface{}{
		"Principal": "cognito-idp.amazonaws.com",
	}, jsii.Number(4))
}

// TestBlockIDSessionStepUp: the verification-session preset with its
// defaults. Create gets the step-up table and GetItem on it (it reads the
// enrollment), the secret has contract.SessionSecret's shape from NoEcho
// parameters, and cdk-nag's AwsSolutions pack finds nothing unsuppressed.
func TestBlockIDSessionStepUp(t *testing.T) {
	// GIVEN
	stack := cdktest.NewStack()
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	// WHEN
	su := NewStepUp(stack, jsii.String("StepUp"), &StepUpProps{
		Provider: &Provider{BlockIDSession: &BlockIDSessionProvider{}},
		Code:     prebuilt(t),
	})
	// The feature plan is the app's choice: suppressed as the samples do
	// (apps/stacks finish).
	cdknag.NagSuppressions_AddResourceSuppressions(su.UserPool(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-COG8"), Reason: jsii.String("Essentials feature plan, as in the samples: the app chooses the plan"),
	}}, jsii.Bool(false))
	// THEN
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(4))
	var tableID, secretID string
	for id := range cdktest.Resources(t, tmpl, "AWS::DynamoDB::Table") {
		tableID = id
	}
	assertStepUpTable(t, tmpl)
	tableRef := map[string]interface{}{"Ref": tableID}

	// The secret: {"apiKey", "tenantDns", "community"} from NoEcho
	// parameters, nothing of the OIDC shape.
	for _, name := range []string{"StepUpApiKey", "StepUpTenantDns", "StepUpCommunity"} {
		tmpl.HasParameter(jsii.String(name), map[string]interface{}{"Type": "String", "NoEcho": true, "MinLength": 1})
	}
	if params := *tmpl.FindParameters(jsii.String("*"), map[string]interface{}{"NoEcho": true}); len(params) != 3 {
		t.Errorf("want exactly the 3 NoEcho parameters, got %v", params)
	}
	secrets := cdktest.Resources(t, tmpl, "AWS::SecretsManager::Secret")
	// The stack's log reference key (constructs/internal/logkey) is the other.
	for id := range secrets {
		if strings.HasPrefix(id, "CognitobridgeLogRefKey") {
			delete(secrets, id)
		}
	}
	if len(secrets) != 1 {
		t.Fatalf("want 1 provider secret, got %d", len(secrets))
	}
	for id, r := range secrets {
		secretID = id
		raw, _ := json.Marshal(props(r)["SecretString"])
		for _, want := range []string{`{"Ref":"StepUpApiKey"}`, `{"Ref":"StepUpTenantDns"}`, `{"Ref":"StepUpCommunity"}`,
			`\"` + contract.SessionSecretKeyAPIKey + `\":`, `\"` + contract.SessionSecretKeyTenantDNS + `\":`, `\"` + contract.SessionSecretKeyCommunity + `\":`} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("SecretString %s lacks %s", raw, want)
			}
		}
		if strings.Contains(string(raw), contract.SecretKeyClientSecret) || strings.Contains(string(raw), contract.SecretKeyClientID) {
			t.Errorf("SecretString %s has OIDC keys", raw)
		}
	}
	secretRef := map[string]interface{}{"Ref": secretID}

	// Create: exactly what the session kind's Create reads, and the table.
	create := map[string]interface{}{
		contract.EnvProvider:              contract.ProviderBlockIDSession,
		contract.EnvSecretARN:             secretRef,
		contract.EnvSecretTTLSeconds:      "300",
		contract.EnvBudgetMillis:          "4000",
		contract.EnvSessionReason:         "high_value_transaction",
		contract.EnvSessionTimeoutSeconds: "300",
		contract.EnvStepUpTable:           tableRef,
	}
	// Verify: the same (it shares Create's provider configuration), and its
	// own record, enrollment, skew and pending-wait keys.
	verify := map[string]interface{}{
		contract.EnvStepUpWindowSeconds:      "60",
		contract.EnvEnrollment:               contract.EnrollmentAdminOnly,
		contract.EnvAuthTimeSkewSeconds:      "30",
		contract.EnvSessionPendingWaitMillis: "1000",
	}
	for k, v := range create {
		verify[k] = v
	}
	// Create alone: the per-user cap, 5 sessions per 15 minutes.
	create[contract.EnvUserCapStarts] = "5"
	create[contract.EnvUserCapWindowSeconds] = "900"
	for id, r := range cdktest.Resources(t, tmpl, "AWS::Lambda::Function") {
		var want map[string]interface{}
		switch {
		case strings.HasPrefix(id, "StepUpCreate"):
			want = create
		case strings.HasPrefix(id, "StepUpVerify"):
			want = verify
		case strings.HasPrefix(id, "StepUpDefine"):
			if env := envOf(r); env[contract.EnvProvider] != contract.ProviderBlockIDSession || env[contract.EnvSecretARN] != nil || env[contract.EnvStepUpTable] != nil {
				t.Errorf("Define env = %v", env)
			}
			continue
		default:
			continue
		}
		env := envOf(r)
		if ref, _ := json.Marshal(env[contract.EnvLogRefKeySecretARN]); !strings.HasPrefix(string(ref), `{"Ref":"CognitobridgeLogRefKey`) {
			t.Errorf("%s has no log reference key: %s", id, ref)
		}
		delete(env, contract.EnvLogRefKeySecretARN)
		got, _ := json.Marshal(env)
		wantJSON, _ := json.Marshal(want)
		if string(got) != string(wantJSON) {
			t.Errorf("%s env = %s, want %s", id, got, wantJSON)
		}
		if d, _ := props(r)["Description"].(string); !strings.Contains(d, "session") {
			t.Errorf("%s description %q does not describe the session", id, d)
		}
	}

	// Table access: Create reads the enrollment and counts the start, on
	// the table's ARN.
	access := maps.Clone(verifyAndGuardAccess)
	access["StepUpCreateRole"] = []string{"dynamodb:GetItem", "dynamodb:UpdateItem"}
	assertTableAccess(t, tmpl, access, map[string]interface{}{"Fn::GetAtt": []interface{}{tableID, "Arn"}})

	// cdk-nag: nothing unsuppressed.
	nagMatch := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	annotations := assertions.Annotations_FromStack(stack)
	for _, m := range *annotations.FindError(jsii.String("*"), nagMatch) {
		raw, _ := json.Marshal(m)
		t.Errorf("cdk-nag error: %s", raw)
	}
	for _, m := range *annotations.FindWarning(jsii.String("*"), nagMatch) {
		raw, _ := json.Marshal(m)
		t.Errorf("cdk-nag warning: %s", raw)
	}
}

// TestBlockIDSessionFromProps: tenant and community as props go into the
// secret as plain values, the overrides reach both handlers, and with both
// APIURL and EnrollmentIssuer set no tenant parameter is asked for.
func TestBlockIDSessionFromProps(t *testing.T) {
	stack := cdktest.NewStack()
	NewStepUp(stack, jsii.String("StepUp"), &StepUpProps{
		Provider: &Provider{BlockIDSession: &BlockIDSessionProvider{
			TenantDNS: jsii.String("acme.1kosmos.net"), Community: jsii.String("default"),
			Reason:         jsii.String("payout_change"),
			SessionTimeout: awscdk.Duration_Minutes(jsii.Number(2)),
			PendingWait:    awscdk.Duration_Millis(jsii.Number(500)),
		}},
		ParameterPrefix: jsii.String("Kosmos"),
		AuthTimeSkew:    awscdk.Duration_Seconds(jsii.Number(10)),
		Enrollment:      StepUpEnrollment_ADMIN_ONLY,
		Code:            prebuilt(t),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	if params := *tmpl.FindParameters(jsii.String("*"), map[string]interface{}{"NoEcho": true}); len(params) != 1 || params["KosmosApiKey"] == nil {
		t.Errorf("want only the KosmosApiKey parameter, got %v", params)
	}
	assertSecretHolds(t, tmpl, `{"Ref":"KosmosApiKey"}`, `\"tenantDns\":\"acme.1kosmos.net\"`, `\"community\":\"default\"`)
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Description": assertions.Match_StringLikeRegexp(jsii.String("Verify auth challenge")),
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvSessionReason:            "payout_change",
			contract.EnvSessionTimeoutSeconds:    "120",
			contract.EnvSessionPendingWaitMillis: "500",
			contract.EnvAuthTimeSkewSeconds:      "10",
			contract.EnvEnrollment:               contract.EnrollmentAdminOnly,
			contract.EnvSessionAPIURL:            assertions.Match_Absent(),
			contract.EnvIssuer:                   assertions.Match_Absent(),
			contract.EnvFreshAuth:                assertions.Match_Absent(),
		}},
	})
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Description": assertions.Match_StringLikeRegexp(jsii.String("Create auth challenge")),
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvSessionReason:            "payout_change",
			contract.EnvSessionTimeoutSeconds:    "120",
			contract.EnvStepUpTable:              assertions.Match_AnyValue(),
			contract.EnvSessionPendingWaitMillis: assertions.Match_Absent(),
			contract.EnvEnrollment:               assertions.Match_Absent(),
		}},
	})

	// API URL and issuer given: the secret needs only the API key.
	stack = cdktest.NewStack()
	NewStepUp(stack, jsii.String("StepUp"), &StepUpProps{
		Provider: &Provider{BlockIDSession: &BlockIDSessionProvider{
			APIURL:           jsii.String("https://api.acme.example"),
			EnrollmentIssuer: jsii.String("https://acme.1kosmos.net/oauth2/community/default/v1"),
		}},
		Code: prebuilt(t),
	})
	tmpl = assertions.Template_FromStack(stack, nil)
	if params := *tmpl.FindParameters(jsii.String("*"), map[string]interface{}{"NoEcho": true}); len(params) != 1 || params["StepUpApiKey"] == nil {
		t.Errorf("want only the StepUpApiKey parameter, got %v", params)
	}
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Description": assertions.Match_StringLikeRegexp(jsii.String("Create auth challenge")),
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvSessionAPIURL: "https://api.acme.example",
			contract.EnvIssuer:        "https://acme.1kosmos.net/oauth2/community/default/v1",
		}},
	})
}

// TestCreateCountsWithOIDCPresets: with BlockID, Biopass and OIDC, Create
// gets the step-up table for the start counter only: UpdateItem, never a
// read.
func TestCreateCountsWithOIDCPresets(t *testing.T) {
	for name, p := range map[string]*Provider{
		"BlockID": {BlockID: &BlockIDProvider{}},
		"Biopass": {Biopass: &BiopassProvider{Issuer: jsii.String("https://biopass.example"), ClientID: jsii.String("c"), RedirectURI: jsii.String("https://app.example.com/cb")}},
		"OIDC":    {OIDC: &OIDCProvider{Issuer: jsii.String("https://idp.example.com"), RedirectURI: jsii.String("https://app.example.com/cb")}},
	} {
		t.Run(name, func(t *testing.T) {
			stack := cdktest.NewStack()
			NewStepUp(stack, jsii.String("StepUp"), &StepUpProps{Provider: p, Code: prebuilt(t)})
			tmpl := assertions.Template_FromStack(stack, nil)
			var tableID string
			for id := range cdktest.Resources(t, tmpl, "AWS::DynamoDB::Table") {
				tableID = id
			}
			assertTableAccess(t, tmpl, verifyAndGuardAccess, map[string]interface{}{"Fn::GetAtt": []interface{}{tableID, "Arn"}})
			for id, r := range cdktest.Resources(t, tmpl, "AWS::Lambda::Function") {
				if env := envOf(r); strings.HasPrefix(id, "StepUpCreate") && (env[contract.EnvStepUpTable] == nil || env[contract.EnvUserCapStarts] != "10") {
					t.Errorf("%s with %s: table %v, cap %v", id, name, env[contract.EnvStepUpTable], env[contract.EnvUserCapStarts])
				}
			}
		})
	}
}

// TestProtectedClientsMarkCustomAuthOnly: the protected-clients parameter
// marks the clients whose only sign-in flow is CUSTOM_AUTH (the created
// client, a given client whose flows say so), on which the guard lets a
// GetTokensFromRefreshToken refresh pass without claims; a given client with
// USER_SRP_AUTH and an imported client (flows unknown) stay unmarked.
func TestProtectedClientsMarkCustomAuthOnly(t *testing.T) {
	stack := cdktest.NewStack()
	pool := awscognito.NewUserPool(stack, jsii.String("Pool"), &awscognito.UserPoolProps{RemovalPolicy: awscdk.RemovalPolicy_DESTROY})
	custom := pool.AddClient(jsii.String("CustomOnly"), &awscognito.UserPoolClientOptions{
		AuthFlows: &awscognito.AuthFlow{Custom: jsii.Bool(true)},
	})
	srp := pool.AddClient(jsii.String("WithSrp"), &awscognito.UserPoolClientOptions{
		AuthFlows: &awscognito.AuthFlow{Custom: jsii.Bool(true), UserSrp: jsii.Bool(true)},
	})
	imported := awscognito.UserPoolClient_FromUserPoolClientId(stack, jsii.String("Imported"), jsii.String("importedclient000000000001"))
	NewStepUp(stack, jsii.String("StepUp"), &StepUpProps{
		Provider: &Provider{BlockID: &BlockIDProvider{}}, UserPool: pool,
		ProtectedClients:                &[]awscognito.IUserPoolClient{custom, srp, imported},
		RefreshTokenRotationGracePeriod: awscdk.Duration_Seconds(jsii.Number(10)),
		// ON_DEMAND: under ALWAYS a protected client with USER_SRP_AUTH (or
		// OAuth on) stops at synth (see checks.go).
		Policy: StepUpPolicy_ON_DEMAND,
		Code:   prebuilt(t),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	// The created client rotates refresh tokens when asked to (CDK then
	// leaves out ALLOW_REFRESH_TOKEN_AUTH: with rotation, refresh goes
	// through GetTokensFromRefreshToken only).
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]interface{}{
		"ExplicitAuthFlows":    []interface{}{"ALLOW_CUSTOM_AUTH"},
		"RefreshTokenRotation": map[string]interface{}{"Feature": "ENABLED", "RetryGracePeriodSeconds": 10},
	})
	params := cdktest.Resources(t, tmpl, "AWS::SSM::Parameter")
	if len(params) != 1 {
		t.Fatalf("want 1 SSM parameter, got %d", len(params))
	}
	var value string
	for _, p := range params {
		b, err := json.Marshal(p["Properties"].(map[string]interface{})["Value"])
		if err != nil {
			t.Fatal(err)
		}
		value = string(b)
	}
	clients := cdktest.Resources(t, tmpl, "AWS::Cognito::UserPoolClient")
	logical := map[string]string{}
	for id := range clients {
		for _, prefix := range []string{"PoolClient", "PoolCustomOnly", "PoolWithSrp"} {
			if strings.HasPrefix(id, prefix) {
				logical[prefix] = id
			}
		}
	}
	marked := func(id string) bool {
		return strings.Contains(value, `["","custom-auth-only:",{"Ref":"`+id+`"}]`) ||
			strings.Contains(value, `"custom-auth-only:",{"Ref":"`+id+`"}`)
	}
	listed := func(id string) bool { return strings.Contains(value, `{"Ref":"`+id+`"}`) }
	for prefix, want := range map[string]bool{"PoolClient": true, "PoolCustomOnly": true, "PoolWithSrp": false} {
		id, ok := logical[prefix]
		if !ok {
			t.Fatalf("no client %s* in %v", prefix, clients)
		}
		if !listed(id) {
			t.Errorf("%s not listed as protected in %s", id, value)
		}
		if marked(id) != want {
			t.Errorf("%s custom-auth-only mark = %v, want %v in %s", id, marked(id), want, value)
		}
	}
	if !strings.Contains(value, "importedclient000000000001") || strings.Contains(value, "custom-auth-only:importedclient") {
		t.Errorf("the imported client must be listed and unmarked: %s", value)
	}
}

// TestStartsCap: MaxStartsPerUser and StartsWindow reach Create's
// environment; out-of-bounds windows panic with the library's message.
func TestStartsCap(t *testing.T) {
	stack := cdktest.NewStack()
	NewStepUp(stack, jsii.String("StepUp"), &StepUpProps{
		Provider:         &Provider{BlockID: &BlockIDProvider{}},
		MaxStartsPerUser: jsii.Number(4),
		StartsWindow:     awscdk.Duration_Hours(jsii.Number(1)),
		Code:             prebuilt(t),
	})
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
		"Description": assertions.Match_StringLikeRegexp(jsii.String("Create")),
		"Environment": map[string]interface{}{"Variables": map[string]interface{}{
			contract.EnvUserCapStarts:        "4",
			contract.EnvUserCapWindowSeconds: "3600",
		}},
	})
	for name, tc := range map[string]struct {
		window awscdk.Duration
		want   string
	}{
		"59 s":     {awscdk.Duration_Seconds(jsii.Number(59)), "expected StartsWindow"},
		"two days": {awscdk.Duration_Days(jsii.Number(2)), "expected StartsWindow"},
		"fraction": {awscdk.Duration_Millis(jsii.Number(90500)), "StartsWindow"},
	} {
		err := (&StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, StartsWindow: tc.window}).validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	if err := (&StepUpProps{Provider: &Provider{BlockID: &BlockIDProvider{}}, StartsWindow: awscdk.Duration_Days(jsii.Number(1))}).validate(); err != nil {
		t.Errorf("one day: %v", err)
	}
}
