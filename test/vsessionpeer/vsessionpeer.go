// Package vsessionpeer is a loopback peer of a BlockID tenant's step-up
// session API (LiveID face match with liveness), for tests of package
// vsession and of the verification-session step-up.
//
// It is written from the same shape as vsession.BlockID, so it cannot prove
// that shape right; it proves the handlers' decisions against it. Public
// (1Kosmos' Amazon Cognito integration page): POST /v1/auth/stepup with
// "Authorization: Bearer <API key>" and {"user_id", "reason_code",
// "timeout_seconds"} answering {"challenge_id", "challenge_url"}. ASSUMED
// (see vsession/blockid.go): GET /v1/auth/stepup/{id} answering
// {"challenge_id", "status", "user_id", "match_result", "liveness_verified",
// "completed_at", "expires_at"}; 404 for an unknown session or user; 401 for
// a wrong key.
//
// The person's side is the session URL (a page token, not the session id:
// whether a real provider's URL holds the id is not known, and nothing
// here relies on the id being secret): GET shows the session, POST
// {URL}/complete with the form fields face (whose face is shown) and live
// ("true" for a live person) completes it, matching when face equals the
// session's user. Person does that as a browser would. Tests can also set a
// session's state directly (Complete, Expire, Fail) and inject faults per
// endpoint (SetFault): a status, a raw body, an oversized body, a hang, or
// a result rewritten (another session's id, another user, a member
// changed).
package vsessionpeer

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Endpoints, as counted by Calls and targeted by SetFault.
const (
	EndpointStart   = "start"
	EndpointResult  = "result"
	EndpointSession = "session"
)

// DefaultAPIKey is the key the peer accepts unless Options say otherwise.
const DefaultAPIKey = "peer-api-key-never-logged"

// Options configure a peer.
type Options struct {
	// APIKey is the bearer key accepted. Default: DefaultAPIKey.
	APIKey string
	// Users are the subjects (BlockID user ids) the tenant knows; a start
	// for any other answers 404. Default: every subject is known.
	Users []string
	// Now is the peer's clock. Default: time.Now.
	Now func() time.Time
}

// Fault changes how an endpoint answers until cleared (SetFault with a
// zero Fault).
type Fault struct {
	// Status, when non-zero, is answered instead (with Body, if any).
	Status int
	// Body, when non-empty, is sent as the 200 answer's body verbatim.
	Body string
	// Oversize pads the normal answer with this many bytes of white space
	// inside the object.
	Oversize int
	// Hang answers nothing until the request's context ends or the peer
	// closes.
	Hang bool
	// Rewrite changes the result object before it is sent (e.g. another
	// challenge_id or user_id).
	Rewrite func(map[string]any)
}

// Started is one session as the peer received its start request.
type Started struct {
	ID, URL, Subject, Reason string
	TimeoutSeconds           int64
}

type session struct {
	Started
	token             string // the session page's path element
	status            string
	match, liveness   bool
	createdAt, doneAt time.Time
}

// Peer is a running step-up session API.
type Peer struct {
	srv     *httptest.Server
	now     func() time.Time
	closing chan struct{}

	mu       sync.Mutex
	apiKey   string
	users    map[string]bool
	sessions map[string]*session
	order    []string
	faults   map[string]Fault
	calls    map[string]int
}

// Start runs a peer on 127.0.0.1 until the test ends.
func Start(tb testing.TB, o Options) *Peer {
	tb.Helper()
	p := &Peer{
		now:      o.Now,
		closing:  make(chan struct{}),
		apiKey:   o.APIKey,
		sessions: map[string]*session{},
		faults:   map[string]Fault{},
		calls:    map[string]int{},
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.apiKey == "" {
		p.apiKey = DefaultAPIKey
	}
	if o.Users != nil {
		p.users = map[string]bool{}
		for _, u := range o.Users {
			p.users[u] = true
		}
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	tb.Cleanup(func() {
		close(p.closing)
		p.srv.Close()
	})
	return p
}

// URL is the API base URL (http://127.0.0.1:port).
func (p *Peer) URL() string { return p.srv.URL }

// APIKey is the key the peer accepts now.
func (p *Peer) APIKey() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.apiKey
}

// RotateAPIKey makes the peer accept only key from now on.
func (p *Peer) RotateAPIKey(key string) {
	p.mu.Lock()
	p.apiKey = key
	p.mu.Unlock()
}

// SetFault sets (or, with a zero Fault, clears) the fault of an endpoint.
func (p *Peer) SetFault(endpoint string, f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if f.Status == 0 && f.Body == "" && f.Oversize == 0 && !f.Hang && f.Rewrite == nil {
		delete(p.faults, endpoint)
		return
	}
	p.faults[endpoint] = f
}

// Calls returns how many requests an endpoint received.
func (p *Peer) Calls(endpoint string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[endpoint]
}

// Sessions returns every started session, oldest first.
func (p *Peer) Sessions() []Started {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Started, 0, len(p.order))
	for _, id := range p.order {
		out = append(out, p.sessions[id].Started)
	}
	return out
}

// Complete finishes a session as the person did: match and liveness are
// the verdicts, at the peer's clock.
func (p *Peer) Complete(id string, match, liveness bool) {
	p.set(id, func(s *session) {
		s.status, s.match, s.liveness, s.doneAt = "completed", match, liveness, p.now()
	})
}

// Expire marks a session expired.
func (p *Peer) Expire(id string) { p.set(id, func(s *session) { s.status = "expired" }) }

// Fail marks a session failed (declined or aborted).
func (p *Peer) Fail(id string) { p.set(id, func(s *session) { s.status = "failed" }) }

func (p *Peer) set(id string, f func(*session)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.sessions[id]; ok {
		f(s)
	}
}

// Person opens sessionURL as a browser and completes the session showing
// face (a subject's face; it matches when it is the session's user) and
// live (a live person rather than a replay).
func (p *Peer) Person(ctx context.Context, sessionURL, face string, live bool) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, sessionURL, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("session page: HTTP %d", resp.StatusCode)
	}
	form := url.Values{"face": {face}, "live": {fmt.Sprint(live)}}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(sessionURL, "/")+"/complete", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("session complete: HTTP %d", resp.StatusCode)
	}
	return nil
}

// randomID is 24 characters of base64url that start with a letter or a
// digit, as a session id must.
func randomID() string {
	b := make([]byte, 18)
	for {
		_, _ = rand.Read(b)
		if s := base64.RawURLEncoding.EncodeToString(b); s[0] != '-' && s[0] != '_' {
			return s
		}
	}
}

func (p *Peer) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/v1/auth/stepup":
		p.start(w, r)
	case strings.HasPrefix(r.URL.Path, "/v1/auth/stepup/"):
		p.result(w, r, strings.TrimPrefix(r.URL.Path, "/v1/auth/stepup/"))
	case strings.HasPrefix(r.URL.Path, "/session/"):
		p.page(w, r, strings.TrimPrefix(r.URL.Path, "/session/"))
	default:
		http.NotFound(w, r)
	}
}

// fault counts the call and applies the endpoint's fault; it reports
// whether the request was answered.
func (p *Peer) fault(w http.ResponseWriter, r *http.Request, endpoint string) (Fault, bool) {
	p.mu.Lock()
	p.calls[endpoint]++
	f := p.faults[endpoint]
	p.mu.Unlock()
	if f.Hang {
		select {
		case <-r.Context().Done():
		case <-p.closing:
		}
		return f, true
	}
	if f.Status != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Status)
		_, _ = io.WriteString(w, f.Body)
		return f, true
	}
	if f.Body != "" {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, f.Body)
		return f, true
	}
	return f, false
}

func (p *Peer) authorized(r *http.Request) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return r.Header.Get("Authorization") == "Bearer "+p.apiKey
}

type startRequest struct {
	UserID         string `json:"user_id"`
	ReasonCode     string `json:"reason_code"`
	TimeoutSeconds int64  `json:"timeout_seconds"`
}

func (p *Peer) start(w http.ResponseWriter, r *http.Request) {
	f, done := p.fault(w, r, EndpointStart)
	if done {
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, `{"error":"method"}`, http.StatusMethodNotAllowed)
		return
	}
	if !p.authorized(r) {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	if r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, `{"error":"content type"}`, http.StatusUnsupportedMediaType)
		return
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 4096))
	dec.DisallowUnknownFields()
	var req startRequest
	if err := dec.Decode(&req); err != nil || req.UserID == "" || req.ReasonCode == "" || req.TimeoutSeconds < 1 || req.TimeoutSeconds > 3600 {
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	if p.users != nil && !p.users[req.UserID] {
		p.mu.Unlock()
		http.Error(w, `{"error":"unknown user"}`, http.StatusNotFound)
		return
	}
	id, token := randomID(), randomID()
	s := &session{Started: Started{
		ID: id, URL: p.srv.URL + "/session/" + token, Subject: req.UserID,
		Reason: req.ReasonCode, TimeoutSeconds: req.TimeoutSeconds,
	}, token: token, status: "pending", createdAt: p.now()}
	p.sessions[id] = s
	p.order = append(p.order, id)
	p.mu.Unlock()
	p.writeJSON(w, http.StatusOK, map[string]any{"challenge_id": id, "challenge_url": s.URL}, f)
}

func (p *Peer) result(w http.ResponseWriter, r *http.Request, id string) {
	f, done := p.fault(w, r, EndpointResult)
	if done {
		return
	}
	if r.Method != http.MethodGet {
		http.Error(w, `{"error":"method"}`, http.StatusMethodNotAllowed)
		return
	}
	if !p.authorized(r) {
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	}
	p.mu.Lock()
	s, ok := p.sessions[id]
	var out map[string]any
	if ok {
		out = p.view(s)
	}
	p.mu.Unlock()
	if !ok {
		http.Error(w, `{"error":"unknown session"}`, http.StatusNotFound)
		return
	}
	if f.Rewrite != nil {
		f.Rewrite(out)
	}
	p.writeJSON(w, http.StatusOK, out, f)
}

// view is the result object of s; p.mu is held.
func (p *Peer) view(s *session) map[string]any {
	expires := s.createdAt.Add(time.Duration(s.TimeoutSeconds) * time.Second)
	status := s.status
	if status == "pending" && p.now().After(expires) {
		status = "expired"
	}
	out := map[string]any{
		"challenge_id": s.ID,
		"status":       status,
		"user_id":      s.Subject,
		"expires_at":   expires.UTC().Format(time.RFC3339),
	}
	if status == "completed" {
		out["match_result"] = s.match
		out["liveness_verified"] = s.liveness
		out["completed_at"] = s.doneAt.UTC().Format(time.RFC3339Nano)
	}
	return out
}

func (p *Peer) page(w http.ResponseWriter, r *http.Request, rest string) {
	if _, done := p.fault(w, r, EndpointSession); done {
		return
	}
	token, action, _ := strings.Cut(rest, "/")
	p.mu.Lock()
	var s *session
	for _, c := range p.sessions {
		if c.token == token {
			s = c
		}
	}
	ok := s != nil
	p.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch {
	case action == "" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><title>LiveID step-up</title><p>Look at the camera.</p>")
	case action == "complete" && r.Method == http.MethodPost:
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		if s.status != "pending" || p.now().After(s.createdAt.Add(time.Duration(s.TimeoutSeconds)*time.Second)) {
			http.Error(w, "session closed", http.StatusConflict)
			return
		}
		s.status, s.doneAt = "completed", p.now()
		s.match = r.PostForm.Get("face") == s.Subject
		s.liveness = r.PostForm.Get("live") == "true"
		_, _ = io.WriteString(w, "done")
	default:
		http.Error(w, "not here", http.StatusMethodNotAllowed)
	}
}

func (p *Peer) writeJSON(w http.ResponseWriter, status int, v map[string]any, f Fault) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if f.Oversize > 0 && len(b) > 1 {
		padded := append([]byte{'{'}, strings.Repeat(" ", f.Oversize)...)
		b = append(padded, b[1:]...)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// ErrNoSession is returned by Last when no session was started.
var ErrNoSession = errors.New("vsessionpeer: no session started")

// Last returns the most recently started session.
func (p *Peer) Last() (Started, error) {
	s := p.Sessions()
	if len(s) == 0 {
		return Started{}, ErrNoSession
	}
	return s[len(s)-1], nil
}
