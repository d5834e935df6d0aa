package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/cognitobridge/cognitobridge/constructs/federation"
	"github.com/cognitobridge/cognitobridge/constructs/linking"
	"github.com/cognitobridge/cognitobridge/constructs/stepup"
	"github.com/cognitobridge/cognitobridge/constructs/transaction"
)

// SharedPoolStackID is the stack id of the shared-pool sample.
const SharedPoolStackID = "CognitoBridgeSharedPool"

func init() {
	Apps = append(Apps, sample("shared-pool", SharedPoolStackID, NewSharedPoolStack))
}

// SharedPool is what the shared-pool sample built, for tests.
type SharedPool struct {
	Stack       awscdk.Stack
	Pool        awscognito.UserPool
	Mobile, Web awscognito.UserPoolClient
	StepUp      stepup.StepUp
	Federation  federation.Federation
	Transaction transaction.TransactionStepUp
}

// NewSharedPoolStack is the pool a team already runs, with the library's
// capabilities added to it instead of owning it:
//   - the pool and two app clients are the app's own (plain awscognito): a
//     "mobile" client signing in with SRP and no step-up, and a "web"
//     client on custom auth;
//   - an on-demand step-up (any OpenID Provider) protects the web client
//     only: an ordinary web sign-in gets ordinary tokens, a sign-in that
//     names "high_value_transaction" passes the provider and gets the
//     step-up claims;
//   - Transmit Security Mosaic passkeys through the hosted sign-in, with
//     the linking behaviour (its own hosted-sign-in client): a first
//     Mosaic sign-in with a native user's email is refused with "sign in
//     with your password, then connect", as Mosaic is not marked trusted
//     for email verification;
//   - an HTTP API with an ordinary route (GET /balance) and a high-value
//     route (POST /payments) that needs a recent step-up;
//   - one pre-sign-up function (linking) and one pre token generation
//     function (the step-up guard) on the pool.
func NewSharedPoolStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	return BuildSharedPool(scope, id, props).Stack
}

// BuildSharedPool is NewSharedPoolStack returning its parts.
func BuildSharedPool(scope constructs.Construct, id string, props *awscdk.StackProps) SharedPool {
	stack := newStack(scope, id, props, "cognitobridge sample: one existing user pool shared by a mobile app, a web app with on-demand step-up, "+
		"Mosaic passkeys through the hosted sign-in and a high-value API")
	sp := SharedPool{Stack: stack}

	// The pool and clients as the team already has them.
	sp.Pool = awscognito.NewUserPool(stack, jsii.String("UserPool"), &awscognito.UserPoolProps{
		SelfSignUpEnabled:   jsii.Bool(false),
		SignInAliases:       &awscognito.SignInAliases{Username: jsii.Bool(true), Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		AutoVerify:          &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		KeepOriginal:        &awscognito.KeepOriginalAttrs{Email: jsii.Bool(true)},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength: jsii.Number(12), RequireLowercase: jsii.Bool(true), RequireUppercase: jsii.Bool(true),
			RequireDigits: jsii.Bool(true), RequireSymbols: jsii.Bool(true), TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		Mfa:                awscognito.Mfa_OPTIONAL,
		MfaSecondFactor:    &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		AccountRecovery:    awscognito.AccountRecovery_EMAIL_ONLY,
		FeaturePlan:        awscognito.FeaturePlan_ESSENTIALS,
		DeletionProtection: jsii.Bool(true),
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
		// Where the linkable Mosaic provider maps its email: nothing trusts
		// them (federation.FederationProps.Linkable).
		CustomAttributes: &map[string]awscognito.ICustomAttribute{
			"idp_email":          awscognito.NewStringAttribute(&awscognito.StringAttributeProps{Mutable: jsii.Bool(true), MaxLen: jsii.Number(2048)}),
			"idp_email_verified": awscognito.NewStringAttribute(&awscognito.StringAttributeProps{Mutable: jsii.Bool(true), MaxLen: jsii.Number(8)}),
		},
	})
	profileOnly := awscognito.NewClientAttributes().WithStandardAttributes(stepup.DefaultClientWriteAttributesMask())
	sp.Mobile = sp.Pool.AddClient(jsii.String("MobileClient"), &awscognito.UserPoolClientOptions{
		UserPoolClientName:         jsii.String("mobile"),
		GenerateSecret:             jsii.Bool(false),
		PreventUserExistenceErrors: jsii.Bool(true),
		AuthFlows:                  &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		WriteAttributes:            profileOnly,
		DisableOAuth:               jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
	})
	// The web client meets docs/stepup.md's requirements for a client the
	// step-up protects: no secret, custom auth and refresh only, no OAuth,
	// no write access to email.
	// snippet:shared-pool-web-client
	sp.Web = sp.Pool.AddClient(jsii.String("WebClient"), &awscognito.UserPoolClientOptions{
		UserPoolClientName:         jsii.String("web"),
		GenerateSecret:             jsii.Bool(false),
		PreventUserExistenceErrors: jsii.Bool(true),
		AuthFlows:                  &awscognito.AuthFlow{Custom: jsii.Bool(true)},
		AuthSessionValidity:        awscdk.Duration_Minutes(jsii.Number(5)),
		WriteAttributes:            profileOnly,
		DisableOAuth:               jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
	})
	// end snippet

	// The capabilities, added to that pool.
	param := func(name, description, pattern string) *string { return stringParam(stack, name, description, pattern) }
	// snippet:shared-pool-stepup
	sp.StepUp = stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{
		UserPool: sp.Pool,
		Provider: &stepup.Provider{OIDC: &stepup.OIDCProvider{
			Issuer:      param("OidcIssuer", "Step-up OpenID Provider issuer URL (https)", httpsURLPattern),
			ClientID:    param("OidcClientId", "Step-up OpenID Provider client id", "^\\S+$"),
			RedirectURI: param("OidcRedirectUri", "Redirect URI registered at the OpenID Provider (https)", httpsURLPattern),
		}},
		ParameterPrefix:  jsii.String("StepUp"),
		CreateClient:     jsii.Bool(false),
		ProtectedClients: &[]awscognito.IUserPoolClient{sp.Web},
		Policy:           stepup.StepUpPolicy_ON_DEMAND,
	})
	// end snippet
	callback, logout, prefix := hostedSignInParams(stack)
	sp.Federation = federation.NewFederation(stack, jsii.String("Mosaic"), &federation.FederationProps{
		UserPool: sp.Pool,
		Provider: &federation.Provider{Mosaic: &federation.MosaicProvider{
			ClientID: param("MosaicClientId", "Client id of the Mosaic application", "^\\S+$"),
		}},
		ParameterPrefix:    jsii.String("Mosaic"),
		AllowCognitoSignIn: jsii.Bool(true),
		CallbackURLs:       &[]*string{callback},
		LogoutURLs:         &[]*string{logout},
		DomainPrefix:       prefix,
		// Linked to native users below: Mosaic's email lands in
		// custom:idp_email, never in the account's email.
		Linkable: jsii.Bool(true),
	})
	linking.NewLinking(stack, jsii.String("Linking"), &linking.LinkingProps{
		UserPool:      sp.Pool,
		ProviderNames: &[]*string{sp.Federation.ProviderName()},
	})
	// snippet:shared-pool-api
	sp.Transaction = transaction.NewTransactionStepUp(stack, jsii.String("Transactions"), &transaction.TransactionStepUpProps{
		UserPool: sp.Pool,
		Client:   sp.Web,
	})
	backend := transaction.NewEchoFunction(stack, jsii.String("Backend"), nil)
	sp.Transaction.HttpApi().AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String("/balance"),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Echo"), backend, nil),
		Authorizer:  sp.Transaction.StandardAuthorizer(),
	})
	// Without a fresh step-up: 401 with RFC 9470's insufficient_user_authentication.
	sp.Transaction.AddHighValueRoutes(jsii.String("Payments"), &transaction.HighValueRoutesOptions{
		Path:    jsii.String("/payments"),
		Methods: &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Backend: backend,
	})
	// end snippet
	// The web app's page calls the API from its own origin (bearer tokens,
	// the RFC 9470 challenge read from www-authenticate).
	allowPageOrigins(sp.Transaction.HttpApi(), []string{"GET", "POST"}, "authorization", "www-authenticate")

	for _, o := range []struct {
		id, description string
		value           *string
	}{
		{"UserPoolId", "Cognito user pool id", sp.Pool.UserPoolId()},
		{"MobileClientId", "The mobile app's client (SRP, no step-up)", sp.Mobile.UserPoolClientId()},
		{"WebClientId", "The web app's client (CUSTOM_AUTH with SRP; step-up on demand)", sp.Web.UserPoolClientId()},
		{"HostedSignInClientId", "The hosted sign-in client (Mosaic passkeys and native)", sp.Federation.Client().UserPoolClientId()},
		{"ApiUrl", "HTTP API: GET /balance (any token of the web client), POST /payments (a step-up within 5 minutes)", sp.Transaction.HttpApi().ApiEndpoint()},
	} {
		awscdk.NewCfnOutput(stack, jsii.String(o.id), &awscdk.CfnOutputProps{Value: o.value, Description: jsii.String(o.description)})
	}
	sessionValidityOutput(stack, 5) // the web client's AuthSessionValidity above
	cdknag.NagSuppressions_AddResourceSuppressions(sp.Pool, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-COG8"),
		Reason: jsii.String(federationFeaturePlanNotes),
	}, {
		Id: jsii.String("AwsSolutions-COG2"),
		Reason: jsii.String("MFA is OPTIONAL on this shared pool: native users can enrol TOTP, federated users use their provider's MFA, " +
			"and the web client's high-value actions need the provider step-up."),
	}}, jsii.Bool(false))
	monitor(stack)
	return sp
}
