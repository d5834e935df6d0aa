package authorizer

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestEcho(t *testing.T) {
	for _, tc := range []struct {
		name   string
		auth   *events.APIGatewayV2HTTPRequestContextAuthorizerDescription
		status int
		body   string
	}{
		{"lambda authorizer", &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]interface{}{"sub": bob, "stepup_at": float64(1699999969)}},
			200, `{"ok":true,"sub":"` + bob + `","route":"POST /payments","stepupAt":1699999969}`},
		{"jwt authorizer", &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": alice}}},
			200, `{"ok":true,"sub":"` + alice + `","route":"POST /payments"}`},
		{"no authorizer", nil, 403, `{"ok":false}`},
		{"balance", &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": alice}}},
			200, `{"ok":true,"sub":"` + alice + `","route":"GET /balance","balance":{"amount":"1250.00","currency":"EUR"}}`},
		{"lambda context without sub", &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: map[string]interface{}{"sub": 5}}, 403, `{"ok":false}`},
	} {
		route := "POST /payments"
		if tc.name == "balance" {
			route = "GET /balance"
		}
		req := events.APIGatewayV2HTTPRequest{RouteKey: route}
		req.RequestContext.Authorizer = tc.auth
		resp, err := Echo(context.Background(), req)
		if err != nil || resp.StatusCode != tc.status || resp.Body != tc.body || resp.Headers["content-type"] != "application/json" {
			t.Errorf("%s: %+v, %v", tc.name, resp, err)
		}
	}
}
