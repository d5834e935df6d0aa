package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/apps/stacks"
)

// requirePeer finds a real peer program. In CI a missing peer fails the run;
// on a developer machine it skips with the reason, since `make test`
// installs the CDK CLI itself and cfn-lint comes with the machine.
func requirePeer(t *testing.T, name, path string) string {
	t.Helper()
	if path == "" {
		p, err := exec.LookPath(name)
		if err == nil {
			path = p
		}
	}
	if path != "" {
		if _, err := os.Stat(path); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI and was not found (run the tests through `make test`)", name)
	}
	t.Skipf("%s not found; `make test` installs the CDK CLI, cfn-lint comes with the machine", name)
	return ""
}

// TestCLISynthAndCfnLint synthesizes every sample app with the real, pinned
// CDK CLI (which also fails on any unsuppressed cdk-nag error, and with
// --strict on any warning) and lints every template with cfn-lint.
func TestCLISynthAndCfnLint(t *testing.T) {
	cdk := requirePeer(t, "cdk", os.Getenv("COGNITOBRIDGE_CDK"))
	cfnLint := requirePeer(t, "cfn-lint", "")
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range stacks.Apps {
		t.Run(a.Name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "app")
			run(t, root, "go", "build", "-o", bin, "./apps/"+a.MainDir())
			out := filepath.Join(dir, "cdk.out")
			args := []string{"synth", "--no-notices", "--no-version-reporting", "--strict", "--quiet", "--app", bin, "--output", out}
			for k, v := range a.Context {
				args = append(args, "--context", k+"="+v)
			}
			run(t, root, cdk, args...)

			templates, _ := filepath.Glob(filepath.Join(out, "*.template.json"))
			if len(templates) == 0 {
				t.Fatalf("cdk synth wrote no template into %s", out)
			}
			for _, tmpl := range templates {
				assertNoSecretMaterial(t, tmpl)
				cmd := exec.Command(cfnLint, "--format", "parseable", tmpl)
				msg, err := cmd.CombinedOutput()
				// cfn-lint's exit code is a bit mask: 2 = errors, 4 = warnings, 8 = informational.
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatalf("cfn-lint: %v", err)
				}
				if code&2 != 0 || code&1 != 0 {
					t.Fatalf("cfn-lint found errors in %s (exit %d):\n%s", filepath.Base(tmpl), code, msg)
				}
				if len(strings.TrimSpace(string(msg))) > 0 {
					t.Logf("cfn-lint warnings in %s:\n%s", filepath.Base(tmpl), msg)
				}
			}
		})
	}
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CDK_DISABLE_CLI_TELEMETRY=true", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// assertNoSecretMaterial checks that provider credentials reach the template
// only as NoEcho parameters, and that no Lambda environment names a secret.
// withoutReferences is v with every {"Ref": …} and {"Fn::GetAtt": …}
// replaced by "<ref>".
func withoutReferences(v interface{}) interface{} {
	switch v := v.(type) {
	case map[string]interface{}:
		if _, ok := v["Ref"]; ok && len(v) == 1 {
			return "<ref>"
		}
		if _, ok := v["Fn::GetAtt"]; ok && len(v) == 1 {
			return "<ref>"
		}
		out := make(map[string]interface{}, len(v))
		for k, x := range v {
			out[k] = withoutReferences(x)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(v))
		for i, x := range v {
			out[i] = withoutReferences(x)
		}
		return out
	}
	return v
}

func assertNoSecretMaterial(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl struct {
		Parameters map[string]struct {
			NoEcho interface{} `json:"NoEcho"`
		} `json:"Parameters"`
		Resources map[string]struct {
			Type       string                 `json:"Type"`
			Properties map[string]interface{} `json:"Properties"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal(raw, &tmpl); err != nil {
		t.Fatal(err)
	}
	for name, p := range tmpl.Parameters {
		if strings.Contains(strings.ToLower(name), "secret") && p.NoEcho != true && p.NoEcho != "true" {
			t.Errorf("parameter %s looks like a credential but is not NoEcho", name)
		}
	}
	for id, r := range tmpl.Resources {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		// References name resources (a Ref to the secret holding the
		// client secret gives its ARN), never values: only literals count.
		env, _ := json.Marshal(withoutReferences(r.Properties["Environment"]))
		for _, bad := range []string{"clientSecret", "ClientSecret", "CLIENT_SECRET"} {
			if strings.Contains(string(env), bad) {
				t.Errorf("function %s environment mentions %s: %s", id, bad, env)
			}
		}
	}
}
