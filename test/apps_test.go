// Package test holds the cross-cutting gates over every sample app: golden
// template snapshots, and the real CDK CLI synthesizing each app with the
// output checked by cfn-lint.
package test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/apps/stacks"
)

var update = flag.Bool("update", false, "rewrite the golden templates under testdata/")

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// newApp builds an App with the same context the CDK CLI reads from
// cdk.json, so an in-process synth matches `make synth`.
func newApp(t *testing.T) awscdk.App {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: synthesizes through the CDK")
	}
	raw, err := os.ReadFile(filepath.Join("..", "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Context map[string]interface{} `json:"context"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	return awscdk.NewApp(&awscdk.AppProps{Context: &cfg.Context})
}

// assetHash matches the content hashes CDK puts in asset keys: they change
// with every handler edit and Go release, which a snapshot must not care about.
var assetHash = regexp.MustCompile(`[0-9a-f]{64}`)

func normalizedTemplate(t *testing.T, stack awscdk.Stack) []byte {
	t.Helper()
	tmpl := assertions.Template_FromStack(stack, nil).ToJSON()
	out, err := json.MarshalIndent(tmpl, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(assetHash.ReplaceAll(out, []byte("ASSET_HASH")), '\n')
}

func TestGoldenTemplates(t *testing.T) {
	if len(stacks.Apps) == 0 {
		t.Fatal("no sample apps registered in apps/stacks")
	}
	for _, a := range stacks.Apps {
		t.Run(a.Name, func(t *testing.T) {
			got := synthesized(t, a)
			golden := filepath.Join("testdata", a.Name+".template.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run `go test ./test -update` to create it)", err)
			}
			if string(got) != string(want) {
				actual := filepath.Join("testdata", a.Name+".actual.json")
				_ = os.WriteFile(actual, got, 0o644)
				t.Fatalf("template of %s differs from %s; diff it against %s, and if the change is intended run `go test ./test -update`", a.Name, golden, actual)
			}
		})
	}
}
