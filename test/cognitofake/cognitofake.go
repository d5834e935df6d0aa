// Package cognitofake is a loopback HTTP server that speaks the Cognito
// user pools JSON protocol (POST /, X-Amz-Target
// "AWSCognitoIdentityProviderService.<Operation>", Content-Type
// application/x-amz-json-1.1, errors as HTTP 400 with
// {"__type": ..., "message": ...}) in front of a moto_server.
//
// It was written from the AWS API reference (AdminLinkProviderForUser,
// ProviderUserIdentifierType, ListUsers), not from Cognito's behaviour,
// because moto 5.2.1 does not implement AdminLinkProviderForUser:
//
//   - AdminLinkProviderForUser is answered here: the request shape is
//     checked as the reference documents it (UserPoolId 1..55 characters of
//     [\w-]+_[0-9a-zA-Z]+; DestinationUser and SourceUser required;
//     ProviderName 1..32 characters of [\p{L}\p{M}\p{S}\p{N}\p{P}\p{Z}]+;
//     attribute name and value at most 131072; SourceUser must be a
//     federated user, not "Cognito", with a ProviderAttributeName), a
//     "Cognito" destination must exist (AdminGetUser on moto), and the link
//     is recorded (Links). Refusing a SourceUser that is already linked
//     (InvalidParameterException) is this fake's choice; the real error is
//     not documented. So is refusing a SourceUser whose federated user
//     "<ProviderName>_<value>" already exists in the pool (the reference
//     describes SourceUser as "an external IdP account for a user who
//     doesn't exist yet in the user pool") and a destination that already
//     has five identities (LimitExceededException; "The maximum number of
//     federated identities linked to a user is five"). A native
//     destination's "identities" attribute is written on moto (JSON array
//     of {"userId","providerName","providerType":"OIDC","issuer":null,
//     "primary":false,"dateCreated"}, the shape of the AdminGetUser
//     sample), so AdminGetUser and ListUsers show the link as Cognito
//     would.
//   - AdminDisableProviderForUser is answered here for a federated
//     identity (ProviderName not "Cognito"): the link is dropped and the
//     destination's "identities" entry removed. An identity that is not
//     linked is a no-op success (the real answer is not documented); a
//     "Cognito" user (disabling a native user) is refused, as this fake
//     does not emulate it.
//   - ListUsers is forwarded, but its Filter is first parsed with the
//     documented grammar (AttributeName, "=" or "^=", a double-quoted value
//     in which quotation marks are backslash-escaped; a backslash escapes
//     a backslash too) and a malformed one is refused with
//     InvalidParameterException. moto does not unescape: its parser takes
//     everything between the first and the last quotation mark literally,
//     so the fake hands moto the unescaped value.
//   - Every other operation is forwarded unchanged (httputil.ReverseProxy).
//
// FailNext makes the next call of an operation fail with a given error
// type (e.g. LimitExceededException, TooManyRequestsException).
package cognitofake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// TargetPrefix is the X-Amz-Target prefix of the Cognito user pools API.
const TargetPrefix = "AWSCognitoIdentityProviderService."

// ContentType is the AWS JSON 1.1 protocol content type.
const ContentType = "application/x-amz-json-1.1"

const maxBody = 1 << 20

// Identifier is a ProviderUserIdentifierType.
type Identifier struct {
	ProviderName           string `json:"ProviderName,omitempty"`
	ProviderAttributeName  string `json:"ProviderAttributeName,omitempty"`
	ProviderAttributeValue string `json:"ProviderAttributeValue,omitempty"`
}

// Link is one accepted AdminLinkProviderForUser request.
type Link struct {
	UserPoolID  string
	Destination Identifier
	Source      Identifier
}

type failure struct{ errType, msg string }

// Fake is a running server.
type Fake struct {
	srv   *httptest.Server
	moto  *url.URL
	proxy *httputil.ReverseProxy

	// linkMu serializes the link operations (moto read-modify-write).
	linkMu sync.Mutex

	mu      sync.Mutex
	links   []Link
	fail    map[string][]failure
	filters []string
	calls   map[string]int
}

// Start serves on 127.0.0.1 in front of motoEndpoint
// ("http://127.0.0.1:PORT"); the server is closed when the test ends.
func Start(t testing.TB, motoEndpoint string) *Fake {
	t.Helper()
	u, err := url.Parse(motoEndpoint)
	if err != nil || u.Scheme == "" || u.Host == "" {
		t.Fatalf("cognitofake: bad moto endpoint %q", motoEndpoint)
	}
	f := &Fake{moto: u, proxy: httputil.NewSingleHostReverseProxy(u), fail: map[string][]failure{}, calls: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// Endpoint is the base URL for a client's BaseEndpoint.
func (f *Fake) Endpoint() string { return f.srv.URL }

// Links returns the recorded links, oldest first.
func (f *Fake) Links() []Link {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Link(nil), f.links...)
}

// Filters returns the ListUsers filters as received, oldest first.
func (f *Fake) Filters() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.filters...)
}

// Calls counts the calls of op received (failed ones included).
func (f *Fake) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// FailNext makes the next call of op (e.g. "AdminLinkProviderForUser" or
// "ListUsers") fail with HTTP 400 {"__type": errType, "message": msg}.
// Calls queue: two FailNext fail the next two calls.
func (f *Fake) FailNext(op, errType, msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[op] = append(f.fail[op], failure{errType, msg})
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	if r.Method != http.MethodPost || !strings.HasPrefix(target, TargetPrefix) {
		f.proxy.ServeHTTP(w, r)
		return
	}
	op := strings.TrimPrefix(target, TargetPrefix)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		writeError(w, "InvalidParameterException", "request body unreadable or too large")
		return
	}
	f.mu.Lock()
	f.calls[op]++
	var fl *failure
	if q := f.fail[op]; len(q) > 0 {
		fl, f.fail[op] = &q[0], q[1:]
	}
	f.mu.Unlock()
	if fl != nil {
		writeError(w, fl.errType, fl.msg)
		return
	}
	switch op {
	case "AdminLinkProviderForUser":
		f.linkMu.Lock()
		defer f.linkMu.Unlock()
		f.adminLink(w, r, body)
		return
	case "AdminDisableProviderForUser":
		f.linkMu.Lock()
		defer f.linkMu.Unlock()
		f.adminDisable(w, r, body)
		return
	case "ListUsers":
		var err error
		if body, err = f.listUsersBody(body); err != nil {
			writeError(w, "InvalidParameterException", err.Error())
			return
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	f.proxy.ServeHTTP(w, r)
}

// filterGrammar is the documented filter form; the value is checked and
// unescaped by unescapeFilterValue.
var filterGrammar = regexp.MustCompile(`^\s*([\w:]+)\s*(=|\^=)\s*"(.*)"\s*$`)

// ParseFilter splits a ListUsers filter into attribute, operator and
// unescaped value, or fails as Cognito's documented grammar would.
func ParseFilter(filter string) (attr, op, value string, err error) {
	m := filterGrammar.FindStringSubmatch(filter)
	if m == nil {
		return "", "", "", errors.New("error while parsing filter")
	}
	v, err := unescapeFilterValue(m[3])
	if err != nil {
		return "", "", "", err
	}
	return m[1], m[2], v, nil
}

func unescapeFilterValue(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) || (s[i+1] != '"' && s[i+1] != '\\') {
				return "", errors.New("error while parsing filter: dangling backslash")
			}
			i++
			b.WriteByte(s[i])
		case '"':
			return "", errors.New("error while parsing filter: unescaped quotation mark")
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func (f *Fake) listUsersBody(body []byte) ([]byte, error) {
	var req map[string]json.RawMessage
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, errors.New("request is not a JSON object")
	}
	raw, ok := req["Filter"]
	if !ok {
		return body, nil
	}
	var filter string
	if err := json.Unmarshal(raw, &filter); err != nil {
		return nil, errors.New("the Filter field is not a string")
	}
	f.mu.Lock()
	f.filters = append(f.filters, filter)
	f.mu.Unlock()
	if filter == "" {
		return body, nil
	}
	attr, op, value, err := ParseFilter(filter)
	if err != nil {
		return nil, err
	}
	// moto's form: everything between the first and last quotation mark.
	req["Filter"], _ = json.Marshal(attr + " " + op + ` "` + value + `"`)
	return json.Marshal(req)
}

var (
	poolIDPattern       = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
	providerNamePattern = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}\p{Z}]+$`)
)

type linkRequest struct {
	UserPoolID      *string     `json:"UserPoolId"`
	DestinationUser *Identifier `json:"DestinationUser"`
	SourceUser      *Identifier `json:"SourceUser"`
}

func checkIdentifier(field string, id *Identifier) error {
	if id == nil {
		return fmt.Errorf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)
	}
	if n := utf8.RuneCountInString(id.ProviderName); n < 1 || n > 32 || !providerNamePattern.MatchString(id.ProviderName) {
		return fmt.Errorf("1 validation error detected: Value at '%s.providerName' failed to satisfy constraint: length 1..32, pattern [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\p{Z}]+", field)
	}
	if len(id.ProviderAttributeName) > 131072 || len(id.ProviderAttributeValue) > 131072 {
		return fmt.Errorf("1 validation error detected: '%s' attribute longer than 131072", field)
	}
	if id.ProviderAttributeValue == "" {
		return fmt.Errorf("%s.ProviderAttributeValue is required", field)
	}
	return nil
}

func (f *Fake) adminLink(w http.ResponseWriter, r *http.Request, body []byte) {
	if ct := r.Header.Get("Content-Type"); ct != ContentType {
		writeError(w, "InvalidParameterException", "unexpected Content-Type "+strconv.Quote(ct))
		return
	}
	var req linkRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, "SerializationException", "request is not an AdminLinkProviderForUser request")
		return
	}
	pool := ""
	if req.UserPoolID != nil {
		pool = *req.UserPoolID
	}
	if n := utf8.RuneCountInString(pool); n < 1 || n > 55 || !poolIDPattern.MatchString(pool) {
		writeError(w, "InvalidParameterException", "1 validation error detected: Value at 'userPoolId' failed to satisfy constraint: length 1..55, pattern [\\w-]+_[0-9a-zA-Z]+")
		return
	}
	for _, c := range []struct {
		field string
		id    *Identifier
	}{{"destinationUser", req.DestinationUser}, {"sourceUser", req.SourceUser}} {
		if err := checkIdentifier(c.field, c.id); err != nil {
			writeError(w, "InvalidParameterException", err.Error())
			return
		}
	}
	src, dst := *req.SourceUser, *req.DestinationUser
	if src.ProviderName == "Cognito" {
		writeError(w, "InvalidParameterException", "SourceUser must be a federated user, not a Cognito user")
		return
	}
	if src.ProviderAttributeName == "" {
		writeError(w, "InvalidParameterException", "SourceUser.ProviderAttributeName is required")
		return
	}
	var dstUser *motoUser
	if dst.ProviderName == "Cognito" {
		u, status, errBody, err := f.motoGetUser(r, pool, dst.ProviderAttributeValue)
		if err != nil {
			writeError(w, "InternalErrorException", "fake could not ask moto: "+err.Error())
			return
		} else if status != http.StatusOK {
			w.Header().Set("Content-Type", ContentType)
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write(errBody)
			return
		}
		dstUser = u
	}
	f.mu.Lock()
	for _, l := range f.links {
		if l.UserPoolID == pool && l.Source.ProviderName == src.ProviderName && l.Source.ProviderAttributeValue == src.ProviderAttributeValue {
			f.mu.Unlock()
			writeError(w, "InvalidParameterException", "SourceUser is already linked (cognitofake's choice of error)")
			return
		}
	}
	f.mu.Unlock()
	if _, status, _, err := f.motoGetUser(r, pool, src.ProviderName+"_"+src.ProviderAttributeValue); err != nil {
		writeError(w, "InternalErrorException", "fake could not ask moto: "+err.Error())
		return
	} else if status == http.StatusOK {
		writeError(w, "InvalidParameterException", "SourceUser already exists in the user pool as a user (cognitofake's choice of error)")
		return
	}
	if dstUser != nil {
		ids, err := dstUser.identities()
		if err != nil {
			writeError(w, "InternalErrorException", "destination identities attribute is not a JSON array")
			return
		}
		if len(ids) >= maxIdentities {
			writeError(w, "LimitExceededException", "the destination already has five linked identities (cognitofake's choice of error)")
			return
		}
		ids = append(ids, map[string]any{"userId": src.ProviderAttributeValue, "providerName": src.ProviderName,
			"providerType": "OIDC", "issuer": nil, "primary": false, "dateCreated": time.Now().UnixMilli()})
		if err := f.motoSetIdentities(r, pool, dst.ProviderAttributeValue, ids); err != nil {
			writeError(w, "InternalErrorException", "fake could not write identities on moto: "+err.Error())
			return
		}
	}
	f.mu.Lock()
	f.links = append(f.links, Link{UserPoolID: pool, Destination: dst, Source: src})
	f.mu.Unlock()
	w.Header().Set("Content-Type", ContentType)
	_, _ = w.Write([]byte("{}"))
}

// maxIdentities is the documented limit of identities linked to one user.
const maxIdentities = 5

type disableRequest struct {
	UserPoolID *string     `json:"UserPoolId"`
	User       *Identifier `json:"User"`
}

func (f *Fake) adminDisable(w http.ResponseWriter, r *http.Request, body []byte) {
	var req disableRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, "SerializationException", "request is not an AdminDisableProviderForUser request")
		return
	}
	pool := ""
	if req.UserPoolID != nil {
		pool = *req.UserPoolID
	}
	if !poolIDPattern.MatchString(pool) {
		writeError(w, "InvalidParameterException", "1 validation error detected: Value at 'userPoolId' failed to satisfy constraint")
		return
	}
	if err := checkIdentifier("user", req.User); err != nil {
		writeError(w, "InvalidParameterException", err.Error())
		return
	}
	id := *req.User
	if id.ProviderName == "Cognito" {
		writeError(w, "InvalidParameterException", "cognitofake does not emulate disabling a native user")
		return
	}
	f.mu.Lock()
	var found *Link
	kept := f.links[:0:0]
	for _, l := range f.links {
		if found == nil && l.UserPoolID == pool && l.Source.ProviderName == id.ProviderName && l.Source.ProviderAttributeValue == id.ProviderAttributeValue {
			l := l
			found = &l
			continue
		}
		kept = append(kept, l)
	}
	f.links = kept
	f.mu.Unlock()
	if found != nil && found.Destination.ProviderName == "Cognito" {
		u, status, _, err := f.motoGetUser(r, pool, found.Destination.ProviderAttributeValue)
		if err == nil && status == http.StatusOK {
			ids, _ := u.identities()
			out := ids[:0]
			for _, x := range ids {
				if x["providerName"] == id.ProviderName && x["userId"] == id.ProviderAttributeValue {
					continue
				}
				out = append(out, x)
			}
			if err := f.motoSetIdentities(r, pool, found.Destination.ProviderAttributeValue, out); err != nil {
				writeError(w, "InternalErrorException", "fake could not write identities on moto: "+err.Error())
				return
			}
		}
	}
	w.Header().Set("Content-Type", ContentType)
	_, _ = w.Write([]byte("{}"))
}

// motoUser is the part of moto's AdminGetUser answer the fake reads.
type motoUser struct {
	UserAttributes []struct {
		Name  string `json:"Name"`
		Value string `json:"Value"`
	} `json:"UserAttributes"`
}

func (u *motoUser) identities() ([]map[string]any, error) {
	for _, a := range u.UserAttributes {
		if a.Name == "identities" && a.Value != "" {
			var ids []map[string]any
			if err := json.Unmarshal([]byte(a.Value), &ids); err != nil {
				return nil, err
			}
			return ids, nil
		}
	}
	return nil, nil
}

// motoGetUser asks moto for a user: its answer when found, else the
// status and error body. The client's Authorization header is passed on:
// moto takes the region from it.
func (f *Fake) motoGetUser(r *http.Request, pool, username string) (*motoUser, int, []byte, error) {
	status, out, err := f.motoCall(r, "AdminGetUser", map[string]any{"UserPoolId": pool, "Username": username})
	if err != nil || status != http.StatusOK {
		return nil, status, out, err
	}
	var u motoUser
	if err := json.Unmarshal(out, &u); err != nil {
		return nil, status, out, err
	}
	return &u, status, out, nil
}

// motoSetIdentities writes the "identities" attribute of a user on moto.
func (f *Fake) motoSetIdentities(r *http.Request, pool, username string, ids []map[string]any) error {
	raw, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	status, out, err := f.motoCall(r, "AdminUpdateUserAttributes", map[string]any{"UserPoolId": pool, "Username": username,
		"UserAttributes": []map[string]string{{"Name": "identities", "Value": string(raw)}}})
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("moto answered %d: %s", status, out)
	}
	return nil
}

func (f *Fake) motoCall(r *http.Request, op string, in any) (int, []byte, error) {
	body, _ := json.Marshal(in)
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, f.moto.String()+"/", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("X-Amz-Target", TargetPrefix+op)
	if a := r.Header.Get("Authorization"); a != "" {
		req.Header.Set("Authorization", a)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return resp.StatusCode, out, err
}

func writeError(w http.ResponseWriter, errType, msg string) {
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("X-Amzn-ErrorType", errType)
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": errType, "message": msg})
}
