package lambdarun

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cognitobridge/cognitobridge/test/runtimeapi"
)

// FAKE: a loopback Lambda Invoke API, written from the AWS Lambda API
// reference's Invoke action (not from any emulator):
//
//	POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=]
//	     X-Amz-Invocation-Type: RequestResponse (default) | Event | DryRun
//	     body: the payload
//	200  body: the function's response; X-Amz-Executed-Version; when the
//	     function failed, X-Amz-Function-Error: Unhandled and the error
//	     document as body ("The status code in the API response doesn't
//	     reflect function errors")
//	404  ResourceNotFoundException (X-Amzn-ErrorType), JSON {"Type","message"}
//
// FunctionName is a name, a full ARN or a partial ARN
// (<account>:function:<name>), optionally with the qualifier $LATEST
// (":$LATEST" or ?Qualifier=$LATEST); other versions and aliases do not
// exist locally. Only RequestResponse is served (the step-up gate uses
// nothing else); Event and DryRun are 400. Requests are not signature
// checked (the functions sign with the dummy credentials).
type invokeAPI struct {
	r   *Runner
	srv *http.Server
	url string

	mu    sync.Mutex
	calls []InvokeCall
}

// InvokeCall is one request the Invoke API received.
type InvokeCall struct {
	// FunctionName as the caller gave it; Function the logical id it
	// resolved to ("" when none).
	FunctionName, Function string
	InvocationType         string
	At                     time.Time
}

func startInvokeAPI(r *Runner) (*invokeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("lambdarun: invoke API: %w", err)
	}
	a := &invokeAPI{r: r, url: "http://" + ln.Addr().String()}
	a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.srv.Serve(ln) }()
	return a, nil
}

func (a *invokeAPI) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = a.srv.Shutdown(ctx)
}

// InvokeURL is the loopback Lambda Invoke API's endpoint (the functions'
// AWS_ENDPOINT_URL_LAMBDA), or "" without Options.InvokeAPI.
func (r *Runner) InvokeURL() string {
	if r.invoke == nil {
		return ""
	}
	return r.invoke.url
}

// InvokeCalls lists the requests the Lambda Invoke API received, in order.
func (r *Runner) InvokeCalls() []InvokeCall {
	if r.invoke == nil {
		return nil
	}
	r.invoke.mu.Lock()
	defer r.invoke.mu.Unlock()
	return append([]InvokeCall(nil), r.invoke.calls...)
}

// resolve finds the logical id of a FunctionName (name, ARN or partial
// ARN, optionally qualified with $LATEST).
func (a *invokeAPI) resolve(name, qualifier string) (string, bool) {
	if qualifier != "" && qualifier != "$LATEST" {
		return "", false
	}
	parts := strings.Split(name, ":")
	switch {
	case len(parts) == 8 && parts[0] == "arn", len(parts) == 4 && parts[1] == "function":
		if parts[len(parts)-1] != "$LATEST" {
			return "", false
		}
		name = strings.Join(parts[:len(parts)-1], ":")
	}
	for id, f := range a.r.byID {
		arn := f.def.ARN
		_, partial, _ := strings.Cut(arn, ":lambda:") // <region>:<account>:function:<name>
		_, partial, _ = strings.Cut(partial, ":")     // <account>:function:<name>
		if name == f.def.Name || name == arn || name == partial || (f.def.Name == "" && name == a.r.pool.StackName+"-"+id) {
			return id, true
		}
	}
	return "", false
}

func (a *invokeAPI) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	rest, ok := strings.CutPrefix(req.URL.EscapedPath(), "/2015-03-31/functions/")
	name, ok2 := strings.CutSuffix(rest, "/invocations")
	if !ok || !ok2 || req.Method != http.MethodPost {
		invokeError(w, http.StatusNotFound, "ResourceNotFoundException", "unknown path")
		return
	}
	name, err := url.PathUnescape(name)
	if err != nil {
		invokeError(w, http.StatusBadRequest, "InvalidParameterValueException", "malformed function name")
		return
	}
	payload, err := io.ReadAll(io.LimitReader(req.Body, runtimeapi.MaxPayload+1))
	if err != nil {
		invokeError(w, http.StatusBadRequest, "InvalidRequestContentException", "unreadable body")
		return
	}
	if len(payload) > runtimeapi.MaxPayload {
		invokeError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation")
		return
	}
	typ := req.Header.Get("X-Amz-Invocation-Type")
	id, found := a.resolve(name, req.URL.Query().Get("Qualifier"))
	a.mu.Lock()
	a.calls = append(a.calls, InvokeCall{FunctionName: name, Function: id, InvocationType: typ, At: time.Now()})
	a.mu.Unlock()
	if typ != "" && typ != "RequestResponse" {
		invokeError(w, http.StatusBadRequest, "InvalidParameterValueException", "this local Invoke API serves RequestResponse only")
		return
	}
	if !found {
		invokeError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	a.r.logf("Lambda Invoke API: %s", id)
	out, failed, err := a.r.InvokeFunction(req.Context(), id, payload)
	if err != nil {
		// The function timed out or crashed: Lambda reports an Unhandled
		// function error with a 200.
		out, _ = json.Marshal(map[string]string{"errorType": "Runtime.ExitError", "errorMessage": "the function did not answer"})
		failed = true
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	if failed {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
}

func invokeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Type": "User", "message": msg})
}
