package template

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// API is an AWS::ApiGatewayV2::Api of protocol HTTP, with what a local
// HTTP API (test/localcognito/httpapi) needs to serve it.
type API struct {
	LogicalID, ID, Name string
	// Endpoint is the deployed API's endpoint
	// (https://<id>.execute-api.<region>.amazonaws.com); a local run serves
	// it elsewhere.
	Endpoint string
	// Cors is the API's CorsConfiguration; nil when it has none.
	Cors *Cors
	// Stages, Routes: the API's stages and routes, in logical id order.
	Stages []Stage
	Routes []*Route
}

// Cors is an HTTP API's CorsConfiguration.
type Cors struct {
	AllowOrigins, AllowMethods, AllowHeaders, ExposeHeaders []string
	AllowCredentials                                        bool
	// MaxAge in seconds; -1 when the configuration sets none.
	MaxAge int
}

// Stage is an AWS::ApiGatewayV2::Stage.
type Stage struct {
	LogicalID, Name string
	AutoDeploy      bool
}

// Route is an AWS::ApiGatewayV2::Route.
type Route struct {
	LogicalID string
	// RouteKey is "<METHOD> <path>", "ANY <path>" or "$default".
	RouteKey string
	// AuthorizationType is NONE, JWT, CUSTOM or AWS_IAM.
	AuthorizationType   string
	AuthorizationScopes []string
	// Authorizer is the route's authorizer (nil for NONE).
	Authorizer *Authorizer
	// Integration is the route's target; nil for a route without one.
	Integration *Integration
}

// Integration is an AWS::ApiGatewayV2::Integration.
type Integration struct {
	LogicalID, ID string
	// Type is AWS_PROXY (the only type run locally).
	Type string
	// Function is the logical id of the Lambda function IntegrationUri
	// names; FunctionARN its ARN.
	Function, FunctionARN string
	// PayloadFormatVersion: "2.0" or "1.0".
	PayloadFormatVersion string
	// Timeout is TimeoutInMillis (default 30 s).
	Timeout time.Duration
}

// Authorizer is an AWS::ApiGatewayV2::Authorizer.
type Authorizer struct {
	LogicalID, ID, Name string
	// Type is JWT or REQUEST.
	Type           string
	IdentitySource []string
	// JWT: JwtConfiguration's Issuer (as the template gives it: the
	// deployed pool's https://cognito-idp.<region>.amazonaws.com/<id>) and
	// Audience.
	Issuer   string
	Audience []string
	// REQUEST: the Lambda function AuthorizerUri names (logical id and
	// ARN), AuthorizerPayloadFormatVersion, EnableSimpleResponses and
	// AuthorizerResultTtlInSeconds.
	Function, FunctionARN string
	PayloadFormatVersion  string
	EnableSimpleResponses bool
	ResultTTL             time.Duration
}

// readAPIs reads the template's HTTP APIs; the functions their
// integrations and authorizers name must be in p.Functions.
func (p *Pool) readAPIs(r *resolver, res map[string]resource) error {
	byARN := map[string]string{}
	for _, id := range idsOfType(res, "AWS::Lambda::Function") {
		arn, _ := r.getAtt(id, "Arn")
		byARN[arn] = id
	}
	fnOf := func(arn string) (string, error) {
		id, ok := byARN[arn]
		if !ok {
			return "", fmt.Errorf("%s is not a function of the template", arn)
		}
		if _, ok := p.Functions[id]; !ok {
			return "", fmt.Errorf("function %s runs no cognitobridge handler (set Options.Binaries[%q])", id, id)
		}
		return id, nil
	}
	apis := map[string]*API{}
	skipped := map[string]bool{}
	for _, id := range idsOfType(res, "AWS::ApiGatewayV2::Api") {
		props := res[id].Properties
		if pt, _ := props["ProtocolType"].(string); pt != "HTTP" && pt != "" {
			skipped[id] = true // a WebSocket API: not run locally
			continue
		}
		a := &API{LogicalID: id, ID: r.apiID(id)}
		a.Name, _ = props["Name"].(string)
		a.Endpoint, _ = r.getAtt(id, "ApiEndpoint")
		if c, ok := props["CorsConfiguration"].(map[string]any); ok {
			cors, err := readCors(r, c)
			if err != nil {
				return fmt.Errorf("template: API %s CorsConfiguration: %w", id, err)
			}
			a.Cors = cors
		}
		apis[id] = a
		p.APIs = append(p.APIs, a)
	}
	apiOf := func(kind, id string) (*API, error) {
		ref, _ := res[id].Properties["ApiId"].(map[string]any)
		name, _ := ref["Ref"].(string)
		a, ok := apis[name]
		if skipped[name] {
			return nil, nil
		}
		if !ok {
			return nil, fmt.Errorf("template: %s %s: ApiId is not {\"Ref\": <an HTTP API of the template>}", kind, id)
		}
		return a, nil
	}

	integrations := map[string]*Integration{} // by id
	for _, id := range idsOfType(res, "AWS::ApiGatewayV2::Integration") {
		if a, err := apiOf("integration", id); err != nil || a == nil {
			if err != nil {
				return err
			}
			continue
		}
		props := res[id].Properties
		in := &Integration{LogicalID: id, ID: r.apiChildID(id), Timeout: 30 * time.Second}
		in.Type, _ = props["IntegrationType"].(string)
		if in.Type != "AWS_PROXY" {
			return fmt.Errorf("template: integration %s: IntegrationType %q: only AWS_PROXY (Lambda proxy) runs locally", id, in.Type)
		}
		uri, err := r.str(props["IntegrationUri"])
		if err != nil {
			return fmt.Errorf("template: integration %s IntegrationUri: %w", id, err)
		}
		in.FunctionARN = lambdaARNOfURI(uri)
		if in.Function, err = fnOf(in.FunctionARN); err != nil {
			return fmt.Errorf("template: integration %s: %w", id, err)
		}
		in.PayloadFormatVersion, _ = props["PayloadFormatVersion"].(string)
		if in.PayloadFormatVersion == "" {
			// DOCUMENTED (AWS::ApiGatewayV2::Integration): required for
			// AWS_PROXY integrations of HTTP APIs; CDK writes it.
			return fmt.Errorf("template: integration %s has no PayloadFormatVersion", id)
		}
		if ms, ok := props["TimeoutInMillis"].(float64); ok {
			in.Timeout = time.Duration(ms) * time.Millisecond
		}
		integrations[in.ID] = in
	}

	authorizers := map[string]*Authorizer{} // by id
	for _, id := range idsOfType(res, "AWS::ApiGatewayV2::Authorizer") {
		if a, err := apiOf("authorizer", id); err != nil || a == nil {
			if err != nil {
				return err
			}
			continue
		}
		props := res[id].Properties
		au := &Authorizer{LogicalID: id, ID: r.apiChildID(id)}
		au.Name, _ = props["Name"].(string)
		au.Type, _ = props["AuthorizerType"].(string)
		var err error
		if au.IdentitySource, err = r.strList(props["IdentitySource"]); err != nil {
			return fmt.Errorf("template: authorizer %s IdentitySource: %w", id, err)
		}
		switch au.Type {
		case "JWT":
			jc, _ := props["JwtConfiguration"].(map[string]any)
			if au.Issuer, err = r.str(jc["Issuer"]); err != nil {
				return fmt.Errorf("template: authorizer %s JwtConfiguration.Issuer: %w", id, err)
			}
			if au.Audience, err = r.strList(jc["Audience"]); err != nil {
				return fmt.Errorf("template: authorizer %s JwtConfiguration.Audience: %w", id, err)
			}
		case "REQUEST":
			uri, err := r.str(props["AuthorizerUri"])
			if err != nil {
				return fmt.Errorf("template: authorizer %s AuthorizerUri: %w", id, err)
			}
			au.FunctionARN = lambdaARNOfURI(uri)
			if au.Function, err = fnOf(au.FunctionARN); err != nil {
				return fmt.Errorf("template: authorizer %s: %w", id, err)
			}
			au.PayloadFormatVersion, _ = props["AuthorizerPayloadFormatVersion"].(string)
			au.EnableSimpleResponses, _ = props["EnableSimpleResponses"].(bool)
			if ttl, ok := props["AuthorizerResultTtlInSeconds"].(float64); ok {
				au.ResultTTL = time.Duration(ttl) * time.Second
			} else {
				// DOCUMENTED (AWS::ApiGatewayV2::Authorizer): "If it
				// equals 0, authorization caching is disabled. If it is
				// greater than 0, API Gateway will cache authorizer
				// responses. The maximum value is 3600, or 1 hour." CDK
				// always writes it; absent is taken as the HTTP API
				// console's default, 300 s.
				au.ResultTTL = 300 * time.Second
			}
		default:
			return fmt.Errorf("template: authorizer %s: AuthorizerType %q is not run locally", id, au.Type)
		}
		authorizers[au.ID] = au
	}

	for _, id := range idsOfType(res, "AWS::ApiGatewayV2::Stage") {
		a, err := apiOf("stage", id)
		if err != nil {
			return err
		}
		if a == nil {
			continue
		}
		props := res[id].Properties
		st := Stage{LogicalID: id}
		st.Name, _ = props["StageName"].(string)
		st.AutoDeploy, _ = props["AutoDeploy"].(bool)
		a.Stages = append(a.Stages, st)
	}
	for _, id := range idsOfType(res, "AWS::ApiGatewayV2::Route") {
		a, err := apiOf("route", id)
		if err != nil {
			return err
		}
		if a == nil {
			continue
		}
		props := res[id].Properties
		rt := &Route{LogicalID: id, AuthorizationType: "NONE"}
		rt.RouteKey, _ = props["RouteKey"].(string)
		if rt.RouteKey == "" {
			return fmt.Errorf("template: route %s has no RouteKey", id)
		}
		if t, ok := props["AuthorizationType"].(string); ok {
			rt.AuthorizationType = t
		}
		if rt.AuthorizationScopes, err = r.strList(props["AuthorizationScopes"]); err != nil {
			return fmt.Errorf("template: route %s AuthorizationScopes: %w", id, err)
		}
		switch rt.AuthorizationType {
		case "NONE":
		case "JWT", "CUSTOM":
			aid, err := r.str(props["AuthorizerId"])
			if err != nil {
				return fmt.Errorf("template: route %s AuthorizerId: %w", id, err)
			}
			if rt.Authorizer = authorizers[aid]; rt.Authorizer == nil {
				return fmt.Errorf("template: route %s: AuthorizerId is no authorizer of the template", id)
			}
			if want := map[string]string{"JWT": "JWT", "CUSTOM": "REQUEST"}[rt.AuthorizationType]; rt.Authorizer.Type != want {
				return fmt.Errorf("template: route %s: AuthorizationType %s with a %s authorizer", id, rt.AuthorizationType, rt.Authorizer.Type)
			}
		default:
			return fmt.Errorf("template: route %s: AuthorizationType %s is not run locally", id, rt.AuthorizationType)
		}
		if v, ok := props["Target"]; ok {
			target, err := r.str(v)
			if err != nil {
				return fmt.Errorf("template: route %s Target: %w", id, err)
			}
			iid, ok := strings.CutPrefix(target, "integrations/")
			if rt.Integration = integrations[iid]; !ok || rt.Integration == nil {
				return fmt.Errorf("template: route %s: Target %q is not integrations/<an integration of the template>", id, target)
			}
		}
		a.Routes = append(a.Routes, rt)
	}
	for _, a := range p.APIs {
		if len(a.Stages) == 0 && len(a.Routes) > 0 {
			return errors.New("template: API " + a.LogicalID + " has routes but no stage")
		}
	}
	return nil
}

func readCors(r *resolver, c map[string]any) (*Cors, error) {
	cors := &Cors{MaxAge: -1}
	lists := []struct {
		key string
		dst *[]string
	}{
		{"AllowOrigins", &cors.AllowOrigins}, {"AllowMethods", &cors.AllowMethods},
		{"AllowHeaders", &cors.AllowHeaders}, {"ExposeHeaders", &cors.ExposeHeaders},
	}
	for _, l := range lists {
		var err error
		if *l.dst, err = r.strList(c[l.key]); err != nil {
			return nil, fmt.Errorf("%s: %w", l.key, err)
		}
	}
	cors.AllowCredentials, _ = c["AllowCredentials"].(bool)
	if m, ok := c["MaxAge"].(float64); ok {
		cors.MaxAge = int(m)
	}
	return cors, nil
}

// lambdaARNOfURI returns the function ARN of an integration or authorizer
// URI: the ARN itself, or API Gateway's
// arn:<partition>:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations.
func lambdaARNOfURI(uri string) string {
	if _, rest, ok := strings.Cut(uri, ":lambda:path/2015-03-31/functions/"); ok {
		return strings.TrimSuffix(rest, "/invocations")
	}
	return uri
}
