// Package httpapi holds the request and answer helpers the HTTP API
// (payload format 2.0) handlers share: the bounded body, a header looked up
// the way API Gateway hands it over, and the JSON answer no cache keeps.
// The status codes and bodies of each API stay the handler's own.
package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// ErrBodyTooLarge is Body's answer to a body over its limit, or to one
// that is not the base64 API Gateway says it is.
var ErrBodyTooLarge = errors.New("body too large")

// Body returns the request body bytes, at most limit, decoding base64 when
// API Gateway encoded it. The encoded length is checked first, so that an
// oversized body is never decoded.
func Body(req events.APIGatewayV2HTTPRequest, limit int) ([]byte, error) {
	if !req.IsBase64Encoded {
		if len(req.Body) > limit {
			return nil, ErrBodyTooLarge
		}
		return []byte(req.Body), nil
	}
	if len(req.Body) > base64.StdEncoding.EncodedLen(limit) {
		return nil, ErrBodyTooLarge
	}
	b, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil || len(b) > limit {
		return nil, ErrBodyTooLarge
	}
	return b, nil
}

// Header returns the single value of a header. API Gateway lower-cases the
// names of payload 2.0 events; the lookup is case-insensitive anyway, so
// that a test event or another adapter cannot slip past it.
func Header(h map[string]string, name string) (string, bool) {
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

// JSON is an answer with v as its JSON body, which no cache keeps and no
// browser sniffs as anything but JSON.
func JSON(status int, v any) events.APIGatewayV2HTTPResponse {
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
