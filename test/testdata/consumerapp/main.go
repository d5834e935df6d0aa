// The consumer app of docs/consumer.md: a CDK app of its own that uses
// cognitobridge as a library. test/consumer_test.go copies this directory
// outside the repository (with a go.mod whose replace points at the
// checkout), builds it and synthesizes it through the pinned CDK CLI.
package main

// snippet:consumer-imports
import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/federation"
	"github.com/cognitobridge/cognitobridge/constructs/linking"
	"github.com/cognitobridge/cognitobridge/constructs/stepup"
)

// end snippet

// snippet:consumer-main
func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	env := &awscdk.Environment{Region: jsii.String("eu-west-1")}
	NewShopStack(app, "Shop", &awscdk.StackProps{Env: env})
	NewPartnerStack(app, "Partner", &awscdk.StackProps{Env: env})
	app.Synth(nil)
}

// end snippet

// param is a stack parameter: a URL or an id you pass at deploy time
// (`cdk deploy --parameters Shop:StepUpIssuer=https://...`).
func param(stack awscdk.Stack, name, description string) *string {
	return awscdk.NewCfnParameter(stack, jsii.String(name), &awscdk.CfnParameterProps{
		Type: jsii.String("String"), Description: jsii.String(description), AllowedPattern: jsii.String(`^\S+$`),
	}).ValueAsString()
}

// NewShopStack is the shop's own pool with a mobile and a web client, an
// on-demand step-up on the web client only, and a corporate OpenID
// Provider whose users are linked to their existing accounts.
func NewShopStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), props)

	// snippet:consumer-pool
	// Your pool and your clients, as you already have them.
	pool := awscognito.NewUserPool(stack, jsii.String("UserPool"), &awscognito.UserPoolProps{
		SignInAliases: &awscognito.SignInAliases{Username: jsii.Bool(true), Email: jsii.Bool(true)},
		AutoVerify:    &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		// An email change takes effect once verified (the step-up's binding
		// and account recovery rely on it).
		KeepOriginal: &awscognito.KeepOriginalAttrs{Email: jsii.Bool(true)},
		// Where a linkable provider's identity goes (federation.Linkable):
		// attributes nothing trusts, never the account's email.
		CustomAttributes: &map[string]awscognito.ICustomAttribute{
			"idp_email":          awscognito.NewStringAttribute(&awscognito.StringAttributeProps{Mutable: jsii.Bool(true), MaxLen: jsii.Number(2048)}),
			"idp_email_verified": awscognito.NewStringAttribute(&awscognito.StringAttributeProps{Mutable: jsii.Bool(true), MaxLen: jsii.Number(8)}),
		},
		FeaturePlan:        awscognito.FeaturePlan_ESSENTIALS,
		DeletionProtection: jsii.Bool(true),
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
	})
	profileOnly := awscognito.NewClientAttributes().WithStandardAttributes(stepup.DefaultClientWriteAttributesMask())
	pool.AddClient(jsii.String("MobileClient"), &awscognito.UserPoolClientOptions{
		UserPoolClientName:         jsii.String("mobile"),
		AuthFlows:                  &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		PreventUserExistenceErrors: jsii.Bool(true),
		WriteAttributes:            profileOnly,
		DisableOAuth:               jsii.Bool(true),
	})
	// The client the step-up protects: no secret, CUSTOM_AUTH only (the
	// SRP password step runs inside it), no OAuth, no write access to email.
	web := pool.AddClient(jsii.String("WebClient"), &awscognito.UserPoolClientOptions{
		UserPoolClientName:         jsii.String("web"),
		AuthFlows:                  &awscognito.AuthFlow{Custom: jsii.Bool(true)},
		PreventUserExistenceErrors: jsii.Bool(true),
		WriteAttributes:            profileOnly,
		DisableOAuth:               jsii.Bool(true),
	})
	// end snippet

	// snippet:consumer-stepup
	stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{
		UserPool: pool,
		Provider: &stepup.Provider{OIDC: &stepup.OIDCProvider{
			Issuer:      param(stack, "StepUpIssuer", "Step-up OpenID Provider issuer URL (https)"),
			ClientID:    param(stack, "StepUpClientId", "Client id at the step-up OpenID Provider"),
			RedirectURI: param(stack, "StepUpRedirectUri", "Redirect URI registered at the step-up OpenID Provider"),
		}},
		CreateClient:     jsii.Bool(false),
		ProtectedClients: &[]awscognito.IUserPoolClient{web},
		Policy:           stepup.StepUpPolicy_ON_DEMAND,
		ParameterPrefix:  jsii.String("StepUp"), // the NoEcho parameter StepUpClientSecret
	})
	// end snippet

	// snippet:consumer-federation
	corporate := federation.NewFederation(stack, jsii.String("Corporate"), &federation.FederationProps{
		UserPool: pool,
		Provider: &federation.Provider{OIDC: &federation.OIDCProvider{
			Issuer:   jsii.String("https://login.corp.example.com"),
			ClientID: param(stack, "CorporateClientId", "Client id at the corporate OpenID Provider"),
		}},
		ProviderName:       jsii.String("Corporate"),
		ParameterPrefix:    jsii.String("Corporate"), // the NoEcho parameter CorporateClientSecret
		CallbackURLs:       &[]*string{jsii.String("https://shop.example.com/callback")},
		LogoutURLs:         &[]*string{jsii.String("https://shop.example.com/")},
		DomainPrefix:       jsii.String("shop-example-login"),
		AllowCognitoSignIn: jsii.Bool(false),
		// Linked to native users (below): its identity maps into
		// custom:idp_email, so the provider can never rewrite the email.
		Linkable: jsii.Bool(true),
	})
	linking.NewLinking(stack, jsii.String("Linking"), &linking.LinkingProps{
		UserPool:      pool,
		ProviderNames: &[]*string{corporate.ProviderName()},
	})
	// end snippet
	return stack
}

// NewPartnerStack adds a step-up to a pool another team created (imported
// by id) for a client they created: the construct cannot read that
// client's settings, so it warns; the team checked them and acknowledges.
func NewPartnerStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	// snippet:consumer-imported
	pool := awscognito.UserPool_FromUserPoolId(stack, jsii.String("PartnerPool"), jsii.String("eu-west-1_AbCdEf123"))
	client := awscognito.UserPoolClient_FromUserPoolClientId(stack, jsii.String("PartnerWeb"), jsii.String("1example23456789abcdefghij"))
	stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{
		UserPool: pool,
		Provider: &stepup.Provider{OIDC: &stepup.OIDCProvider{
			Issuer:      jsii.String("https://idp.partner.example.com"),
			ClientID:    jsii.String("partner-web"),
			RedirectURI: jsii.String("https://partner.example.com/stepup"),
		}},
		CreateClient:     jsii.Bool(false),
		ProtectedClients: &[]awscognito.IUserPoolClient{client},
	})
	// Checked by hand: no secret, ALLOW_CUSTOM_AUTH and
	// ALLOW_REFRESH_TOKEN_AUTH only, OAuth off. (Annotations_Of needs the
	// construct as the tree holds it, hence FindChild.)
	awscdk.Annotations_Of(stack.Node().FindChild(jsii.String("StepUp"))).AcknowledgeWarning(jsii.String(stepup.WarningUncheckedClient),
		jsii.String("PartnerWeb checked: no secret, custom auth and refresh only, OAuth off"))
	// end snippet
	return stack
}
