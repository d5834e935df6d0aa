package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/cognitobridge/cognitobridge/constructs/proofing"
)

// Identity proofing sample app.
const (
	IdentityProofingStackID = "CognitoBridgeIdentityProofing"
	identityProofingAppName = "identity-proofing"
)

// Registered here rather than in stacks.go, so the proofing sample lives
// in one file.
func init() {
	Apps = append(Apps, sample(identityProofingAppName, IdentityProofingStackID, NewIdentityProofingStack))
}

// NewIdentityProofingStack is a user pool whose self sign-up reaches the
// identity assurance custom:ial (NIST SP 800-63-3 IAL2) only after the user
// verified the email with the code Cognito sent, and 1Kosmos BlockID IDV
// reported a live face matching a document it found authentic, a document
// no other account used; the assurance is bound to that email and dropped
// when it changes. The IDV API base URL is a plain parameter; the BlockID
// credentials and the callback HMAC key are NoEcho parameters stored only
// in Secrets Manager; the document key and the log reference key are
// generated.
func NewIdentityProofingStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	stack := newStack(scope, id, props, "cognitobridge sample: Cognito sign-up with a verified email, then identity assurance (IAL2) from 1Kosmos BlockID document and liveness verification")
	base := awscdk.NewCfnParameter(stack, jsii.String("IdvBaseUrl"), &awscdk.CfnParameterProps{
		Type:           jsii.String("String"),
		Description:    jsii.String("BlockID document verification service URL (https; docuverify in https://{tenantDNS}/caas/sd)"),
		AllowedPattern: jsii.String("^https://[^\\s?#]+$"),
	}).ValueAsString()
	// snippet:identity-proofing
	pr := proofing.NewProofing(stack, jsii.String("Proofing"), &proofing.ProofingProps{
		IDVBaseURL:      base,
		ParameterPrefix: jsii.String(""),
	})
	// end snippet
	// The page signs up, then POSTs the session handle from its own origin.
	allowPageOrigins(pr.HttpApi(), []string{"POST"}, "", "")
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{Value: pr.UserPool().UserPoolId(), Description: jsii.String("Cognito user pool id")})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{
		Value:       pr.Client().UserPoolClientId(),
		Description: jsii.String("App client id (SRP sign-in; sign-up sends validationData proofing_handle_sha256, then ConfirmSignUp with the emailed code)"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("SessionUrl"), &awscdk.CfnOutputProps{
		Value:       awscdk.Fn_Join(jsii.String(""), &[]*string{pr.HttpApi().ApiEndpoint(), jsii.String(proofing.SessionPath)}),
		Description: jsii.String("POST {username, handle} here, after the email is confirmed, for the user's own verification session URL (or its outcome)"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("CallbackUrl"), &awscdk.CfnOutputProps{
		Value:       pr.CallbackURL(),
		Description: jsii.String("Where the provider (or a relay) POSTs the signed end-of-session notification"),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(pr.UserPool(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-COG3"),
		Reason: jsii.String("Sample on the Essentials feature plan to avoid Plus pricing; identity proofing gates every self sign-up. " +
			"Use a pool on the Plus plan for Cognito threat protection."),
	}, {
		Id:     jsii.String("AwsSolutions-COG8"),
		Reason: jsii.String("Sample on the Essentials feature plan to avoid Plus pricing; identity proofing gates every self sign-up."),
	}}, jsii.Bool(true))
	monitor(stack)
	return stack
}
