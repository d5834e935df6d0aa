// Package webconfig is the sample pages' configuration (/config.json): what
// the page needs to configure Amplify v6 and call the sample's API. The
// local stack (test/localcognito/devstack) writes it for the local
// endpoint; cmd/cognitobridge-webconfig writes it from a deployed stack's
// outputs.
package webconfig

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Mode is how the step-up's provider leg reaches the app.
type Mode string

const (
	// ModeIframe: BlockID style. The provider's page posts the result to
	// the framing app.
	ModeIframe Mode = "iframe"
	// ModePopup: OIDC/Biopass style. The provider redirects to the app's
	// callback page, which posts to its opener.
	ModePopup Mode = "popup"
)

// PageConfig is /config.json.
type PageConfig struct {
	Region           string `json:"region"`
	UserPoolID       string `json:"userPoolId"`
	UserPoolClientID string `json:"userPoolClientId"`
	// UserPoolEndpoint is the local endpoint; absent for a deployed pool.
	UserPoolEndpoint string `json:"userPoolEndpoint,omitempty"`
	// ProviderOrigin overrides https://{tenantDns} for a loopback
	// provider; absent for a deployed pool.
	ProviderOrigin string `json:"providerOrigin,omitempty"`
	Mode           Mode   `json:"mode,omitempty"`
	// Local marks a page served by the local stack (it shows the demo
	// credentials).
	Local bool `json:"local,omitempty"`
	// AuthSessionValidity is the app client's AuthSessionValidity in
	// minutes (3 to 15): how long the page waits at the provider. Absent,
	// the page assumes Cognito's default, 3.
	AuthSessionValidity int `json:"authSessionValidity,omitempty"`
	// APIURL is the sample's HTTP API; absent without one.
	APIURL string `json:"apiUrl,omitempty"`
	// Hosted sign-in (Amplify's loginWith.oauth): the pool domain (host and
	// port, Amplify prefixes https://), the app's sign-in and sign-out
	// URLs, the client's scopes and the identity provider's name.
	OAuthDomain     string   `json:"oauthDomain,omitempty"`
	RedirectSignIn  string   `json:"redirectSignIn,omitempty"`
	RedirectSignOut string   `json:"redirectSignOut,omitempty"`
	Scopes          []string `json:"scopes,omitempty"`
	ProviderName    string   `json:"providerName,omitempty"`
	// ProofingSessionURL is POST /proofing/session (the stack's SessionUrl
	// output; locally the page's own origin).
	ProofingSessionURL string `json:"proofingSessionUrl,omitempty"`
	// ConnectURL is the base of the connect API's routes (POST
	// /connect/start, ...): the stack's ConnectApiUrl output.
	ConnectURL string `json:"connectUrl,omitempty"`
}

// FromOutputs builds the configuration from a deployed sample stack's
// outputs (as `cdk deploy --outputs-file` writes them, for one stack).
// appURL is where the page is served (https, or http on loopback): the
// hosted sign-in's redirect URLs. Outputs the samples define: UserPoolId,
// UserPoolClientId (WebClientId in the shared-pool sample),
// AuthSessionValidity (minutes; absent: the page assumes Cognito's 3), ApiUrl,
// ConnectApiUrl, SessionUrl, HostedSignInDomain, IdentityProviderName.
func FromOutputs(outputs map[string]string, appURL string) (PageConfig, error) {
	var c PageConfig
	c.UserPoolID = outputs["UserPoolId"]
	c.UserPoolClientID = outputs["UserPoolClientId"]
	if c.UserPoolClientID == "" {
		// The shared-pool sample names its clients; its page is the web
		// client's.
		c.UserPoolClientID = outputs["WebClientId"]
	}
	region, _, ok := strings.Cut(c.UserPoolID, "_")
	if !ok || region == "" || c.UserPoolClientID == "" {
		return PageConfig{}, fmt.Errorf("webconfig: the outputs need UserPoolId (<region>_<id>) and UserPoolClientId (or WebClientId); got %s", keys(outputs))
	}
	c.Region = region
	if v := outputs["AuthSessionValidity"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 3 || n > 15 {
			return PageConfig{}, fmt.Errorf("webconfig: output AuthSessionValidity %q is not 3 to 15 minutes", v)
		}
		c.AuthSessionValidity = n
	}
	c.APIURL = outputs["ApiUrl"]
	c.ConnectURL = outputs["ConnectApiUrl"]
	c.ProofingSessionURL = outputs["SessionUrl"]
	if d := outputs["HostedSignInDomain"]; d != "" {
		if appURL == "" {
			return PageConfig{}, errors.New("webconfig: the stack has a hosted sign-in domain: give the page's URL (its redirect URLs)")
		}
		u, err := url.Parse(appURL)
		if err != nil || !(u.Scheme == "https" || u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1")) {
			return PageConfig{}, fmt.Errorf("webconfig: page URL %q is not https (or http on loopback)", appURL)
		}
		base := strings.TrimSuffix(appURL, "/") + "/"
		// The output is the domain prefix; the domain is
		// <prefix>.auth.<region>.amazoncognito.com.
		c.OAuthDomain = strings.TrimPrefix(strings.TrimSuffix(d, "/"), "https://")
		if !strings.Contains(c.OAuthDomain, ".") {
			c.OAuthDomain += ".auth." + region + ".amazoncognito.com"
		}
		c.RedirectSignIn, c.RedirectSignOut = base, base
		c.Scopes = []string{"openid", "email", "profile"} // the samples' hosted clients allow these
		c.ProviderName = outputs["IdentityProviderName"]
	}
	return c, nil
}

func keys(m map[string]string) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return "[" + strings.Join(out, " ") + "]"
}
