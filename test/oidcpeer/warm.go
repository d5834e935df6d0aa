package oidcpeer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// pathLogin is exampleop's login page, where zitadel sends the user agent
// after storing an auth request (?authRequestID=...).
const pathLogin = "/login/username"

// ErrLoginRequired is returned by SilentAuthorize when the provider wants an
// interaction: it showed its login page, or answered error=login_required or
// interaction_required.
var ErrLoginRequired = errors.New("oidcpeer: login required")

// warmSession is the provider-side SSO session of one user.
type warmSession struct {
	sub         string
	since       time.Time // start when the user never signed in at the peer, or when fixed
	fixed       bool      // since is the start whatever the user's last login
	honorPrompt bool
}

// warmGrant is the decision to answer one auth request silently.
type warmGrant struct {
	sub      string
	authTime time.Time
}

// SetWarmSession emulates a provider SSO session of username: from now on,
// until ClearWarmSession, an authorization request completes without the
// login page and without a password. The code is for username and its ID
// token's auth_time is the session's start: the time of the user's last real
// (password) login at the peer, or, if the user never signed in here, the
// time of this call.
//
// With honorPrompt, the peer behaves as a compliant provider: a request with
// prompt=login, max_age=0 or a max_age shorter than the session's age goes
// through the normal login page. Without it the peer ignores prompt and
// max_age and answers silently anyway (a non-compliant provider).
func (p *Peer) SetWarmSession(username string, honorPrompt bool) {
	p.setWarm(username, time.Now(), false, honorPrompt)
}

// SetWarmSessionSince is SetWarmSession with a session that started at
// since, whatever the user's last login here (a session opened earlier at
// the provider's own portal, say): the silent answers' auth_time is since.
func (p *Peer) SetWarmSessionSince(username string, since time.Time, honorPrompt bool) {
	p.setWarm(username, since, true, honorPrompt)
}

func (p *Peer) setWarm(username string, since time.Time, fixed, honorPrompt bool) {
	sub, ok := p.store.users.subOf(username)
	if !ok {
		p.t.Errorf("oidcpeer: SetWarmSession: no user %q", username)
		return
	}
	s := p.store
	s.warmMu.Lock()
	s.warm = &warmSession{sub: sub, since: since, fixed: fixed, honorPrompt: honorPrompt}
	s.warmMu.Unlock()
}

// ClearWarmSession ends the warm session: every authorization request needs
// the login page again. Requests already answered silently keep their code.
func (p *Peer) ClearWarmSession() {
	s := p.store
	s.warmMu.Lock()
	s.warm = nil
	clear(s.grants)
	s.warmMu.Unlock()
}

// LastLogin is the time of username's last successful password login at the
// peer (the auth_time of the ID tokens of that sign-in).
func (p *Peer) LastLogin(username string) (time.Time, bool) {
	sub, ok := p.store.users.subOf(username)
	if !ok {
		return time.Time{}, false
	}
	return p.store.users.lastLoginOf(sub)
}

// warmAnswer decides whether the warm session answers req without the login
// page, and with which auth_time.
func (s *peerStorage) warmAnswer(req *oidc.AuthRequest, now time.Time) (warmGrant, bool) {
	s.warmMu.Lock()
	w := s.warm
	s.warmMu.Unlock()
	if w == nil {
		return warmGrant{}, false
	}
	start, ok := s.users.lastLoginOf(w.sub)
	if !ok || w.fixed {
		start = w.since
	}
	if w.honorPrompt {
		if slices.Contains(req.Prompt, oidc.PromptLogin) {
			return warmGrant{}, false
		}
		// zitadel already turned prompt=login into max_age=0.
		if req.MaxAge != nil {
			maxAge := time.Duration(*req.MaxAge) * time.Second
			if maxAge == 0 || now.Sub(start) > maxAge {
				return warmGrant{}, false
			}
		}
	}
	return warmGrant{sub: w.sub, authTime: start}, true
}

// completeSilently completes the auth request id if the warm session was
// granted it: the request is marked done for the session's user, and its ID
// token will carry the session's auth_time. It reports whether it did.
func (s *peerStorage) completeSilently(id string) bool {
	s.warmMu.Lock()
	g, ok := s.grants[id]
	delete(s.grants, id)
	s.warmMu.Unlock()
	if !ok {
		return false
	}
	u := s.users.GetUserByID(g.sub)
	if u == nil {
		return false
	}
	// The example has no other exported way to finish a request (done and
	// authTime are unexported); this check does not count as a login.
	if err := s.Storage.CheckUsernamePassword(u.Username, u.Password, id); err != nil {
		return false
	}
	s.warmMu.Lock()
	s.silent[id] = g.authTime
	s.warmMu.Unlock()
	return true
}

// silentAuthTime is the auth_time of a silently answered request, or zero.
func (s *peerStorage) silentAuthTime(id string) time.Time {
	s.warmMu.Lock()
	defer s.warmMu.Unlock()
	return s.silent[id]
}

// DeleteAuthRequest also forgets the warm-session state of the request.
func (s *peerStorage) DeleteAuthRequest(ctx context.Context, id string) error {
	s.warmMu.Lock()
	delete(s.grants, id)
	delete(s.silent, id)
	s.warmMu.Unlock()
	return s.Storage.DeleteAuthRequest(ctx, id)
}

// serveLogin answers the login page's GET for a request the warm session
// answers: straight to zitadel's authorize callback, no form.
func (p *Peer) serveLogin(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	id := r.URL.Query().Get("authRequestID")
	if id == "" || !p.store.completeSilently(id) {
		return false
	}
	p.count(EndpointSilent)
	http.Redirect(w, r, p.issuer+PathAuthorize+"/callback?id="+url.QueryEscape(id), http.StatusFound)
	return true
}

// SilentAuthorize is what a script on the relying party's page can do: it
// follows authorizeURL and the provider's redirects without submitting any
// form. It returns the code and state if the provider answered without
// interaction, ErrLoginRequired (wrapped) if the provider showed its login
// page or answered login_required/interaction_required, or another error.
func (p *Peer) SilentAuthorize(ctx context.Context, authorizeURL string) (code, state string, err error) {
	_, resp, err := p.authorize(ctx, authorizeURL)
	if err != nil {
		return "", "", err
	}
	if loc, ok := leaving(resp); ok {
		switch e := loc.Query().Get("error"); e {
		case "login_required", "interaction_required":
			return "", "", fmt.Errorf("%w: provider answered error=%s", ErrLoginRequired, e)
		}
		return codeFrom(loc)
	}
	page, err := readPage(resp)
	if err != nil {
		return "", "", err
	}
	if resp.Request.URL.Path == pathLogin || reForm.MatchString(page) {
		return "", "", fmt.Errorf("%w: provider showed its login page (%s)", ErrLoginRequired, resp.Request.URL.Path)
	}
	return "", "", fmt.Errorf("oidcpeer: authorize did not redirect to the client (status %d at %s)", resp.StatusCode, resp.Request.URL.Path)
}
