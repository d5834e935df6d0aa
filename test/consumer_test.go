package test

import (
	"os"
	"os/exec"
	"path/filepath"
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
