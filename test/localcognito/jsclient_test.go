package localcognito

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// jsClientDir holds the pinned amazon-cognito-identity-js and signin.js.
var jsClientDir = filepath.Join("testdata", "jsclient")

var jsOnce struct {
	sync.Once
	node, err string
}

// jsClient finds node and installs amazon-cognito-identity-js once. In CI
// a missing peer fails; elsewhere the test skips saying how to enable it.
func jsClient(t *testing.T) string {
	t.Helper()
	jsOnce.Do(func() {
		node, err := exec.LookPath("node")
		if err != nil {
			jsOnce.err = "node not found"
			return
		}
		if _, err := os.Stat(filepath.Join(jsClientDir, "node_modules", "amazon-cognito-identity-js", "package.json")); err != nil {
			cmd := exec.Command("npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error")
			cmd.Dir = jsClientDir
			if out, err := cmd.CombinedOutput(); err != nil {
				jsOnce.err = "npm install in " + jsClientDir + ": " + err.Error() + "\n" + string(out)
				return
			}
		}
		jsOnce.node = node
	})
	if jsOnce.err != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the JS client check is required in CI: %s", jsOnce.err)
		}
		t.Skipf("%s; install Node 20+ and npm (the test installs amazon-cognito-identity-js into %s itself)", jsOnce.err, jsClientDir)
	}
	return jsOnce.node
}

// TestJSClientSignsInOverHTTP: an independent client, amazon-cognito-identity-js
// 6.3's own USER_SRP_AUTH sign-in (its SRP, its JSON protocol client, its
// fetch), against the endpoint over HTTP: the right password gets tokens,
// a wrong one NotAuthorizedException, and a client that does not allow the
// flow is refused. (Amplify v6 in Chromium is the other client: test/browser.)
func TestJSClientSignsInOverHTTP(t *testing.T) {
	node := jsClient(t)
	e := newEnv(t, nil)
	e.seed(t, "js@example.com", "Right-Passw0rd!")
	cases := []struct {
		name, client, password string
		ok                     bool
		code                   string
	}{
		{"right password", clientSRP, "Right-Passw0rd!", true, ""},
		{"wrong password", clientSRP, "Wrong-Passw0rd!", false, "NotAuthorizedException"},
		{"flow not allowed", clientCust, "Right-Passw0rd!", false, "InvalidParameterException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(node, "signin.js")
			cmd.Dir = jsClientDir
			cmd.Env = append(os.Environ(), "ENDPOINT="+e.ts.URL+"/", "POOL_ID="+testPool, "CLIENT_ID="+c.client,
				"USERNAME=js@example.com", "PASSWORD="+c.password)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("signin.js: %v\n%s", err, out)
			}
			var got struct {
				OK                         bool
				Code, Message              string
				IDTokenUse, AccessUsername string
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("signin.js printed %q: %v", out, err)
			}
			if got.OK != c.ok || got.Code != c.code {
				t.Fatalf("ok=%v code=%q (%s), want ok=%v code=%q", got.OK, got.Code, got.Message, c.ok, c.code)
			}
			if c.ok && got.IDTokenUse != "id" {
				t.Errorf("ID token's token_use %q", got.IDTokenUse)
			}
		})
	}
}
