package e2e

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Handler binaries under test (lambdas/cmd/<name>).
const (
	binDefine = "stepup-define"
	binCreate = "stepup-create"
	binVerify = "stepup-verify"
	binGuard  = "pretokengen"
)

const modulePath = "github.com/cognitobridge/cognitobridge"

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

// goTool returns the go command that runs this test.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

// binary returns the path of the host build of lambdas/cmd/name. The three
// handlers are built once per package run, in one go invocation, with the
// flags the construct uses except the target (host GOOS/GOARCH here) and
// the stripping.
//
// COGNITOBRIDGE_E2E_BINARIES names a directory of prebuilt binaries to run
// instead (e.g. an older commit's, to show which attacks it lets through).
func binary(tb testing.TB, name string) string {
	tb.Helper()
	if dir := os.Getenv("COGNITOBRIDGE_E2E_BINARIES"); dir != "" {
		return filepath.Join(dir, name)
	}
	buildOnce.Do(func() {
		args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-o", binDir + string(filepath.Separator)}
		for _, n := range []string{binDefine, binCreate, binVerify, binGuard, binDisconnect, binPreSignUp} {
			args = append(args, modulePath+"/lambdas/cmd/"+n)
		}
		cmd := exec.Command(goTool(), args...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return filepath.Join(binDir, name)
}
