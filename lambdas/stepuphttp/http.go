package stepuphttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Middleware is the net/http form: next runs only with a fresh step-up of
// the configured client; the request's context carries the Decision
// (FromContext). The claims come from the request's context (WithClaims):
// Lambda puts them there, and so must the adapter that runs the handler
// behind API Gateway.
func (g *Guard) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		d := g.cfg.Decide(claimsFrom(r.Context()), g.now())
		rw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				d.Reason = ReasonInternalError
				if rw.status == 0 {
					write(rw, g.cfg.Refusal(ReasonInternalError))
				}
			}
			g.log(r.Context(), d, r.Method+" "+r.URL.Path, r.Header.Get("X-Request-Id"), rw.code(), start)
		}()
		if d.Reason != ReasonOK {
			write(rw, g.cfg.Refusal(d.Reason))
			return
		}
		next.ServeHTTP(rw, r.WithContext(WithDecision(r.Context(), d)))
	})
}

func write(w http.ResponseWriter, a Answer) {
	for k, v := range a.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(a.Status)
	_, _ = w.Write([]byte(a.Body))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) code() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}

// Lambda runs an http.Handler behind the guard as an aws-lambda-go handler
// of HTTP API (payload 2.0) events: lambda.Start(guard.Lambda(mux)). It is
// Wrap around a small adapter that turns the event into an *http.Request
// (method, path, query, headers, cookies, body; the JWT claims in its
// context) and the recorded response into the event response.
func (g *Guard) Lambda(h http.Handler) HandlerFunc {
	return g.Wrap(func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		body := []byte(req.Body)
		if req.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(req.Body)
			if err != nil {
				return toResponse(Answer{Status: 400, Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"message":"Bad Request"}`}), nil
			}
			body = b
		}
		path := req.RawPath
		if path == "" {
			path = req.RequestContext.HTTP.Path
		}
		if req.RawQueryString != "" {
			path += "?" + req.RawQueryString
		}
		method := req.RequestContext.HTTP.Method
		if method == "" {
			method, _, _ = strings.Cut(req.RouteKey, " ")
		}
		r, err := http.NewRequestWithContext(ctx, method, path, bytes.NewReader(body))
		if err != nil {
			return toResponse(Answer{Status: 400, Headers: map[string]string{"Content-Type": "application/json"}, Body: `{"message":"Bad Request"}`}), nil
		}
		for k, v := range req.Headers {
			r.Header.Set(k, v)
		}
		if len(req.Cookies) > 0 {
			r.Header.Set("Cookie", strings.Join(req.Cookies, "; "))
		}
		r.Header.Set("X-Request-Id", req.RequestContext.RequestID)
		var claims map[string]string
		if a := req.RequestContext.Authorizer; a != nil && a.JWT != nil {
			claims = a.JWT.Claims
		}
		r = r.WithContext(WithClaims(ctx, claims))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		res := rec.Result()
		out := events.APIGatewayV2HTTPResponse{StatusCode: res.StatusCode, Headers: map[string]string{}}
		for k, vs := range res.Header {
			if strings.EqualFold(k, "Set-Cookie") {
				out.Cookies = append(out.Cookies, vs...)
				continue
			}
			out.Headers[strings.ToLower(k)] = strings.Join(vs, ",")
		}
		if b := rec.Body.Bytes(); utf8.Valid(b) {
			out.Body = string(b)
		} else {
			out.Body, out.IsBase64Encoded = base64.StdEncoding.EncodeToString(b), true
		}
		return out, nil
	})
}
