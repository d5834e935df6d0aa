// Package httpapi creates the HTTP APIs of the constructs by one recipe: a
// default stage with JSON access logs in a log group of its own (request
// context only, no headers, so no token reaches the logs), throttled, and
// CORS only for origins the user names.
package httpapi

import (
	"encoding/json"
	"maps"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures one API.
type Props struct {
	// Owner prefixes panic messages ("connect").
	Owner string
	// Description of the API.
	Description string
	// Retention of the access log group.
	LogRetention awslogs.RetentionDays
	// Steady-state request rate per second of the default stage.
	// Default: DefaultRateLimit.
	RateLimit *float64
	// The owner's default of RateLimit.
	DefaultRateLimit float64
	// Burst of the default stage.
	// Default: 2 × the rate.
	BurstLimit *float64
	// Origins allowed to call the API from a browser (POST, with the
	// authorization and content-type headers).
	// Default: - none (no CORS).
	AllowOrigins *[]*string
	// Whether the access log has the authorizer's error (APIs with an
	// authorizer).
	LogAuthorizerError bool
}

// accessLogFormat is the access log line without the authorizer's error.
var accessLogFormat = map[string]string{
	"requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "requestTime": "$context.requestTime",
	"httpMethod": "$context.httpMethod", "routeKey": "$context.routeKey", "status": "$context.status",
	"protocol": "$context.protocol", "responseLength": "$context.responseLength", "integrationError": "$context.integrationErrorMessage",
}

// New creates, in scope, the API HttpApi with its default stage and the
// access log group AccessLogs, in that order.
func New(scope constructs.Construct, p Props) (awsapigatewayv2.HttpApi, awslogs.LogGroup) {
	props := &awsapigatewayv2.HttpApiProps{
		Description:        jsii.String(p.Description),
		CreateDefaultStage: jsii.Bool(true),
	}
	if p.AllowOrigins != nil && len(*p.AllowOrigins) > 0 {
		props.CorsPreflight = &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins: p.AllowOrigins,
			AllowMethods: &[]awsapigatewayv2.CorsHttpMethod{awsapigatewayv2.CorsHttpMethod_POST},
			AllowHeaders: jsii.Strings("authorization", "content-type"),
			MaxAge:       awscdk.Duration_Minutes(jsii.Number(10)),
		}
	}
	api := awsapigatewayv2.NewHttpApi(scope, jsii.String("HttpApi"), props)
	logs := awslogs.NewLogGroup(scope, jsii.String("AccessLogs"), &awslogs.LogGroupProps{Retention: p.LogRetention})
	fields := maps.Clone(accessLogFormat)
	if p.LogAuthorizerError {
		fields["authorizerError"] = "$context.authorizer.error"
	}
	format, _ := json.Marshal(fields)
	stage, _ := api.DefaultStage().Node().DefaultChild().(awsapigatewayv2.CfnStage)
	if stage == nil {
		panic(p.Owner + ": expected the default stage of the created HTTP API to be a CfnStage")
	}
	stage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{DestinationArn: logs.LogGroupArn(), Format: jsii.String(string(format))})
	// Anyone can call a route (an authorizer or the handler runs per
	// request), so the stage bounds what they can start.
	rate, burst := p.RateLimit, p.BurstLimit
	if rate == nil {
		rate = jsii.Number(p.DefaultRateLimit)
	}
	if burst == nil {
		burst = jsii.Number(2 * *rate)
	}
	stage.SetDefaultRouteSettings(&awsapigatewayv2.CfnStage_RouteSettingsProperty{ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst})
	return api, logs
}

// AddPost routes POST path to fn through the integration integrationID,
// behind authorizer (nil: none, the handler authenticates).
func AddPost(api awsapigatewayv2.HttpApi, path, integrationID string, fn awslambda.IFunction, authorizer awsapigatewayv2.IHttpRouteAuthorizer) {
	api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String(path),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Integration: awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String(integrationID), fn, nil),
		Authorizer:  authorizer,
	})
}
