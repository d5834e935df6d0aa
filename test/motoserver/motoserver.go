// Package motoserver starts a private moto_server (the moto AWS mock, a
// Python program) on 127.0.0.1 for tests that drive the real aws-sdk-go-v2
// clients against it through BaseEndpoint.
//
// Each Start gets its own server on a free port, stopped when the test ends.
// When moto_server is not on PATH the test is skipped, or fails when the
// environment variable CI is "true" (CI must not silently lose the check).
package motoserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cognitobridge/cognitobridge/test/syncbuf"
)

// Binary is the program Start looks up on PATH.
const Binary = "moto_server"

// Region is the region tests should configure on their clients.
const Region = "us-east-1"

// StartTimeout bounds how long Start waits for the server to answer.
const StartTimeout = 20 * time.Second

// Credentials are the static credentials moto accepts ("test"/"test").
var Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test", Source: "motoserver"}, nil
})

// Start runs moto_server on 127.0.0.1 and returns its endpoint
// ("http://127.0.0.1:PORT") for a client's BaseEndpoint option. The server
// is killed in t.Cleanup; its output is logged only when the test failed.
// Under -short (make unit) the test is skipped instead.
func Start(t testing.TB) (endpoint string) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: starts moto_server")
	}
	bin, err := exec.LookPath(Binary)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not on PATH (required when CI=true): %v", Binary, err)
		}
		t.Skipf("%s not on PATH: %v", Binary, err)
	}
	s, err := launch(bin, t.Logf)
	if err != nil {
		t.Fatalf("motoserver: %v", err)
	}
	t.Cleanup(func() {
		_ = s.Close()
		if t.Failed() {
			t.Logf("moto_server output:\n%s", tail(s.Output()))
		}
	})
	return s.Endpoint()
}

// ErrNotInstalled is returned by Launch when moto_server is not on PATH.
var ErrNotInstalled = errors.New("motoserver: " + Binary + " not on PATH")

// Server is a running moto_server started by Launch.
type Server struct {
	endpoint string
	out      *syncbuf.Buffer
	stop     func()
	once     sync.Once
}

// Launch runs moto_server on 127.0.0.1 until Close, for use outside tests
// (Start is the test form). Without moto_server on PATH the error wraps
// ErrNotInstalled. ctx bounds the start only.
func Launch(ctx context.Context) (*Server, error) {
	bin, err := exec.LookPath(Binary)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotInstalled, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return launch(bin, func(string, ...any) {})
}

// Endpoint is "http://127.0.0.1:PORT".
func (s *Server) Endpoint() string { return s.endpoint }

// Output is the tail of what the server printed.
func (s *Server) Output() string { return s.out.String() }

// Close kills the server and waits for it; safe to call more than once.
func (s *Server) Close() error {
	s.once.Do(s.stop)
	return nil
}

// launch starts bin, retrying a few times (a port taken between freePort
// and the server's bind).
func launch(bin string, logf func(string, ...any)) (*Server, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := start(bin)
		if err == nil {
			return s, nil
		}
		lastErr = err
		logf("motoserver: attempt %d: %v", attempt+1, err)
	}
	return nil, fmt.Errorf("could not start %s: %w", bin, lastErr)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func start(bin string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// The server's output, from its copying goroutine; the last lines are
	// what a failed start reports.
	out := &syncbuf.Buffer{Limit: 1 << 20}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group, so a wrapper (a pyenv shim) and its child die together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", port)
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(StartTimeout)
	for {
		resp, err := client.Get(endpoint + "/moto-api/")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case werr := <-exited:
			exited <- werr
			stop()
			return nil, fmt.Errorf("exited before answering (%v): %s", werr, tail(out.String()))
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return nil, errors.New("no answer within " + StartTimeout.String() + ": " + tail(out.String()))
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &Server{endpoint: endpoint, out: out, stop: stop}, nil
}

func tail(s string) string {
	const max = 4000
	if len(s) > max {
		return "..." + s[len(s)-max:]
	}
	return s
}
