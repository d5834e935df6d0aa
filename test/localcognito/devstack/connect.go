package devstack

import (
	"fmt"
	"io"
	"strings"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

// The connect API of a federation sample (constructs/connect): a signed-in
// native user connects the provider to their account. Locally:
//
//   - the app's ConnectRedirectUrl (any stack parameter ending in
//     RedirectUrl) is the page's callback page, WebURL + ConnectCallbackPath,
//     whose script (the client module's completeCallback) posts {code,
//     state} to its opener with the page's exact origin;
//   - the loopback provider registers that page next to the pool's
//     idpresponse URL (oidcpeer.Options.RedirectURIs): one client serves
//     the hosted sign-in and connect, as with Mosaic;
//   - the connect functions' provider (issuer and endpoints, the deployed
//     provider's, e.g. https://userid.security) is the loopback provider,
//     by value substitution in their environment, logged per variable;
//   - the page calls the connect API on its own origin, as a deployed
//     page does: the sample allows the app's origin (its AppOrigin
//     parameter, here the local page's) and the local API applies that
//     CORS configuration.

// ConnectCallbackPath is the page the provider returns to after a connect
// login (the client module's callback.html).
const ConnectCallbackPath = "/callback.html"

// connectRedirectURL is the app's connect redirect URL on the local page.
func connectRedirectURL(webURL string) string { return webURL + ConnectCallbackPath }

// connectRoutes are the connect API's routes proxied on the page's origin.
var connectRoutes = []string{"/connect/start", "/connect/callback", "/connect/disconnect"}

// connectProviderSubstitutions maps the deployed provider endpoints that the
// connect functions' environment names to the loopback provider's.
func (s *Stack) connectProviderSubstitutions(ids []string) map[string]string {
	out := map[string]string{}
	local := map[string]string{
		contract.EnvIssuer:       s.Provider.Issuer(),
		contract.EnvAuthorizeURL: s.Provider.AuthorizeURL(),
		contract.EnvTokenURL:     s.Provider.TokenURL(),
		contract.EnvJWKSURL:      s.Provider.JWKSURL(),
	}
	for _, id := range ids {
		env := s.Pool.Functions[id].Environment
		if env[contract.EnvConnectProviderName] == "" {
			continue
		}
		for k, to := range local {
			if from := env[k]; from != "" && from != to {
				out[from] = to
			}
		}
	}
	return out
}

// connectAPIURL is the local URL of the API that has POST /connect/start.
func (s *Stack) connectAPIURL() string {
	for _, def := range s.Pool.APIs {
		for _, r := range def.Routes {
			if r.RouteKey == "POST /connect/start" {
				return s.APIURLs[def.LogicalID]
			}
		}
	}
	return ""
}

// startConnect points the page at the connect routes on its own origin
// when the template has a connect API (after startAPIs).
func (s *Stack) startConnect(log io.Writer) {
	target := s.connectAPIURL()
	if target == "" {
		return
	}
	s.Config.ConnectURL = target
	fmt.Fprintf(log, "devstack: the page calls %s on the connect API %s; the provider returns connect logins to %s\n",
		strings.Join(connectRoutes, ", "), target, connectRedirectURL(s.WebURL))
}

// connectProviderOptions registers the connect redirect URL at the
// provider next to the redirect URI already set.
func connectProviderOptions(o *oidcpeer.Options, params []string, webURL string) {
	for _, n := range params {
		if strings.HasSuffix(n, "RedirectUrl") {
			o.RedirectURIs = append(o.RedirectURIs, connectRedirectURL(webURL))
			return
		}
	}
}
