package localcognito

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"

	"github.com/cognitobridge/cognitobridge/test/localcognito/srp"
)

// The extension point for the hosted UI (Options.Hosted): what a login page
// and a token endpoint need from the pool, without the JSON protocol.

// Tokens is the token set of a completed sign-in.
type Tokens struct {
	AccessToken, IDToken, RefreshToken string
	ExpiresIn                          int
}

// CheckPassword reports whether password is username's (the name it signs
// in with) and returns the internal username. It runs both halves of SRP
// in-process, so the pool keeps only verifiers; unconfirmed users fail.
func (s *Server) CheckPassword(username, password string) (string, bool) {
	s.mu.Lock()
	u := s.lookup(username)
	s.mu.Unlock()
	if u == nil || !u.confirmed {
		return "", false
	}
	v, ok := u.verifier.(srp.Verifier)
	if !ok {
		return "", false
	}
	cl, err := srp.NewClient()
	if err != nil {
		return "", false
	}
	ses, err := srp.Start(v, cl.SRPAHex())
	if err != nil {
		return "", false
	}
	sb := make([]byte, 32)
	rand.Read(sb)
	block := base64.StdEncoding.EncodeToString(sb)
	ts := srp.Timestamp(s.now())
	sig, err := cl.Sign(s.poolName(), u.username, password, ses.SaltHex(), ses.SRPB(), block, ts)
	if err != nil {
		return "", false
	}
	return u.username, ses.Check(s.poolName(), u.username, block, ts, sig)
}

// IssueTokens ends a hosted sign-in of username (internal or sign-in name)
// at clientID with the OAuth scopes it was granted: pre token generation
// runs with triggerSource TokenGeneration_HostedAuth (DOCUMENTED: pre
// token generation trigger sources) and clientMetadata nil, then the
// tokens are signed; the access token's scope is scopes.
func (s *Server) IssueTokens(ctx context.Context, clientID, username string, scopes []string) (Tokens, error) {
	c, ok := s.clients[clientID]
	if !ok {
		return Tokens{}, errors.New("localcognito: unknown client " + clientID)
	}
	s.mu.Lock()
	u := s.lookup(username)
	s.mu.Unlock()
	if u == nil {
		return Tokens{}, errors.New("localcognito: unknown user")
	}
	if scopes == nil {
		scopes = []string{}
	}
	res, e := s.issue(ctx, tokenRequest{u: u, c: c, source: "TokenGeneration_HostedAuth", authTime: s.now(), withRefresh: true, scopes: scopes})
	if e != nil {
		return Tokens{}, e
	}
	return Tokens{AccessToken: res.AccessToken, IDToken: res.IdToken, RefreshToken: res.RefreshToken, ExpiresIn: res.ExpiresIn}, nil
}
