// Package cdktest holds the test helpers of the construct packages.
package cdktest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// Main runs the package's tests, then stops the jsii runtime; call it from
// TestMain.
func Main(m *testing.M) {
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
