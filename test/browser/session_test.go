package browser_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// tokenClaims are the claims the driver decodes from a token Amplify keeps
// in localStorage (flows.mjs storedClaims; never the token itself).
type tokenClaims struct {
	Sub             string   `json:"sub"`
	Username        string   `json:"username"`
	CognitoUsername string   `json:"cognito:username"`
	ClientID        string   `json:"client_id"`
	JTI             string   `json:"jti"`
	OriginJTI       string   `json:"origin_jti"`
	IAT             int64    `json:"iat"`
	AuthTime        int64    `json:"auth_time"`
	StepUpAt        *int64   `json:"cognitobridge:stepup_at"`
	StepUpReason    *string  `json:"cognitobridge:stepup_reason"`
	IAL             *string  `json:"custom:ial"`
	Identities      []string `json:"identities"`
}

// user is who a token names: the access token's username, the ID token's
// cognito:username.
func (c tokenClaims) user() string { return c.Username + c.CognitoUsername }

// storedTokens are the access and ID tokens' claims; nil when signed out.
type storedTokens struct {
	Access, ID *tokenClaims
}

// sessionReport is what flows.mjs refreshThenSignOut saw: the page and
// the stored tokens before and after Refresh session, then after Sign out,
// and the pool's answer to the kept refresh token.
type sessionReport struct {
	SignInState, SignInClaims            string
	Before, After                        *storedTokens
	RefreshState, RefreshStatus, Caption string
	RefreshedClaims                      string
	SignOutState, SignOutStatus          string
	StoredAfterSignOut                   *storedTokens
	ButtonsShown                         bool
	Revoked                              string
}

// refreshed checks that the refresh really renewed the tokens (new jti
// and iat not earlier, both tokens) for the same user (sub, user name),
// that the page said so and showed the new claims under "after refresh",
// and returns the access tokens' claims before and after.
func refreshed(t *testing.T, o outcome) (before, after tokenClaims) {
	t.Helper()
	s := o.Session
	if s == nil {
		t.Fatalf("the flow never reached Refresh session: state %q: %s\nconsole: %s", o.State, o.Status, strings.Join(o.Console, "\n"))
	}
	if s.RefreshState != "refreshed" || !strings.HasPrefix(s.RefreshStatus, "Session refreshed") || !strings.Contains(s.Caption, "after refresh") {
		t.Fatalf("Refresh session ended in %q: %s (caption %q)\nconsole: %s", s.RefreshState, s.RefreshStatus, s.Caption, strings.Join(o.Console, "\n"))
	}
	if s.Before == nil || s.After == nil || s.Before.Access == nil || s.After.Access == nil || s.Before.ID == nil || s.After.ID == nil {
		t.Fatalf("stored tokens before %+v, after %+v", s.Before, s.After)
	}
	for _, p := range []struct {
		name          string
		before, after *tokenClaims
	}{{"access", s.Before.Access, s.After.Access}, {"ID", s.Before.ID, s.After.ID}} {
		if p.after.JTI == "" || p.after.JTI == p.before.JTI || p.after.IAT < p.before.IAT {
			t.Errorf("the %s token was not renewed: jti %q -> %q, iat %d -> %d", p.name, p.before.JTI, p.after.JTI, p.before.IAT, p.after.IAT)
		}
		if p.after.Sub == "" || p.after.Sub != p.before.Sub || p.after.user() != p.before.user() {
			t.Errorf("the refreshed %s token names %s (%s), the sign-in's %s (%s)", p.name, p.after.user(), p.after.Sub, p.before.user(), p.before.Sub)
		}
	}
	if s.After.Access.OriginJTI == "" || s.After.Access.OriginJTI != s.Before.Access.OriginJTI || s.After.Access.AuthTime != s.Before.Access.AuthTime {
		t.Errorf("the refresh is not of the same sign-in: origin_jti %q -> %q, auth_time %d -> %d",
			s.Before.Access.OriginJTI, s.After.Access.OriginJTI, s.Before.Access.AuthTime, s.After.Access.AuthTime)
	}
	return *s.Before.Access, *s.After.Access
}

// noStepUpAfterRefresh checks that the sign-in's access token carried the
// step-up claims and the refreshed one carries none, on the page too.
func noStepUpAfterRefresh(t *testing.T, o outcome, wantReason string) {
	t.Helper()
	before, after := refreshed(t, o)
	if before.StepUpAt == nil || before.StepUpReason == nil || *before.StepUpReason != wantReason {
		t.Errorf("the step-up sign-in's access token: stepup_at set %v, stepup_reason %s; want both, %s", before.StepUpAt != nil, deref(before.StepUpReason), wantReason)
	}
	if after.StepUpAt != nil || after.StepUpReason != nil {
		t.Errorf("the refreshed access token carries stepup_at %v, stepup_reason %s", after.StepUpAt != nil, deref(after.StepUpReason))
	}
	var shown map[string]any
	if err := json.Unmarshal([]byte(o.Session.RefreshedClaims), &shown); err != nil {
		t.Fatalf("the page's claims after refresh %q: %v", o.Session.RefreshedClaims, err)
	}
	if shown["username"] != after.Username {
		t.Errorf("the page shows %v after refresh, the token names %s", shown["username"], after.Username)
	}
	for k, v := range shown {
		if strings.Contains(k, "stepup") && v != nil {
			t.Errorf("the page shows %s = %v after refresh", k, v)
		}
	}
}

// signedOutAndRevoked checks Sign out: the page in wantState without the
// session buttons, no tokens left in localStorage, and the refresh token
// kept from before refused by the pool.
func signedOutAndRevoked(t *testing.T, o outcome, wantState string) {
	t.Helper()
	s := o.Session
	if s.SignOutState != wantState {
		t.Fatalf("after Sign out the page is %q: %s\nconsole: %s", s.SignOutState, s.SignOutStatus, strings.Join(o.Console, "\n"))
	}
	if s.ButtonsShown {
		t.Error("the session buttons are still shown after Sign out")
	}
	if s.StoredAfterSignOut != nil && (s.StoredAfterSignOut.Access != nil || s.StoredAfterSignOut.ID != nil) {
		t.Errorf("tokens left in localStorage after Sign out: %+v", s.StoredAfterSignOut)
	}
	if !strings.Contains(s.Revoked, "NotAuthorizedException") {
		t.Errorf("GetTokensFromRefreshToken with the signed-out refresh token: %q, want NotAuthorizedException", s.Revoked)
	}
	t.Logf("after Sign out, the kept refresh token: %s", s.Revoked)
}
