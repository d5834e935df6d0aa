package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDemoStartsAndStops runs the demo command as `make demo` does: it
// must print the page's URL and the credentials, serve the page and its
// configuration, and stop everything (the provider too) on Ctrl-C.
func TestDemoStartsAndStops(t *testing.T) {
	if _, err := os.Stat(filepath.Join("..", "..", "apps", "blockid-stepup", "web", "dist", "main.js")); err != nil {
		skipOrFail(t, "apps/blockid-stepup/web is not bundled; run `make web` (make test does)")
	}
	if _, err := exec.LookPath("moto_server"); err != nil {
		skipOrFail(t, "moto_server not on PATH (pip install 'moto[server]')")
	}
	bin := filepath.Join(t.TempDir(), "demo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-app", "blockid-stepup", "-port", "0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
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
	var page, provider string
	ready := false
	deadline := time.After(2 * time.Minute)
	for !ready {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the demo exited before it was ready:\n%s", strings.Join(printed, "\n"))
			}
			printed = append(printed, l)
			if m := regexp.MustCompile(`^\s+Open\s+(http://127\.0\.0\.1:\d+)$`).FindStringSubmatch(l); m != nil {
				page = m[1]
			}
			if m := regexp.MustCompile(`^\s+Provider\s+(http://127\.0\.0\.1:\d+)$`).FindStringSubmatch(l); m != nil {
				provider = m[1]
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
	for _, want := range []string{`username "demo"`, `password "Demo-Passw0rd!"`, `At provider username "demo", password "provider-demo": the step-up`} {
		if !strings.Contains(all, want) {
			t.Errorf("the demo does not print %s:\n%s", want, all)
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
}

func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal("demo: " + msg)
	}
	t.Skip("demo: " + msg)
}
