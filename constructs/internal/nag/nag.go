// Package nag records the constructs' cdk-nag suppressions.
package nag

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Suppress suppresses the cdk-nag rule id on resource (not on its
// children), with the reason the rule does not apply.
func Suppress(resource constructs.IConstruct, id, reason string) {
	cdknag.NagSuppressions_AddResourceSuppressions(resource, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String(id),
		Reason: jsii.String(reason),
	}}, jsii.Bool(false))
}
