package proofing

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
)

type fakeCap struct {
	users []string
	ok    bool
	err   error
}

func (f *fakeCap) Take(_ context.Context, poolID, user string) (bool, error) {
	f.users = append(f.users, poolID+"/"+user)
	return f.ok, f.err
}

func TestCapConfigFromEnv(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	c, err := CapConfigFromEnv(get)
	if err != nil || c.Max != contract.DefaultUserCapProofingSessions || c.Window != 15*time.Minute {
		t.Fatalf("defaults %+v, %v", c, err)
	}
	env[contract.EnvUserCapStarts], env[contract.EnvUserCapWindowSeconds] = "1001", "86401"
	_, err = CapConfigFromEnv(get)
	for _, k := range []string{contract.EnvUserCapStarts, contract.EnvUserCapWindowSeconds} {
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("error %v does not name %s", err, k)
		}
	}
}

func TestTakeStart(t *testing.T) {
	b := &Behaviour{}
	if r := b.takeStart(context.Background(), "us-east-1_x", "Ada@Example.com"); r != "" {
		t.Fatalf("no cap: %q", r)
	}
	c := &fakeCap{ok: true}
	b.Cap = c
	if r := b.takeStart(context.Background(), "us-east-1_x", "Ada@Example.com"); r != "" || c.users[0] != "us-east-1_x/ada@example.com" {
		t.Fatalf("under the cap: %q, counted %v (one counter per name, whatever its case)", r, c.users)
	}
	c.ok = false
	if r := b.takeStart(context.Background(), "us-east-1_x", "ada@example.com"); r != ReasonUserCapReached {
		t.Fatalf("beyond the cap: %q", r)
	}
	c.err = errors.New("unavailable")
	if r := b.takeStart(context.Background(), "us-east-1_x", "ada@example.com"); r != ReasonStoreError {
		t.Fatalf("table unavailable: %q", r)
	}
}
