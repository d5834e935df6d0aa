package logkey_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/constructs/internal/logkey"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// TestOnlyTheLoggingFunctionsReadTheKey: the log reference key secret's
// resource policy denies GetSecretValue to every principal but the roles
// of the functions it was attached to, like the provider secrets'.
func TestOnlyTheLoggingFunctionsReadTheKey(t *testing.T) {
	// Twice: a second app's stack has the same construct paths.
	for i := 0; i < 2; i++ {
		onlyTheLoggingFunctionsReadTheKey(t)
	}
}

func onlyTheLoggingFunctionsReadTheKey(t *testing.T) {
	// GIVEN two functions of a stack
	stack := cdktest.NewStack()
	code := cdktest.StubCode(t)
	a, _, _ := gofn.New(stack, "A", gofn.Props{Code: code, Description: "a"})
	b, _, _ := gofn.New(stack, "B", gofn.Props{Code: code, Description: "b"})
	// WHEN both get the key (one twice)
	logkey.Attach(a)
	logkey.Attach(b)
	logkey.Attach(a)
	// THEN one policy, one deny naming exactly both roles
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.ResourceCountIs(jsii.String("AWS::SecretsManager::ResourcePolicy"), jsii.Number(1))
	policies := cdktest.Resources(t, tmpl, "AWS::SecretsManager::ResourcePolicy")
	for _, p := range policies {
		raw, _ := json.Marshal(p)
		var doc struct {
			Properties struct {
				SecretID       map[string]string `json:"SecretId"`
				ResourcePolicy struct {
					Statement []struct {
						Effect, Principal interface{}
						Action            interface{}
						Condition         map[string]map[string][]map[string][]string
					}
				}
			}
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%v: %s", err, raw)
		}
		if !strings.HasPrefix(doc.Properties.SecretID["Ref"], logkey.ID) {
			t.Errorf("policy on %v", doc.Properties.SecretID)
		}
		st := doc.Properties.ResourcePolicy.Statement
		if len(st) != 1 || st[0].Effect != "Deny" || st[0].Action != "secretsmanager:GetSecretValue" {
			t.Fatalf("statements %s", raw)
		}
		roles := st[0].Condition["StringNotEquals"]["aws:PrincipalArn"]
		if len(roles) != 2 || !strings.HasPrefix(roles[0]["Fn::GetAtt"][0], "ARole") || !strings.HasPrefix(roles[1]["Fn::GetAtt"][0], "BRole") {
			t.Errorf("roles let through: %v (%s)", roles, raw)
		}
	}
}
