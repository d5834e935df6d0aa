package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.json")
	two := filepath.Join(dir, "two.json")
	_ = os.WriteFile(one, []byte(`{"CognitoBridgeBlockIDStepUp":{"UserPoolId":"eu-west-1_Ab","UserPoolClientId":"c1"}}`), 0o600)
	_ = os.WriteFile(two, []byte(`{"A":{"UserPoolId":"eu-west-1_Ab","UserPoolClientId":"c1"},"B":{}}`), 0o600)
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"one stack", []string{"-outputs", one}, 0, `"userPoolId": "eu-west-1_Ab"`, ""},
		{"two stacks need -stack", []string{"-outputs", two}, 2, "", "name one with -stack"},
		{"named stack", []string{"-outputs", two, "-stack", "A"}, 0, `"region": "eu-west-1"`, ""},
		{"unknown stack", []string{"-outputs", two, "-stack", "C"}, 1, "", `no stack "C"`},
		{"no outputs", nil, 2, "", "usage"},
		{"missing file", []string{"-outputs", filepath.Join(dir, "nope")}, 1, "", "no such file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if got := run(c.args, &out, &errb); got != c.code {
				t.Fatalf("exit %d, want %d (stderr %s)", got, c.code, errb.String())
			}
			if !strings.Contains(out.String(), c.stdout) || !strings.Contains(errb.String(), c.stderr) {
				t.Fatalf("stdout %q stderr %q", out.String(), errb.String())
			}
			if c.code == 0 && !json.Valid(out.Bytes()) {
				t.Fatal("stdout is not JSON")
			}
		})
	}
}
