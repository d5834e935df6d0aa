package stepup

// A minimal in-process OpenID Provider for unit tests only: discovery,
// JWKS and a token endpoint with PKCE and client authentication. The
// authorization step is simulated by (*testOP).authorize, which reads the
// authorize URL Create produced. Tokens are built and signed with go-jose.

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

var (
	keyOnce          sync.Once
	opKey, otherKey  *rsa.PrivateKey
	testClientID     = "client-1"
	testClientSecret = "s3cr3t-value-never-logged"
	testRedirect     = "https://app.example/cb"
)

func keys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	keyOnce.Do(func() {
		var err error
		if opKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if otherKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return opKey, otherKey
}

type grant struct {
	challenge, nonce, redirectURI, clientID string
	claims                                  map[string]any
}

type testOP struct {
	t   testing.TB
	srv *httptest.Server
	key *rsa.PrivateKey

	mu           sync.Mutex
	clientSecret string
	authMethod   string // contract.TokenAuthBasic or TokenAuthPost
	codes        map[string]grant

	tokenCalls     atomic.Int32
	discoveryCalls atomic.Int32
	discoveryFail  atomic.Int32 // this many discovery requests answer 500
	hang           time.Duration

	// token shaping, set before the exchange
	mutate      func(claims map[string]any)
	signWith    func(claims map[string]any) string // replaces normal signing
	omitIDToken bool
}

func newTestOP(t testing.TB) *testOP {
	k, _ := keys(t)
	op := &testOP{t: t, key: k, clientSecret: testClientSecret, authMethod: contract.TokenAuthBasic, codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", op.discovery)
	mux.HandleFunc("/jwks", op.jwks)
	mux.HandleFunc("/token", op.token)
	op.srv = httptest.NewServer(mux)
	t.Cleanup(op.srv.Close)
	return op
}

func (op *testOP) issuer() string { return op.srv.URL }

func (op *testOP) discovery(w http.ResponseWriter, r *http.Request) {
	op.discoveryCalls.Add(1)
	if op.discoveryFail.Load() > 0 {
		op.discoveryFail.Add(-1)
		http.Error(w, "unavailable", http.StatusInternalServerError)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                op.issuer(),
		"authorization_endpoint":                op.issuer() + "/authorize",
		"token_endpoint":                        op.issuer() + "/token",
		"jwks_uri":                              op.issuer() + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
}

func (op *testOP) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &op.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// authorize plays the user's browser and the provider's login: it reads
// the authorize URL and returns a code bound to its PKCE challenge, nonce
// and redirect URI, for a person described by claims.
func (op *testOP) authorize(authURL string, claims map[string]any) string {
	u, err := url.Parse(authURL)
	if err != nil {
		op.t.Fatalf("authorize URL: %v", err)
	}
	q := u.Query()
	if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" {
		op.t.Fatalf("authorize URL lacks code flow with S256")
	}
	code := randomToken()
	op.mu.Lock()
	op.codes[code] = grant{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), redirectURI: q.Get("redirect_uri"), clientID: q.Get("client_id"), claims: claims}
	op.mu.Unlock()
	return code
}

func (op *testOP) token(w http.ResponseWriter, r *http.Request) {
	op.tokenCalls.Add(1)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, 400, map[string]string{"error": "invalid_request"})
		return
	}
	if op.hang > 0 {
		select {
		case <-time.After(op.hang):
		case <-r.Context().Done():
			return
		}
	}
	op.mu.Lock()
	secret, method := op.clientSecret, op.authMethod
	op.mu.Unlock()
	var id, sec string
	switch method {
	case contract.TokenAuthBasic:
		u, p, ok := r.BasicAuth()
		if !ok || r.PostForm.Get("client_secret") != "" {
			writeJSON(w, 401, map[string]string{"error": "invalid_client"})
			return
		}
		id, _ = url.QueryUnescape(u)
		sec, _ = url.QueryUnescape(p)
	default:
		if _, _, ok := r.BasicAuth(); ok {
			writeJSON(w, 401, map[string]string{"error": "invalid_client"})
			return
		}
		id, sec = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != testClientID || sec != secret {
		writeJSON(w, 401, map[string]string{"error": "invalid_client"})
		return
	}
	code := r.PostForm.Get("code")
	op.mu.Lock()
	g, ok := op.codes[code]
	delete(op.codes, code)
	op.mu.Unlock()
	if !ok || r.PostForm.Get("grant_type") != "authorization_code" || g.redirectURI != r.PostForm.Get("redirect_uri") || g.clientID != id {
		writeJSON(w, 400, map[string]string{"error": "invalid_grant"})
		return
	}
	if oauth2.S256ChallengeFromVerifier(r.PostForm.Get("code_verifier")) != g.challenge {
		writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "pkce"})
		return
	}
	now := time.Now()
	claims := map[string]any{
		"iss": op.issuer(), "aud": testClientID, "sub": "person-1",
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": g.nonce,
	}
	for k, v := range g.claims {
		claims[k] = v
	}
	if op.mutate != nil {
		op.mutate(claims)
	}
	resp := map[string]any{"access_token": "at-" + randomToken(), "token_type": "Bearer", "expires_in": 300}
	if !op.omitIDToken {
		if op.signWith != nil {
			resp["id_token"] = op.signWith(claims)
		} else {
			resp["id_token"] = signRS256(op.t, op.key, "k1", claims)
		}
	}
	writeJSON(w, 200, resp)
}

func signWithKey(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatalf("signer: %v", err)
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return tok
}

func signRS256(t testing.TB, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	return signWithKey(t, jose.RS256, key, kid, claims)
}

// unsignedToken is a test input only: an alg=none token that must be refused.
func unsignedToken(claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	p, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p) + "."
}
