package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/constructs/connect"
	"github.com/cognitobridge/cognitobridge/constructs/pooltriggers"
	"github.com/cognitobridge/cognitobridge/constructs/presignup"
	"github.com/cognitobridge/cognitobridge/constructs/proofing"
	"github.com/cognitobridge/cognitobridge/constructs/stepup"
	"github.com/cognitobridge/cognitobridge/constructs/transaction"
)

// TestConsumerModuleBuildsHandlers plays a user's CDK app module: it
// requires cognitobridge (through a replace to this checkout), imports only
// the construct, runs `go mod tidy`, and builds every handler by import
// path exactly as the construct does at synth time. It fails when a
// handler's dependency would be missing from the user's go.sum.
func TestConsumerModuleBuildsHandlers(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs go mod tidy and cross-builds the handlers")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/consumer\n\ngo 1.26.8\n\nrequire github.com/cognitobridge/cognitobridge v0.0.0\n\nreplace github.com/cognitobridge/cognitobridge => "+root+"\n")
	write("main.go", `package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/cognitobridge/cognitobridge/constructs/connect"
	"github.com/cognitobridge/cognitobridge/constructs/federation"
	"github.com/cognitobridge/cognitobridge/constructs/linking"
	"github.com/cognitobridge/cognitobridge/constructs/proofing"
	"github.com/cognitobridge/cognitobridge/constructs/stepup"
	"github.com/cognitobridge/cognitobridge/constructs/transaction"
)

var (
	_ = connect.NewConnect
	_ = federation.NewFederation
	_ = linking.NewLinking
	_ = proofing.NewProofing
	_ = transaction.NewTransactionStepUp
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Consumer"), nil)
	stepup.NewStepUp(stack, jsii.String("StepUp"), &stepup.StepUpProps{
		Provider: &stepup.Provider{BlockID: &stepup.BlockIDProvider{}},
	})
	app.Synth(nil)
}
`)
	goCmd := func(env []string, args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	goCmd(nil, "mod", "tidy")
	goCmd(nil, "vet", ".")
	cross := []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}
	for _, pkg := range []string{stepup.DefineHandlerPackage, stepup.CreateHandlerPackage, stepup.VerifyHandlerPackage, stepup.GuardHandlerPackage, presignup.HandlerPackage,
		transaction.AuthorizerHandlerPackage, transaction.GateHandlerPackage, transaction.EchoHandlerPackage, proofing.SessionHandlerPackage, proofing.CallbackHandlerPackage,
		pooltriggers.HandlerPackage, connect.StartHandlerPackage, connect.CallbackHandlerPackage, connect.DisconnectHandlerPackage} {
		goCmd(cross, "build", "-mod=readonly", "-tags", "lambda.norpc", "-trimpath", "-o", filepath.Join(dir, "bootstrap"), pkg)
	}
}

// consumerApp copies test/testdata/consumerapp (the app of
// docs/consumer.md) into a temporary directory outside the repository,
// with its go.mod's replace pointing at this checkout, and runs go mod
// tidy. It returns the app's directory.
func consumerApp(t *testing.T) (dir, root string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(t.TempDir(), "shop")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join("testdata", "consumerapp")
	for _, name := range []string{"main.go", "cdk.json", "go.mod"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "go.mod" {
			b = []byte(strings.Replace(string(b), "=> ../cognitobridge", "=> "+root, 1))
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runIn(t, dir, nil, "go", "mod", "tidy")
	runIn(t, dir, nil, "go", "vet", ".")
	return dir, root
}

// runIn runs a command in dir and returns its combined output; it fails
// the test when the command fails.
func runIn(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	out, err := runMaybe(dir, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", name, strings.Join(args, " "), dir, err, out)
	}
	return out
}

func runMaybe(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20", "CDK_DISABLE_CLI_TELEMETRY=true"}, env...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// template reads a synthesized template.
func template(t *testing.T, path string) map[string]interface{} {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl map[string]interface{}
	if err := json.Unmarshal(b, &tmpl); err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// resourcesOf returns a template's resources of one type, by logical id.
func resourcesOf(tmpl map[string]interface{}, typ string) map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	res, _ := tmpl["Resources"].(map[string]interface{})
	for id, r := range res {
		m, _ := r.(map[string]interface{})
		if m["Type"] == typ {
			out[id] = m
		}
	}
	return out
}

// checkProgressLines: at most one progress line per handler build, and no
// jsii "waitid" line.
func checkSynthOutput(t *testing.T, out string) {
	t.Helper()
	if strings.Contains(out, "waitid") {
		t.Errorf("synth printed the jsii waitid line:\n%s", out)
	}
	seen := map[string]int{}
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "cognitobridge: building Lambda handler "); ok {
			pkg, _, _ := strings.Cut(rest, " ")
			seen[pkg]++
			if seen[pkg] > 1 {
				t.Errorf("more than one progress line for %s:\n%s", pkg, out)
			}
		}
	}
}

// TestConsumerAppSynthesizesThroughCLI plays a user's own CDK app (the app
// of docs/consumer.md: their pool with a mobile and a web client, an
// on-demand step-up on the web client only, OIDC federation with linking,
// and a second stack on a pool imported by id), in a directory outside
// this repository, synthesized by the pinned CDK CLI with --strict: no
// warning, no waitid line, at most one progress line per handler build,
// the user's clients exactly as they wrote them, the step-up on the web
// client only, every secret a NoEcho parameter.
func TestConsumerAppSynthesizesThroughCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds a consumer app and synthesizes it through the CDK CLI")
	}
	cdk := requirePeer(t, "cdk", os.Getenv("COGNITOBRIDGE_CDK"))
	dir, _ := consumerApp(t)
	out := runIn(t, dir, nil, cdk, "synth", "--no-notices", "--no-version-reporting", "--strict", "--quiet", "--output", "cdk.out")
	checkSynthOutput(t, out)

	shop := template(t, filepath.Join(dir, "cdk.out", "Shop.template.json"))
	clients := resourcesOf(shop, "AWS::Cognito::UserPoolClient")
	var mobile, web, webID string
	for id, c := range clients {
		props, _ := json.Marshal(c["Properties"])
		switch {
		case strings.HasPrefix(id, "UserPoolMobileClient"):
			mobile = string(props)
		case strings.HasPrefix(id, "UserPoolWebClient"):
			web, webID = string(props), id
		}
	}
	// The user's clients as they wrote them: nothing added or changed.
	wantMobile := `{"AllowedOAuthFlowsUserPoolClient":false,"ClientName":"mobile","ExplicitAuthFlows":["ALLOW_USER_SRP_AUTH","ALLOW_REFRESH_TOKEN_AUTH"],"PreventUserExistenceErrors":"ENABLED","SupportedIdentityProviders":["COGNITO"],"UserPoolId":{"Ref":"UserPool6BA7E5F2"},"WriteAttributes":["address","birthdate","family_name","gender","given_name","locale","middle_name","name","nickname","picture","profile","website","zoneinfo"]}`
	wantWeb := strings.NewReplacer(`"mobile"`, `"web"`, `"ALLOW_USER_SRP_AUTH"`, `"ALLOW_CUSTOM_AUTH"`).Replace(wantMobile)
	if mobile != wantMobile {
		t.Errorf("the user's mobile client changed:\n got %s\nwant %s", mobile, wantMobile)
	}
	if web != wantWeb {
		t.Errorf("the user's web client changed:\n got %s\nwant %s", web, wantWeb)
	}
	// The step-up protects the web client only.
	params := resourcesOf(shop, "AWS::SSM::Parameter")
	if len(params) != 1 {
		t.Fatalf("want one SSM parameter (the protected clients), got %d", len(params))
	}
	for _, p := range params {
		value, _ := json.Marshal(p["Properties"].(map[string]interface{})["Value"])
		refs := strings.Count(string(value), `{"Ref":"`)
		if !strings.Contains(string(value), `{"Ref":"`+webID+`"}`) || refs != 2 || strings.Contains(string(value), "Mobile") {
			t.Errorf("protected clients = %s, want the web client %s only (listed, and marked custom-auth-only)", value, webID)
		}
	}
	// The pool's triggers: the step-up's three, the shared pre token
	// generation function and the shared pre sign-up function; nothing else.
	pools := resourcesOf(shop, "AWS::Cognito::UserPool")
	for _, p := range pools {
		config, _ := p["Properties"].(map[string]interface{})["LambdaConfig"].(map[string]interface{})
		var keys []string
		for k := range config {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if got := strings.Join(keys, ","); got != "CreateAuthChallenge,DefineAuthChallenge,PreSignUp,PreTokenGenerationConfig,VerifyAuthChallengeResponse" {
			t.Errorf("pool LambdaConfig keys = %s", got)
		}
	}
	// Every secret is a NoEcho parameter.
	parameters, _ := shop["Parameters"].(map[string]interface{})
	for _, name := range []string{"StepUpClientSecret", "CorporateClientSecret"} {
		p, _ := parameters[name].(map[string]interface{})
		if p == nil || p["NoEcho"] != true {
			t.Errorf("parameter %s = %v, want a NoEcho parameter", name, p)
		}
	}

	// The imported pool gets its triggers from the custom resource, and no
	// client is created there.
	partner := template(t, filepath.Join(dir, "cdk.out", "Partner.template.json"))
	if n := len(resourcesOf(partner, "AWS::Cognito::UserPoolClient")); n != 0 {
		t.Errorf("Partner stack creates %d app clients, want 0", n)
	}
	for _, r := range resourcesOf(partner, "Custom::CognitoPoolTriggers") {
		if id := r["Properties"].(map[string]interface{})["UserPoolId"]; id != "eu-west-1_AbCdEf123" {
			t.Errorf("pool triggers on %v, want eu-west-1_AbCdEf123", id)
		}
	}
}

// TestConsumerHandlerBuildsWorkAnywhere: the consumer app's binary
// synthesizes when run from a directory outside any Go module, and when
// its module vendors its dependencies (-mod=vendor): the handlers are then
// built from the cognitobridge module's own directory. When neither can
// build (no module cache, no proxy), the panic names StepUpProps.Code.
func TestConsumerHandlerBuildsWorkAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds a consumer app and synthesizes it three times")
	}
	dir, _ := consumerApp(t)
	bin := filepath.Join(t.TempDir(), "shop")
	runIn(t, dir, nil, "go", "build", "-o", bin, ".")

	t.Run("outside a Go module", func(t *testing.T) {
		elsewhere := t.TempDir()
		out := runIn(t, elsewhere, []string{"CDK_OUTDIR=" + filepath.Join(elsewhere, "out")}, bin)
		checkSynthOutput(t, out)
		if _, err := os.Stat(filepath.Join(elsewhere, "out", "Shop.template.json")); err != nil {
			t.Fatalf("no template: %v\n%s", err, out)
		}
	})
	t.Run("a module that vendors", func(t *testing.T) {
		runIn(t, dir, nil, "go", "mod", "vendor")
		vbin := filepath.Join(t.TempDir(), "shop-vendored")
		runIn(t, dir, nil, "go", "build", "-mod=vendor", "-o", vbin, ".")
		outdir := t.TempDir()
		out := runIn(t, dir, []string{"CDK_OUTDIR=" + outdir, "GOFLAGS=-mod=vendor"}, vbin)
		checkSynthOutput(t, out)
		if _, err := os.Stat(filepath.Join(outdir, "Shop.template.json")); err != nil {
			t.Fatalf("no template: %v\n%s", err, out)
		}
	})
	t.Run("no way to build names the prebuilt code", func(t *testing.T) {
		elsewhere := t.TempDir()
		out, err := runMaybe(elsewhere, []string{"CDK_OUTDIR=" + filepath.Join(elsewhere, "out"),
			"GOMODCACHE=" + t.TempDir(), "GOPROXY=off", "GOFLAGS=-modcacherw"}, bin)
		if err == nil {
			t.Fatalf("synthesized without a module cache or proxy:\n%s", out)
		}
		for _, want := range []string{"building Lambda handler github.com/cognitobridge/cognitobridge/lambdas/cmd/", "go.mod file not found",
			"from the cognitobridge module at", "StepUpProps.Code", "provided.al2023 arm64 bundle"} {
			if !strings.Contains(out, want) {
				t.Errorf("output does not contain %q:\n%s", want, out)
			}
		}
	})
}
