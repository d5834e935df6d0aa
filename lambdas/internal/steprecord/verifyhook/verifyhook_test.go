package verifyhook

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

type fakeRecorder struct {
	pool, sub string
	at        time.Time
	err       error
}

func (f *fakeRecorder) Record(_ context.Context, pool, sub string, at time.Time) error {
	f.pool, f.sub, f.at = pool, sub, at
	return f.err
}

func TestOnPassed(t *testing.T) {
	at := time.Unix(1_700_000_000, 0)
	ev := stepup.VerifyEvent{Header: stepup.Header{UserPoolID: "us-east-1_x", UserName: "alice"}}
	ev.Request.UserAttributes = map[string]string{"sub": "sub-1", "email": "a@example.com"}

	r := &fakeRecorder{}
	h := New(r)
	h.Now = func() time.Time { return at }
	if err := h.OnPassed(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if r.pool != "us-east-1_x" || r.sub != "sub-1" || !r.at.Equal(at) {
		t.Fatalf("recorded %q %q %v", r.pool, r.sub, r.at)
	}
	r.err = errors.New("down")
	if err := h.OnPassed(context.Background(), ev); err == nil {
		t.Fatal("store error must fail Verify closed")
	}
}
