package localcognito

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// More of the hosted-UI extension point (see hosted.go): what a hosted
// sign-in with a federated identity provider, the token endpoint's refresh
// grant and the userInfo endpoint need from the pool.

// AppClient returns the configuration of app client id.
func (s *Server) AppClient(id string) (Client, bool) {
	c, ok := s.clients[id]
	if !ok {
		return Client{}, false
	}
	return *c, true
}

// IdentityProviderConfig returns the pool's identity provider name.
func (s *Server) IdentityProviderConfig(name string) (IdentityProvider, bool) {
	for _, p := range s.cfg.IdentityProviders {
		if p.Name == name {
			return p, true
		}
	}
	return IdentityProvider{}, false
}

// PoolID is the pool's id.
func (s *Server) PoolID() string { return s.cfg.PoolID }

// TriggerError is a sign-in a trigger refused; Message is Cognito's text
// ("PreSignUp failed with error <the function's message>.").
type TriggerError struct {
	Type, Message string
}

func (e *TriggerError) Error() string { return e.Type + ": " + e.Message }

// srcPreSignUpExternal: DOCUMENTED: "Pre sign-up Lambda trigger",
// trigger sources: PreSignUp_ExternalProvider, "when a user signs in with
// an external identity provider for the first time".
const srcPreSignUpExternal = "PreSignUp_ExternalProvider"

// FederatedSignIn resolves a verified identity of the pool's identity
// provider (its subject and its claims already mapped to pool attributes)
// to the user it signs in as, and returns that user's internal username:
//   - a link made by AdminLinkProviderForUser wins: DOCUMENTED ("Linking
//     federated users to an existing user profile"): "after Amazon Cognito
//     matches your federated user to a linked profile, they always sign in
//     to that profile"; the provider's mapped attributes are written into
//     that profile (REPORTED, see applyMapping);
//   - an existing federated user "<provider>_<subject>" signs in, its
//     mapped attributes updated (DOCUMENTED: "Specifying identity provider
//     attribute mappings": mapped attributes are updated at every sign-in);
//     a disabled one (AdminDisableProviderForUser) is refused;
//   - otherwise the pre sign-up trigger runs with PreSignUp_ExternalProvider
//     (a refusal is a *TriggerError), a link it made is honoured, else the
//     user is created, confirmed, with status EXTERNAL_PROVIDER and the
//     "identities" attribute.
func (s *Server) FederatedSignIn(ctx context.Context, clientID, provider, subject string, attrs map[string]string) (string, error) {
	if _, ok := s.IdentityProviderConfig(provider); !ok {
		return "", fmt.Errorf("localcognito: unknown identity provider %q", provider)
	}
	if subject == "" {
		return "", errors.New("localcognito: empty subject")
	}
	name := provider + "_" + subject
	if n, ok, err := s.existing(provider, subject, name, attrs); ok || err != nil {
		return n, err
	}
	if s.has(SlotPreSignUp) {
		var ev PreSignUpEvent
		ev.EventHeader = s.header(srcPreSignUpExternal, name, clientID)
		ev.Request.UserAttributes = map[string]string{}
		for k, v := range attrs {
			ev.Request.UserAttributes[k] = v
		}
		ev.Request.ValidationData = map[string]string{}
		if e := s.invoke(ctx, SlotPreSignUp, &ev); e != nil {
			return "", &TriggerError{Type: e.Type, Message: e.Message}
		}
		// A link the trigger made (the documented place to link).
		if n, ok, err := s.existing(provider, subject, name, attrs); ok || err != nil {
			return n, err
		}
	}
	now := s.now()
	u := &user{username: name, sub: newUUID(), attrs: map[string]string{}, confirmed: true, external: true, created: now, modified: now}
	for k, v := range attrs {
		u.attrs[k] = v
	}
	u.attrs["sub"] = u.sub
	setIdentities(u, []identity{{UserID: subject, ProviderName: provider, ProviderType: s.providerType(provider), Primary: true, DateCreated: now.UnixMilli()}})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users[name] == nil {
		s.users[name] = u
	}
	return name, nil
}

// existing is the linked or already created user of an identity.
func (s *Server) existing(provider, subject, name string, attrs map[string]string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if dest, ok := s.links[linkKey(provider, subject)]; ok {
		if d := s.users[dest]; d != nil {
			s.applyMapping(d, attrs)
			return d.username, true, nil
		}
	}
	u := s.users[name]
	if u == nil {
		return "", false, nil
	}
	if u.disabled {
		return "", false, &TriggerError{Type: eNotAuthorized, Message: "User is disabled."}
	}
	for k, v := range attrs {
		if k != "sub" && k != "identities" {
			u.attrs[k] = v
		}
	}
	u.modified = s.now()
	return u.username, true, nil
}

// applyMapping writes a linked identity's mapped attributes into the
// native user it signs in as. REPORTED, not documented: Cognito re-applies
// a provider's attribute mapping at every sign-in through it, linked users
// included (amplify-js issue 7300; issue 835 of
// aws-solutions-library-samples/accelerated-intelligent-document-processing-on-aws,
// a controlled experiment on two pools, whose follow-up PR 840 reports that
// AttributesRequireVerificationBeforeUpdate does not stop a mapping write,
// so no pending email is kept here). A mapped email_verified "true" makes
// the address the account's verified alias (as a verified email does
// everywhere else here). LOCAL, not emulated: the reported failure of a
// second federated sign-in that maps into an immutable attribute. Callers
// hold s.mu.
func (s *Server) applyMapping(u *user, attrs map[string]string) {
	set, changed := map[string]string{}, false
	for k, v := range attrs {
		if k != "sub" && k != "identities" {
			set[k] = v
			changed = changed || u.attrs[k] != v
		}
	}
	if !changed {
		return
	}
	setAttributes(u, set)
	if u.attrs["email_verified"] == "true" {
		s.takeAlias(u, u.attrs["email"])
	}
	u.modified = s.now()
}

// ErrInvalidGrant is a refresh token the pool does not accept.
var ErrInvalidGrant = errors.New("localcognito: invalid grant")

// RefreshTokens is the token endpoint's refresh_token grant: new access and
// ID tokens (pre token generation with TokenGeneration_RefreshTokens, the
// source the developer guide lists for managed login), no new refresh token
// unless the client rotates them. A revoked, expired or rotated-out refresh
// token is ErrInvalidGrant. ASSUMED: rotation applies to this grant as to
// GetTokensFromRefreshToken (the API reference says a rotating client
// "issues new ID, access, and refresh tokens when users renew their
// sessions with refresh tokens", naming no operation).
func (s *Server) RefreshTokens(ctx context.Context, clientID, refreshToken string) (Tokens, error) {
	c, ok := s.clients[clientID]
	if !ok || refreshToken == "" {
		return Tokens{}, ErrInvalidGrant
	}
	r, e := s.refreshWith(ctx, c, refreshToken, srcTokenRefresh, nil)
	if e != nil {
		switch e.Type {
		case eNotAuthorized, eInvalidParameter, eRefreshTokenReuse:
			return Tokens{}, ErrInvalidGrant
		}
		return Tokens{}, e
	}
	return Tokens{AccessToken: r.AccessToken, IDToken: r.IdToken, RefreshToken: r.RefreshToken, ExpiresIn: r.ExpiresIn}, nil
}

// UserInfo answers the userInfo endpoint for an access token this pool
// issued: the attributes the token's client may read, with the _verified
// attributes as strings and identities as JSON (DOCUMENTED: "userInfo
// endpoint" response sample).
func (s *Server) UserInfo(accessToken string) (map[string]any, error) {
	u, c, e := s.userForAccessToken(accessToken, "openid")
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	attrs := u.attributes()
	name := u.username
	s.mu.Unlock()
	out := map[string]any{"username": name}
	for k, v := range attrs {
		if !readable(c, k) {
			continue
		}
		switch k {
		case "email_verified", "phone_number_verified":
			out[k] = v
		case "identities":
			var arr []any
			if json.Unmarshal([]byte(v), &arr) == nil {
				out[k] = arr
			}
		default:
			out[k] = v
		}
	}
	return out, nil
}
