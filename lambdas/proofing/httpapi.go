package proofing

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/deadline"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/logref"
)

// APIBudget caps the upstream time of one API request; the functions run
// with a 10 s timeout and keep APIDeadlineMargin back.
const (
	APIBudget         = 8 * time.Second
	APIDeadlineMargin = 500 * time.Millisecond
)

func withAPIBudget(ctx context.Context) (context.Context, context.CancelFunc) {
	return deadline.Context(ctx, APIDeadlineMargin, APIBudget)
}

// header returns the single value of an HTTP API v2 header (names are
// lower-cased by API Gateway; looked up case-insensitively anyway).
func header(h map[string]string, name string) (string, bool) {
	if v, ok := h[strings.ToLower(name)]; ok {
		return v, true
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

var errBodyTooLarge = errors.New("body too large")

// rawBody returns the request body bytes, at most limit, decoding base64
// when API Gateway encoded it.
func rawBody(req events.APIGatewayV2HTTPRequest, limit int) ([]byte, error) {
	if !req.IsBase64Encoded {
		if len(req.Body) > limit {
			return nil, errBodyTooLarge
		}
		return []byte(req.Body), nil
	}
	if len(req.Body) > base64.StdEncoding.EncodedLen(limit) {
		return nil, errBodyTooLarge
	}
	b, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, err
	}
	if len(b) > limit {
		return nil, errBodyTooLarge
	}
	return b, nil
}

// jsonResponse is an HTTP API v2 answer that is never cached.
func jsonResponse(status int, v any) events.APIGatewayV2HTTPResponse {
	b, _ := json.Marshal(v)
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":           "application/json",
			"Cache-Control":          "no-store",
			"X-Content-Type-Options": "nosniff",
		},
		Body: string(b),
	}
}

// ref is a short one-way reference for log correlation.
func ref(parts ...string) string { return logref.Ref(parts...) }
