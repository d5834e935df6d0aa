package oidcpeer_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cognitobridge/cognitobridge/test/oidcpeer"
)

func TestPostStepUpPage(t *testing.T) {
	const parent = "http://127.0.0.1:9999"
	p := oidcpeer.Start(t, oidcpeer.Options{
		ParentOrigin: parent,
		Users:        []oidcpeer.User{{Username: "alice", Password: "pw"}},
	})
	if want := p.Issuer() + oidcpeer.PathPostStepUp; p.RedirectURI() != want {
		t.Fatalf("redirect URI %q, want the tenant page %q", p.RedirectURI(), want)
	}
	cases := []struct {
		name, query string
		want        []string
	}{
		// A quote and a "<" in the code stay inside the JS string.
		{"result", "code=c%22<x&state=s1", []string{`\"code\":\"c\\\"\\u003cx\"`, `postMessage(msg, "http://127.0.0.1:9999")`}},
		{"error", "error=access_denied", []string{`{\"error\":\"access_denied\"}`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := http.Get(p.Issuer() + oidcpeer.PathPostStepUp + "?" + c.query)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			page := string(b)
			for _, w := range c.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %s:\n%s", w, page)
				}
			}
			if strings.Contains(page, `"*"`) {
				t.Error("page posts to any origin")
			}
		})
	}
	if _, err := url.Parse(p.RedirectURI()); err != nil {
		t.Fatal(err)
	}
}
