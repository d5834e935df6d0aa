// Package runtimeapi is a minimal AWS Lambda Runtime API server for tests:
// it lets a real Lambda bootstrap (an aws-lambda-go binary built with
// -tags lambda.norpc) run as a local process, with AWS_LAMBDA_RUNTIME_API
// pointing at 127.0.0.1.
//
// It is written from AWS's documented Runtime API
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html), version
// 2018-06-01, not from any emulator's code:
//
//	GET  /2018-06-01/runtime/invocation/next            blocks until an event; 200 with the event
//	     as body and the headers Lambda-Runtime-Aws-Request-Id, Lambda-Runtime-Deadline-Ms,
//	     Lambda-Runtime-Invoked-Function-Arn, Lambda-Runtime-Trace-Id
//	POST /2018-06-01/runtime/invocation/{id}/response    202; the invocation's result
//	POST /2018-06-01/runtime/invocation/{id}/error       202; an error document
//	     {"errorMessage","errorType","stackTrace"} (Lambda-Runtime-Function-Error-Type header)
//	POST /2018-06-01/runtime/init/error                  202; initialization failed
//
// An unknown request id is answered 400, a payload over 6 MB 413, as the
// documentation lists. A response whose HTTP trailers carry
// Lambda-Runtime-Function-Error-Type (the response-streaming error form
// aws-lambda-go uses) counts as an error, its body taken from
// Lambda-Runtime-Function-Error-Body (base64).
package runtimeapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// FunctionARN is the invoked function ARN handed to the runtime.
const FunctionARN = "arn:aws:lambda:us-east-1:123456789012:function:cognitobridge-test"

// MaxPayload is the documented synchronous invocation payload limit.
const MaxPayload = 6 * 1024 * 1024

const prefix = "/2018-06-01/runtime/"

// ErrTimedOut is returned by Invoke when the deadline passes unanswered, as
// Lambda ends such an invocation ("Task timed out").
var ErrTimedOut = errors.New("runtimeapi: task timed out")

// ErrStopped is returned by Invoke once the server is stopped.
var ErrStopped = errors.New("runtimeapi: server stopped")

type result struct {
	body    []byte
	isError bool
}

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	done     chan result // buffered, 1
}

// Server is a Runtime API endpoint. It is safe for concurrent use; each
// Invoke is handed to the next GET .../next of any connected runtime.
type Server struct {
	srv       *http.Server
	ln        net.Listener
	queue     chan *invocation
	stop      chan struct{}
	closeOnce sync.Once

	mu        sync.Mutex
	inflight  map[string]*invocation
	initErr   []byte
	initFail  chan struct{}
	nextCalls int
	invokes   int
}

// Start runs the server on 127.0.0.1 and stops it in t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatalf("runtimeapi: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// New runs the server on 127.0.0.1 (a free port) until Close; for use
// outside tests (Start is the test form).
func New() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{
		ln:       ln,
		queue:    make(chan *invocation),
		stop:     make(chan struct{}),
		inflight: map[string]*invocation{},
		initFail: make(chan struct{}),
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server: blocked GET .../next and Invoke calls return
// (ErrStopped). It is safe to call more than once.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop) // releases blocked GET .../next and Invoke calls
		err = s.srv.Close()
	})
	return err
}

// Addr is host:port, the value for AWS_LAMBDA_RUNTIME_API.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// InitError returns the body of a POST .../init/error, or nil.
func (s *Server) InitError() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.initErr
}

// NextCalls counts GET .../next requests received so far.
func (s *Server) NextCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextCalls
}

// Invocations counts Invoke calls so far (what Lambda bills as requests).
func (s *Server) Invocations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.invokes
}

// Invoke hands payload to the runtime as one invocation whose deadline is
// now+deadline, and waits for its response or error document. isError
// reports that the runtime posted to .../error. err is set when no answer
// came: ctx ended, the deadline passed (ErrTimedOut), the runtime reported
// an init error, or the server stopped.
func (s *Server) Invoke(ctx context.Context, payload []byte, deadline time.Duration) (response []byte, isError bool, err error) {
	if len(payload) > MaxPayload {
		return nil, false, fmt.Errorf("runtimeapi: payload of %d bytes exceeds %d", len(payload), MaxPayload)
	}
	s.mu.Lock()
	s.invokes++
	s.mu.Unlock()
	inv := &invocation{
		id:       newRequestID(),
		payload:  payload,
		deadline: time.Now().Add(deadline),
		done:     make(chan result, 1),
	}
	timer := time.NewTimer(deadline)
	defer timer.Stop()
	defer func() {
		s.mu.Lock()
		delete(s.inflight, inv.id)
		s.mu.Unlock()
	}()

	select { // wait for a runtime to take it
	case s.queue <- inv:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	case <-timer.C:
		return nil, false, ErrTimedOut
	case <-s.initFail:
		return nil, false, fmt.Errorf("runtimeapi: init error: %s", s.InitError())
	case <-s.stop:
		return nil, false, ErrStopped
	}
	select {
	case r := <-inv.done:
		return r.body, r.isError, nil
	case <-ctx.Done():
		return nil, false, ctx.Err()
	case <-timer.C:
		return nil, false, ErrTimedOut
	case <-s.stop:
		return nil, false, ErrStopped
	}
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		apiError(w, http.StatusNotFound, "InvalidPath", "unknown path")
		return
	}
	switch {
	case path == "invocation/next":
		if r.Method != http.MethodGet {
			apiError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "GET only")
			return
		}
		s.next(w, r)
	case path == "init/error":
		if r.Method != http.MethodPost {
			apiError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "POST only")
			return
		}
		body, _, err := readResult(r, true)
		if err != nil {
			apiError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", err.Error())
			return
		}
		s.mu.Lock()
		if s.initErr == nil {
			s.initErr = body
			close(s.initFail)
		}
		s.mu.Unlock()
		accepted(w)
	case strings.HasPrefix(path, "invocation/"):
		id, kind, ok := strings.Cut(strings.TrimPrefix(path, "invocation/"), "/")
		if !ok || (kind != "response" && kind != "error") || id == "" {
			apiError(w, http.StatusNotFound, "InvalidPath", "unknown path")
			return
		}
		if r.Method != http.MethodPost {
			apiError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "POST only")
			return
		}
		s.finish(w, r, id, kind == "error")
	default:
		apiError(w, http.StatusNotFound, "InvalidPath", "unknown path")
	}
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.nextCalls++
	s.mu.Unlock()
	var inv *invocation
	select {
	case inv = <-s.queue:
	case <-r.Context().Done():
		return
	case <-s.stop:
		apiError(w, http.StatusInternalServerError, "ServerStopped", "runtime API stopped")
		return
	}
	s.mu.Lock()
	s.inflight[inv.id] = inv
	s.mu.Unlock()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", FunctionARN)
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+inv.id[:8]+"-"+strings.ReplaceAll(inv.id[9:], "-", "")[:24]+";Parent=0000000000000000;Sampled=0")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
}

func (s *Server) finish(w http.ResponseWriter, r *http.Request, id string, isErr bool) {
	s.mu.Lock()
	inv, ok := s.inflight[id]
	if ok {
		delete(s.inflight, id)
	}
	s.mu.Unlock()
	if !ok {
		apiError(w, http.StatusBadRequest, "InvalidRequestID", "unknown or already answered request id")
		return
	}
	body, trailerErr, err := readResult(r, isErr)
	if err != nil {
		inv.done <- result{body: []byte(`{"errorMessage":"response payload too large","errorType":"Function.ResponseSizeTooLarge"}`), isError: true}
		apiError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", err.Error())
		return
	}
	inv.done <- result{body: body, isError: isErr || trailerErr}
	accepted(w)
}

// readResult reads a posted body (bounded) and, for a streamed response,
// the error trailers.
func readResult(r *http.Request, isErr bool) (body []byte, trailerErr bool, err error) {
	body, err = io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		return nil, false, err
	}
	if len(body) > MaxPayload {
		return nil, false, fmt.Errorf("payload exceeds %d bytes", MaxPayload)
	}
	if t := r.Trailer.Get("Lambda-Runtime-Function-Error-Type"); t != "" && !isErr {
		doc := r.Trailer.Get("Lambda-Runtime-Function-Error-Body")
		if b, err := base64.StdEncoding.DecodeString(doc); err == nil && len(b) > 0 {
			return b, true, nil
		}
		b, _ := json.Marshal(map[string]string{"errorType": t, "errorMessage": "streamed response failed"})
		return b, true, nil
	}
	return bytes.Clone(body), false, nil
}

func accepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"status":"OK"}`))
}

func apiError(w http.ResponseWriter, code int, typ, msg string) {
	b, _ := json.Marshal(map[string]string{"errorType": typ, "errorMessage": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}
