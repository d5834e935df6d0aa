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

// JSONSafe is the AllowedPattern of every parameter: no double quote, no
// backslash, no control character. The constructs fill a JSON secret
// (SecretObjectValue) from the parameters, and CloudFormation has no
// function that escapes a value for JSON: CDK renders the secret as
// Fn::Join of '{"key":"', the Ref, '"}', so a " or \ in a value would
// end the string early or escape the next character, and the secret
// would no longer parse (or would parse into other fields). CloudFormation
// refuses such a value before anything is created, with
// JSONSafeDescription. A secret that needs these characters is written
// with PutSecretValue as proper JSON (the handlers read any JSON string).
const JSONSafe = `^[^"\\\x00-\x1f]*$`

// JSONSafeDescription is the ConstraintDescription CloudFormation shows
// when a value does not match JSONSafe.
const JSONSafeDescription = `must not contain a double quote ("), a backslash (\) or a control character: ` +
	`the value is placed in a JSON secret, which CloudFormation cannot escape. Write such a secret with ` +
	`aws secretsmanager put-secret-value as JSON instead`

// ValueMinLength is Value for a parameter of at least minLength characters.
func ValueMinLength(scope constructs.Construct, id, prefix, description string, minLength float64) awscdk.SecretValue {
	p := awscdk.NewCfnParameter(scope, jsii.String(id), &awscdk.CfnParameterProps{
		Type:                  jsii.String("String"),
		NoEcho:                jsii.Bool(true),
		MinLength:             jsii.Number(minLength),
		Description:           jsii.String(description),
		AllowedPattern:        jsii.String(JSONSafe),
		ConstraintDescription: jsii.String(JSONSafeDescription),
	})
	p.OverrideLogicalId(jsii.String(prefix + id))
	return awscdk.SecretValue_CfnParameter(p)
}

// OIDCLabel names a provider's OIDC credentials in a parameter's
// description: "Mosaic OIDC", and "OIDC" alone for the generic preset
// (never "OIDC OIDC").
func OIDCLabel(provider string) string {
	if provider == "" || provider == "OIDC" {
		return "OIDC"
	}
	return provider + " OIDC"
}
