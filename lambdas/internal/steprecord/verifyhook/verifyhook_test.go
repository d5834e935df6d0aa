package verifyhook

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
	"github.com/cognitobridge/cognitobridge/lambdas/stepup"
)

type fakeRecorder struct {
	pool, sub, client string
	at                time.Time
	err               error
}

func (f *fakeRecorder) Record(_ context.Context, pool, sub, client string, at time.Time) error {
	f.pool, f.sub, f.client, f.at = pool, sub, client, at
	return f.err
}

func verifyEvent() stepup.VerifyEvent {
	ev := stepup.VerifyEvent{Header: stepup.Header{
		UserPoolID: "us-east-1_x", UserName: "alice",
		CallerContext: stepup.CallerContext{ClientID: "client-1"},
	}}
	ev.Request.UserAttributes = map[string]string{"sub": "sub-1", "email": "a@example.com"}
	return ev
}

func TestOnPassed(t *testing.T) {
	at := time.Unix(1_700_000_000, 0)
	ev := verifyEvent()

	r := &fakeRecorder{}
	h := New(r)
	h.Now = func() time.Time { return at }
	if err := h.OnPassed(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if r.pool != "us-east-1_x" || r.sub != "sub-1" || r.client != "client-1" || !r.at.Equal(at) {
		t.Fatalf("recorded %q %q %q %v", r.pool, r.sub, r.client, r.at)
	}
	r.err = errors.New("down")
	if err := h.OnPassed(context.Background(), ev); err == nil {
		t.Fatal("store error must fail Verify closed")
	}
}

// Through the real store: an event without a client id is an error (Verify
// fails closed), never a record without a client.
func TestOnPassedWithoutClientIDFailsClosed(t *testing.T) {
	ev := verifyEvent()
	ev.CallerContext.ClientID = ""
	h := New(steprecord.New(nil, "tbl", time.Minute))
	if err := h.OnPassed(context.Background(), ev); !errors.Is(err, steprecord.ErrInvalidClientID) {
		t.Fatalf("OnPassed without client id = %v, want ErrInvalidClientID", err)
	}
}
