package stacks

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/cognitobridge/cognitobridge/constructs/connect"
	"github.com/cognitobridge/cognitobridge/constructs/federation"
	"github.com/cognitobridge/cognitobridge/constructs/linking"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// Stack ids of the federation sample apps.
const (
	MosaicPasswordlessStackID  = "CognitoBridgeMosaicPasswordless"
	BlockIDFederationStackID   = "CognitoBridgeBlockIDFederation"
	mosaicPasswordlessAppName  = "mosaic-passwordless"
	mosaicPhoneAppName         = "mosaic-passwordless-phone"
	blockIDFederationAppName   = "blockid-federation"
	domainPrefixPattern        = "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
	httpsURLPattern            = "^https://\\S+$"
	federationFeaturePlanNotes = "Sample on the Essentials feature plan to avoid Plus pricing: federated users authenticate at the " +
		"OpenID Provider, which applies its own risk checks. Set FederationProps.FeaturePlan to PLUS for Cognito threat protection."
)

// Registered here rather than in stacks.go, so the federation samples live
// in one file.
func init() {
	Apps = append(Apps,
		sample(mosaicPasswordlessAppName, MosaicPasswordlessStackID, NewMosaicPasswordlessStack),
		// The same app by phone: `cdk synth -c mosaicIdentifier=phone`.
		App{Name: mosaicPhoneAppName, Dir: mosaicPasswordlessAppName,
			Context: map[string]string{MosaicIdentifierContext: federation.MosaicPhone},
			New: func(scope constructs.Construct) awscdk.Stack {
				return NewMosaicPasswordlessStackFor(scope, MosaicPasswordlessStackID, nil, federation.MosaicPhone)
			}},
		sample(blockIDFederationAppName, BlockIDFederationStackID, NewBlockIDFederationStack),
	)
}

// stringParam is a plain (not NoEcho) String parameter: for values that are
// not credentials.
func stringParam(stack awscdk.Stack, name, description, pattern string) *string {
	return awscdk.NewCfnParameter(stack, jsii.String(name), &awscdk.CfnParameterProps{
		Type:           jsii.String("String"),
		Description:    jsii.String(description),
		AllowedPattern: jsii.String(pattern),
	}).ValueAsString()
}

// hostedSignInParams are the app client's callback and sign-out URLs and the
// Cognito domain prefix.
func hostedSignInParams(stack awscdk.Stack) (callback, logout, prefix *string) {
	return stringParam(stack, "CallbackUrl", "The app's sign-in callback URL (https), registered on the Cognito app client", httpsURLPattern),
		stringParam(stack, "LogoutUrl", "The app's sign-out URL (https), registered on the Cognito app client", httpsURLPattern),
		stringParam(stack, "DomainPrefix", "Prefix of the Cognito domain of the hosted sign-in (lower-case letters, digits, hyphens; "+
			"without aws, amazon or cognito)", domainPrefixPattern)
}

// MosaicIdentifierContext is the CDK context key that chooses how Mosaic
// identifies users in the mosaic-passwordless sample: federation.MosaicEmail
// (the default) or federation.MosaicPhone (`cdk deploy -c
// mosaicIdentifier=phone`). A synth-time choice, not a CloudFormation
// parameter: the identifier decides the provider's scopes, its attribute
// mapping's keys, the hosted client's write list and the connect scopes,
// which CloudFormation could only switch with conditions around whole
// objects; a template per choice keeps each one reviewable, and each passes
// cdk-nag and cfn-lint (test/testdata/mosaic-passwordless{,-phone}.template.json).
const MosaicIdentifierContext = "mosaicIdentifier"

// NewMosaicPasswordlessStack is NewMosaicPasswordlessStackFor with the
// identifier the CDK context MosaicIdentifierContext names (default email).
// It panics on any other value.
func NewMosaicPasswordlessStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	identifier := federation.MosaicEmail
	if v, ok := scope.Node().TryGetContext(jsii.String(MosaicIdentifierContext)).(string); ok && v != "" {
		identifier = v
	}
	if identifier != federation.MosaicEmail && identifier != federation.MosaicPhone {
		panic(fmt.Sprintf("mosaic-passwordless: expected the context %s to be %q or %q, received %q",
			MosaicIdentifierContext, federation.MosaicEmail, federation.MosaicPhone, identifier))
	}
	return NewMosaicPasswordlessStackFor(scope, id, props, identifier)
}

// NewMosaicPasswordlessStackFor is a user pool whose hosted sign-in offers
// Transmit Security Mosaic (passkeys; users identified by email, or by
// phone number with identifier federation.MosaicPhone) next to native
// sign-in. A
// native user connects Mosaic to their account through the connect API
// (a fresh sign-in here, a login at Mosaic); a Mosaic sign-up whose email
// (or phone number) belongs to a native user is refused with a message that
// says so (no automatic linking). The Mosaic client id, callback URL, sign-out
// URL, connect redirect URL and domain prefix are plain parameters; the client secret is the NoEcho parameter
// MosaicClientSecret, stored in Secrets Manager and passed to Cognito only
// as a dynamic reference.
func NewMosaicPasswordlessStackFor(scope constructs.Construct, id string, props *awscdk.StackProps, identifier string) awscdk.Stack {
	description := "cognitobridge sample: Cognito hosted sign-in with Transmit Security Mosaic passkeys; native users connect Mosaic from their account"
	if identifier == federation.MosaicPhone {
		description = "cognitobridge sample: Cognito hosted sign-in with Transmit Security Mosaic (users identified by phone number); native users connect Mosaic from their account"
	}
	stack := newStack(scope, id, props, description)
	callback, logout, prefix := hostedSignInParams(stack)
	// snippet:mosaic-passwordless
	fed := federation.NewFederation(stack, jsii.String("Mosaic"), &federation.FederationProps{
		Provider: &federation.Provider{Mosaic: &federation.MosaicProvider{
			ClientID: stringParam(stack, "MosaicClientId", "Client id of the Mosaic application", "^\\S+$"),
			// email (scopes "openid email") or phone ("openid phone").
			Identity: jsii.String(identifier),
		}},
		ParameterPrefix:    jsii.String("Mosaic"),
		AllowCognitoSignIn: jsii.Bool(true),
		CallbackURLs:       &[]*string{callback},
		LogoutURLs:         &[]*string{logout},
		DomainPrefix:       prefix,
		// Linked to native users (below): Mosaic's email (phone) lands in
		// custom:idp_email (custom:idp_phone), never in the account's email
		// (phone_number), so a Mosaic account cannot rewrite them on the
		// account it is linked to.
		Linkable: jsii.Bool(true),
	})
	// No automatic linking (Mosaic is not marked trusted): a Mosaic sign-up
	// whose verified email (phone number, E.164-normalized) belongs to a
	// native user is refused with "sign in with your password, then connect
	// Mosaic", and the signed-in user connects Mosaic through the connect
	// API, which asks Mosaic for the same scopes and needs a proof: the
	// account's verified email (phone) equal to Mosaic's, or a fresh step-up.
	linking.NewLinking(stack, jsii.String("Linking"), &linking.LinkingProps{
		UserPool:      fed.UserPool(),
		ProviderNames: &[]*string{fed.ProviderName()},
	})
	conn := connect.NewConnect(stack, jsii.String("Connect"), &connect.ConnectProps{
		UserPool:   fed.UserPool(),
		Client:     fed.Client(),
		Federation: fed,
		RedirectURI: stringParam(stack, "ConnectRedirectUrl", "The app's page Mosaic returns to after a connect login (https), "+
			"registered at Mosaic for the same client", httpsURLPattern),
		// The app's page calls the connect API from its own origin.
		AllowOrigins: &[]*string{stringParam(stack, "AppOrigin", "The origin of the app's page (https://host[:port]), "+
			"allowed to call the connect API from the browser (CORS)", "^https://[^/\\s?#]+$")},
	})
	// end snippet
	awscdk.NewCfnOutput(stack, jsii.String("ConnectApiUrl"), &awscdk.CfnOutputProps{
		Value:       conn.Url(),
		Description: jsii.String("Connect API (POST /connect/start, /connect/callback, /connect/disconnect with the user's access token)"),
	})
	events := accountEventLog(stack, fed.UserPool().UserPoolId())
	awscdk.NewCfnOutput(stack, jsii.String("AccountEventsLogGroup"), &awscdk.CfnOutputProps{
		Value:       events.LogGroupName(),
		Description: jsii.String("Log group receiving the pool's account events (a provider connected or disconnected; EventBridge source cognitobridge)"),
	})
	finishFederation(stack, fed, "App client for the hosted sign-in (authorization code grant; Mosaic and native sign-in)")
	monitor(stack)
	return stack
}

// NewBlockIDFederationStack is a user pool whose hosted sign-in goes
// through 1Kosmos BlockID with identity assurance (scope /assurance/ial/2);
// the assurance claim lands in the untrusted custom:idp_ial_raw and the
// pool's pre token generation function turns it into the backend-only
// custom:ial at each BlockID sign-in. Tenant, community and client id
// are plain parameters; the client secret is the NoEcho parameter
// ClientSecret, stored in Secrets Manager and passed to Cognito only as a
// dynamic reference.
func NewBlockIDFederationStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	stack := newStack(scope, id, props, "cognitobridge sample: Cognito hosted sign-in through 1Kosmos BlockID with identity assurance (IAL2)")
	// snippet:blockid-federation
	tenant := stringParam(stack, "TenantDns", "BlockID tenant DNS name, e.g. acme.1kosmos.net", "^[A-Za-z0-9.-]+$")
	community := stringParam(stack, "Community", "BlockID community name", "^[A-Za-z0-9._~-]+$")
	clientID := stringParam(stack, "ClientId", "Client id of the BlockID OIDC application", "^\\S+$")
	callback, logout, prefix := hostedSignInParams(stack)
	fed := federation.NewFederation(stack, jsii.String("BlockID"), &federation.FederationProps{
		Provider: &federation.Provider{BlockID: &federation.BlockIDProvider{
			TenantDNS: tenant, Community: community, ClientID: clientID,
		}},
		ParameterPrefix: jsii.String(""),
		CallbackURLs:    &[]*string{callback},
		LogoutURLs:      &[]*string{logout},
		DomainPrefix:    prefix,
	})
	// end snippet
	finishFederation(stack, fed, "App client for the hosted sign-in (authorization code grant; BlockID only)")
	monitor(stack)
	return stack
}

// accountEventLog routes the account events of pool (EventBridge, default
// bus, source contract.EventSource: a provider connected or disconnected)
// to a log group, where an operator (or a subscription that mails the
// user) sees them. Plain CloudFormation resources: a rule whose target is
// the log group, and the log group resource policy that lets EventBridge
// write to it (what the events-targets helper would add through a custom
// resource function).
func accountEventLog(stack awscdk.Stack, pool *string) awslogs.LogGroup {
	group := awslogs.NewLogGroup(stack, jsii.String("AccountEvents"), &awslogs.LogGroupProps{
		LogGroupName:  awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("/aws/events/cognitobridge-account-"), stack.StackName()}),
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	policy, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid":       "EventBridgeWritesAccountEvents",
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": []string{"events.amazonaws.com", "delivery.logs.amazonaws.com"}},
			"Action":    []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			"Resource":  "LOG_GROUP_ARN",
		}},
	})
	parts := strings.SplitN(string(policy), "LOG_GROUP_ARN", 2)
	awslogs.NewCfnResourcePolicy(stack, jsii.String("AccountEventsPolicy"), &awslogs.CfnResourcePolicyProps{
		PolicyName:     awscdk.Fn_Join(jsii.String(""), &[]*string{stack.StackName(), jsii.String("-account-events")}),
		PolicyDocument: awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String(parts[0]), group.LogGroupArn(), jsii.String(parts[1])}),
	})
	pattern := map[string]any{
		"source": []string{contract.EventSource},
		"detail": map[string]any{"userPoolId": []any{pool}},
	}
	awsevents.NewCfnRule(stack, jsii.String("AccountEventsRule"), &awsevents.CfnRuleProps{
		Description:  jsii.String("cognitobridge account events of this pool (a provider connected or disconnected) to a log group"),
		EventBusName: jsii.String(contract.EventBusDefault),
		EventPattern: pattern,
		State:        jsii.String("ENABLED"),
		Targets: &[]interface{}{&awsevents.CfnRule_TargetProperty{
			Id: jsii.String("AccountEventsLog"),
			// The log group's ARN without the ":*" of its Arn attribute.
			Arn: stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("logs"), Resource: jsii.String("log-group"),
				ResourceName: group.LogGroupName(), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME}),
		}},
	})
	return group
}

// finishFederation adds the outputs a client needs and the app-level
// suppressions.
func finishFederation(stack awscdk.Stack, fed federation.Federation, clientDescription string) {
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{
		Value:       fed.UserPool().UserPoolId(),
		Description: jsii.String("Cognito user pool id"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{
		Value:       fed.Client().UserPoolClientId(),
		Description: jsii.String(clientDescription),
	})
	awscdk.NewCfnOutput(stack, jsii.String("IdentityProviderName"), &awscdk.CfnOutputProps{
		Value:       fed.ProviderName(),
		Description: jsii.String("Identity provider name (identity_provider parameter of the authorize request)"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("HostedSignInDomain"), &awscdk.CfnOutputProps{
		Value:       fed.Domain().DomainName(),
		Description: jsii.String("Cognito domain prefix: https://<prefix>.auth.<region>.amazoncognito.com"),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(fed.UserPool(), &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-COG8"),
		Reason: jsii.String(federationFeaturePlanNotes),
	}}, jsii.Bool(false))
}
