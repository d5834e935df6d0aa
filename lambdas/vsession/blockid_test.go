package vsession_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/vsession"
	"github.com/cognitobridge/cognitobridge/test/vsessionpeer"
)

// secrets is a SecretSource whose value can change (rotation) and which
// counts invalidations.
type secrets struct {
	mu          sync.Mutex
	cached, src string
	invalidated int
}

func newSecrets(s contract.SessionSecret) *secrets {
	b, _ := json.Marshal(s)
	return &secrets{cached: string(b), src: string(b)}
}

func (s *secrets) Value(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached == "" {
		s.cached = s.src
	}
	return s.cached, nil
}

func (s *secrets) Invalidate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cached = ""
	s.invalidated++
}

// rotate changes the stored secret; the cached copy stays until invalidated.
func (s *secrets) rotate(v contract.SessionSecret) {
	b, _ := json.Marshal(v)
	s.mu.Lock()
	s.src = string(b)
	s.mu.Unlock()
}

func newClient(t *testing.T, o vsessionpeer.Options) (*vsession.BlockID, *vsessionpeer.Peer, *secrets) {
	t.Helper()
	peer := vsessionpeer.Start(t, o)
	sec := newSecrets(contract.SessionSecret{APIKey: peer.APIKey(), TenantDNS: "tenant.example.com"})
	return &vsession.BlockID{APIURL: peer.URL(), Secrets: sec, HTTP: &http.Client{Timeout: 2 * time.Second}}, peer, sec
}

var alice = vsession.StartRequest{Subject: "alice-blockid", Reason: "high_value_transaction", Timeout: 90500 * time.Millisecond}

func TestStartAndResult(t *testing.T) {
	b, peer, _ := newClient(t, vsessionpeer.Options{})
	ctx := context.Background()
	s, err := b.Start(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := peer.Last()
	if got.ID != s.ID || got.URL != s.URL || got.Subject != "alice-blockid" || got.Reason != "high_value_transaction" || got.TimeoutSeconds != 91 {
		t.Fatalf("peer received %+v; client returned %+v", got, s)
	}
	r, err := b.Result(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != s.ID || r.Status != vsession.StatusPending || r.MatchResult || r.LivenessVerified || !r.CompletedAt.IsZero() || r.ExpiresAt.IsZero() {
		t.Fatalf("pending result: %+v", r)
	}
	if err := peer.Person(ctx, s.URL, "alice-blockid", true); err != nil {
		t.Fatal(err)
	}
	r, err = b.Result(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != vsession.StatusCompleted || !r.MatchResult || !r.LivenessVerified || r.Subject != "alice-blockid" || r.CompletedAt.IsZero() {
		t.Fatalf("completed result: %+v", r)
	}
	for name, set := range map[string]func(string){"expired": peer.Expire, "failed": peer.Fail} {
		s, err := b.Start(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		set(s.ID)
		r, err := b.Result(ctx, s.ID)
		if err != nil || string(r.Status) != name {
			t.Fatalf("%s: %+v, %v", name, r, err)
		}
	}
}

func TestStartRefusesBadRequestsWithoutCalling(t *testing.T) {
	b, peer, _ := newClient(t, vsessionpeer.Options{})
	for name, req := range map[string]vsession.StartRequest{
		"no subject":     {Reason: "r", Timeout: time.Minute},
		"control char":   {Subject: "a\nb", Reason: "r", Timeout: time.Minute},
		"long subject":   {Subject: strings.Repeat("a", 513), Reason: "r", Timeout: time.Minute},
		"bad reason":     {Subject: "a", Reason: "High Value", Timeout: time.Minute},
		"no timeout":     {Subject: "a", Reason: "r"},
		"too long a one": {Subject: "a", Reason: "r", Timeout: 2 * time.Hour},
	} {
		if _, err := b.Start(context.Background(), req); !errors.Is(err, vsession.ErrInvalidRequest) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, id := range []string{"", "../x", "a/b", "a%2f", strings.Repeat("a", 129), "a?b"} {
		if _, err := b.Result(context.Background(), id); !errors.Is(err, vsession.ErrInvalidRequest) {
			t.Errorf("result %q: %v", id, err)
		}
	}
	if n := peer.Calls(vsessionpeer.EndpointStart) + peer.Calls(vsessionpeer.EndpointResult); n != 0 {
		t.Fatalf("%d calls reached the provider", n)
	}
}

func TestStartFaults(t *testing.T) {
	cases := []struct {
		name  string
		fault vsessionpeer.Fault
		want  error
	}{
		{"500", vsessionpeer.Fault{Status: 500}, vsession.ErrUnavailable},
		{"429", vsessionpeer.Fault{Status: 429}, vsession.ErrUnavailable},
		{"400", vsessionpeer.Fault{Status: 400}, vsession.ErrRefused},
		{"not JSON", vsessionpeer.Fault{Body: "<html>"}, vsession.ErrMalformed},
		{"array", vsessionpeer.Fault{Body: `[{"challenge_id":"a","challenge_url":"https://x/"}]`}, vsession.ErrMalformed},
		{"trailing data", vsessionpeer.Fault{Body: `{"challenge_id":"a","challenge_url":"https://x/"} {}`}, vsession.ErrMalformed},
		{"duplicate id", vsessionpeer.Fault{Body: `{"challenge_id":"a","challenge_id":"b","challenge_url":"https://x/"}`}, vsession.ErrMalformed},
		{"no url", vsessionpeer.Fault{Body: `{"challenge_id":"a"}`}, vsession.ErrMalformed},
		{"id a number", vsessionpeer.Fault{Body: `{"challenge_id":7,"challenge_url":"https://x/"}`}, vsession.ErrMalformed},
		{"id with slash", vsessionpeer.Fault{Body: `{"challenge_id":"a/b","challenge_url":"https://x/"}`}, vsession.ErrMalformed},
		{"plain http url", vsessionpeer.Fault{Body: `{"challenge_id":"a","challenge_url":"http://tenant.example.com/s"}`}, vsession.ErrMalformed},
		{"javascript url", vsessionpeer.Fault{Body: `{"challenge_id":"a","challenge_url":"javascript:alert(1)"}`}, vsession.ErrMalformed},
		{"userinfo url", vsessionpeer.Fault{Body: `{"challenge_id":"a","challenge_url":"https://u:p@x/"}`}, vsession.ErrMalformed},
		{"oversized", vsessionpeer.Fault{Oversize: 20 << 10}, vsession.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, peer, _ := newClient(t, vsessionpeer.Options{})
			peer.SetFault(vsessionpeer.EndpointStart, tc.fault)
			_, err := b.Start(context.Background(), alice)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), peer.APIKey()) {
				t.Fatal("error carries the API key")
			}
		})
	}
	t.Run("unknown user", func(t *testing.T) {
		b, _, _ := newClient(t, vsessionpeer.Options{Users: []string{"bob"}})
		if _, err := b.Start(context.Background(), alice); !errors.Is(err, vsession.ErrRefused) {
			t.Fatal(err)
		}
	})
	t.Run("hang ends at the caller's deadline", func(t *testing.T) {
		b, peer, _ := newClient(t, vsessionpeer.Options{})
		peer.SetFault(vsessionpeer.EndpointStart, vsessionpeer.Fault{Hang: true})
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := b.Start(ctx, alice)
		if !errors.Is(err, vsession.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("took %v", d)
		}
	})
}

func TestCredentialRotation(t *testing.T) {
	b, peer, sec := newClient(t, vsessionpeer.Options{})
	peer.RotateAPIKey("rotated-key")
	sec.rotate(contract.SessionSecret{APIKey: "rotated-key", TenantDNS: "tenant.example.com"})
	if _, err := b.Start(context.Background(), alice); err != nil {
		t.Fatalf("rotated key not picked up: %v", err)
	}
	if sec.invalidated != 1 || peer.Calls(vsessionpeer.EndpointStart) != 2 {
		t.Fatalf("invalidated %d, calls %d", sec.invalidated, peer.Calls(vsessionpeer.EndpointStart))
	}
	peer.RotateAPIKey("another-key")
	_, err := b.Start(context.Background(), alice)
	if !errors.Is(err, vsession.ErrCredentials) || sec.invalidated != 2 || peer.Calls(vsessionpeer.EndpointStart) != 4 {
		t.Fatalf("got %v after %d invalidations and %d calls", err, sec.invalidated, peer.Calls(vsessionpeer.EndpointStart))
	}
}

func TestResultFaults(t *testing.T) {
	cases := []struct {
		name  string
		fault vsessionpeer.Fault
		want  error
	}{
		{"500", vsessionpeer.Fault{Status: 500}, vsession.ErrUnavailable},
		{"404", vsessionpeer.Fault{Status: 404}, vsession.ErrUnknownSession},
		{"410", vsessionpeer.Fault{Status: 410}, vsession.ErrRefused},
		{"not JSON", vsessionpeer.Fault{Body: "ok"}, vsession.ErrMalformed},
		{"oversized", vsessionpeer.Fault{Oversize: 20 << 10}, vsession.ErrMalformed},
		{"match as string", vsessionpeer.Fault{Rewrite: func(m map[string]any) { m["match_result"] = "true" }}, vsession.ErrMalformed},
		{"liveness as number", vsessionpeer.Fault{Rewrite: func(m map[string]any) { m["liveness_verified"] = 1 }}, vsession.ErrMalformed},
		{"liveness missing", vsessionpeer.Fault{Rewrite: func(m map[string]any) { delete(m, "liveness_verified") }}, vsession.ErrMalformed},
		{"no subject", vsessionpeer.Fault{Rewrite: func(m map[string]any) { delete(m, "user_id") }}, vsession.ErrMalformed},
		{"no completion time", vsessionpeer.Fault{Rewrite: func(m map[string]any) { delete(m, "completed_at") }}, vsession.ErrMalformed},
		{"bad time", vsessionpeer.Fault{Rewrite: func(m map[string]any) { m["completed_at"] = "yesterday" }}, vsession.ErrMalformed},
		{"unknown status", vsessionpeer.Fault{Rewrite: func(m map[string]any) { m["status"] = "approved" }}, vsession.ErrMalformed},
		{"no id", vsessionpeer.Fault{Rewrite: func(m map[string]any) { delete(m, "challenge_id") }}, vsession.ErrMalformed},
		{"duplicate verdict", vsessionpeer.Fault{Body: `{"challenge_id":"x","status":"completed","user_id":"a","match_result":false,"match_result":true,"liveness_verified":true,"completed_at":"2030-01-01T00:00:00Z"}`}, vsession.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, peer, _ := newClient(t, vsessionpeer.Options{})
			s, err := b.Start(context.Background(), alice)
			if err != nil {
				t.Fatal(err)
			}
			peer.Complete(s.ID, true, true)
			peer.SetFault(vsessionpeer.EndpointResult, tc.fault)
			if _, err := b.Result(context.Background(), s.ID); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("unknown session", func(t *testing.T) {
		b, _, _ := newClient(t, vsessionpeer.Options{})
		if _, err := b.Result(context.Background(), "never-started"); !errors.Is(err, vsession.ErrUnknownSession) {
			t.Fatal(err)
		}
	})
	t.Run("a pending session's verdicts are never true", func(t *testing.T) {
		b, peer, _ := newClient(t, vsessionpeer.Options{})
		s, _ := b.Start(context.Background(), alice)
		peer.SetFault(vsessionpeer.EndpointResult, vsessionpeer.Fault{Rewrite: func(m map[string]any) {
			m["match_result"], m["liveness_verified"], m["completed_at"] = true, true, "2030-01-01T00:00:00Z"
		}})
		r, err := b.Result(context.Background(), s.ID)
		if err != nil || r.Status != vsession.StatusPending || r.MatchResult || r.LivenessVerified || !r.CompletedAt.IsZero() {
			t.Fatalf("%+v, %v", r, err)
		}
	})
}

func TestSecretShapes(t *testing.T) {
	for name, raw := range map[string]string{
		"not JSON":      "x",
		"no key":        `{"tenantDns":"t.example.com"}`,
		"key with CRLF": `{"apiKey":"a\r\nX-Injected: 1"}`,
		"bad tenant":    `{"apiKey":"k","tenantDns":"evil.example.com/path"}`,
		"bad community": `{"apiKey":"k","community":"../x"}`,
	} {
		if _, err := vsession.ParseSecret(raw); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	s, err := vsession.ParseSecret(`{"apiKey":"k","tenantDns":"acme.1kosmos.net","community":"default"}`)
	if err != nil || s.APIKey != "k" || s.TenantDNS != "acme.1kosmos.net" || s.Community != "default" {
		t.Fatalf("%+v, %v", s, err)
	}
	// Without an API URL the base is https://{tenantDns}: nothing is
	// called over plain http.
	var seen string
	b := &vsession.BlockID{Secrets: newSecrets(contract.SessionSecret{APIKey: "k", TenantDNS: "acme.1kosmos.net"}), HTTP: &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		seen = r.URL.String()
		return nil, errors.New("offline")
	})}}
	if _, err := b.Start(context.Background(), alice); !errors.Is(err, vsession.ErrUnavailable) || seen != "https://acme.1kosmos.net/v1/auth/stepup" {
		t.Fatalf("%v, %q", err, seen)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
