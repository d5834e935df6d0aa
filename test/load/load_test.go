package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	loadLine  = regexp.MustCompile(`^load: (\S+) (\d+) sign-ins, (\d+) concurrent, [0-9.]+/s, define (p50 [0-9.]+ p99 [0-9.]+|p50 - p99 -) ms, create (p50 [0-9.]+ p99 [0-9.]+|p50 - p99 -) ms, verify (p50 [0-9.]+ p99 [0-9.]+|p50 - p99 -) ms, pretoken (p50 [0-9.]+ p99 [0-9.]+|p50 - p99 -) ms, wrong (\d+), aws calls/sign-in [0-9.]+, invocations/sign-in [0-9.]+$`)
	faultLine = regexp.MustCompile(`^fault: (\S+) decision (refused|issued) expected (refused|issued) reason ([a-z_]+) in (\d+) ms$`)
	callLine  = regexp.MustCompile(`^call: (gate|middleware)\((200|401)\) \d+ calls, \d+ concurrent, [0-9.]+/s, p50 [0-9.]+ p99 [0-9.]+ ms, wrong (\d+), aws calls/call [0-9.]+, invocations/call [0-9.]+$`)
)

// TestLoadSmoke runs `make load`'s program with a handful of sign-ins per
// scenario, one concurrency and two small table sizes, and every fault: each
// scenario prints its line in the form with wrong 0, the gate's
// calls are answered as they must be, and every fault line shows the
// expected decision with a reason code inside Cognito's 5 s.
func TestLoadSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts every sample's stack")
	}
	if _, err := exec.LookPath("moto_server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("moto_server not on PATH (pip install 'moto[server]')")
		}
		t.Skip("moto_server not on PATH (pip install 'moto[server]')")
	}
	bin := filepath.Join(t.TempDir(), "load")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-n", "4", "-c", "2", "-table", "0,50", "-hostile-every", "2", "-log", filepath.Join(t.TempDir(), "load.log"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("ran in %s:\n%s", time.Since(start).Round(time.Second), stdout.String())
	if err != nil {
		t.Fatalf("load: %v\n%s", err, stderr.String())
	}
	seen := map[string]bool{}
	faults := 0
	forms := map[string]bool{}
	for _, l := range strings.Split(stdout.String(), "\n") {
		switch {
		case strings.HasPrefix(l, "load: "):
			m := loadLine.FindStringSubmatch(l)
			if m == nil {
				t.Errorf("not in the issue's form: %q", l)
				continue
			}
			seen[strings.SplitN(m[1], "[", 2)[0]] = true
			if m[8] != "0" {
				t.Errorf("wrong %s: %q", m[8], l)
			}
		case strings.HasPrefix(l, "fault: "):
			faults++
			m := faultLine.FindStringSubmatch(l)
			if m == nil {
				t.Errorf("not in the issue's form: %q", l)
				continue
			}
			if m[2] != m[3] {
				t.Errorf("decided %s, expected %s: %q", m[2], m[3], l)
			}
			if ms, _ := strconv.Atoi(m[5]); ms >= 5000 {
				t.Errorf("outside Cognito's 5 s: %q", l)
			}
			if m[2] == "refused" && (m[4] == "ok" || strings.HasPrefix(m[4], "none")) {
				t.Errorf("a refusal without a reason code: %q", l)
			}
		case strings.HasPrefix(l, "call: "):
			m := callLine.FindStringSubmatch(l)
			if m == nil || m[3] != "0" {
				t.Errorf("call line: %q", l)
				continue
			}
			forms[m[1]+"("+m[2]+")"] = true
		}
	}
	for _, sc := range scenarios {
		if !seen[sc.name] {
			t.Errorf("no line for scenario %s", sc.name)
		}
	}
	if faults != len(faultCases) {
		t.Errorf("%d fault lines, want %d", faults, len(faultCases))
	}
	for _, f := range []string{"gate(200)", "gate(401)", "middleware(200)", "middleware(401)"} {
		if !forms[f] {
			t.Errorf("no call: %s line", f)
		}
	}
}
