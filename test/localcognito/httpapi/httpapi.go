// Package httpapi serves one HTTP API of a loaded template
// (test/localcognito/template) on loopback, as Amazon API Gateway's HTTP
// APIs behave for what the templates use: routes by RouteKey, CORS from the
// API's CorsConfiguration, JWT authorizers, REQUEST Lambda authorizers
// (payload format 2.0) and Lambda proxy integrations (payload format 2.0).
// Every behaviour follows the API Gateway Developer Guide ("Working with
// HTTP APIs": routes, CORS, JWT authorizers, Lambda authorizers, AWS Lambda
// proxy integrations); each place says so with DOCUMENTED, and says where
// it chooses what the guide leaves open.
//
// It is a development tool for tests and demos, not API Gateway: no
// throttling, no custom domains, no mutual TLS, no IAM authorization, no
// payload format 1.0, no stage variables.
package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/cognitobridge/cognitobridge/test/localcognito/template"
)

// Invoker runs a function of the template by logical id (a
// lambdarun.Runner is one).
type Invoker interface {
	InvokeFunction(ctx context.Context, logicalID string, payload []byte) (out []byte, functionError bool, err error)
}

// Options configures New.
type Options struct {
	// Invoker runs the authorizer and integration functions. Required.
	Invoker Invoker
	// Issuers maps a JWT authorizer's issuer as the template gives it (the
	// deployed pool's https://cognito-idp.<region>.amazonaws.com/<pool id>)
	// to the issuer tokens are verified against locally (the local
	// endpoint's <endpoint>/<pool id>). Each substitution is logged. An
	// issuer without an entry is used as it is.
	Issuers map[string]string
	// AccountID and Region of requestContext and routeArn.
	// Default: 123456789012, us-east-1.
	AccountID, Region string
	// HTTPClient fetches the JWT issuers' key sets.
	// Default: - a client with a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock of the JWT checks and the authorizer cache.
	// Default: time.Now.
	Now func() time.Time
	// Log receives one line per substitution and per request (method,
	// path, route, status; never a header or a body).
	Log io.Writer
}

// API is one HTTP API, ready to serve.
type API struct {
	def    *template.API
	opts   Options
	stage  string // "" for $default, else the path prefix's stage name
	routes []*route

	mu      sync.Mutex
	records []Record
	cache   map[string]cached
	jwt     map[string]*oidc.IDTokenVerifier // by authorizer id
}

// Record is one request the API answered.
type Record struct {
	Method, Path string
	// RouteKey of the route that matched ("" when none did).
	RouteKey string
	Status   int
	// Header is the response's header (CORS headers included).
	Header http.Header
	// Authorized: the route's authorizer let the request through (or the
	// route has none); Integration is the integration's function logical
	// id when it was invoked.
	Authorized  bool
	Integration string
	At          time.Time
}

type route struct {
	def      *template.Route
	method   string   // "ANY" or a method; "" for $default
	segments []string // path segments; "{name}" and "{name+}" are variables
	literal  int      // number of literal segments
	greedy   bool
}

type cached struct {
	until time.Time
	allow bool
	ctx   map[string]any
}

// New prepares api. The stage served is the API's only stage: $default at
// the root, another at /<stage name>.
func New(api *template.API, opts Options) (*API, error) {
	if opts.Invoker == nil {
		return nil, errors.New("httpapi: Options.Invoker is required")
	}
	if opts.AccountID == "" {
		opts.AccountID = template.DefaultAccountID
	}
	if opts.Region == "" {
		opts.Region = template.DefaultRegion
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	a := &API{def: api, opts: opts, cache: map[string]cached{}, jwt: map[string]*oidc.IDTokenVerifier{}}
	switch len(api.Stages) {
	case 0:
		return nil, fmt.Errorf("httpapi: API %s has no stage", api.LogicalID)
	case 1:
		if n := api.Stages[0].Name; n != "$default" {
			a.stage = n
		}
	default:
		return nil, fmt.Errorf("httpapi: API %s has %d stages; one is served locally", api.LogicalID, len(api.Stages))
	}
	for _, r := range api.Routes {
		rt, err := parseRoute(r)
		if err != nil {
			return nil, fmt.Errorf("httpapi: API %s: %w", api.LogicalID, err)
		}
		a.routes = append(a.routes, rt)
		if au := r.Authorizer; au != nil && au.Type == "JWT" {
			if _, ok := a.jwt[au.ID]; ok {
				continue
			}
			issuer := au.Issuer
			if to, ok := opts.Issuers[issuer]; ok {
				fmt.Fprintf(opts.Log, "httpapi: JWT authorizer %s: issuer %s substituted by the local %s\n", au.Name, issuer, to)
				issuer = to
			}
			// DOCUMENTED (JWT authorizers): "API Gateway uses the issuer's
			// public keys (JWKS)"; for a Cognito issuer they are at
			// <issuer>/.well-known/jwks.json.
			ctx := oidc.ClientContext(context.Background(), opts.HTTPClient)
			keys := oidc.NewRemoteKeySet(ctx, strings.TrimSuffix(issuer, "/")+"/.well-known/jwks.json")
			// The audience is checked below (aud or client_id), not by
			// go-oidc, which knows only aud.
			a.jwt[au.ID] = oidc.NewVerifier(issuer, keys, &oidc.Config{SkipClientIDCheck: true, SupportedSigningAlgs: []string{oidc.RS256}, Now: opts.Now})
		}
	}
	return a, nil
}

// Records lists the requests answered so far, in order.
func (a *API) Records() []Record {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Record(nil), a.records...)
}

// Definition is the API as the template gives it.
func (a *API) Definition() *template.API { return a.def }

func parseRoute(r *template.Route) (*route, error) {
	if r.RouteKey == "$default" {
		return &route{def: r}, nil
	}
	method, path, ok := strings.Cut(r.RouteKey, " ")
	if !ok || !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("route %s: RouteKey %q is not \"<METHOD> /<path>\"", r.LogicalID, r.RouteKey)
	}
	rt := &route{def: r, method: method}
	if path != "/" {
		rt.segments = strings.Split(path[1:], "/")
	}
	for i, s := range rt.segments {
		switch {
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "+}"):
			if i != len(rt.segments)-1 {
				return nil, fmt.Errorf("route %s: a greedy variable must be the last segment", r.LogicalID)
			}
			rt.greedy = true
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}"):
		default:
			rt.literal++
		}
	}
	return rt, nil
}

// match returns the path parameters when rt matches path's segments.
func (rt *route) match(method string, segs []string) (map[string]string, bool) {
	if rt.method != "ANY" && rt.method != method {
		return nil, false
	}
	params := map[string]string{}
	for i, s := range rt.segments {
		if strings.HasSuffix(s, "+}") {
			if i >= len(segs) {
				return nil, false
			}
			params[s[1:len(s)-2]] = strings.Join(segs[i:], "/")
			return params, true
		}
		if i >= len(segs) {
			return nil, false
		}
		if strings.HasPrefix(s, "{") {
			if segs[i] == "" {
				return nil, false
			}
			params[s[1:len(s)-1]] = segs[i]
		} else if s != segs[i] {
			return nil, false
		}
	}
	if len(segs) != len(rt.segments) {
		return nil, false
	}
	return params, true
}

// selectRoute follows the documented precedence. DOCUMENTED (Working with
// routes for HTTP APIs): "API Gateway selects the route with the most-
// specific match, using the following priorities: 1. Full match for a
// route and method. 2. Match for a route and method with a path variable
// ({proxy+}) greedy path variable. 3. The $default route." A method match
// beats ANY; among variable routes, more literal segments and a
// non-greedy route win (the guide's "most-specific").
func (a *API) selectRoute(method, path string) (*route, map[string]string) {
	var segs []string
	if path != "/" {
		segs = strings.Split(strings.TrimPrefix(path, "/"), "/")
	}
	type cand struct {
		rt     *route
		params map[string]string
	}
	var cands []cand
	var def *route
	for _, rt := range a.routes {
		if rt.def.RouteKey == "$default" {
			def = rt
			continue
		}
		if p, ok := rt.match(method, segs); ok {
			cands = append(cands, cand{rt, p})
		}
	}
	if len(cands) == 0 {
		if def != nil {
			return def, nil
		}
		return nil, nil
	}
	sort.SliceStable(cands, func(i, j int) bool {
		x, y := cands[i].rt, cands[j].rt
		if (x.literal == len(x.segments)) != (y.literal == len(y.segments)) {
			return x.literal == len(x.segments)
		}
		if x.greedy != y.greedy {
			return !x.greedy
		}
		if x.literal != y.literal {
			return x.literal > y.literal
		}
		return x.method != "ANY" && y.method == "ANY"
	})
	return cands[0].rt, cands[0].params
}

// DOCUMENTED (API Gateway's own error responses of HTTP APIs): a JSON body
// {"message": "..."}.
func message(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"message":%q}`, msg)
}

// recorder keeps the status of what the handler wrote.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// ServeHTTP answers one request.
func (a *API) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	rec := Record{Method: req.Method, Path: req.URL.Path, At: a.opts.Now()}
	rw := &recorder{ResponseWriter: w}
	defer func() {
		rec.Status, rec.Header = rw.status, w.Header().Clone()
		a.mu.Lock()
		a.records = append(a.records, rec)
		a.mu.Unlock()
		fmt.Fprintf(a.opts.Log, "httpapi: %s %s -> route %q, %d\n", rec.Method, rec.Path, rec.RouteKey, rec.Status)
	}()

	// CORS first: preflights are answered whatever the routes.
	if a.cors(rw, req) {
		return
	}
	path := req.URL.Path
	if a.stage != "" {
		p, ok := strings.CutPrefix(path, "/"+a.stage)
		if !ok || (p != "" && !strings.HasPrefix(p, "/")) {
			message(rw, http.StatusNotFound, "Not Found")
			return
		}
		path = p
		if path == "" {
			path = "/"
		}
	}
	rt, params := a.selectRoute(req.Method, path)
	if rt == nil {
		// DOCUMENTED: without a matching route or $default, 404
		// {"message":"Not Found"}.
		message(rw, http.StatusNotFound, "Not Found")
		return
	}
	rec.RouteKey = rt.def.RouteKey
	// DOCUMENTED (payload 2.0 and the quotas page): the request body is
	// at most 10 MB.
	body, err := io.ReadAll(io.LimitReader(req.Body, 10<<20+1))
	if err != nil || len(body) > 10<<20 {
		message(rw, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	ev := a.event(req, rt, path, params, body)

	status, authorizer := a.authorize(req.Context(), rt, ev)
	switch status {
	case http.StatusOK:
	case http.StatusUnauthorized:
		message(rw, status, "Unauthorized")
		return
	case http.StatusForbidden:
		message(rw, status, "Forbidden")
		return
	default:
		message(rw, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	rec.Authorized = true
	ev.RequestContext.Authorizer = authorizer
	in := rt.def.Integration
	if in == nil {
		message(rw, http.StatusNotFound, "Not Found")
		return
	}
	if in.PayloadFormatVersion != "2.0" {
		message(rw, http.StatusInternalServerError, "Internal Server Error") // payload 1.0 is not served locally
		return
	}
	rec.Integration = in.Function
	a.integrate(req.Context(), rw, in, ev)
}

// cors applies the API's CorsConfiguration and answers a preflight (true).
// DOCUMENTED (Configuring CORS for an HTTP API): "If you configure CORS for
// an API, API Gateway automatically sends a response to preflight OPTIONS
// requests, even if there isn't an OPTIONS route configured for your API.
// For a CORS request, API Gateway adds the configured CORS headers to the
// response from an integration." and "If you configure CORS for an API,
// API Gateway ignores CORS headers returned from your backend
// integration." An origin outside AllowOrigins gets no CORS headers (the
// browser then refuses the response).
func (a *API) cors(w http.ResponseWriter, req *http.Request) bool {
	c := a.def.Cors
	origin := req.Header.Get("Origin")
	if c == nil || origin == "" {
		return false
	}
	allowed := ""
	for _, o := range c.AllowOrigins {
		if o == "*" && !c.AllowCredentials {
			allowed = "*"
		}
		if strings.EqualFold(o, origin) {
			allowed = origin
			break
		}
	}
	preflight := req.Method == http.MethodOptions && req.Header.Get("Access-Control-Request-Method") != ""
	h := w.Header()
	if allowed != "" {
		h.Set("Access-Control-Allow-Origin", allowed)
		if allowed != "*" {
			h.Add("Vary", "Origin")
		}
		if c.AllowCredentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if !preflight && len(c.ExposeHeaders) > 0 {
			h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
		}
	}
	if !preflight {
		return false
	}
	if allowed != "" {
		method := req.Header.Get("Access-Control-Request-Method")
		if slices.Contains(c.AllowMethods, "*") || slices.ContainsFunc(c.AllowMethods, func(m string) bool { return strings.EqualFold(m, method) }) {
			h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
		}
		if len(c.AllowHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
		}
		if c.MaxAge >= 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(c.MaxAge))
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

// Event is the Lambda proxy integration's event, payload format 2.0.
// DOCUMENTED (Working with AWS Lambda proxy integrations for HTTP APIs,
// "Payload format version 2.0"): the fields and their names below.
type Event struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	RequestContext        RequestContext    `json:"requestContext"`
	Body                  string            `json:"body,omitempty"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
	StageVariables        map[string]string `json:"stageVariables,omitempty"`
}

// RequestContext is the event's requestContext.
type RequestContext struct {
	AccountID    string          `json:"accountId"`
	APIID        string          `json:"apiId"`
	Authorizer   *AuthorizerInfo `json:"authorizer,omitempty"`
	DomainName   string          `json:"domainName"`
	DomainPrefix string          `json:"domainPrefix"`
	HTTP         struct {
		Method    string `json:"method"`
		Path      string `json:"path"`
		Protocol  string `json:"protocol"`
		SourceIP  string `json:"sourceIp"`
		UserAgent string `json:"userAgent"`
	} `json:"http"`
	RequestID string `json:"requestId"`
	RouteKey  string `json:"routeKey"`
	Stage     string `json:"stage"`
	Time      string `json:"time"`
	TimeEpoch int64  `json:"timeEpoch"`
}

// AuthorizerInfo is requestContext.authorizer: jwt.claims and jwt.scopes
// of a JWT authorizer, lambda of a Lambda authorizer's context.
type AuthorizerInfo struct {
	JWT    *JWTInfo       `json:"jwt,omitempty"`
	Lambda map[string]any `json:"lambda,omitempty"`
}

// JWTInfo is requestContext.authorizer.jwt.
type JWTInfo struct {
	Claims map[string]string `json:"claims"`
	Scopes []string          `json:"scopes"`
}

func requestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (a *API) event(req *http.Request, rt *route, path string, params map[string]string, body []byte) *Event {
	now := a.opts.Now()
	ev := &Event{
		Version: "2.0", RouteKey: rt.def.RouteKey, RawPath: req.URL.EscapedPath(), RawQueryString: req.URL.RawQuery,
		Headers: map[string]string{}, PathParameters: params,
	}
	if len(params) == 0 {
		ev.PathParameters = nil
	}
	// DOCUMENTED: "Header names are lowercased"; "Duplicate headers are
	// combined with commas"; cookies move from the Cookie header to the
	// cookies field.
	for k, vs := range req.Header {
		name := strings.ToLower(k)
		if name == "cookie" {
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						ev.Cookies = append(ev.Cookies, c)
					}
				}
			}
			continue
		}
		ev.Headers[name] = strings.Join(vs, ",")
	}
	ev.Headers["host"] = req.Host
	// DOCUMENTED: "Duplicate query strings are combined with commas".
	if q := req.URL.Query(); len(q) > 0 {
		ev.QueryStringParameters = map[string]string{}
		for k, vs := range q {
			ev.QueryStringParameters[k] = strings.Join(vs, ",")
		}
	}
	if len(body) > 0 {
		// Binary bodies are base64-encoded (isBase64Encoded); text ones
		// (text/*, JSON, XML, JavaScript, form data, or no content type)
		// are passed as they are.
		if isText(req.Header.Get("Content-Type")) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	rc := &ev.RequestContext
	rc.AccountID, rc.APIID = a.opts.AccountID, a.def.ID
	rc.DomainName = req.Host
	rc.DomainPrefix, _, _ = strings.Cut(req.Host, ".")
	rc.HTTP.Method, rc.HTTP.Path, rc.HTTP.Protocol = req.Method, path, req.Proto
	rc.HTTP.SourceIP, _, _ = net.SplitHostPort(req.RemoteAddr)
	rc.HTTP.UserAgent = req.UserAgent()
	rc.RequestID, rc.RouteKey = requestID(), rt.def.RouteKey
	rc.Stage = "$default"
	if a.stage != "" {
		rc.Stage = a.stage
	}
	// DOCUMENTED: "time": "12/Mar/2020:19:03:58 +0000", "timeEpoch" in ms.
	rc.Time, rc.TimeEpoch = now.UTC().Format("02/Jan/2006:15:04:05 -0700"), now.UnixMilli()
	return ev
}

func isText(ct string) bool {
	ct = strings.ToLower(ct)
	return ct == "" || strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") || strings.Contains(ct, "xml") ||
		strings.Contains(ct, "javascript") || strings.Contains(ct, "x-www-form-urlencoded")
}

// identity returns the values of the authorizer's identity sources, and
// false when one is missing or empty.
func identity(au *template.Authorizer, ev *Event) ([]string, bool) {
	var out []string
	for _, src := range au.IdentitySource {
		var v string
		switch {
		case strings.HasPrefix(src, "$request.header."):
			v = ev.Headers[strings.ToLower(strings.TrimPrefix(src, "$request.header."))]
		case strings.HasPrefix(src, "$request.querystring."):
			v = ev.QueryStringParameters[strings.TrimPrefix(src, "$request.querystring.")]
		case strings.HasPrefix(src, "$context."), strings.HasPrefix(src, "$stageVariables."):
			v = "" // not served locally
		}
		if v == "" {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// authorize runs the route's authorizer: 200 with what goes into
// requestContext.authorizer, or 401, 403, 500.
func (a *API) authorize(ctx context.Context, rt *route, ev *Event) (int, *AuthorizerInfo) {
	au := rt.def.Authorizer
	if au == nil {
		return http.StatusOK, nil
	}
	ids, ok := identity(au, ev)
	if !ok {
		// DOCUMENTED (both authorizer kinds): a request without the
		// identity source is 401 Unauthorized, without calling the
		// authorizer.
		return http.StatusUnauthorized, nil
	}
	if au.Type == "JWT" {
		return a.authorizeJWT(ctx, rt, au, ids[0])
	}
	return a.authorizeLambda(ctx, au, ev, ids)
}

// authorizeJWT validates the token. DOCUMENTED (Controlling access to HTTP
// APIs with JWT authorizers): the identity source holds the token, alone
// or prefixed with "Bearer"; API Gateway checks kid and alg (RS256) against
// the issuer's keys, iss, aud or client_id ("If the aud field isn't
// present, client_id is checked": Cognito access tokens carry client_id),
// exp, nbf, iat, and the route's authorization scopes against scope; a
// failure is 401 {"message":"Unauthorized"}. Claims go to
// requestContext.authorizer.jwt.claims.
func (a *API) authorizeJWT(ctx context.Context, rt *route, au *template.Authorizer, raw string) (int, *AuthorizerInfo) {
	if t, ok := strings.CutPrefix(raw, "Bearer "); ok {
		raw = t
	}
	tok, err := a.jwt[au.ID].Verify(ctx, raw)
	if err != nil {
		return http.StatusUnauthorized, nil
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return http.StatusUnauthorized, nil
	}
	aud := tok.Audience
	if len(aud) == 0 {
		if c, ok := claims["client_id"].(string); ok {
			aud = []string{c}
		}
	}
	if !slices.ContainsFunc(aud, func(s string) bool { return slices.Contains(au.Audience, s) }) {
		return http.StatusUnauthorized, nil
	}
	if iat, ok := claims["iat"].(float64); ok && time.Unix(int64(iat), 0).After(a.opts.Now().Add(time.Minute)) {
		return http.StatusUnauthorized, nil
	}
	var scopes []string
	if s, ok := claims["scope"].(string); ok {
		scopes = strings.Fields(s)
	}
	if len(rt.def.AuthorizationScopes) > 0 {
		if !slices.ContainsFunc(rt.def.AuthorizationScopes, func(s string) bool { return slices.Contains(scopes, s) }) {
			// DOCUMENTED: a token without one of the route's scopes is
			// 403 Forbidden.
			return http.StatusForbidden, nil
		}
	} else {
		scopes = nil
	}
	info := &JWTInfo{Claims: map[string]string{}, Scopes: scopes}
	for k, v := range claims {
		info.Claims[k] = claimString(v)
	}
	return http.StatusOK, &AuthorizerInfo{JWT: info}
}

// claimString renders a claim as API Gateway passes it (values are
// strings): numbers without exponent, arrays as "[a b]" (what deployed
// APIs pass for cognito:groups; the guide shows only string claims).
func claimString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = claimString(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// authorizerEvent is the REQUEST authorizer's event, payload format 2.0.
// DOCUMENTED (Working with AWS Lambda authorizers for HTTP APIs, "Payload
// format version 2.0"): the proxy event's fields plus type, routeArn and
// identitySource, without body.
type authorizerEvent struct {
	Version               string            `json:"version"`
	Type                  string            `json:"type"`
	RouteArn              string            `json:"routeArn"`
	IdentitySource        []string          `json:"identitySource"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	RequestContext        RequestContext    `json:"requestContext"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	StageVariables        map[string]string `json:"stageVariables,omitempty"`
}

// authorizeLambda invokes a REQUEST authorizer. DOCUMENTED: with simple
// responses the function answers {"isAuthorized": bool, "context": {...}};
// false is 403 {"message":"Forbidden"}; a function error or a malformed
// answer is 500 {"message":"Internal Server Error"}; an allowed request
// carries the context as requestContext.authorizer.lambda. With
// AuthorizerResultTtlInSeconds > 0 the answer is cached by the identity
// source values. IAM policy responses (simple responses off) are not
// served locally.
func (a *API) authorizeLambda(ctx context.Context, au *template.Authorizer, ev *Event, ids []string) (int, *AuthorizerInfo) {
	if au.PayloadFormatVersion != "2.0" || !au.EnableSimpleResponses {
		return http.StatusInternalServerError, nil
	}
	key := au.ID + "\x00" + strings.Join(ids, "\x00")
	now := a.opts.Now()
	if au.ResultTTL > 0 {
		a.mu.Lock()
		c, ok := a.cache[key]
		a.mu.Unlock()
		if ok && now.Before(c.until) {
			return decision(c.allow, c.ctx)
		}
	}
	method, path, _ := strings.Cut(ev.RouteKey, " ")
	aev := authorizerEvent{
		Version: "2.0", Type: "REQUEST", IdentitySource: ids, RouteKey: ev.RouteKey,
		// DOCUMENTED: routeArn
		// arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<method><path>.
		RouteArn: fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s%s", a.opts.Region, a.opts.AccountID, a.def.ID, ev.RequestContext.Stage, method, path),
		RawPath:  ev.RawPath, RawQueryString: ev.RawQueryString, Cookies: ev.Cookies, Headers: ev.Headers,
		QueryStringParameters: ev.QueryStringParameters, RequestContext: ev.RequestContext, PathParameters: ev.PathParameters,
	}
	if ev.RouteKey == "$default" {
		aev.RouteArn = fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/$default", a.opts.Region, a.opts.AccountID, a.def.ID, ev.RequestContext.Stage)
	}
	payload, _ := json.Marshal(aev)
	// DOCUMENTED: an authorizer has 10 seconds.
	ictx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, fnErr, err := a.opts.Invoker.InvokeFunction(ictx, au.Function, payload)
	if err != nil || fnErr {
		return http.StatusInternalServerError, nil
	}
	var resp struct {
		IsAuthorized *bool          `json:"isAuthorized"`
		Context      map[string]any `json:"context"`
	}
	if json.Unmarshal(out, &resp) != nil || resp.IsAuthorized == nil {
		return http.StatusInternalServerError, nil
	}
	if au.ResultTTL > 0 {
		a.mu.Lock()
		a.cache[key] = cached{until: now.Add(au.ResultTTL), allow: *resp.IsAuthorized, ctx: resp.Context}
		a.mu.Unlock()
	}
	return decision(*resp.IsAuthorized, resp.Context)
}

func decision(allow bool, ctx map[string]any) (int, *AuthorizerInfo) {
	if !allow {
		return http.StatusForbidden, nil
	}
	return http.StatusOK, &AuthorizerInfo{Lambda: ctx}
}

// integrate invokes the integration's function and writes its answer.
// DOCUMENTED (payload format 2.0 response): the function returns
// {"statusCode", "headers", "cookies", "body", "isBase64Encoded"}; "If
// your Lambda function returns valid JSON and doesn't return a statusCode,
// API Gateway assumes: isBase64Encoded is false, statusCode is 200,
// content-type is application/json, body is the function's response";
// cookies become Set-Cookie headers. A function error or an unusable
// answer is 500 {"message":"Internal Server Error"}; no answer within the
// integration's timeout (at most 30 s) is 503 {"message":"Service
// Unavailable"}.
func (a *API) integrate(ctx context.Context, w http.ResponseWriter, in *template.Integration, ev *Event) {
	payload, _ := json.Marshal(ev)
	ictx, cancel := context.WithTimeout(ctx, in.Timeout)
	defer cancel()
	out, fnErr, err := a.opts.Invoker.InvokeFunction(ictx, in.Function, payload)
	switch {
	case err != nil && ictx.Err() != nil && ctx.Err() == nil:
		message(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	case err != nil, fnErr:
		message(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(out, &probe) != nil || probe["statusCode"] == nil {
		if !json.Valid(out) {
			message(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(out)
		return
	}
	var resp struct {
		StatusCode      int               `json:"statusCode"`
		Headers         map[string]string `json:"headers"`
		Cookies         []string          `json:"cookies"`
		Body            string            `json:"body"`
		IsBase64Encoded bool              `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode < 100 || resp.StatusCode > 599 {
		message(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			message(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
	}
	h := w.Header()
	for k, v := range resp.Headers {
		if a.def.Cors != nil && strings.HasPrefix(strings.ToLower(k), "access-control-") {
			continue // DOCUMENTED above: the API's CORS configuration wins
		}
		h.Set(k, v)
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, bytes.NewReader(body))
}
