package connect_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/connect"
	"github.com/cognitobridge/cognitobridge/constructs/federation"
	"github.com/cognitobridge/cognitobridge/constructs/linking"
)

// Mosaic federation without automatic linking: a Mosaic sign-up whose
// email belongs to a native user is refused with "sign in with your
// password, then connect Mosaic", and the signed-in user connects Mosaic
// through the API (the docs' example, compiled by go test).
func ExampleNewConnect() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("App"), nil)
	// snippet:connect
	fed := federation.NewFederation(stack, jsii.String("Mosaic"), &federation.FederationProps{
		Provider:           &federation.Provider{Mosaic: &federation.MosaicProvider{ClientID: jsii.String("mosaic-client-id")}},
		CallbackURLs:       &[]*string{jsii.String("https://app.example.com/callback")},
		LogoutURLs:         &[]*string{jsii.String("https://app.example.com/")},
		DomainPrefix:       jsii.String("acme-login"),
		AllowCognitoSignIn: jsii.Bool(true),
	})
	linking.NewLinking(stack, jsii.String("Linking"), &linking.LinkingProps{
		UserPool:      fed.UserPool(),
		ProviderNames: &[]*string{fed.ProviderName()},
		// TrustedEmailProviders: &[]*string{fed.ProviderName()}, // only if you trust Mosaic's email verification
	})
	connect.NewConnect(stack, jsii.String("Connect"), &connect.ConnectProps{
		UserPool:     fed.UserPool(),
		Client:       fed.Client(),                                        // whose access tokens may call the API
		Federation:   fed,                                                 // provider name, issuer, client id, endpoints, secret
		RedirectURI:  jsii.String("https://app.example.com/connect/done"), // register it at Mosaic too
		AllowOrigins: &[]*string{jsii.String("https://app.example.com")},
	})
	// end snippet
}
