// Package clientkey is the construct side of private_key_jwt (issue 18):
// the asymmetric KMS key that signs client assertions (created, or the
// user's), an optional second key published beside it for rotation, the
// custom resource that reads their public halves (kms:GetPublicKey) into a
// JWK Set, the stack outputs that carry it to the provider, an optional
// jwks_uri (a Lambda function URL serving that set), kms:Sign granted to
// exactly the functions that call the token endpoint, and their
// environment. No Secrets Manager secret exists in this mode.
package clientkey

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/internal/gofn"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// HandlerPackage is the custom resource's (and the jwks_uri's) main package.
const HandlerPackage = "github.com/cognitobridge/cognitobridge/lambdas/cmd/client-jwks"

// Props configures a ClientKey.
type Props struct {
	// Key signs. nil: a new key of the algorithm's spec.
	Key awskms.IKey
	// RotationKey is published beside Key, never used to sign. nil: none.
	RotationKey awskms.IKey
	// Algorithm is RS256, PS256 or ES256 (already validated).
	Algorithm string
	// Audience is contract.AudienceTokenEndpoint or AudienceIssuer.
	Audience string
	// JwksURI serves the JWK Set at a Lambda function URL.
	JwksURI bool
	// What the outputs and descriptions call the provider.
	Label string
	// Code of the custom resource function. nil: built from HandlerPackage.
	Code         awslambda.Code
	LogRetention awslogs.RetentionDays
}

// ClientKey is the created set.
type ClientKey struct {
	Key      awskms.IKey
	Resource awscdk.CustomResource
	// Kid and Jwks are the custom resource's attributes.
	Kid, Jwks *string
	// URL is the jwks_uri, or nil.
	URL      *string
	alg, aud string
}

// New creates the key set in scope.
func New(scope constructs.Construct, p Props) *ClientKey {
	c := &ClientKey{Key: p.Key, alg: p.Algorithm, aud: p.Audience}
	if c.Key == nil {
		k := awskms.NewKey(scope, jsii.String("ClientAssertionKey"), &awskms.KeyProps{
			Description: jsii.String("cognitobridge: signs the " + p.Label + " private_key_jwt client assertions (" + p.Algorithm + ")"),
			KeySpec:     awskms.KeySpec(contract.ClientAssertionKeySpec(p.Algorithm)),
			KeyUsage:    awskms.KeyUsage_SIGN_VERIFY,
			// The provider holds the public key: deleting the key would lock
			// the client out until another is registered.
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		})
		c.Key = k
	}
	keys := []awskms.IKey{c.Key}
	if p.RotationKey != nil {
		keys = append(keys, p.RotationKey)
	}
	arns := make([]interface{}, 0, len(keys))
	arnStrs := make([]*string, 0, len(keys))
	for _, k := range keys {
		arns = append(arns, k.KeyArn())
		arnStrs = append(arnStrs, k.KeyArn())
	}

	fn, role, _ := gofn.New(scope, "ClientJwks", gofn.Props{
		ImportPath:      HandlerPackage,
		Code:            p.Code,
		Description:     "cognitobridge: publishes the public JWKs of the " + p.Label + " client assertion keys (CloudFormation custom resource)",
		RoleDescription: "cognitobridge client JWKS custom resource",
		Timeout:         awscdk.Duration_Seconds(jsii.Number(30)),
		LogRetention:    p.LogRetention,
	})
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("kms:GetPublicKey"),
		Resources: &arnStrs,
	}))
	c.Resource = awscdk.NewCustomResource(scope, jsii.String("ClientJwks"), &awscdk.CustomResourceProps{
		ServiceToken: fn.FunctionArn(),
		ResourceType: jsii.String(contract.ClientJWKSResourceType),
		Properties: &map[string]interface{}{
			contract.ClientJWKSPropKeys: arns,
			contract.ClientJWKSPropAlg:  p.Algorithm,
		},
	})
	c.Kid = c.Resource.GetAttString(jsii.String(contract.ClientJWKSAttrKID))
	c.Jwks = c.Resource.GetAttString(jsii.String(contract.ClientJWKSAttrJWKS))

	awscdk.NewCfnOutput(scope, jsii.String("ClientAssertionJwks"), &awscdk.CfnOutputProps{
		Description: jsii.String("Public JWK Set to register at the " + p.Label + " for private_key_jwt (the signing key first; a second key is the rotation key)"),
		Value:       c.Jwks,
	})
	awscdk.NewCfnOutput(scope, jsii.String("ClientAssertionKid"), &awscdk.CfnOutputProps{
		Description: jsii.String("kid of the key that signs the " + p.Label + " client assertions now"),
		Value:       c.Kid,
	})

	if p.JwksURI {
		// The same binary serves the set when COGNITOBRIDGE_JWKS is set; this
		// function's role may only write its logs.
		uriFn, _, _ := gofn.New(scope, "JwksUri", gofn.Props{
			ImportPath:      HandlerPackage,
			Code:            p.Code,
			Description:     "cognitobridge: jwks_uri of the " + p.Label + " client assertion keys (public keys only)",
			RoleDescription: "cognitobridge jwks_uri (writes its logs only)",
			LogRetention:    p.LogRetention,
			Environment:     map[string]string{contract.EnvJWKS: *c.Jwks},
		})
		u := uriFn.AddFunctionUrl(&awslambda.FunctionUrlOptions{AuthType: awslambda.FunctionUrlAuthType_NONE})
		c.URL = u.Url()
		awscdk.NewCfnOutput(scope, jsii.String("ClientAssertionJwksUri"), &awscdk.CfnOutputProps{
			Description: jsii.String("jwks_uri to register at the " + p.Label + " (serves ClientAssertionJwks)"),
			Value:       c.URL,
		})
	}
	return c
}

// GrantSign lets fn sign with the signing key, and nothing else.
func (c *ClientKey) GrantSign(fn awslambda.IFunction) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("kms:Sign"),
		Resources: &[]*string{c.Key.KeyArn()},
	}))
}

// Env is the token-endpoint function's configuration.
func (c *ClientKey) Env() map[string]string {
	return map[string]string{
		contract.EnvTokenAuthMethod:         contract.TokenAuthPrivateKeyJWT,
		contract.EnvClientAssertionKey:      *c.Key.KeyArn(),
		contract.EnvClientAssertionKID:      *c.Kid,
		contract.EnvClientAssertionAlg:      c.alg,
		contract.EnvClientAssertionAudience: c.aud,
	}
}
