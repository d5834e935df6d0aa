package e2e

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cognitobridge/cognitobridge/test/lambdaproc"
)

// Handler binaries under test (lambdas/cmd/<name>).
const (
	binDefine = "stepup-define"
	binCreate = "stepup-create"
	binVerify = "stepup-verify"
	binGuard  = "pretokengen"
)

// binDir holds the host binaries of this package run; TestMain removes it.
var binDir string

var (
	buildOnce sync.Once
	buildErr  error
)

func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Verbose() {
		// The provider (zitadel's example OP) logs every request through
		// the default logger; keep that for -v runs only.
		slog.SetDefault(slog.New(slog.DiscardHandler))
	}
	dir, err := os.MkdirTemp("", "cognitobridge-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(2)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// binaries are the handler binaries this package runs (lambdas/cmd/<name>).
var binaries = []string{
	binDefine, binCreate, binVerify, binGuard, binDisconnect, binPreSignUp,
	binTxAuthorizer, binTxGate, binTxEcho, binTxTransfers,
	binConnectStart, binConnectCallback, binPoolTriggers,
}

// binary returns the path of the host build of lambdas/cmd/name. Every
// binary of the package is built once per package run, in one go
// invocation, with the flags the construct uses except the target (host
// GOOS/GOARCH here) and the stripping.
//
// COGNITOBRIDGE_E2E_BINARIES names a directory of prebuilt binaries to run
// instead (e.g. an older commit's, to show which attacks it lets through).
func binary(tb testing.TB, name string) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("-short: builds and runs the handler binaries")
	}
	if dir := os.Getenv("COGNITOBRIDGE_E2E_BINARIES"); dir != "" {
		return filepath.Join(dir, name)
	}
	buildOnce.Do(func() { buildErr = lambdaproc.Build(context.Background(), "", binDir, binaries...) })
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return filepath.Join(binDir, name)
}
