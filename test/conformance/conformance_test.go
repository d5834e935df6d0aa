package conformance

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/middleware"

	"github.com/cognitobridge/cognitobridge/test/motoserver"
)

var update = flag.Bool("update", false, "rewrite the table in docs/conformance.md from this run's observations")

// docPath is the committed table (with its hand-written text).
var docPath = filepath.Join("..", "..", "docs", "conformance.md")

// jsDir holds the pinned JS clients (package.json, package-lock.json).
var jsDir = filepath.Join("testdata", "js")

// need skips with one line, or fails when CI=true (CI must not silently
// lose a check whose peer is missing).
func need(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("required when CI=true: %s", msg)
	}
	t.Skip(msg)
}

var jsOnce struct {
	sync.Once
	node, err string
}

// nodeClients finds node and installs the pinned clients once (npm ci from
// the committed package-lock.json, again whenever the lock changed).
func nodeClients(t *testing.T) string {
	t.Helper()
	jsOnce.Do(func() {
		node, err := exec.LookPath("node")
		if err != nil {
			jsOnce.err = "node not found; install Node 20+ and npm (the test runs npm ci in " + jsDir + " itself)"
			return
		}
		lock, err := os.Stat(filepath.Join(jsDir, "package-lock.json"))
		if err != nil {
			jsOnce.err = err.Error()
			return
		}
		installed, err := os.Stat(filepath.Join(jsDir, "node_modules", ".package-lock.json"))
		if err != nil || installed.ModTime().Before(lock.ModTime()) {
			cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
			cmd.Dir = jsDir
			if out, err := cmd.CombinedOutput(); err != nil {
				jsOnce.err = fmt.Sprintf("npm ci in %s: %v\n%s", jsDir, err, out)
				return
			}
		}
		jsOnce.node = node
	})
	if jsOnce.err != "" {
		need(t, jsOnce.err)
	}
	return jsOnce.node
}

// jsRunner runs a script of testdata/js and returns its last line.
func jsRunner(node string) func(ctx context.Context, script string, env map[string]string) ([]byte, error) {
	return func(ctx context.Context, script string, env map[string]string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, node, script)
		cmd.Dir = jsDir
		cmd.Env = os.Environ()
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("%s: %v: %s", script, err, lastLine(stderr.Bytes()))
		}
		return lastLine(out), nil
	}
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}

// startMoto runs moto_server with TOTP checking on and provisions the
// pools there.
func startMoto(t *testing.T) *Target {
	t.Helper()
	if _, err := exec.LookPath(motoserver.Binary); err != nil {
		need(t, motoserver.Binary+" not on PATH (pip install 'moto[server]')")
	}
	// moto checks TOTP codes only with this set (moto/settings.py).
	t.Setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
	endpoint := motoserver.Start(t)
	codes := &headerCodes{}
	tg := &Target{
		Name:        "moto",
		Region:      motoserver.Region,
		Credentials: motoserver.Credentials,
		Codes:       codes,
		apiOptions:  []func(*middleware.Stack) error{codes.middleware},
	}
	tg.Users = adminUsers{tg}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cleanup, err := Provision(ctx, tg, endpoint)
	if err != nil {
		t.Fatalf("provisioning moto: %v", err)
	}
	t.Cleanup(cleanup)
	return tg
}

// observe runs every probe on e's target, in order.
func observe(t *testing.T, e *Env) Observations {
	t.Helper()
	obs := Observations{}
	for _, p := range Probes {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		start := time.Now()
		obs[p.Name] = p.Run(ctx, e)
		cancel()
		t.Logf("%s %s (%s): %s", e.T.Name, p.Name, time.Since(start).Round(time.Millisecond), obs[p.Name])
	}
	return obs
}

// TestConformance runs every probe against the local endpoint and moto,
// checks the local endpoint against the documented expectations, and the
// observations of both against the table in docs/conformance.md.
func TestConformance(t *testing.T) {
	node := nodeClients(t)
	moto := startMoto(t)
	local, stop, err := StartLocal()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	js := jsRunner(node)

	// The two targets run side by side: each runs its probes in order.
	var lobs, mobs Observations
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); lobs = observe(t, &Env{T: local, JS: js}) }()
	go func() { defer wg.Done(); mobs = observe(t, &Env{T: moto, JS: js}) }()
	wg.Wait()

	t.Run("local follows the documentation", func(t *testing.T) {
		for _, p := range Probes {
			got := lobs[p.Name]
			branch, waiting := WaitingOnBranch[p.Name]
			switch {
			case got == p.Want && waiting:
				t.Errorf("%s: the local endpoint now observes the documented %q: remove it from WaitingOnBranch (%s)", p.Name, got, branch)
			case got != p.Want && !waiting:
				t.Errorf("%s: local observes %q, the documentation %q (%s)", p.Name, got, p.Want, p.Doc)
			}
		}
	})

	t.Run("table", func(t *testing.T) {
		raw, err := os.ReadFile(docPath)
		if err != nil {
			t.Fatal(err)
		}
		before, table, after, err := SplitDoc(string(raw))
		if err != nil {
			t.Fatalf("%s: %v", docPath, err)
		}
		want := RenderTable(lobs, mobs)
		if table == want {
			return
		}
		if *update {
			if err := os.WriteFile(docPath, []byte(before+want+after), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("rewrote the table in %s", docPath)
			return
		}
		old, cur := TableRows(table), TableRows(want)
		var changed []string
		for name, row := range cur {
			if old[name] != row {
				changed = append(changed, fmt.Sprintf("  %s\n    committed: %s\n    observed:  %s", name, orNone(old[name]), row))
			}
		}
		for name, row := range old {
			if _, ok := cur[name]; !ok {
				changed = append(changed, fmt.Sprintf("  %s\n    committed: %s\n    observed:  (no such probe)", name, row))
			}
		}
		sort.Strings(changed)
		t.Errorf("the observations differ from the table in %s:\n%s\n\nIf the change is intended, run `go test ./test/conformance -update` (or paste the table below):\n\n%s",
			docPath, strings.Join(changed, "\n"), want)
	})
}

func orNone(s string) string {
	if s == "" {
		return "(not in the table)"
	}
	return s
}

// TestConformanceAWS runs the probes against a real account when
// COGNITOBRIDGE_CONFORMANCE_REGION is set (see the package doc): it creates
// two pools, checks every probe against the documented expectation, and
// deletes the pools. Nothing in this repository has run it.
func TestConformanceAWS(t *testing.T) {
	region := os.Getenv("COGNITOBRIDGE_CONFORMANCE_REGION")
	if region == "" {
		t.Skip("set COGNITOBRIDGE_CONFORMANCE_REGION (and AWS credentials) to probe a real user pool")
	}
	node := nodeClients(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		t.Fatal(err)
	}
	tg := &Target{Name: "aws", Region: region, Credentials: cfg.Credentials}
	tg.Users = adminUsers{tg}
	cleanup, err := Provision(ctx, tg, os.Getenv("COGNITOBRIDGE_CONFORMANCE_ENDPOINT"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	obs := observe(t, &Env{T: tg, JS: jsRunner(node)})
	for _, p := range Probes {
		if obs[p.Name] != p.Want {
			t.Errorf("%s: the real pool observes %q, our reading of the documentation %q (%s)", p.Name, obs[p.Name], p.Want, p.Doc)
		}
	}
}
