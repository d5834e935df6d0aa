package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/stepup"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// BiopassMFAKeyStackID is the biopass-mfa sample in private_key_jwt mode.
const BiopassMFAKeyStackID = "CognitoBridgeBiopassMFAKey"

func init() {
	Apps = append(Apps, sample("biopass-mfa-key", BiopassMFAKeyStackID, NewBiopassMFAKeyStack))
}

// NewBiopassMFAKeyStack is the biopass-mfa sample whose functions
// authenticate to Biopass with private_key_jwt: a KMS key signs a client
// assertion for each token request, no client secret exists (no NoEcho
// parameter, no provider secret), and the stack outputs the public JWK Set
// (ClientAssertionJwks) to register at the Biopass application. The
// assertion's aud is a parameter: Biopass' documentation does not say which
// value it requires (see docs/biopass-mfa.md).
func NewBiopassMFAKeyStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	stack := newStack(scope, id, props, "cognitobridge sample: Cognito sign-in with Biopass face verification after the password, client authentication by a KMS key (private_key_jwt)")
	// snippet:biopass-mfa-key
	param := func(name, description, pattern string) *string { return stringParam(stack, name, description, pattern) }
	audience := awscdk.NewCfnParameter(stack, jsii.String("ClientAssertionAudience"), &awscdk.CfnParameterProps{
		Type:          jsii.String("String"),
		Description:   jsii.String("What the client assertion's aud holds: the token endpoint URL or the issuer, as the Biopass application requires"),
		AllowedValues: jsii.Strings(contract.AudienceTokenEndpoint, contract.AudienceIssuer),
		Default:       jsii.String(contract.AudienceTokenEndpoint),
	}).ValueAsString()
	su := stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{
		Provider: &stepup.Provider{Biopass: &stepup.BiopassProvider{
			Issuer:      param("BiopassIssuer", "Biopass OIDC issuer URL (https)", "^https://\\S+$"),
			ClientID:    param("BiopassClientId", "Biopass OIDC client id", "^\\S+$"),
			RedirectURI: param("BiopassRedirectUri", "One of the Biopass application's allowed callback URLs (https)", "^https://\\S+$"),
		}},
		TokenAuthMethod:         jsii.String(contract.TokenAuthPrivateKeyJWT),
		ClientAssertionAudience: audience,
	})
	// end snippet
	finish(stack, su)
	monitor(stack)
	return stack
}
