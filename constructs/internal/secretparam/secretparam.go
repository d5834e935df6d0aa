// Package secretparam creates the NoEcho stack parameters from which the
// constructs fill a secret they create: the template holds only a Ref to
// each parameter, never a value.
package secretparam

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/propcheck"
)

// Prefix is the prefix of the parameters' logical ids: given, or else
// scope's id with letters and digits only.
func Prefix(scope constructs.Construct, given *string) string {
	if given != nil {
		return *given
	}
	return propcheck.NotAlnum.ReplaceAllString(*scope.Node().Id(), "")
}

// Value creates the NoEcho String parameter id (at least one character) in
// scope, with the logical id prefix+id, and returns its value.
func Value(scope constructs.Construct, id, prefix, description string) awscdk.SecretValue {
	return ValueMinLength(scope, id, prefix, description, 1)
}

// ValueMinLength is Value for a parameter of at least minLength characters.
func ValueMinLength(scope constructs.Construct, id, prefix, description string, minLength float64) awscdk.SecretValue {
	p := awscdk.NewCfnParameter(scope, jsii.String(id), &awscdk.CfnParameterProps{
		Type:        jsii.String("String"),
		NoEcho:      jsii.Bool(true),
		MinLength:   jsii.Number(minLength),
		Description: jsii.String(description),
	})
	p.OverrideLogicalId(jsii.String(prefix + id))
	return awscdk.SecretValue_CfnParameter(p)
}
