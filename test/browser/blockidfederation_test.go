package browser_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/localcognito/devstack"
)

// assuranceShown is what the BlockID federation page shows of the tokens.
type assuranceShown struct {
	Email      string   `json:"email"`
	Identities []string `json:"identities"`
	IDToken    struct {
		IAL    *string `json:"custom:ial"`
		IALAt  *string `json:"custom:ial_at"`
		IALSrc *string `json:"custom:ial_src"`
	} `json:"idToken"`
	AccessToken struct {
		IAL *string `json:"custom:ial"`
	} `json:"accessToken"`
}

func shownAssurance(t *testing.T, text string) assuranceShown {
	t.Helper()
	var a assuranceShown
	if err := json.Unmarshal([]byte(text), &a); err != nil {
		t.Fatalf("the page's claims %q: %v", text, err)
	}
	return a
}

func deref(s *string) string {
	if s == nil {
		return "<none>"
	}
	return *s
}

// TestBlockIDFederation runs the BlockID federation sample: Amplify v6
// signInWithRedirect through the local pool domain to the loopback
// provider playing BlockID (its issuer, derived from TenantDns and
// Community in the template, substituted by devstack, logged), the
// provider's amr mapped into custom:idp_ial_raw, and the real pre token
// generation binary with the assurance behaviour writing custom:ial on
// the local pool.
func TestBlockIDFederation(t *testing.T) {
	st := startStack(t, "blockid-federation")
	if st.HostedURL == "" || st.Config.OAuthDomain == "" || st.Config.ProviderName != "BlockID" {
		t.Fatalf("no hosted sign-in: %q %+v", st.HostedURL, st.Config)
	}
	env := func(user string) map[string]string {
		return map[string]string{"HOSTED_SPKI": st.HostedSPKI, "PROVIDER_USER": user}
	}

	t.Run("an identity-assured BlockID user gets custom:ial", func(t *testing.T) {
		// The flow double-clicks "Sign in with BlockID" (issue 20).
		o := runFlow(t, st, "blockid-assured", env(devstack.AssuredUser))
		if o.State != "signed-in" {
			t.Fatalf("state %q: %s\nconsole: %s", o.State, o.Status, strings.Join(o.Console, "\n"))
		}
		if o.Extra["authorizes"] != "1" || o.Extra["signInShown"] != "false" {
			t.Errorf("a double click sent %s redirects to /oauth2/authorize (want 1); signed in, the sign-in button shown: %s", o.Extra["authorizes"], o.Extra["signInShown"])
		}
		a := shownAssurance(t, o.Claims)
		if a.Email != devstack.AssuredEmail || !slices.Contains(a.Identities, "BlockID") {
			t.Fatalf("signed in as %+v", a)
		}
		if deref(a.IDToken.IAL) != "2" || deref(a.IDToken.IALSrc) != "BlockID" || a.IDToken.IALAt == nil || deref(a.AccessToken.IAL) != "2" {
			t.Fatalf("assurance in the tokens: ID custom:ial %s (src %s, at %s), access custom:ial %s; want 2 from BlockID in both",
				deref(a.IDToken.IAL), deref(a.IDToken.IALSrc), deref(a.IDToken.IALAt), deref(a.AccessToken.IAL))
		}
		if got := reasons(st, localcognito.SlotPreTokenGeneration); !slices.Contains(got, "assurance_granted") {
			t.Errorf("pre token generation reasons %v, want assurance_granted", got)
		}
		u := adminGetUser(t, st, "BlockID_sub-"+devstack.AssuredUser)
		if u.Attributes["custom:ial"] != "2" || u.Attributes["custom:ial_email"] != devstack.AssuredEmail || u.Attributes["custom:ial_src"] != "BlockID" {
			t.Errorf("the pool's user: %v", u.Attributes)
		}
		t.Logf("the provider's amr %q reached the pool as custom:idp_ial_raw %q", devstack.AssuredAMR, u.Attributes["custom:idp_ial_raw"])
	})

	t.Run("the assured user's refreshed tokens keep custom:ial, sign-out revokes the refresh token", func(t *testing.T) {
		from := len(reasons(st, localcognito.SlotPreTokenGeneration))
		o := runFlow(t, st, "blockid-assured-session", env(devstack.AssuredUser))
		before, _ := refreshed(t, o)
		s := o.Session
		if deref(s.Before.ID.IAL) != "2" || deref(s.After.ID.IAL) != "2" || deref(s.After.Access.IAL) != "2" {
			t.Errorf("custom:ial: ID %s -> %s, access %s -> %s; want 2 throughout",
				deref(s.Before.ID.IAL), deref(s.After.ID.IAL), deref(s.Before.Access.IAL), deref(s.After.Access.IAL))
		}
		if !slices.Contains(s.After.ID.Identities, "BlockID") || before.Username != "BlockID_sub-"+devstack.AssuredUser {
			t.Errorf("the refreshed session is %s with identities %v", before.Username, s.After.ID.Identities)
		}
		if a := shownAssurance(t, s.RefreshedClaims); deref(a.IDToken.IAL) != "2" || deref(a.AccessToken.IAL) != "2" {
			t.Errorf("the page after refresh shows %+v", a)
		}
		// The refresh reads the level the pool holds, still bound to the
		// verified email (the sign-in logged assurance_granted on the
		// first grant, assurance_bound after).
		if got := reasons(st, localcognito.SlotPreTokenGeneration)[from:]; len(got) != 2 || got[1] != "assurance_bound" {
			t.Errorf("pre token generation reasons (sign-in, refresh) %v, want the refresh's assurance_bound", got)
		}
		// Amplify's signOut() after a hosted sign-in leaves through the
		// pool's /logout, which returns to the page: signed out, 'ready'.
		signedOutAndRevoked(t, o, "ready")
	})

	t.Run("a BlockID user without an assurance level gets none, and cannot assert one", func(t *testing.T) {
		from := len(reasons(st, localcognito.SlotPreTokenGeneration))
		o := runFlow(t, st, "blockid-unassured", env(devstack.UnassuredUser))
		if o.Extra["attempt"] == "" {
			t.Fatalf("state %q: %s, extra %v\nconsole: %s", o.State, o.Status, o.Extra, strings.Join(o.Console, "\n"))
		}
		first := shownAssurance(t, o.Extra["signInClaims"])
		if first.Email != devstack.UnassuredEmail || first.IDToken.IAL != nil || first.AccessToken.IAL != nil {
			t.Fatalf("the sign-in showed %+v, want no custom:ial", first)
		}
		var attempt map[string]any
		if err := json.Unmarshal([]byte(o.Extra["attempt"]), &attempt); err != nil {
			t.Fatalf("attempt %q: %v", o.Extra["attempt"], err)
		}
		t.Logf("UpdateUserAttributes with the user's own access token: %v", attempt)
		// The hosted client's tokens carry only its OAuth scopes (openid,
		// email, profile), not aws.cognito.signin.user.admin: Cognito
		// refuses UpdateUserAttributes with them whatever the attribute
		// (the write lists are a second wall: custom:ial is on none, see
		// TestWriteListChecksCatchTheOldBlockIDSample and localcognito's
		// TestUpdateUserAttributesWriteList).
		for _, attr := range []string{"custom:ial", "custom:idp_ial_raw"} {
			if s, _ := attempt[attr].(string); !strings.HasPrefix(s, "refused (NotAuthorizedException)") {
				t.Errorf("writing %s: %q, want refused (NotAuthorizedException)", attr, s)
			}
		}
		if v, ok := attempt["after refresh: custom:ial"]; !ok || v != nil {
			t.Errorf("after the attempt and a refresh: custom:ial %v (shown: %v), want none", v, ok)
		}
		// The refresh was a real one: new tokens of the same sign-in.
		var storedBefore, storedAfter storedTokens
		if json.Unmarshal([]byte(o.Extra["before"]), &storedBefore) != nil || json.Unmarshal([]byte(o.Extra["after"]), &storedAfter) != nil || storedBefore.ID == nil || storedAfter.ID == nil {
			t.Fatalf("stored tokens before %q, after %q", o.Extra["before"], o.Extra["after"])
		}
		if storedAfter.ID.JTI == storedBefore.ID.JTI || storedAfter.ID.Sub != storedBefore.ID.Sub || storedAfter.ID.OriginJTI != storedBefore.ID.OriginJTI {
			t.Errorf("the ID token after the refresh: jti %q -> %q, sub %q -> %q, origin_jti %q -> %q; want a new token of the same sign-in",
				storedBefore.ID.JTI, storedAfter.ID.JTI, storedBefore.ID.Sub, storedAfter.ID.Sub, storedBefore.ID.OriginJTI, storedAfter.ID.OriginJTI)
		}
		if storedAfter.ID.IAL != nil || storedAfter.Access.IAL != nil {
			t.Errorf("the refreshed tokens carry custom:ial %s / %s", deref(storedAfter.ID.IAL), deref(storedAfter.Access.IAL))
		}
		after := shownAssurance(t, o.Claims)
		if after.IDToken.IAL != nil || after.AccessToken.IAL != nil {
			t.Errorf("after the attempt the tokens carry %+v", after)
		}
		got := reasons(st, localcognito.SlotPreTokenGeneration)[from:]
		if !slices.Contains(got, "provider_no_level") || slices.Contains(got, "assurance_granted") {
			t.Errorf("pre token generation reasons %v, want provider_no_level and no grant", got)
		}
		// The flow double-clicks the attempt (issue 20): one refresh after
		// the sign-in, and the page says what it tried.
		if len(got) != 2 || o.State != "attempted" {
			t.Errorf("pre token generation ran %d times (%v), want the sign-in's and one refresh's; the page ended %q: %s", len(got), got, o.State, o.Status)
		}
		u := adminGetUser(t, st, "BlockID_sub-"+devstack.UnassuredUser)
		if u.Attributes["custom:ial"] != "" {
			t.Errorf("the pool's user has custom:ial %q", u.Attributes["custom:ial"])
		}
	})
}
