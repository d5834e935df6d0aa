package authorizer

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

// EchoResponse is the body the sample backend answers.
type EchoResponse struct {
	OK       bool   `json:"ok"`
	Sub      string `json:"sub,omitempty"`
	Route    string `json:"route,omitempty"`
	StepUpAt int64  `json:"stepupAt,omitempty"`
	// Balance is the answer of GET /balance: a fixed demo figure (the
	// sample keeps no accounts), so a page has an amount to show.
	Balance *Money `json:"balance,omitempty"`
}

// Money is an amount in a currency, the amount as a decimal string.
type Money struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// DemoBalance is what the sample backend answers to GET /balance.
var DemoBalance = Money{Amount: "1250.00", Currency: "EUR"}

// Echo is the sample backend of the transaction-stepup app: it answers
// {"ok":true,"sub":…} with the user that an authorizer put in the request
// context, the transaction authorizer's (requestContext.authorizer.lambda)
// or a Cognito JWT authorizer's (requestContext.authorizer.jwt.claims). A
// real backend does the same: it acts for that sub, never for a user named in
// the path or the body. Without an authorizer's sub it answers 403.
func Echo(_ context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	out := EchoResponse{Route: clip(req.RouteKey)}
	if a := req.RequestContext.Authorizer; a != nil {
		switch {
		case a.Lambda != nil:
			out.Sub, _ = a.Lambda[contract.AuthorizerContextSub].(string)
			if at, ok := a.Lambda[contract.AuthorizerContextStepUpAt].(float64); ok {
				out.StepUpAt = int64(at)
			}
		case a.JWT != nil:
			out.Sub = a.JWT.Claims["sub"]
		}
	}
	status := 200
	out.OK = out.Sub != ""
	if out.OK && req.RouteKey == "GET /balance" {
		b := DemoBalance
		out.Balance = &b
	}
	if !out.OK {
		status = 403
		out = EchoResponse{}
	}
	body, _ := json.Marshal(out) // plain strings and numbers always marshal
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"content-type": "application/json", "cache-control": "no-store"},
		Body:       string(body),
	}, nil
}
