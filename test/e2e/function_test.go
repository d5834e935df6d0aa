package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/test/runtimeapi"
)

// triggerTimeout is the fixed time Cognito gives a trigger.
const triggerTimeout = 5 * time.Second

// function is one handler binary running as a process against its own
// Runtime API server, as a Lambda execution environment would run it.
type function struct {
	name   string
	api    *runtimeapi.Server
	cmd    *exec.Cmd
	log    string // file receiving the process's stdout and stderr
	exited chan struct{}
	err    error  // Wait's result, once exited is closed
	final  []byte // the log, kept when the process is stopped
}

// lambdaEnv is the environment of a function process: the Lambda runtime
// variables, dummy credentials, an empty HOME (no shared AWS config is
// read) and extra. Nothing is inherited from the test process.
func lambdaEnv(tb testing.TB, name, runtimeAPI string, extra map[string]string) []string {
	env := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          runtimeAPI,
		"AWS_LAMBDA_FUNCTION_NAME":        name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
		"_HANDLER":                        "bootstrap",
		"AWS_REGION":                      region,
		"AWS_DEFAULT_REGION":              region,
		"AWS_ACCESS_KEY_ID":               "test",
		"AWS_SECRET_ACCESS_KEY":           "test",
		"AWS_EC2_METADATA_DISABLED":       "true",
		"HOME":                            tb.TempDir(),
		"PATH":                            "/usr/bin:/bin",
		"TZ":                              "UTC",
	}
	for k, v := range extra {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		if v != "" {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// startFunction starts the binary name with the given configuration; it is
// stopped (killed) in tb.Cleanup.
func startFunction(tb testing.TB, name string, extra map[string]string) *function {
	tb.Helper()
	f := prepareFunction(tb, name, extra)
	f.start(tb)
	return f
}

// prepareFunction does everything startFunction does short of starting the
// process (for the cold start benchmark).
func prepareFunction(tb testing.TB, name string, extra map[string]string) *function {
	tb.Helper()
	bin := binary(tb, name)
	api := runtimeapi.Start(tb)
	f := &function{name: name, api: api, exited: make(chan struct{})}
	f.cmd = exec.Command(bin)
	f.cmd.Env = lambdaEnv(tb, name, api.Addr(), extra)
	f.log = filepath.Join(tb.TempDir(), f.name+".log")
	return f
}

// start starts the prepared process; it is stopped in tb.Cleanup.
func (f *function) start(tb testing.TB) {
	tb.Helper()
	lf, err := os.Create(f.log)
	if err != nil {
		tb.Fatal(err)
	}
	f.cmd.Stdout, f.cmd.Stderr = lf, lf
	if err := f.cmd.Start(); err != nil {
		_ = lf.Close()
		tb.Fatalf("start %s: %v", f.name, err)
	}
	_ = lf.Close() // the child keeps its own descriptor
	go func() {
		f.err = f.cmd.Wait()
		close(f.exited)
	}()
	tb.Cleanup(f.stop)
}

// stop kills the process (a Lambda environment is frozen, then discarded,
// not shut down gracefully) and waits for it.
func (f *function) stop() {
	select {
	case <-f.exited:
	default:
		_ = f.cmd.Process.Kill()
	}
	<-f.exited
	f.final, _ = os.ReadFile(f.log) // the log's directory is removed next
}

// output is everything the process wrote to stdout and stderr so far.
func (f *function) output(tb testing.TB) string {
	tb.Helper()
	if f.final != nil {
		return string(f.final)
	}
	b, err := os.ReadFile(f.log)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// errFunction is returned by invoke when the runtime posted an error
// document (the handler returned an error).
var errFunction = errors.New("function error")

// invoke sends in as one event and decodes the response into out.
func (f *function) invoke(tb testing.TB, in, out any) error {
	tb.Helper()
	payload, err := json.Marshal(in)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*triggerTimeout)
	defer cancel()
	resp, isErr, err := f.api.Invoke(ctx, payload, triggerTimeout)
	if err != nil {
		tb.Fatalf("%s: invoke: %v\n%s", f.name, err, f.output(tb))
	}
	if isErr {
		return errFunction
	}
	if err := json.Unmarshal(resp, out); err != nil {
		tb.Fatalf("%s: response %q: %v", f.name, resp, err)
	}
	return nil
}

// decisions returns the "reason" of every JSON log line of the process.
func (f *function) decisions(tb testing.TB) []string {
	tb.Helper()
	var reasons []string
	for _, line := range strings.Split(f.output(tb), "\n") {
		var rec struct {
			Reason string `json:"reason"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.Reason != "" {
			reasons = append(reasons, rec.Reason)
		}
	}
	return reasons
}
