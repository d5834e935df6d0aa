package authorizer

import (
	"bytes"
	"context"
	"crypto"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

var compactJWS = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)

// FuzzAuthorizationHeader feeds arbitrary Authorization header values to the
// parser and the whole decision (over a static key set, no network): it
// never panics, a parsed token is a bounded compact JWS, and only the one
// validly signed token is ever authorized.
func FuzzAuthorizationHeader(f *testing.F) {
	const iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123"
	valid := sign(f, poolKey, "pool-1", accessClaimsFor(iss, bob))
	for _, seed := range []string{
		"", "Bearer", "Bearer " + valid, "bearer  " + valid + " ", "Basic " + valid, "Bearer a.b.c",
		"Bearer " + valid + "," + valid, "Bearer " + strings.ToUpper(valid), "Bearer ..", "Bearer a.b.c.d",
		"Bearer eyJhbGciOiJub25lIn0.e30.", "Bearer \x00.\x00.\x00", strings.Repeat("Bearer ", 100),
	} {
		f.Add(seed)
	}
	cfg := Config{Issuer: iss, ClientID: client}
	if err := cfg.normalize(); err != nil {
		f.Fatal(err)
	}
	h := newWithKeySet(cfg, &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{&poolKey.PublicKey}})
	h.Logger = slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil))
	h.Now = func() time.Time { return now0 }
	f.Fuzz(func(t *testing.T, header string) {
		tok, reason := ParseBearer(header)
		switch {
		case reason == "":
			if len(tok) > MaxTokenBytes || !compactJWS.MatchString(tok) || !strings.Contains(header, tok) {
				t.Fatalf("ParseBearer(%q) = %q", header, tok)
			}
		case tok != "" || reason != ReasonNoToken && reason != ReasonTokenInvalid:
			t.Fatalf("ParseBearer(%q) = %q, %q", header, tok, reason)
		}
		resp, err := h.Handle(context.Background(), request(header))
		if err != nil {
			t.Fatalf("Handle: %v", err)
		}
		if resp.IsAuthorized && tok != valid {
			t.Fatalf("authorized %q", header)
		}
	})
}
