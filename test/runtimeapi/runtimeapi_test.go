package runtimeapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/test/runtimeapi"
)

var (
	binDir    string
	buildOnce sync.Once
	bin       string
	buildErr  error
)

func TestMain(m *testing.M) {
	var err error
	if binDir, err = os.MkdirTemp("", "runtimeapi-test-"); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(binDir)
	os.Exit(code)
}

// buildEcho builds testdata/echo once as a Lambda bootstrap for the host.
func buildEcho(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		out := filepath.Join(binDir, "bootstrap")
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, "./testdata/echo")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
		if msg, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, msg)
			return
		}
		bin = out
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return bin
}

type proc struct {
	cmd     *exec.Cmd
	started time.Time
	exited  chan struct{}
	stderr  *bytes.Buffer
}

// run starts bin as a Lambda runtime process against s; it is killed in Cleanup.
func run(t *testing.T, bin string, s *runtimeapi.Server) *proc {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = []string{
		"AWS_LAMBDA_RUNTIME_API=" + s.Addr(),
		"AWS_LAMBDA_FUNCTION_NAME=cognitobridge-test",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_REGION=us-east-1",
		"TZ=UTC",
	}
	p := &proc{cmd: cmd, exited: make(chan struct{}), stderr: &bytes.Buffer{}}
	cmd.Stderr = p.stderr
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	return p
}

type answer struct {
	Greeting    string `json:"greeting"`
	RequestID   string `json:"requestId"`
	FunctionARN string `json:"functionArn"`
	RemainingMS int64  `json:"remainingMs"`
}

func TestEchoBootstrap(t *testing.T) {
	bin := buildEcho(t)
	s := runtimeapi.Start(t)
	p := run(t, bin, s)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()

	resp, isErr, err := s.Invoke(ctx, []byte(`{"name":"cold"}`), 3*time.Second)
	if err != nil || isErr {
		t.Fatalf("first invoke: isErr=%v err=%v resp=%s stderr=%s", isErr, err, resp, p.stderr)
	}
	t.Logf("process start to first answer: %v", time.Since(p.started))
	var a answer
	if err := json.Unmarshal(resp, &a); err != nil {
		t.Fatalf("answer %s: %v", resp, err)
	}
	if a.Greeting != "hello cold" || a.FunctionARN != runtimeapi.FunctionARN || len(a.RequestID) != 36 {
		t.Errorf("answer = %+v", a)
	}
	if a.RemainingMS <= 2000 || a.RemainingMS > 3000 {
		t.Errorf("remaining = %d ms, want the 3 s deadline minus a little", a.RemainingMS)
	}

	warm := time.Now()
	resp, isErr, err = s.Invoke(ctx, []byte(`{"name":"warm"}`), time.Second)
	if err != nil || isErr || !strings.Contains(string(resp), "hello warm") {
		t.Fatalf("warm invoke: isErr=%v err=%v resp=%s", isErr, err, resp)
	}
	t.Logf("warm invoke round trip: %v", time.Since(warm))

	resp, isErr, err = s.Invoke(ctx, []byte(`{"fail":true}`), time.Second)
	if err != nil || !isErr {
		t.Fatalf("failing invoke: isErr=%v err=%v", isErr, err)
	}
	var doc struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if err := json.Unmarshal(resp, &doc); err != nil || doc.ErrorMessage != "echo: asked to fail" || doc.ErrorType == "" {
		t.Errorf("error document = %s (%v)", resp, err)
	}

	// The process survives a returned error.
	if _, isErr, err := s.Invoke(ctx, []byte(`{"name":"again"}`), time.Second); err != nil || isErr {
		t.Fatalf("invoke after error: isErr=%v err=%v", isErr, err)
	}

	// A panic is reported as an error, then the runtime exits.
	resp, isErr, err = s.Invoke(ctx, []byte(`{"panic":true}`), time.Second)
	if err != nil || !isErr || !strings.Contains(string(resp), "asked to panic") {
		t.Fatalf("panicking invoke: isErr=%v err=%v resp=%.200s", isErr, err, resp)
	}
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		t.Error("runtime did not exit after a panic")
	}
}

func TestTimeout(t *testing.T) {
	bin := buildEcho(t)
	s := runtimeapi.Start(t)
	run(t, bin, s)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	started := time.Now()
	_, _, err := s.Invoke(ctx, []byte(`{"sleepMs":1500}`), 300*time.Millisecond)
	if !errors.Is(err, runtimeapi.ErrTimedOut) {
		t.Fatalf("err = %v, want ErrTimedOut", err)
	}
	if d := time.Since(started); d > time.Second {
		t.Errorf("timed out after %v", d)
	}
}

func TestNoRuntime(t *testing.T) {
	s := runtimeapi.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := s.Invoke(ctx, []byte(`{}`), time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestProtocolErrors(t *testing.T) {
	s := runtimeapi.Start(t)
	base := "http://" + s.Addr() + "/2018-06-01/runtime/"
	hc := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	defer hc.CloseIdleConnections()

	resp, err := hc.Post(base+"invocation/00000000-0000-0000-0000-000000000000/response", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown request id: status %d, want 400", resp.StatusCode)
	}

	// init/error makes a waiting Invoke fail at once.
	errc := make(chan error, 1)
	go func() {
		_, _, err := s.Invoke(context.Background(), []byte(`{}`), 10*time.Second)
		errc <- err
	}()
	resp, err = hc.Post(base+"init/error", "application/json", strings.NewReader(`{"errorMessage":"no config","errorType":"Runtime.InitError"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("init/error: status %d, want 202", resp.StatusCode)
	}
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), "no config") {
			t.Errorf("Invoke after init error: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Invoke not released by init/error")
	}
	if !strings.Contains(string(s.InitError()), "Runtime.InitError") {
		t.Errorf("InitError = %s", s.InitError())
	}
}
