// Package allow builds the Allow statements the constructs add to their
// functions' roles, one resource list and its actions at a time, so each
// right reads as one line at its grant.
package allow

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
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
