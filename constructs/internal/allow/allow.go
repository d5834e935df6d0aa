// Package allow builds the Allow statements the constructs add to their
// functions' roles, one resource list and its actions at a time, so each
// right reads as one line at its grant, and the resource policy that keeps
// a created secret to the functions granted it.
package allow

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"
)

// Actions allows actions on resources.
func Actions(resources []*string, actions ...string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings(actions...),
		Resources: &resources,
	})
}

// OnlySecretReaders adds to secret's resource policy the statement
// DenyEveryoneElse: no principal but roles may read its value, whatever an
// identity policy elsewhere in the account grants. A no-op for a secret
// imported from another stack (CDK cannot change its policy).
func OnlySecretReaders(secret awssecretsmanager.ISecret, roles ...awsiam.IRole) {
	arns := make([]*string, len(roles))
	for i, r := range roles {
		arns[i] = r.RoleArn()
	}
	secret.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyEveryoneElse"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("secretsmanager:GetSecretValue"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{"StringNotEquals": map[string]interface{}{"aws:PrincipalArn": arns}},
	}))
}
