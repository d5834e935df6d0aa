package devstack

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/cognitobridge/cognitobridge/test/localcognito/hosted"
	"github.com/cognitobridge/cognitobridge/test/localcognito/template"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// The hosted sign-in of a federation sample: the pool's domain
// (AWS::Cognito::UserPoolDomain) played by test/localcognito/hosted on a
// loopback TLS listener.
//
// Why TLS: Amplify v6 builds the hosted endpoints as
// `https://${domain}/oauth2/authorize` and `'https://' + domain +
// '/oauth2/token'` (@aws-amplify/auth signInWithRedirect.mjs and
// completeOAuthFlow.mjs); there is no http form. So the domain is
// 127.0.0.1:<port> over TLS with a certificate generated for this run
// (ECDSA P-256, for 127.0.0.1 and localhost, valid one day, never
// written to disk). The browser tests trust exactly that key
// (Stack.HostedSPKI, Chromium's --ignore-certificate-errors-spki-list);
// a person running `make demo` sees the browser's certificate warning for
// https://127.0.0.1:<port> once and proceeds past it (the page says so).

// The loopback provider's federated users.
const (
	// NewcomerUser signs in at the provider with ProviderPassword; its
	// email belongs to no native user, so its first federated sign-in
	// creates a federated user.
	NewcomerUser  = "newcomer"
	NewcomerEmail = "newcomer@example.com"
	// NewcomerPhone is the newcomer's verified phone at the provider (the
	// Mosaic-by-phone sample): a number no native user has.
	NewcomerPhone = "+12025550171"
	// StrangerUser signs in with ProviderPassword; its verified email and
	// phone belong to nobody in the pool. It is the refusal twin of a
	// connect: connected from the demo user's account it proves nothing
	// (proof_required).
	StrangerUser  = "stranger"
	StrangerEmail = "stranger@example.com"
	StrangerPhone = "+12025550188"
	// ProviderUser (DemoEmail, verified) is the refusal twin: its email is
	// the native demo user's, so the linking default refuses its first
	// federated sign-in (connect_required).

	// AssuredUser signs in with ProviderPassword and has a high-assurance
	// identity: its ID token's amr carries "ial2", where 1Kosmos BlockID
	// puts the identity assurance level (ASSUMED form, see
	// lambdas/assurance.ParseLevel); the BlockID federation sample maps amr
	// into custom:idp_ial_raw.
	AssuredUser  = "assured"
	AssuredEmail = "assured@example.com"
	// UnassuredUser is its refusal twin: a verified email, an amr without
	// any level (["pwd", "liveid"]).
	UnassuredUser  = "unassured"
	UnassuredEmail = "unassured@example.com"
)

// AssuredAMR and UnassuredAMR are the amr claims of AssuredUser and
// UnassuredUser.
var (
	AssuredAMR   = []string{"pwd", "liveid", "ial2"}
	UnassuredAMR = []string{"pwd", "liveid"}
)

// hostedSite is the pool domain of one stack.
type hostedSite struct {
	ln      net.Listener
	url     string
	spki    string
	tlsCfg  *tls.Config
	handler atomic.Pointer[hosted.Handler]
}

// hostedWanted reports whether the template has identity providers or a
// user pool domain.
func hostedWanted(path string) (bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("devstack: %w", err)
	}
	var doc struct {
		Resources map[string]struct{ Type string }
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return false, fmt.Errorf("devstack: %s: %w", path, err)
	}
	for _, r := range doc.Resources {
		if r.Type == "AWS::Cognito::UserPoolDomain" || r.Type == "AWS::Cognito::UserPoolIdentityProvider" {
			return true, nil
		}
	}
	return false, nil
}

// listenHosted opens the domain's TLS listener when the template needs one
// (nil otherwise); it is closed in tb.Cleanup.
func listenHosted(tb oidcpeer.TB, tmpl string) (*hostedSite, error) {
	want, err := hostedWanted(tmpl)
	if err != nil || !want {
		return nil, err
	}
	cert, spki, err := selfSigned()
	if err != nil {
		return nil, fmt.Errorf("devstack: hosted certificate: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("devstack: hosted listener: %w", err)
	}
	h := &hostedSite{ln: ln, url: "https://" + ln.Addr().String(), spki: spki,
		tlsCfg: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	tb.Cleanup(func() { _ = ln.Close() })
	return h, nil
}

// selfSigned makes the run's certificate and its SPKI hash (base64 of the
// SHA-256 of the SubjectPublicKeyInfo, the form Chromium's
// --ignore-certificate-errors-spki-list takes).
func selfSigned() (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "cognitobridge local hosted sign-in", Organization: []string{"cognitobridge devstack"}},
		NotBefore:    now.Add(-time.Minute), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, "", err
	}
	sum := sha256.Sum256(parsed.RawSubjectPublicKeyInfo)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: parsed}, base64.StdEncoding.EncodeToString(sum[:]), nil
}

// providerOptions registers the pool's idpresponse URL at the loopback
// provider and adds the newcomer and the assured and unassured users. A
// step-up in a popup on the same pool (the shared pool) keeps the page's
// callback page registered next to it (see stepUpRedirectURI).
func (h *hostedSite) providerOptions(o *oidcpeer.Options) {
	if o.RedirectURI != "" {
		o.RedirectURIs = append(o.RedirectURIs, o.RedirectURI)
	}
	o.RedirectURI = h.url + "/oauth2/idpresponse"
	o.Users = append(o.Users,
		oidcpeer.User{Username: NewcomerUser, Password: ProviderPassword, Email: NewcomerEmail, EmailVerified: true, Phone: NewcomerPhone, PhoneVerified: true},
		oidcpeer.User{Username: StrangerUser, Password: ProviderPassword, Email: StrangerEmail, EmailVerified: true, Phone: StrangerPhone, PhoneVerified: true},
		oidcpeer.User{Username: AssuredUser, Password: ProviderPassword, Email: AssuredEmail, EmailVerified: true, AMR: AssuredAMR},
		oidcpeer.User{Username: UnassuredUser, Password: ProviderPassword, Email: UnassuredEmail, EmailVerified: true, AMR: UnassuredAMR},
	)
}

// configurePool points every identity provider of the pool at the loopback
// provider: its issuer (endpoints discovered from it), client id and client
// secret. Explicit, logged local substitutions: the template's provider
// endpoints (e.g. Mosaic's https://api.transmitsecurity.io/cis/oidc/*) and
// the secret's dynamic reference are not used locally.
func (h *hostedSite) configurePool(pool *template.Pool, peer *oidcpeer.Peer, log io.Writer) {
	for i := range pool.Config.IdentityProviders {
		p := &pool.Config.IdentityProviders[i]
		fmt.Fprintf(log, "devstack: LOCAL substitution: identity provider %s: issuer %s -> %s, endpoints discovered, client id and secret the loopback provider's\n", p.Name, p.Issuer, peer.Issuer())
		p.Issuer, p.ClientID, p.ClientSecret = peer.Issuer(), peer.ClientID(), peer.ClientSecret()
		p.AuthorizeURL, p.TokenURL, p.UserInfoURL, p.JWKSURL = "", "", "", ""
	}
}

// ServeHTTP forwards to the hosted handler once it exists (the handler
// needs the pool server, the server needs this as Options.Hosted).
func (h *hostedSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hh := h.handler.Load()
	if hh == nil {
		http.Error(w, "hosted sign-in starting", http.StatusServiceUnavailable)
		return
	}
	hh.ServeHTTP(w, r)
}

// start serves the pool (JSON API and hosted endpoints) on the domain's TLS
// listener and fills the page's OAuth settings.
func (h *hostedSite) start(tb oidcpeer.TB, s *Stack, log io.Writer) error {
	hh, err := hosted.New(s.Cognito, hosted.Options{BaseURL: h.url, Logger: slog.New(slog.NewJSONHandler(log, nil))})
	if err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	h.handler.Store(hh)
	serve(tb, tls.NewListener(h.ln, h.tlsCfg), domainRoot(s.WebURL, s.Cognito.Handler()))
	s.HostedURL, s.HostedSPKI = h.url, h.spki
	c, _ := s.Cognito.AppClient(s.ClientID)
	s.Config.OAuthDomain = h.ln.Addr().String()
	s.Config.RedirectSignIn = s.WebURL + "/"
	s.Config.RedirectSignOut = s.WebURL + "/"
	s.Config.Scopes = c.AllowedOAuthScopes
	for _, p := range c.SupportedIdentityProviders {
		if p != "COGNITO" {
			s.Config.ProviderName = p
			break
		}
	}
	fmt.Fprintf(log, "devstack: hosted sign-in (pool domain) on %s, certificate generated for this run (SPKI sha256 %s); the provider returns to %s\n", h.url, h.spki, hh.IDPResponseURL())
	return nil
}

var _ http.Handler = (*hostedSite)(nil)

// domainRoot answers GET / of the pool domain with a small page: the
// person who opened the domain to accept its per-run certificate (the
// demo's instructions) lands on a page saying it worked, not on the JSON
// API's 405. Everything else goes to the pool.
func domainRoot(webURL string, pool http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><meta charset="utf-8"><title>Certificate accepted</title>
<body style="font:16px system-ui,sans-serif;margin:40px">
<h1 style="font-size:20px">Certificate accepted</h1>
<p>This is the local pool domain (the hosted sign-in). Your browser now trusts its certificate for this run.</p>
<p><a href="%s">Back to the app</a></p></body>`, html.EscapeString(webURL)+"/")
	})
	mux.Handle("/", pool)
	return mux
}
