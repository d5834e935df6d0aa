// Package devstack runs one sample app on 127.0.0.1 without AWS: moto,
// the real loopback OpenID Provider playing the external provider, the
// app's trigger functions (the real handler binaries) as its synthesized
// template configures them, the local Cognito endpoint, and the sample's
// web page. The browser tests and `make demo` both start it.
//
// What differs from a deployment, on purpose and only here: the provider's
// endpoints and the redirect URI are the loopback peer's (Lambda
// environment additions, listed in Stack.Log), the provider secret holds the
// peer's client, and Cognito is the local endpoint (test/localcognito), a
// development tool written from AWS's documentation.
package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cognitobridge/cognitobridge/apps/webconfig"
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/lambdaproc"
	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/localcognito/httpapi"
	"github.com/cognitobridge/cognitobridge/test/localcognito/lambdarun"
	"github.com/cognitobridge/cognitobridge/test/localcognito/template"
	"github.com/cognitobridge/cognitobridge/test/motoserver"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// Demo credentials, printed by `make demo` and used by the browser tests.
const (
	// DemoUsername signs in; the pools of the samples use email as an
	// alias, so, as in Cognito, the username itself is not an email.
	DemoUsername = "demo"
	DemoEmail    = "demo@example.com"
	DemoPassword = "Demo-Passw0rd!"
	// DemoPhone is the seeded user's verified phone number where the pool's
	// identity provider signs in by phone (Mosaic by phone), as Cognito
	// stores it (E.164).
	DemoPhone = "+12025550143"
	// ProviderDemoPhone is the same number as the provider account
	// ProviderUser writes it: equal only after E.164 normalization.
	ProviderDemoPhone = "+1 (202) 555-0143"
	// ProviderUser and ProviderPassword sign in at the loopback provider.
	ProviderUser     = "demo"
	ProviderPassword = "provider-demo"
	// TenantDNS is the BlockID tenant the sample's secret names. The
	// browser expects the provider's messages from https://TenantDNS; the
	// local page is told the loopback provider's origin instead.
	TenantDNS = "tenant.example.com"
)

// Mode is how the step-up's provider leg reaches the app.
type Mode = webconfig.Mode

// The modes (see webconfig).
const (
	ModeIframe = webconfig.ModeIframe
	ModePopup  = webconfig.ModePopup
)

// Options configures Start.
type Options struct {
	// App is the sample app (apps/<App>); its template is
	// test/testdata/<App>.template.json unless Template is set.
	App      string
	Template string
	// Root is the repository root. Default: found from the working
	// directory (the directory holding go.mod).
	Root string
	// Mode of the provider leg. Default: ModeIframe for a blockid provider,
	// else ModePopup.
	Mode Mode
	// BinDir holds prebuilt handler binaries. Default: built by lambdarun.
	BinDir string
	// WebPort is the web page's port; 0 picks a free one.
	WebPort int
	// Log receives what the stack does and every function's output.
	Log io.Writer
	// NoPage starts the stack without the sample's bundled page (tests that
	// drive the pool and the APIs directly: the page's address still
	// answers /config.json and the LOCAL /dev routes).
	// Default: false (the page must be bundled: `make web`).
	NoPage bool
	// ProviderUsers are added to the loopback provider's accounts (a load
	// run's many users). Default: none.
	ProviderUsers []oidcpeer.User
	// AWSFront, when set, is given each endpoint the functions' AWS calls
	// go to (moto's; the local Cognito endpoint's for their user pool
	// calls) and returns the endpoint they use instead: a proxy in front
	// of it that counts the calls or injects faults (test/load).
	// Default: the functions call moto and the endpoint directly.
	AWSFront func(upstream string) (string, error)
	// Triggers, when set, wraps the functions the local endpoint invokes
	// as its triggers (e.g. to time each invocation).
	// Default: the functions' runner itself.
	Triggers func(localcognito.Triggers) localcognito.Triggers
}

// Stack is a running sample.
type Stack struct {
	App         string
	WebURL      string // the sample's page
	EndpointURL string // the local Cognito endpoint
	Pool        *template.Pool
	ClientID    string // the app client the page uses
	Cognito     *localcognito.Server
	Runner      *lambdarun.Runner
	Provider    *oidcpeer.Peer
	Mode        Mode
	// DemoUser is the name the seeded demo user signs in with (DemoPassword).
	DemoUser string
	// ProviderLogins are the loopback provider's accounts that work for
	// this sample, with what each shows.
	ProviderLogins []ProviderLogin
	// HostedURL is the pool domain (https, loopback) when the template has
	// identity providers or a domain; HostedSPKI the SHA-256 (base64) of its
	// per-run certificate's public key (see hosted.go).
	HostedURL, HostedSPKI string
	// Config is what the page reads from /config.json.
	Config PageConfig
	// APIURL is the template's HTTP API (the first, by logical id), ""
	// without one; APIURLs and APIs have every API by logical id, and
	// APIRunner runs their functions (see api.go).
	APIURL    string
	APIURLs   map[string]string
	APIs      map[string]*httpapi.API
	APIRunner *lambdarun.Runner
	// Clock is the local endpoint's clock: the real time until a test
	// advances it (Clock.Advance), e.g. past the client's session validity.
	Clock *Clock
	// Proofing is the identity-proofing sample's IDV fake and relay (see
	// proofing.go); nil for other samples.
	Proofing *Proofing
	// MotoEndpoint is moto's own endpoint (not Options.AWSFront's).
	MotoEndpoint    string
	proofingSession string
	root            string
	cognitoFront    string // where the functions' user pool calls go
}

// PageConfig is the web page's configuration (/config.json), the same a
// deployed stack's outputs give (apps/webconfig).
type PageConfig = webconfig.PageConfig

// Start brings the stack up; everything stops in tb.Cleanup, in reverse.
func Start(ctx context.Context, tb oidcpeer.TB, opts Options) (*Stack, error) {
	if opts.App == "" {
		return nil, errors.New("devstack: no app")
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	errorLog.SetOutput(log)
	root := opts.Root
	if root == "" {
		r, err := lambdaproc.ModuleRoot()
		if err != nil {
			return nil, fmt.Errorf("devstack: %w", err)
		}
		root = r
	}
	tmpl := opts.Template
	if tmpl == "" {
		tmpl = filepath.Join(root, "test", "testdata", opts.App+".template.json")
	}
	webDir := filepath.Join(root, "apps", PageOf(opts.App), "web", "dist")

	if _, err := os.Stat(filepath.Join(webDir, "main.js")); err != nil && !opts.NoPage {
		return nil, fmt.Errorf("devstack: the page of %s is not bundled (%s): run `make web`", opts.App, webDir)
	}

	// The web listener comes first: the provider needs the page's origin.
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", opts.WebPort))
	if err != nil {
		return nil, fmt.Errorf("devstack: web listener: %w", err)
	}
	webURL := "http://" + ln.Addr().String()

	hs, err := listenHosted(tb, tmpl)
	if err != nil {
		ln.Close()
		return nil, err
	}

	moto, err := motoserver.Launch(ctx)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("devstack: moto: %w", err)
	}
	tb.Cleanup(func() { _ = moto.Close() })

	raw, err := readTemplate(tmpl)
	if err != nil {
		ln.Close()
		return nil, err
	}
	mode := opts.Mode
	if mode == "" {
		mode = ModePopup
		if raw.provider == contract.ProviderBlockID {
			mode = ModeIframe
		}
	}

	popts := oidcpeer.Options{Users: append([]oidcpeer.User{{
		Username: ProviderUser, Password: ProviderPassword,
		Email: DemoEmail, EmailVerified: true, ACR: "liveID push",
		Phone: ProviderDemoPhone, PhoneVerified: true,
	}}, opts.ProviderUsers...)}
	if mode == ModeIframe {
		popts.ParentOrigin = webURL
	} else {
		popts.RedirectURI = webURL + "/callback.html"
	}
	if hs != nil {
		hs.providerOptions(&popts)
		connectProviderOptions(&popts, raw.parameters, webURL)
	}
	peer := oidcpeer.Start(tb, popts)

	ps := startProofing(tb, raw.parameters, log)
	params := parameters(raw.parameters, peer, webURL)
	ps.setParameters(params)
	pool, err := template.Load(tmpl, template.Options{Parameters: params, Overrides: ps.overrides(), Log: log})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("devstack: %w", err)
	}
	if hs != nil {
		hs.configurePool(pool, peer, log)
	}
	// A BlockID provider's endpoints derive from its tenant; locally they
	// are the peer's. An OIDC provider's come from the stack parameters.
	env := map[string]string{}
	if mode == ModeIframe {
		env = map[string]string{
			contract.EnvIssuer:       peer.Issuer(),
			contract.EnvAuthorizeURL: peer.AuthorizeURL(),
			contract.EnvTokenURL:     peer.TokenURL(),
			contract.EnvJWKSURL:      peer.JWKSURL(),
			contract.EnvRedirectURI:  peer.RedirectURI(),
		}
	}
	fmt.Fprintf(log, "devstack: provider leg on loopback (%s, redirect %s)\n", peer.Issuer(), stepUpRedirectURI(peer, webURL))
	cln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ln.Close()
		return nil, err
	}
	endpoint := "http://" + cln.Addr().String()
	front := func(upstream string) (string, error) {
		if opts.AWSFront == nil {
			return upstream, nil
		}
		return opts.AWSFront(upstream)
	}
	awsEndpoint, err := front(moto.Endpoint())
	if err != nil {
		ln.Close()
		cln.Close()
		return nil, fmt.Errorf("devstack: AWS front: %w", err)
	}
	cognitoFront, err := front(endpoint)
	if err != nil {
		ln.Close()
		cln.Close()
		return nil, fmt.Errorf("devstack: AWS front: %w", err)
	}
	ropts := lambdarun.Options{
		MotoEndpoint: awsEndpoint,
		BinDir:       opts.BinDir,
		ModuleDir:    root,
		Env:          env,
		Logs:         log,
	}
	if hs != nil || ps != nil {
		// The functions' admin calls (ListUsers, AdminLinkProviderForUser,
		// ...) go to the local pool, which holds the users.
		ropts.CognitoEndpoint = cognitoFront
	}
	runner, err := lambdarun.Start(ctx, pool, ropts)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("devstack: %w", err)
	}
	tb.Cleanup(func() { _ = runner.Close() })
	pool.Config.Triggers = runner
	if opts.Triggers != nil {
		pool.Config.Triggers = opts.Triggers(runner)
	}

	clock := &Clock{}
	copts := localcognito.Options{Now: clock.Now}
	if hs != nil {
		copts.Hosted = hs
	}
	cognito, err := localcognito.New(pool.Config, copts)
	if err != nil {
		ln.Close()
		cln.Close()
		return nil, fmt.Errorf("devstack: %w", err)
	}
	cognito.SetIssuer(endpoint)
	serve(tb, cln, cognito.Handler())

	clientID := appClient(pool)
	// A pool whose user name is the email (the proofing sample's) signs
	// the demo user in with DemoEmail.
	seedName := DemoUsername
	if slices.Contains(pool.Config.UsernameAttributes, "email") {
		seedName = DemoEmail
	}
	seed := map[string]string{"email": DemoEmail, "email_verified": "true"}
	byPhone := signsInByPhone(pool)
	if byPhone {
		seed["phone_number"], seed["phone_number_verified"] = DemoPhone, "true"
	}
	if _, err := cognito.SeedUser(seedName, DemoPassword, seed, true); err != nil {
		ln.Close()
		return nil, fmt.Errorf("devstack: seed user: %w", err)
	}

	s := &Stack{
		App: opts.App, WebURL: webURL, EndpointURL: endpoint, Pool: pool, ClientID: clientID, DemoUser: seedName,
		ProviderLogins: providerLogins(raw.provider, pageProviders(pool, clientID), byPhone),
		Cognito:        cognito, Runner: runner, Provider: peer, Mode: mode, root: root, Proofing: ps, Clock: clock,
		MotoEndpoint: moto.Endpoint(), cognitoFront: cognitoFront,
		Config: PageConfig{
			Region: pool.Region, UserPoolID: pool.Config.PoolID, UserPoolClientID: clientID,
			UserPoolEndpoint: endpoint, Mode: mode, Local: true,
			AuthSessionValidity: sessionMinutes(pool, clientID),
		},
	}
	if mode == ModeIframe {
		s.Config.ProviderOrigin = peer.Issuer()
	}
	peer.SetLoginHint(loginHint(raw.provider, pageProviders(pool, clientID), byPhone))
	if err := s.startAPIs(ctx, tb, opts, awsEndpoint, log); err != nil {
		ln.Close()
		return nil, err
	}
	if hs != nil {
		if err := hs.start(tb, s, log); err != nil {
			ln.Close()
			return nil, err
		}
	}
	if err := ps.start(s, log); err != nil {
		ln.Close()
		return nil, err
	}
	serve(tb, ln, s.webHandler(root, webDir))
	return s, nil
}

// variantPages names the page of a sample variant that has no page of its
// own: the app (apps/stacks.App.Dir) that synthesizes it with a CDK context.
var variantPages = map[string]string{"mosaic-passwordless-phone": "mosaic-passwordless"}

// PageOf is the directory under apps/ whose web page app uses.
func PageOf(app string) string {
	if p, ok := variantPages[app]; ok {
		return p
	}
	return app
}

// signsInByPhone reports whether an identity provider of the pool maps the
// provider's phone_number claim (Mosaic by phone): the seeded user then has
// a verified phone number too.
func signsInByPhone(p *template.Pool) bool {
	for _, idp := range p.Config.IdentityProviders {
		for _, claim := range idp.AttributeMapping {
			if claim == "phone_number" {
				return true
			}
		}
	}
	return false
}

// rawTemplate is what Start reads before loading: the parameter names
// and the step-up provider's kind.
type rawTemplate struct {
	parameters []string
	provider   string
}

func readTemplate(path string) (rawTemplate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return rawTemplate{}, fmt.Errorf("devstack: %w", err)
	}
	var doc struct {
		Parameters map[string]json.RawMessage
		Resources  map[string]struct {
			Type       string
			Properties struct {
				Environment struct{ Variables map[string]any }
			}
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return rawTemplate{}, fmt.Errorf("devstack: %s: %w", path, err)
	}
	var r rawTemplate
	for n := range doc.Parameters {
		r.parameters = append(r.parameters, n)
	}
	for _, res := range doc.Resources {
		if p, ok := res.Properties.Environment.Variables[contract.EnvProvider].(string); ok && res.Type == "AWS::Lambda::Function" {
			r.provider = p
		}
	}
	return r, nil
}

// parameters gives the sample stacks' parameters their local values, by
// the suffix of their names: the provider's client, issuer and redirect
// URI are the loopback peer's, the app's URLs are the local page's, the
// rest fixed demo values.
func parameters(names []string, peer *oidcpeer.Peer, webURL string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		switch {
		case strings.HasSuffix(n, "ClientId"):
			out[n] = peer.ClientID()
		case strings.HasSuffix(n, "ClientSecret"):
			out[n] = peer.ClientSecret()
		case strings.HasSuffix(n, "Issuer"):
			out[n] = peer.Issuer()
		case strings.HasSuffix(n, "RedirectUri"):
			out[n] = stepUpRedirectURI(peer, webURL)
		case n == "TenantDns":
			out[n] = TenantDNS
		case n == "Community":
			out[n] = "demo"
		case n == "DomainPrefix":
			out[n] = "local"
		case n == "AppOrigin":
			// The stack's pattern asks for https; the local page is http on
			// loopback (the template loader does not apply AllowedPattern).
			out[n] = webURL
		case strings.HasSuffix(n, "RedirectUrl"):
			out[n] = connectRedirectURL(webURL) // see connect.go
		case strings.HasSuffix(n, "Url"):
			out[n] = webURL + "/"
		}
	}
	return out
}

// stepUpRedirectURI is the step-up's redirect URI (the stack's
// ...RedirectUri parameter): the first one the peer registered (the
// tenant's post_stepup page in iframe mode, the page's callback page in
// popup mode), except when the pool's hosted sign-in took that place (the
// idpresponse URL): the page's callback page, registered next to it.
func stepUpRedirectURI(peer *oidcpeer.Peer, webURL string) string {
	cb := webURL + "/callback.html"
	if peer.RedirectURI() != cb && slices.Contains(peer.RedirectURIs(), cb) {
		return cb
	}
	return peer.RedirectURI()
}

// sessionMinutes is the client's AuthSessionValidity as the template sets
// it (0: not set, Cognito's default).
func sessionMinutes(p *template.Pool, clientID string) int {
	for _, c := range p.Config.Clients {
		if c.ID == clientID {
			return c.AuthSessionValidity
		}
	}
	return 0
}

// Clock is the local Cognito endpoint's clock: the real time plus an
// offset. Advancing it is how a test lets minutes pass for the endpoint
// (a sign-in session's AuthSessionValidity, 3 to 15 minutes as Cognito
// allows) without waiting them, and without a shorter validity than
// Cognito accepts.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the endpoint's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the endpoint's time forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// appClient picks the client the sample page signs in with: the only
// client, or the one whose flows include custom authentication.
func appClient(p *template.Pool) string {
	for _, c := range p.Config.Clients {
		for _, f := range c.ExplicitAuthFlows {
			if f == "ALLOW_CUSTOM_AUTH" {
				return c.ID
			}
		}
	}
	if len(p.Config.Clients) > 0 {
		return p.Config.Clients[0].ID
	}
	return ""
}

// webHandler serves the sample page, its bundle, the client module's
// callback page and /config.json.
func (s *Stack) webHandler(root, webDir string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /config.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(s.Config)
	})
	mux.HandleFunc("GET /callback.html", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(webDir, "callback.html"))
	})
	s.Proofing.routes(mux, s)
	mux.Handle("GET /", http.FileServer(http.Dir(webDir)))
	return mux
}

// errorLog is where the servers' own errors (a TLS handshake the browser
// broke off before accepting the pool domain's certificate, ...) go: the
// stack's log, not the terminal.
var errorLog = stdlog.New(io.Discard, "", 0)

func serve(tb oidcpeer.TB, ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: errorLog}
	go func() { _ = srv.Serve(ln) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
}
