// Package browser_test drives every sample page in headless Chromium with
// the real Amplify v6 and @cognitobridge/client, through the local Cognito
// endpoint (test/localcognito), the real trigger binaries and the real
// loopback OpenID Provider (test/localcognito/devstack). Each flow has its
// refusal twin. The browser is driven by playwright-core (testdata/driver)
// against Debian's chromium: Go owns the servers and the server-side
// assertions, the Node script owns the clicks.
package browser_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/test/localcognito"
	"github.com/cognitobridge/cognitobridge/test/localcognito/devstack"
)

var screenshots = flag.String("screenshots", "", "directory the flows' screenshots are written to (make screenshots: docs/screenshots); default: a temporary directory")

func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Verbose() {
		slog.SetDefault(slog.New(slog.DiscardHandler)) // the provider logs every request
	}
	os.Exit(m.Run())
}

const driverDir = "testdata/driver"

// need fails in CI (CI=true) and skips elsewhere, with one line saying how
// to enable the browser tests.
func need(t *testing.T, what string) {
	t.Helper()
	msg := "browser tests: " + what
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// chromium finds Debian's chromium (or COGNITOBRIDGE_CHROMIUM).
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs Chromium")
	}
	if p := os.Getenv("COGNITOBRIDGE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	need(t, "no Chromium; `make test` installs Debian's chromium when run as root (apt-get install chromium), or set COGNITOBRIDGE_CHROMIUM")
	return ""
}

var driverOnce struct {
	sync.Once
	node, err string
}

// driver finds node and installs the pinned playwright-core once per run.
func driver(t *testing.T) string {
	t.Helper()
	driverOnce.Do(func() {
		node, err := exec.LookPath("node")
		if err != nil {
			driverOnce.err = "node not found (install Node 20+)"
			return
		}
		if _, err := os.Stat(filepath.Join(driverDir, "node_modules", "playwright-core", "package.json")); err != nil {
			cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error")
			cmd.Dir = driverDir
			if out, err := cmd.CombinedOutput(); err != nil {
				driverOnce.err = fmt.Sprintf("npm install in %s: %v\n%s", driverDir, err, out)
				return
			}
		}
		driverOnce.node = node
	})
	if driverOnce.err != "" {
		need(t, driverOnce.err)
	}
	return driverOnce.node
}

// webBundle checks that the sample's page was bundled (make web).
func webBundle(t *testing.T, app string) {
	t.Helper()
	app = devstack.PageOf(app)
	if _, err := os.Stat(filepath.Join("..", "..", "apps", app, "web", "dist", "main.js")); err != nil {
		need(t, "apps/"+app+"/web is not bundled; run `make web` (make test does)")
	}
}

// outcome is the driver's report of one flow.
type outcome struct {
	Flow, State, Status, Claims, Error string
	Console                            []string
	Rejected                           []struct{ Reason, Origin string }
	AfterForgery                       string
	Tampered                           int
	SecondState                        string
	// NativeClaims, ConnectState and ConnectStatus: the page after the
	// password sign-in and after connecting a provider (flows-federation).
	NativeClaims, ConnectState, ConnectStatus string
	// Extra is what a style's flows report beyond these (by name).
	Extra map[string]string
	// Session: Refresh session and Sign out after a sign-in
	// (flows.mjs refreshThenSignOut; session_test.go).
	Session *sessionReport
}

// runFlow runs flow against the stack and returns what the page ended in.
func runFlow(t *testing.T, st *devstack.Stack, flow string, extra map[string]string) outcome {
	t.Helper()
	node := driver(t)
	dir := *screenshots
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot, err := filepath.Abs(filepath.Join(dir, st.App+"-"+flow+".png"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "flows.mjs", flow)
	cmd.Dir = driverDir
	cmd.Env = append(os.Environ(),
		"CHROMIUM="+chromium(t),
		"WEB_URL="+st.WebURL,
		"PROVIDER_URL="+st.Provider.Issuer(),
		"SCREENSHOT="+shot,
		"USERNAME="+devstack.DemoUsername,
		"PASSWORD="+devstack.DemoPassword,
		"PROVIDER_USER="+devstack.ProviderUser,
		"PROVIDER_PASSWORD="+devstack.ProviderPassword,
	)
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	start := time.Now()
	out, err := cmd.Output()
	t.Logf("%s: %s in the browser", flow, time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("driver %s: %v\n%s", flow, err, out)
	}
	var o outcome
	if err := json.Unmarshal(out, &o); err != nil {
		t.Fatalf("driver %s printed %q: %v", flow, out, err)
	}
	if o.Error != "" {
		t.Fatalf("%s: the page did not get where the flow goes: %s\nstatus: %s\nconsole: %s", flow, o.Error, o.Status, strings.Join(o.Console, "\n"))
	}
	return o
}

// startStack brings up app's local stack for one test.
func startStack(t *testing.T, app string) *devstack.Stack {
	t.Helper()
	chromium(t)
	driver(t)
	webBundle(t, app)
	var logs io.Writer = io.Discard
	if testing.Verbose() {
		logs = os.Stderr
	}
	st, err := devstack.Start(t.Context(), t, devstack.Options{App: app, Log: logs})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// reasons returns the reason codes slot's function logged.
func reasons(st *devstack.Stack, slot localcognito.Slot) []string {
	var out []string
	for _, line := range strings.Split(st.Runner.Logs(slot), "\n") {
		var rec struct {
			Reason string `json:"reason"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Reason != "" {
			out = append(out, rec.Reason)
		}
	}
	return out
}

// foreignOrigin serves a page on another origin that posts a well-formed
// answer for the given state to its parent: a forger framed into the app.
func foreignOrigin(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		msg, _ := json.Marshal(map[string]string{"code": "forged-code", "state": r.URL.Query().Get("state")})
		target, _ := json.Marshal(r.URL.Query().Get("target"))
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<script>parent.postMessage(%s, %s)</script>`, msg, target)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestStepUpAfterPassword runs the password + step-up styles: BlockID in
// an iframe, Biopass/OIDC in a popup. Each has the rightful user's sign-in
// and its refusal twins.
func TestStepUpAfterPassword(t *testing.T) {
	for _, app := range []string{"blockid-stepup", "biopass-mfa"} {
		t.Run(app, func(t *testing.T) {
			st := startStack(t, app)
			mode := map[string]string{"MODE": string(st.Mode)}

			t.Run("rightful user signs in with password and step-up", func(t *testing.T) {
				o := runFlow(t, st, "stepup", mode)
				if o.State != "signed-in" {
					t.Fatalf("state %q: %s\nconsole: %s", o.State, o.Status, strings.Join(o.Console, "\n"))
				}
				if !strings.Contains(o.Claims, "stepup") {
					t.Errorf("the access token carries no step-up claims: %s", o.Claims)
				}
				if got := reasons(st, localcognito.SlotVerifyAuthChallenge); !slices.Contains(got, "ok") {
					t.Errorf("Verify reasons %v, want ok", got)
				}
			})
			t.Run("refresh drops the step-up claims, sign-out revokes the refresh token", func(t *testing.T) {
				from := len(reasons(st, localcognito.SlotPreTokenGeneration))
				o := runFlow(t, st, "stepup-session", mode)
				noStepUpAfterRefresh(t, o, "sign_in")
				// The step-up sign-in consumed its record (ok); the refresh
				// (GetTokensFromRefreshToken: TokenGeneration_Authentication
				// without the sign-in's binding) passed on this
				// custom-auth-only client without claims.
				if got := reasons(st, localcognito.SlotPreTokenGeneration)[from:]; !slices.Equal(got, []string{"ok", "ok_custom_auth_only"}) {
					t.Errorf("pre token generation reasons %v, want [ok ok_custom_auth_only]", got)
				}
				signedOutAndRevoked(t, o, "signed-out")
			})
			t.Run("wrong password is refused", func(t *testing.T) {
				o := runFlow(t, st, "wrong-password", mode)
				if o.State != "refused" || !strings.Contains(o.Status, "NotAuthorizedException") {
					t.Fatalf("state %q: %s", o.State, o.Status)
				}
			})
			t.Run("message from a foreign origin is ignored", func(t *testing.T) {
				extra := map[string]string{"MODE": string(st.Mode), "FOREIGN_URL": foreignOrigin(t)}
				o := runFlow(t, st, "foreign-origin", extra)
				if o.AfterForgery != "stepup" {
					t.Fatalf("after the forged message the page is %q, want still waiting for the step-up", o.AfterForgery)
				}
				if len(o.Rejected) == 0 || o.Rejected[0].Reason != "origin" {
					t.Fatalf("rejected messages %+v, want one refused for its origin", o.Rejected)
				}
			})
			t.Run("tampered code is refused by Verify", func(t *testing.T) {
				before := len(reasons(st, localcognito.SlotVerifyAuthChallenge))
				o := runFlow(t, st, "tampered-code", mode)
				if o.Tampered != 1 {
					t.Fatalf("the code was tampered %d times", o.Tampered)
				}
				if o.State == "signed-in" {
					t.Fatal("a tampered code signed in")
				}
				got := reasons(st, localcognito.SlotVerifyAuthChallenge)[before:]
				if !slices.Contains(got, "token_exchange_failed") {
					t.Fatalf("Verify reasons %v, want token_exchange_failed", got)
				}
				if o.SecondState == "" {
					t.Fatal("no second challenge after the refused answer")
				}
			})
		})
	}
}
