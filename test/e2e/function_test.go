package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/test/lambdaproc"
	"github.com/cognitobridge/cognitobridge/test/runtimeapi"
)

// triggerTimeout is the fixed time Cognito gives a trigger.
const triggerTimeout = 5 * time.Second

// function is one handler binary running as a process against its own
// Runtime API server, as a Lambda execution environment would run it.
type function struct {
	name  string
	api   *runtimeapi.Server
	bin   string
	env   []string
	log   string // file receiving the process's stdout and stderr
	proc  *lambdaproc.Process
	final []byte // the log, kept when the process is stopped
}

// startFunction starts the binary name with the Lambda runtime variables,
// dummy credentials, an empty HOME (no shared AWS config is read) and
// extra; nothing is inherited from the test process. It is stopped
// (killed) in tb.Cleanup.
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
	api := runtimeapi.Start(tb)
	env := lambdaproc.Runtime{API: api.Addr(), FunctionName: name, MemoryMB: 128, Handler: "bootstrap", Region: region, Home: tb.TempDir()}.Env()
	maps.Copy(env, extra)
	return &function{
		name: name, api: api, bin: binary(tb, name), env: lambdaproc.Environ(env),
		log: filepath.Join(tb.TempDir(), name+".log"),
	}
}

// start starts the prepared process; it is stopped in tb.Cleanup.
func (f *function) start(tb testing.TB) {
	tb.Helper()
	proc, err := lambdaproc.Start(f.bin, f.env, f.log)
	if err != nil {
		tb.Fatalf("start %s: %v", f.name, err)
	}
	f.proc = proc
	tb.Cleanup(f.stop)
}

// stop kills the process and keeps its log (its directory is removed next).
func (f *function) stop() {
	f.proc.Kill()
	f.final, _ = os.ReadFile(f.log)
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
