package browser_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/localcognito/devstack"
)

// TestFederatedSignIn runs the OIDC federation style (Mosaic): Amplify v6
// signInWithRedirect through the local pool domain (hosted endpoints on
// loopback TLS, its certificate trusted by key for this run only), the
// loopback provider's login, the real pre sign-up binary with the linking
// behaviour (its admin calls on the local pool), and back on the page.
func TestFederatedSignIn(t *testing.T) {
	st := startStack(t, "mosaic-passwordless")
	if st.HostedURL == "" || st.HostedSPKI == "" || st.Config.OAuthDomain == "" || st.Config.ProviderName != "Mosaic" {
		t.Fatalf("no hosted sign-in: %q %q %+v", st.HostedURL, st.HostedSPKI, st.Config)
	}

	t.Run("the pool domain's link lands on a page saying the certificate was accepted, and back", func(t *testing.T) {
		o := runFlow(t, st, "domain-root", map[string]string{"HOSTED_SPKI": st.HostedSPKI})
		if !strings.HasPrefix(o.Extra["href"], st.HostedURL) || o.Extra["heading"] != "Certificate accepted" {
			t.Fatalf("the link %q led to %q", o.Extra["href"], o.Extra["heading"])
		}
		if !strings.HasPrefix(o.Extra["back"], st.WebURL) || o.State != "ready" {
			t.Fatalf("back at %q in state %q", o.Extra["back"], o.State)
		}
	})
	t.Run("rightful user signs in with Mosaic", func(t *testing.T) {
		o := runFlow(t, st, "federated-signin", map[string]string{"HOSTED_SPKI": st.HostedSPKI, "PROVIDER_USER": devstack.NewcomerUser})
		if o.State != "signed-in" {
			t.Fatalf("state %q: %s\nconsole: %s", o.State, o.Status, strings.Join(o.Console, "\n"))
		}
		if !strings.Contains(o.Claims, devstack.NewcomerEmail) || !strings.Contains(o.Claims, `"Mosaic_`) || !strings.Contains(o.Status, "with Mosaic") {
			t.Errorf("claims %s, status %q", o.Claims, o.Status)
		}
		if got := reasons(st, localcognito.SlotPreSignUp); !slices.Contains(got, "no_candidate") {
			t.Errorf("pre sign-up reasons %v, want no_candidate", got)
		}
	})
	t.Run("a federated session refreshes with its identity, sign-out revokes the refresh token", func(t *testing.T) {
		o := runFlow(t, st, "federated-session", map[string]string{"HOSTED_SPKI": st.HostedSPKI, "PROVIDER_USER": devstack.NewcomerUser})
		before, after := refreshed(t, o)
		s := o.Session
		if !strings.HasPrefix(before.Username, "Mosaic_") || !slices.Equal(s.Before.ID.Identities, []string{"Mosaic"}) || !slices.Equal(s.After.ID.Identities, []string{"Mosaic"}) {
			t.Errorf("user %s, identities %v -> %v; want the Mosaic user throughout", after.Username, s.Before.ID.Identities, s.After.ID.Identities)
		}
		if shown := pageClaims(t, s.RefreshedClaims); shown.Sub != after.Sub || !slices.Equal(shown.Identities, []string{"Mosaic"}) {
			t.Errorf("the page after refresh shows %+v", shown)
		}
		signedOutAndRevoked(t, o, "ready")
	})
	t.Run("first sign-in with a native user's email is refused", func(t *testing.T) {
		o := runFlow(t, st, "federated-refused", map[string]string{"HOSTED_SPKI": st.HostedSPKI, "PROVIDER_USER": devstack.ProviderUser})
		if o.State != "refused" || !strings.Contains(o.Status, "Sign in with your password, then connect Mosaic from your account") {
			t.Fatalf("state %q: %s\nconsole: %s", o.State, o.Status, strings.Join(o.Console, "\n"))
		}
		if o.Claims != "" {
			t.Errorf("claims shown after a refusal: %s", o.Claims)
		}
		if got := reasons(st, localcognito.SlotPreSignUp); !slices.Contains(got, "connect_required") {
			t.Errorf("pre sign-up reasons %v, want connect_required", got)
		}
	})

	// Connect runs after the refusal above: the native user connects Mosaic
	// from their account. The refusal twin first (a tampered code), so that
	// the rightful connect finds nothing linked.
	t.Run("a tampered code at /connect/callback is refused and nothing is linked", func(t *testing.T) {
		from := len(connectReasons(t, st))
		o := runFlow(t, st, "connect-tampered-code", map[string]string{"HOSTED_SPKI": st.HostedSPKI, "PROVIDER_USER": devstack.ProviderUser})
		if o.Tampered != 1 {
			t.Fatalf("the code was tampered %d times\nconsole: %s", o.Tampered, strings.Join(o.Console, "\n"))
		}
		if o.State != "refused" || !strings.Contains(o.Status, "provider_login_failed") {
			t.Fatalf("state %q: %s", o.State, o.Status)
		}
		if got := connectReasons(t, st)[from:]; !slices.Equal(got, []string{"token_exchange_failed"}) {
			t.Fatalf("connect-callback reasons %v, want [token_exchange_failed]", got)
		}
		if u := adminGetUser(t, st, devstack.DemoUsername); strings.Contains(u.Attributes["identities"], "Mosaic") {
			t.Fatalf("an identity was linked: %s", u.Attributes["identities"])
		}
	})
	t.Run("a native user connects Mosaic, then signs in with it into the same account", func(t *testing.T) {
		from := len(connectReasons(t, st))
		before := adminGetUser(t, st, devstack.DemoUsername)
		o := runFlow(t, st, "connect-then-federated", map[string]string{"HOSTED_SPKI": st.HostedSPKI, "PROVIDER_USER": devstack.ProviderUser})
		if o.ConnectState != "connected" || !strings.Contains(o.ConnectStatus, "Mosaic connected") {
			t.Fatalf("connect ended in %q: %s\nconsole: %s", o.ConnectState, o.ConnectStatus, strings.Join(o.Console, "\n"))
		}
		// The claims on screen are refreshed after Connect: they list the
		// connected provider; the sign-in buttons are not offered while
		// signed in (issue 20).
		if !strings.Contains(o.Extra["connectClaims"], `"Mosaic"`) || o.Extra["signInShown"] != "false" {
			t.Errorf("after Connect: claims %s, sign-in buttons shown %s", o.Extra["connectClaims"], o.Extra["signInShown"])
		}
		if got := connectReasons(t, st)[from:]; !slices.Equal(got, []string{"connected"}) {
			t.Fatalf("connect-callback reasons %v, want [connected]", got)
		}
		native, fed := pageClaims(t, o.NativeClaims), pageClaims(t, o.Claims)
		if native.Username != devstack.DemoUsername || native.Sub == "" || native.Sub != before.Sub {
			t.Fatalf("the password sign-in showed %+v, want the native user %s (%s)", native, devstack.DemoUsername, before.Sub)
		}
		if o.State != "signed-in" || !strings.Contains(o.Status, "with Mosaic") {
			t.Fatalf("the Mosaic sign-in ended in %q: %s\nconsole: %s", o.State, o.Status, strings.Join(o.Console, "\n"))
		}
		if fed.Username != native.Username || fed.Sub != native.Sub || !slices.Contains(fed.Identities, "Mosaic") {
			t.Fatalf("the Mosaic sign-in landed on %+v, want the native user %+v with the Mosaic identity", fed, native)
		}
		if u := adminGetUser(t, st, devstack.DemoUsername); !strings.Contains(u.Attributes["identities"], `"providerName":"Mosaic"`) {
			t.Fatalf("the native user's identities: %q", u.Attributes["identities"])
		}
	})
}

// connectReasons returns the reason codes the connect-callback function
// logged (through the local HTTP API's function runner).
func connectReasons(t *testing.T, st *devstack.Stack) []string {
	t.Helper()
	if st.APIRunner == nil {
		t.Fatal("no local HTTP API")
	}
	for id, fn := range st.Pool.Functions {
		if fn.Binary == "connect-callback" {
			var out []string
			for _, line := range strings.Split(st.APIRunner.FunctionLogs(id), "\n") {
				if rec := logFields(line); rec["handler"] == "connect-callback" && rec["reason"] != "" {
					out = append(out, rec["reason"])
				}
			}
			return out
		}
	}
	t.Fatal("the template has no connect-callback function")
	return nil
}

// logFields reads the string members of a handler's JSON log line by their
// exact names. A decision line is also a CloudWatch EMF document whose
// dimensions are top-level members too ("Handler", "Reason"): a struct
// would take them for "handler" and "reason", since encoding/json matches
// keys without regard to case.
func logFields(line string) map[string]string {
	i := strings.IndexByte(line, '{')
	if i < 0 {
		return nil
	}
	var m map[string]any
	if json.Unmarshal([]byte(line[i:]), &m) != nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// shownClaims is what the Mosaic page shows of the ID token.
type shownClaims struct {
	Username   string   `json:"cognito:username"`
	Sub        string   `json:"sub"`
	Identities []string `json:"identities"`
}

func pageClaims(t *testing.T, text string) shownClaims {
	t.Helper()
	var c shownClaims
	if err := json.Unmarshal([]byte(text), &c); err != nil {
		t.Fatalf("the page's claims %q: %v", text, err)
	}
	return c
}

type poolUser struct {
	Sub        string
	Attributes map[string]string
}

// adminGetUser asks the local pool (AdminGetUser; the local endpoint wants
// a SigV4 Authorization header, not its signature).
func adminGetUser(t *testing.T, st *devstack.Stack, username string) poolUser {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"UserPoolId": st.Pool.Config.PoolID, "Username": username})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, st.EndpointURL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.AdminGetUser")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/browser-test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		UserAttributes []struct{ Name, Value string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("AdminGetUser %s: %d %v", username, resp.StatusCode, err)
	}
	u := poolUser{Attributes: map[string]string{}}
	for _, a := range out.UserAttributes {
		u.Attributes[a.Name] = a.Value
	}
	u.Sub = u.Attributes["sub"]
	return u
}
