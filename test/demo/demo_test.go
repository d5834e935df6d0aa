package main

import (
	"bufio"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/test/syncbuf"
)

// TestDemoStartsAndStops runs the demo command as `make demo` does, for a
// step-up sample and a sample with a hosted sign-in: it must print the
// page's URL, the credentials and the provider accounts that work for that
// sample, serve the page and its configuration (and, with a pool domain, a
// page at the domain's root saying the certificate was accepted), write
// nothing else to the terminal (request logs and TLS noise go to the log
// file), and stop everything (the provider too) on Ctrl-C.
func TestDemoStartsAndStops(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the demo and starts moto_server and the sample's handlers")
	}
	if _, err := exec.LookPath("moto_server"); err != nil {
		skipOrFail(t, "moto_server not on PATH (pip install 'moto[server]')")
	}
	bin := filepath.Join(t.TempDir(), "demo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, tc := range []struct {
		app  string
		want []string
	}{
		{"blockid-stepup", []string{`username "demo"`, `password "Demo-Passw0rd!"`, `At provider username "demo", password "provider-demo": the step-up`}},
		{"mosaic-passwordless", []string{`username "demo"`, `At provider username "newcomer", password "provider-demo": signs up a new federated user`, "Domain      https://"}},
	} {
		t.Run(tc.app, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join("..", "..", "apps", tc.app, "web", "dist", "main.js")); err != nil {
				skipOrFail(t, "apps/"+tc.app+"/web is not bundled; run `make web` (make test does)")
			}
			runDemo(t, bin, tc.app, tc.want)
		})
	}
}

func runDemo(t *testing.T, bin, app string, want []string) {
	cmd := exec.Command(bin, "-app", app, "-port", "0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var printed []string
	var page, provider, domain string
	ready := false
	deadline := time.After(2 * time.Minute)
	for !ready {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the demo exited before it was ready:\n%s\nstderr:\n%s", strings.Join(printed, "\n"), stderr.String())
			}
			printed = append(printed, l)
			if m := regexp.MustCompile(`^\s+Open\s+(http://127\.0\.0\.1:\d+)$`).FindStringSubmatch(l); m != nil {
				page = m[1]
			}
			if m := regexp.MustCompile(`^\s+Provider\s+(http://127\.0\.0\.1:\d+)$`).FindStringSubmatch(l); m != nil {
				provider = m[1]
			}
			if m := regexp.MustCompile(`^\s+Domain\s+(https://127\.0\.0\.1:\d+)\s`).FindStringSubmatch(l); m != nil {
				domain = m[1]
			}
			ready = strings.Contains(l, "Ctrl-C stops everything")
		case <-deadline:
			t.Fatalf("the demo did not get ready in 2 minutes:\n%s", strings.Join(printed, "\n"))
		}
	}
	all := strings.Join(printed, "\n")
	if page == "" || provider == "" {
		t.Fatalf("the demo printed no page or provider URL:\n%s", all)
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("the demo does not print %s:\n%s", w, all)
		}
	}
	for _, path := range []string{"/", "/config.json", "/main.js", "/callback.html", "/favicon.svg"} {
		resp, err := http.Get(page + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", path, resp.Status)
		}
	}
	if domain != "" {
		// A browser accepting the per-run certificate lands on the root.
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		resp, err := c.Get(domain + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Certificate accepted") || !strings.Contains(string(body), page+"/") {
			t.Errorf("the pool domain's root answered %s:\n%s", resp.Status, body)
		}
		// A handshake that fails (a browser refusing the certificate)
		// must not reach the terminal.
		if _, err := http.Get(domain + "/"); err == nil {
			t.Error("the pool domain's certificate was trusted by a default client")
		}
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for range lines {
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the demo exited with %v after Ctrl-C", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the demo did not stop within 20 s of Ctrl-C")
	}
	if resp, err := http.Get(provider + "/.well-known/openid-configuration"); err == nil {
		resp.Body.Close()
		t.Error("the provider still answers after Ctrl-C")
	}
	if e := stderr.String(); e != "" {
		t.Errorf("the demo wrote to the terminal besides its banner:\n%s", e)
	}
}

func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal("demo: " + msg)
	}
	t.Skip("demo: " + msg)
}
