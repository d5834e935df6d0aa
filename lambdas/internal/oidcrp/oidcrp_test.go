package oidcrp

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

func TestCheckEndpointURL(t *testing.T) {
	for _, ok := range []string{"https://idp.example.com", "https://idp.example.com/a?b=c", "http://127.0.0.1:8080/x", "http://localhost/x", "http://[::1]:1/"} {
		if err := CheckEndpointURL(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://idp.example.com", "https://u:p@idp.example.com", "https://idp.example.com/#f", "ftp://x", "/rel", "https://"} {
		if CheckEndpointURL(bad) == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestAZPAndAuthTime(t *testing.T) {
	claims := func(s string) map[string]json.RawMessage {
		var m map[string]json.RawMessage
		_ = json.Unmarshal([]byte(s), &m)
		return m
	}
	for _, tc := range []struct {
		claims string
		aud    []string
		want   bool
	}{
		{`{}`, []string{"c"}, true},
		{`{}`, []string{"c", "d"}, false},
		{`{"azp":"c"}`, []string{"c", "d"}, true},
		{`{"azp":"d"}`, []string{"c"}, false},
		{`{"azp":1}`, []string{"c"}, false},
	} {
		if got := AZPValid(claims(tc.claims), tc.aud, "c"); got != tc.want {
			t.Errorf("%s %v: %v", tc.claims, tc.aud, got)
		}
	}
	if at, ok := AuthTime(claims(`{"auth_time":1700000000}`)); !ok || at.Unix() != 1700000000 {
		t.Error("auth_time")
	}
	for _, bad := range []string{`{}`, `{"auth_time":"1700000000"}`, `{"auth_time":0}`, `{"auth_time":-1}`, `{"auth_time":1e300}`} {
		if _, ok := AuthTime(claims(bad)); ok {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestVerifyRefusesWithoutExpectations(t *testing.T) {
	p := NewProvider(NewHTTPClient(time.Second), "https://idp.example.com", Endpoints{})
	if _, err := p.VerifyIDToken(context.Background(), "https://idp.example.com/jwks", "x.y.z", Check{ClientID: "c", Algs: []string{"RS256"}}); err != ErrIDTokenInvalid {
		t.Fatalf("no nonce: %v", err)
	}
	// Explicit endpoints: no discovery.
	p = NewProvider(NewHTTPClient(time.Second), "https://idp.example.com", Endpoints{Authorize: "https://a", Token: "https://t", JWKS: "https://j"})
	if e, err := p.Endpoints(context.Background(), true, true, true); err != nil || e.Token != "https://t" {
		t.Fatalf("%+v %v", e, err)
	}
}
