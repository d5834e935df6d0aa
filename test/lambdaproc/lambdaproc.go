// Package lambdaproc runs a handler binary (lambdas/cmd/<name>) as a local
// process, as a Lambda execution environment runs it: built for this host
// with the constructs' flags, started with the Lambda runtime variables and
// nothing inherited, its stdout and stderr in a log file, killed (not shut
// down) at the end. The Runtime API it polls is test/runtimeapi's.
//
// test/localcognito/lambdarun (functions from a template) and test/e2e
// (functions configured by hand) both run their functions through it.
package lambdaproc

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ModulePath is the module whose lambdas/cmd/<name> packages Build builds.
const ModulePath = "github.com/cognitobridge/cognitobridge"

// Build builds lambdas/cmd/<name> for each name into dir, for this host,
// with the flags the constructs use (-tags lambda.norpc -trimpath,
// CGO_ENABLED=0) except the target and the stripping, in one go
// invocation. moduleDir is where go runs ("" is the current directory).
func Build(ctx context.Context, moduleDir, dir string, names ...string) error {
	names = uniq(names)
	if len(names) == 0 {
		return nil
	}
	args := []string{"build", "-tags", "lambda.norpc", "-trimpath", "-o", dir + string(filepath.Separator)}
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, "/\\. ") {
			return fmt.Errorf("lambdaproc: %q is not a lambdas/cmd name", n)
		}
		args = append(args, ModulePath+"/lambdas/cmd/"+n)
	}
	cmd := exec.CommandContext(ctx, GoTool(), args...)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("lambdaproc: go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// GoTool is the go command: the one on PATH, else GOROOT's.
func GoTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "go"
}

// ModuleRoot is the nearest directory up from the working directory that
// holds this module's go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(b), "module "+ModulePath+"\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the cognitobridge module")
		}
		dir = parent
	}
}

// Runtime is what Lambda tells a function process about itself.
type Runtime struct {
	API          string // host:port of the Runtime API (AWS_LAMBDA_RUNTIME_API)
	FunctionName string
	MemoryMB     int
	Handler      string
	Region       string
	Home         string // an empty directory: no shared AWS config is read
}

// Env is the environment Lambda gives every function process: the runtime
// variables, dummy credentials, HOME, a minimal PATH and UTC. Callers add
// their endpoints and the function's own variables on top.
func (r Runtime) Env() map[string]string {
	return map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          r.API,
		"AWS_LAMBDA_FUNCTION_NAME":        r.FunctionName,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(r.MemoryMB),
		"_HANDLER":                        r.Handler,
		"AWS_REGION":                      r.Region,
		"AWS_DEFAULT_REGION":              r.Region,
		"AWS_ACCESS_KEY_ID":               "test",
		"AWS_SECRET_ACCESS_KEY":           "test",
		"AWS_EC2_METADATA_DISABLED":       "true",
		"HOME":                            r.Home,
		"PATH":                            "/usr/bin:/bin",
		"TZ":                              "UTC",
	}
}

// Environ renders env as a process environment, sorted; an empty value
// leaves the variable out, so a layer can remove one set below it.
func Environ(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		if env[k] != "" {
			out = append(out, k+"="+env[k])
		}
	}
	return out
}

// Process is one started function process.
type Process struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
}

// Start starts bin with exactly env, appending its stdout and stderr to
// logPath (created when missing). The process writes straight into the
// file (no pipe), so whatever a handler logged before answering is there
// when its answer arrives.
func Start(bin string, env []string, logPath string) (*Process, error) {
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		_ = lf.Close()
		return nil, err
	}
	_ = lf.Close() // the child keeps its own descriptor
	p := &Process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Exited is closed once the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Err is the process's exit error (Wait's result), once Exited is closed.
func (p *Process) Err() error {
	<-p.exited
	return p.err
}

// Kill stops the process (a Lambda environment is discarded, not shut
// down) and waits for it. Killing an exited process does nothing.
func (p *Process) Kill() {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
