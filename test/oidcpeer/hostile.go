package oidcpeer

import (
	"bytes"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// FaultKind is what the token endpoint does instead of answering.
type FaultKind int

const (
	// FaultNone lets zitadel answer.
	FaultNone FaultKind = iota
	// FaultHTTP500 answers 500 with a non-JSON body.
	FaultHTTP500
	// FaultHang holds the request until the client gives up, the peer is
	// stopped, or HangLimit passes.
	FaultHang
	// FaultInvalidClient answers 401 {"error":"invalid_client"} without
	// looking at the request, as a provider does after a secret rotation.
	FaultInvalidClient
	// FaultSlow holds the request for Fault.Delay (or until the client
	// gives up or the peer stops), then lets zitadel answer.
	FaultSlow
)

// HangLimit bounds FaultHang.
const HangLimit = 2 * time.Minute

// Fault is a token endpoint misbehaviour.
type Fault struct {
	Kind FaultKind
	// Times is how many token requests get the fault before the endpoint
	// behaves again; 0 means every request until the fault is changed.
	Times int
	// Delay is how long FaultSlow holds a request (at most HangLimit).
	Delay time.Duration
}

// SetTokenEndpointFault installs f for the following token requests. The
// request is counted but never reaches zitadel, so a code survives a fault.
func (p *Peer) SetTokenEndpointFault(f Fault) {
	p.mu.Lock()
	p.fault = f
	p.mu.Unlock()
}

// SetTokenMutator makes the token endpoint replace the id_token of every
// successful response with m(id_token); nil restores the genuine token.
func (p *Peer) SetTokenMutator(m func(idToken string) string) {
	p.mu.Lock()
	p.mutator = m
	p.mu.Unlock()
}

func (p *Peer) takeFault() Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.fault
	if f.Kind != FaultNone && p.fault.Times > 0 {
		p.fault.Times--
		if p.fault.Times == 0 {
			p.fault = Fault{}
		}
	}
	return f
}

func (p *Peer) count(name string) {
	p.mu.Lock()
	p.calls[name]++
	p.mu.Unlock()
}

// front is the hostile front: it counts requests per endpoint, serves the
// JWKS with the test authority key added, and applies token faults and the
// ID token mutator around zitadel's own handler.
func (p *Peer) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case PathDiscovery:
			p.count(EndpointDiscovery)
		case PathAuthorize:
			p.count(EndpointAuthorize)
		case pathLogin:
			if p.serveLogin(w, r) {
				return
			}
			if hint := p.hint(); hint != "" && r.Method == http.MethodGet {
				p.serveLoginWithHint(w, r, next, hint)
				return
			}
		case PathPostStepUp:
			if p.opts.ParentOrigin != "" {
				p.servePostStepUp(w, r)
				return
			}
		case PathJWKS:
			p.count(EndpointJWKS)
			p.serveJWKS(w, r, next)
			return
		case PathToken:
			p.count(EndpointToken)
			p.serveToken(w, r, next)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (p *Peer) serveJWKS(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		relay(w, rec, rec.Body.Bytes())
		return
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil {
		http.Error(w, "oidcpeer: bad JWKS from zitadel", http.StatusInternalServerError)
		return
	}
	set.Keys = append(set.Keys, jose.JSONWebKey{
		Key:       &p.authority.PublicKey,
		KeyID:     AuthorityKeyID,
		Algorithm: string(jose.RS256),
		Use:       "sig",
	})
	set.Keys = append(set.Keys, p.rotatedKeys()...)
	body, err := json.Marshal(set)
	if err != nil {
		http.Error(w, "oidcpeer: JWKS", http.StatusInternalServerError)
		return
	}
	relay(w, rec, body)
}

func (p *Peer) serveToken(w http.ResponseWriter, r *http.Request, next http.Handler) {
	f := p.takeFault()
	switch f.Kind {
	case FaultSlow:
		timer := time.NewTimer(min(f.Delay, HangLimit))
		defer timer.Stop()
		select {
		case <-r.Context().Done():
			return
		case <-p.stop:
			return
		case <-timer.C:
		}
	case FaultHTTP500:
		http.Error(w, "upstream failure (oidcpeer fault)", http.StatusInternalServerError)
		return
	case FaultHang:
		timer := time.NewTimer(HangLimit)
		defer timer.Stop()
		select {
		case <-r.Context().Done():
		case <-p.stop:
		case <-timer.C:
		}
		http.Error(w, "hung (oidcpeer fault)", http.StatusGatewayTimeout)
		return
	case FaultInvalidClient:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("WWW-Authenticate", `Basic realm="oidcpeer"`)
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"client authentication failed"}`))
		return
	}

	if p.serveAssertion(w, r, func(w http.ResponseWriter, r *http.Request) { p.serveTokenMutated(w, r, next) }) {
		return
	}
	p.serveTokenMutated(w, r, next)
}

// serveTokenMutated is zitadel's token endpoint with the ID token mutator.
func (p *Peer) serveTokenMutated(w http.ResponseWriter, r *http.Request, next http.Handler) {
	p.mu.Lock()
	m := p.mutator
	p.mu.Unlock()
	if m == nil {
		next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		relay(w, rec, rec.Body.Bytes())
		return
	}
	var resp map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&resp); err != nil {
		http.Error(w, "oidcpeer: bad token response from zitadel", http.StatusInternalServerError)
		return
	}
	var idToken string
	if raw, ok := resp["id_token"]; ok {
		if err := json.Unmarshal(raw, &idToken); err != nil {
			http.Error(w, "oidcpeer: bad id_token", http.StatusInternalServerError)
			return
		}
	}
	mutated, err := json.Marshal(m(idToken))
	if err != nil {
		http.Error(w, "oidcpeer: id_token", http.StatusInternalServerError)
		return
	}
	resp["id_token"] = mutated
	body, err := json.Marshal(resp)
	if err != nil {
		http.Error(w, "oidcpeer: token response", http.StatusInternalServerError)
		return
	}
	relay(w, rec, body)
}

// relay writes a recorded response with a replaced body.
func relay(w http.ResponseWriter, rec *httptest.ResponseRecorder, body []byte) {
	for k, v := range rec.Header() {
		if k == "Content-Length" {
			continue
		}
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// serveLoginWithHint serves the login page with hint, escaped, as the first
// thing in its body.
func (p *Peer) serveLoginWithHint(w http.ResponseWriter, r *http.Request, next http.Handler, hint string) {
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK && strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		hint := `<p id="oidcpeer-hint" style="background:#fff7d6;padding:.5em;border:1px solid #e0c060">` + html.EscapeString(hint) + `</p>`
		if i := reBodyOpen.FindIndex(body); i != nil {
			body = slices.Concat(body[:i[1]], []byte(hint), body[i[1]:])
		}
	}
	relay(w, rec, body)
}

// reBodyOpen finds the opening body tag of an HTML page.
var reBodyOpen = regexp.MustCompile(`(?i)<body[^>]*>`)
