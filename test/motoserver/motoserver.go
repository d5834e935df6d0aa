// Package motoserver starts a private moto_server (the moto AWS mock, a
// Python program) on 127.0.0.1 for tests that drive the real aws-sdk-go-v2
// clients against it through BaseEndpoint.
//
// Each Start gets its own server on a free port, stopped when the test ends.
// When moto_server is not on PATH the test is skipped, or fails when the
// environment variable CI is "true" (CI must not silently lose the check).
package motoserver

import (
	"bytes"
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
func Start(t testing.TB) (endpoint string) {
	t.Helper()
	bin, err := exec.LookPath(Binary)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not on PATH (required when CI=true): %v", Binary, err)
		}
		t.Skipf("%s not on PATH: %v", Binary, err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		endpoint, lastErr = start(t, bin)
		if lastErr == nil {
			return endpoint
		}
		t.Logf("motoserver: attempt %d: %v", attempt+1, lastErr)
	}
	t.Fatalf("motoserver: could not start %s: %v", bin, lastErr)
	return ""
}

// lockedBuffer collects the server's output from its copying goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 1<<20 { // keep the last lines useful, not unbounded
		b.buf.Reset()
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func start(t testing.TB, bin string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	out := &lockedBuffer{}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group, so a wrapper (a pyenv shim) and its child die together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", err
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
			return "", fmt.Errorf("exited before answering (%v): %s", werr, tail(out.String()))
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return "", errors.New("no answer within " + StartTimeout.String() + ": " + tail(out.String()))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("moto_server output:\n%s", tail(out.String()))
		}
	})
	return endpoint, nil
}

func tail(s string) string {
	const max = 4000
	if len(s) > max {
		return "..." + s[len(s)-max:]
	}
	return s
}
