// Package cdktest holds the test helpers of the construct packages.
package cdktest

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// Main runs the package's tests, then stops the jsii runtime; call it from
// TestMain. Under -short (make unit) it runs none: every construct test
// synthesizes through jsii and node, seconds each.
func Main(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("-short: skips this package; its tests synthesize through the CDK (jsii, node)")
		os.Exit(0)
	}
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// StubCode is a stand-in handler bundle (an executable bootstrap script), so
// construct tests need no go build.
func StubCode(t *testing.T) awslambda.Code {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return awslambda.Code_FromAsset(jsii.String(dir), nil)
}

// NewStack is a stack "Test" in a new app.
func NewStack() awscdk.Stack {
	return awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Test"), nil)
}

// Resources returns the template's resources of one type, by logical id.
func Resources(t *testing.T, tmpl assertions.Template, typ string) map[string]map[string]interface{} {
	t.Helper()
	raw, err := json.Marshal(tmpl.FindResources(jsii.String(typ), nil))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]interface{}{}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// MustPanic fails the test unless f panics with a string containing want.
func MustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one containing %q", want)
		}
		if msg, _ := r.(string); !strings.Contains(msg, want) {
			t.Fatalf("panic %v, want it to contain %q", r, want)
		}
	}()
	f()
}

// CfnLintPath returns cfn-lint's path; without it the test is skipped, or
// fails when CI=true (cfn-lint is preinstalled on the project's machines).
func CfnLintPath(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs cfn-lint")
	}
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cfn-lint not on PATH (required when CI=true): %v", err)
		}
		t.Skipf("cfn-lint not on PATH: %v", err)
	}
	return lint
}

// CfnLint lints stack's template with cfn-lint: no error, and no warning
// but W3005 (a DependsOn that a GetAtt already implies: how CDK renders every
// function's dependency on its role).
func CfnLint(t *testing.T, stack awscdk.Stack) {
	t.Helper()
	lint := CfnLintPath(t)
	doc, err := json.Marshal(assertions.Template_FromStack(stack, nil).ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "template.json")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(lint, "--format", "parseable", path).CombinedOutput()
	// cfn-lint's exit code is a bit mask: 2 = errors, 4 = warnings, 8 = informational.
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("cfn-lint: %v", err)
	}
	if code&3 != 0 {
		t.Fatalf("cfn-lint found errors (exit %d):\n%s", code, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" && !strings.Contains(line, ":W3005:") {
			t.Errorf("cfn-lint: %s", line)
		}
	}
}
