package main

import (
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// awsFront is the proxy between the handler functions and the AWS
// endpoints they call (moto for DynamoDB, Secrets Manager and SSM; the
// local Cognito endpoint for their user pool calls). It counts every call
// by operation (the X-Amz-Target header of the JSON protocols all four
// services use) and injects the faults of the run: a service answering
// DynamoDB's ProvisionedThroughputExceededException, or closing every
// connection without an answer.
type awsFront struct {
	mu     sync.Mutex
	counts map[string]int
	faults map[string]faultMode // by service prefix of X-Amz-Target
}

type faultMode int

const (
	faultNone faultMode = iota
	// faultThrottle answers HTTP 400 with the service's throttling error.
	faultThrottle
	// faultClose closes the connection without an answer (the service
	// unreachable mid-request, as a network failure looks to the SDK).
	faultClose
)

// Service prefixes of X-Amz-Target.
const (
	svcDynamoDB = "DynamoDB_20120810"
	svcSecrets  = "secretsmanager"
	svcSSM      = "AmazonSSM"
	svcCognito  = "AWSCognitoIdentityProviderService"
)

func newAWSFront() *awsFront {
	return &awsFront{counts: map[string]int{}, faults: map[string]faultMode{}}
}

// front starts a proxy to upstream on 127.0.0.1 and returns its endpoint;
// it stops when stop is closed.
func (a *awsFront) front(upstream string, stop <-chan struct{}) (string, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return "", err
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: a.handler(rp), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() { <-stop; _ = srv.Close() }()
	return "http://" + ln.Addr().String(), nil
}

func (a *awsFront) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.Header.Get("X-Amz-Target")
		if target == "" {
			target = r.Method + " " + r.URL.Path
		}
		svc, _, _ := strings.Cut(target, ".")
		a.mu.Lock()
		a.counts[target]++
		mode := a.faults[svc]
		a.mu.Unlock()
		switch mode {
		case faultThrottle:
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded (test/load fault)"}`))
			return
		case faultClose:
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					_ = c.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		next.ServeHTTP(w, r)
	})
}

// setFault sets the fault of a service (faultNone clears it).
func (a *awsFront) setFault(svc string, m faultMode) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if m == faultNone {
		delete(a.faults, svc)
		return
	}
	a.faults[svc] = m
}

// snapshot returns a copy of the counts.
func (a *awsFront) snapshot() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return maps.Clone(a.counts)
}

// diff is after minus before, without zero entries.
func diff(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// byOperation formats counts per sign-in as "Op 1.00, Op2 0.50".
func byOperation(m map[string]int, per int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+" "+ratio(m[k], per))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
