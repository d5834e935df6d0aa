package linking_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/federation"
	"github.com/cognitobridge/cognitobridge/constructs/linking"
)

// Mosaic federation with account linking (the docs' example, compiled
// by go test).
func ExampleNewLinking() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("App"), nil)
	pool := awscognito.NewUserPool(stack, jsii.String("Pool"), &awscognito.UserPoolProps{})

	// snippet:linking
	fed := federation.NewFederation(stack, jsii.String("Mosaic"), &federation.FederationProps{
		UserPool: pool,
		Provider: &federation.Provider{Mosaic: &federation.MosaicProvider{
			ClientID: jsii.String("mosaic-client-id"),
			Identity: jsii.String(federation.MosaicEmail),
		}},
		CallbackURLs:       &[]*string{jsii.String("https://app.example.com/callback")},
		LogoutURLs:         &[]*string{jsii.String("https://app.example.com/")},
		DomainPrefix:       jsii.String("acme-login"),
		AllowCognitoSignIn: jsii.Bool(true),
	})
	linking.NewLinking(stack, jsii.String("Linking"), &linking.LinkingProps{
		UserPool:      pool,
		ProviderNames: &[]*string{fed.ProviderName()},
	})
	// end snippet
}
