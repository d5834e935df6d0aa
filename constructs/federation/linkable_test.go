package federation

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/cdktest"
)

// TestLinkableMapsIntoCustomAttributes: a linkable Mosaic provider maps its
// email into custom:idp_email and custom:idp_email_verified (never email),
// the created pool has those attributes, and the hosted client writes
// exactly them.
func TestLinkableMapsIntoCustomAttributes(t *testing.T) {
	stack := cdktest.NewStack()
	p := mosaic()
	p.Linkable = jsii.Bool(true)
	fed := NewFederation(stack, jsii.String("Mosaic"), p)
	tmpl := assertions.Template_FromStack(stack, nil)
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolIdentityProvider"), map[string]interface{}{
		"AttributeMapping": map[string]interface{}{"custom:idp_email": "email", "custom:idp_email_verified": "email_verified"},
	})
	want := []interface{}{"custom:idp_email", "custom:idp_email_verified"}
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]interface{}{"WriteAttributes": want})
	tmpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]interface{}{
		"Schema": assertions.Match_ArrayWith(&[]interface{}{
			assertions.Match_ObjectLike(&map[string]interface{}{"Name": "idp_email", "AttributeDataType": "String", "Mutable": true}),
			assertions.Match_ObjectLike(&map[string]interface{}{"Name": "idp_email_verified", "AttributeDataType": "String", "Mutable": true}),
		}),
	})
	if got := fed.WriteAttributes(); strings.Join(got, ",") != "custom:idp_email,custom:idp_email_verified" {
		t.Errorf("WriteAttributes() = %v", got)
	}
	// Trusted for its attributes: the standard mapping, by the owner's choice.
	stack = cdktest.NewStack()
	p = mosaic()
	p.Linkable, p.TrustedForAttributes = jsii.Bool(true), jsii.Bool(true)
	NewFederation(stack, jsii.String("Mosaic"), p)
	assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Cognito::UserPoolIdentityProvider"), map[string]interface{}{
		"AttributeMapping": map[string]interface{}{"email": "email", "email_verified": "email_verified"},
	})
}

func TestLinkableRefusesTrustedMapping(t *testing.T) {
	p := mosaic()
	p.Linkable = jsii.Bool(true)
	p.Provider = &Provider{OIDC: &OIDCProvider{
		Issuer: jsii.String("https://idp.example.com"), ClientID: jsii.String("cid"),
		AttributeMapping: &awscognito.AttributeMapping{Custom: &map[string]awscognito.ProviderAttribute{"phone_number_verified": fakeAttr{}}},
	}}
	err := p.validate()
	if err == nil || !strings.Contains(err.Error(), `expected Provider.OIDC.AttributeMapping of provider "OIDC", which can be linked to native users, to map nothing into phone_number_verified`) ||
		!strings.Contains(err.Error(), "custom:idp_phone_verified") {
		t.Fatalf("validate: %v", err)
	}
	p.TrustedForAttributes = jsii.Bool(true)
	if err := p.validate(); err != nil {
		t.Fatalf("trusted: %v", err)
	}
	p = mosaic()
	p.TrustedForAttributes = jsii.Bool(true)
	if err := p.validate(); err == nil || !strings.Contains(err.Error(), "expected TrustedForAttributes only with Linkable") {
		t.Fatalf("trusted without Linkable: %v", err)
	}
}
