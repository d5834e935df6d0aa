package oidcpeer

import (
	"context"
	"crypto/subtle"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// userStore implements storage.UserStore over the users given in Options,
// keeping the per-user acr the example's User type has no room for.
type userStore struct {
	mu        sync.RWMutex
	users     map[string]*storage.User // by subject
	acr       map[string]string        // by subject
	amr       map[string][]string      // by subject; nil: the example's
	lastLogin map[string]time.Time     // by subject: last successful password check
}

var _ storage.UserStore = (*userStore)(nil)

func newUserStore(users []User) *userStore {
	s := &userStore{
		users:     make(map[string]*storage.User, len(users)),
		acr:       make(map[string]string, len(users)),
		amr:       make(map[string][]string, len(users)),
		lastLogin: make(map[string]time.Time, len(users)),
	}
	for _, u := range users {
		sub := u.Subject
		if sub == "" {
			sub = "sub-" + u.Username
		}
		s.users[sub] = &storage.User{
			ID:            sub,
			Username:      u.Username,
			Password:      u.Password,
			Email:         u.Email,
			EmailVerified: u.EmailVerified,
			Phone:         u.Phone,
			PhoneVerified: u.PhoneVerified,
		}
		s.acr[sub] = u.ACR
		if len(u.AMR) > 0 {
			s.amr[sub] = slices.Clone(u.AMR)
		}
	}
	return s
}

func (s *userStore) GetUserByID(id string) *storage.User {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.users[id]
	if !ok {
		return nil
	}
	c := *u
	return &c
}

func (s *userStore) GetUserByUsername(username string) *storage.User {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, u := range s.users {
		if u.Username == username {
			c := *u
			return &c
		}
	}
	return nil
}

// ExampleClientID names the example's JWT-profile service user; unused here.
func (s *userStore) ExampleClientID() string { return storage.ServiceUserID }

func (s *userStore) acrOf(sub string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.acr[sub]
}

func (s *userStore) amrOf(sub string) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.amr[sub])
}

func (s *userStore) subOf(username string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for sub, u := range s.users {
		if u.Username == username {
			return sub, true
		}
	}
	return "", false
}

func (s *userStore) setLastLogin(sub string, at time.Time) {
	s.mu.Lock()
	s.lastLogin[sub] = at
	s.mu.Unlock()
}

func (s *userStore) lastLoginOf(sub string) (time.Time, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	at, ok := s.lastLogin[sub]
	return at, ok
}

func (s *userStore) setACR(username, acr string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub, u := range s.users {
		if u.Username == username {
			s.acr[sub] = acr
			return true
		}
	}
	return false
}

// peerStorage embeds zitadel's example in-memory storage and overrides only
// what the example does not do:
//   - auth requests are wrapped so GetACR returns the signed-in user's acr
//     (the example always returns "") and GetAMR the user's amr when set
//     (the example always returns ["pwd"]);
//   - the ID token gets a custom "username" claim (as 1Kosmos BlockID does);
//   - the client is wrapped so profile/email claims are asserted into the ID
//     token even though an access token is issued (IDTokenUserinfoClaimsAssertion);
//   - the client secret is checked against a rotatable value;
//   - each successful password check is recorded as the user's last login
//     (the example already stamps the request's auth_time at that moment);
//   - a warm session (warm.go) completes auth requests without the login
//     form, with the auth_time of the session's start.
type peerStorage struct {
	*storage.Storage
	users    *userStore
	clientID string

	mu     sync.RWMutex
	secret string
	// clientKeys, when not nil, are the client's registered public keys by
	// kid: the client then authenticates with private_key_jwt only.
	clientKeys map[string]jose.JSONWebKey
	// keyClientID is the second client's id ("" without one), keyClientKeys
	// its public keys by kid (keyclient.go).
	keyClientID   string
	keyClientKeys map[string]jose.JSONWebKey

	warmMu sync.Mutex
	warm   *warmSession         // nil: no provider session
	grants map[string]warmGrant // by auth request ID: to be answered silently
	silent map[string]time.Time // by auth request ID: answered silently, with this auth_time
}

func newPeerStorage(users *userStore, clientID, secret string, redirectURIs []string, keyClientID string) *peerStorage {
	clients := map[string]*storage.Client{
		clientID: storage.WebClient(clientID, secret, redirectURIs...),
	}
	if keyClientID != "" {
		clients[keyClientID] = newKeyClient(keyClientID, redirectURIs)
	}
	return &peerStorage{
		Storage:       storage.NewStorageWithClients(users, clients),
		users:         users,
		clientID:      clientID,
		secret:        secret,
		keyClientID:   keyClientID,
		keyClientKeys: map[string]jose.JSONWebKey{},
		grants:        map[string]warmGrant{},
		silent:        map[string]time.Time{},
	}
}

// acrRequest is the example's AuthRequest with a real GetACR and GetAMR
// (the user's, when Options gave one), and with the
// auth_time of the warm session when the request was answered silently.
type acrRequest struct {
	*storage.AuthRequest
	users    *userStore
	authTime time.Time // zero: the example's own (the password check)
}

func (a *acrRequest) GetAuthTime() time.Time {
	if !a.authTime.IsZero() {
		return a.authTime
	}
	return a.AuthRequest.GetAuthTime()
}

func (a *acrRequest) GetACR() string {
	if !a.Done() {
		return ""
	}
	return a.users.acrOf(a.UserID)
}

func (a *acrRequest) GetAMR() []string {
	if amr := a.users.amrOf(a.UserID); a.Done() && len(amr) > 0 {
		return amr
	}
	return a.AuthRequest.GetAMR()
}

func (s *peerStorage) wrap(r op.AuthRequest, err error) (op.AuthRequest, error) {
	if err != nil {
		return nil, err
	}
	if ar, ok := r.(*storage.AuthRequest); ok {
		return &acrRequest{AuthRequest: ar, users: s.users, authTime: s.silentAuthTime(ar.ID)}, nil
	}
	return r, nil
}

func unwrap(r op.TokenRequest) op.TokenRequest {
	if ar, ok := r.(*acrRequest); ok {
		return ar.AuthRequest
	}
	return r
}

// CreateAuthRequest stores the request; if a warm session answers it, the
// request is marked to be completed at the login URL without the form.
func (s *peerStorage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	g, ok := s.warmAnswer(req, time.Now())
	if !ok {
		return s.wrap(s.Storage.CreateAuthRequest(ctx, req, userID))
	}
	// The example refuses prompt=none outright (it keeps no sessions); with a
	// warm session prompt=none is exactly the request a provider answers.
	cp := *req
	cp.Prompt = slices.DeleteFunc(slices.Clone(req.Prompt), func(v string) bool { return v == oidc.PromptNone })
	r, err := s.Storage.CreateAuthRequest(ctx, &cp, userID)
	if err != nil {
		return nil, err
	}
	s.warmMu.Lock()
	s.grants[r.GetID()] = g
	s.warmMu.Unlock()
	return s.wrap(r, nil)
}

// CheckUsernamePassword is the login form's check (the example's), recording
// the user's login time: the auth_time the example stamped on the request.
func (s *peerStorage) CheckUsernamePassword(username, password, id string) error {
	if err := s.Storage.CheckUsernamePassword(username, password, id); err != nil {
		return err
	}
	r, err := s.Storage.AuthRequestByID(context.Background(), id)
	if err != nil {
		return err
	}
	s.users.setLastLogin(r.GetSubject(), r.GetAuthTime())
	return nil
}

func (s *peerStorage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	return s.wrap(s.Storage.AuthRequestByID(ctx, id))
}

func (s *peerStorage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	return s.wrap(s.Storage.AuthRequestByCode(ctx, code))
}

// CreateAccessToken and CreateAccessAndRefreshTokens hand the example its own
// request type back: it type-switches on *storage.AuthRequest.
func (s *peerStorage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	return s.Storage.CreateAccessToken(ctx, unwrap(req))
}

func (s *peerStorage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	return s.Storage.CreateAccessAndRefreshTokens(ctx, unwrap(req), current)
}

func (s *peerStorage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, clientID)
	if err != nil {
		return nil, err
	}
	if (clientID == s.clientID && s.keyMode()) || s.isKeyClient(clientID) {
		return keyClient{assertingClient{c}}, nil
	}
	return assertingClient{c}, nil
}

// AuthorizeClientIDSecret checks the peer's current (rotatable) secret.
func (s *peerStorage) AuthorizeClientIDSecret(ctx context.Context, clientID, clientSecret string) error {
	if s.isKeyClient(clientID) {
		return oidc.ErrInvalidClient().WithDescription("this client authenticates with private_key_jwt only")
	}
	if clientID != s.clientID {
		return s.Storage.AuthorizeClientIDSecret(ctx, clientID, clientSecret)
	}
	s.mu.RLock()
	want := s.secret
	s.mu.RUnlock()
	if subtle.ConstantTimeCompare([]byte(want), []byte(clientSecret)) != 1 {
		return oidc.ErrInvalidClient().WithDescription("invalid client secret")
	}
	return nil
}

func (s *peerStorage) setSecret(secret string) {
	s.mu.Lock()
	s.secret = secret
	s.mu.Unlock()
}

// SetUserinfoFromRequest is what zitadel calls to fill the ID token's user
// claims; the example fills the standard ones per scope, we add "username".
func (s *peerStorage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, req, scopes); err != nil {
		return err
	}
	if u := s.users.GetUserByID(req.GetSubject()); u != nil {
		info.AppendClaims(ClaimUsername, u.Username)
	}
	return nil
}

// assertingClient asserts userinfo claims (email, profile) into the ID token.
type assertingClient struct{ op.Client }

func (assertingClient) IDTokenUserinfoClaimsAssertion() bool { return true }
