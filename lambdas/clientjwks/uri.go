package clientjwks

import (
	"context"
	"errors"
	"net/http"

	"encoding/json"
	"github.com/aws/aws-lambda-go/events"
	jose "github.com/go-jose/go-jose/v4"
)

// URLHandler serves a JWK Set at a Lambda function URL (the optional
// jwks_uri): GET only, public keys only.
type URLHandler struct{ body string }

// NewURLHandler checks set is a JWK Set of public keys only.
func NewURLHandler(set string) (*URLHandler, error) {
	var s jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(set), &s); err != nil || len(s.Keys) == 0 {
		return nil, errors.New("clientjwks: expected a JWK Set in COGNITOBRIDGE_JWKS")
	}
	for _, k := range s.Keys {
		if !k.IsPublic() {
			return nil, errors.New("clientjwks: expected public keys only in COGNITOBRIDGE_JWKS")
		}
	}
	return &URLHandler{body: set}, nil
}

// Serve answers one function URL request.
func (u *URLHandler) Serve(_ context.Context, r events.LambdaFunctionURLRequest) (events.LambdaFunctionURLResponse, error) {
	if r.RequestContext.HTTP.Method != http.MethodGet {
		return events.LambdaFunctionURLResponse{StatusCode: http.StatusMethodNotAllowed, Headers: map[string]string{"Allow": "GET"}}, nil
	}
	return events.LambdaFunctionURLResponse{
		StatusCode: http.StatusOK,
		Headers:    map[string]string{"Content-Type": "application/jwk-set+json", "Cache-Control": "public, max-age=300"},
		Body:       u.body,
	}, nil
}
