package stacks

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// TestBiopassKeySampleHasNoSecret: the private_key_jwt sample passes cdk-nag
// and carries no provider secret and no NoEcho parameter; it outputs the
// public JWK Set.
func TestBiopassKeySampleHasNoSecret(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := NewBiopassMFAKeyStack(app, BiopassMFAKeyStackID, nil)
	tmpl := assertions.Template_FromStack(stack, nil)
	assertNoNagFindings(t, stack)
	for name := range *tmpl.FindResources(jsii.String("AWS::SecretsManager::Secret"), nil) {
		if !strings.HasPrefix(name, "CognitobridgeLogRefKey") {
			t.Errorf("provider secret %s in private_key_jwt mode", name)
		}
	}
	if p := tmpl.FindParameters(jsii.String("*"), map[string]interface{}{"NoEcho": true}); len(*p) != 0 {
		t.Errorf("NoEcho parameters %v", *p)
	}
	tmpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]interface{}{"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"})
	tmpl.HasOutput(jsii.String("*"), map[string]interface{}{"Description": assertions.Match_StringLikeRegexp(jsii.String("Public JWK Set.*"))})
}
