package guard_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/enrollment"
	"github.com/cognitobridge/cognitobridge/lambdas/guard"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/mototest"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
)

// TestGuardWithDynamoDB runs the guard over the real store and SDK client
// against moto_server: Verify's record lets exactly one issuance through.
func TestGuardWithDynamoDB(t *testing.T) {
	client, table := mototest.StepUpTable(t)
	store := steprecord.New(client, table, time.Minute)
	h := guard.New(store, time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ev := guard.Event{
		Header: guard.Header{Version: "2", TriggerSource: guard.TriggerAuthentication, UserPoolID: "us-east-1_AbCdEf123", UserName: "alice",
			CallerContext: guard.CallerContext{ClientID: "1example23456789"}},
		Request: guard.Request{UserAttributes: map[string]string{"sub": "sub-1"},
			ClientMetadata: map[string]string{contract.MetadataStepUpBinding: "value-1"}},
	}
	// Verify's writes: the first step-up enrolls, later ones record.
	first := true
	record := func() {
		t.Helper()
		p := steprecord.Pass{PoolID: ev.UserPoolID, Sub: "sub-1", ClientID: ev.CallerContext.ClientID,
			BindingHash: contract.BindingHash("value-1"), Identity: enrollment.Identity{Issuer: "https://idp", Subject: "alice"}, At: time.Now()}
		write, want := store.RecordEnrolled, steprecord.Recorded
		if first {
			write, want, first = store.EnrollAndRecord, steprecord.Enrolled, false
		}
		if o, err := write(ctx, p); err != nil || o != want {
			t.Fatalf("record: %v, %v", o, err)
		}
	}
	if _, err := h.Handle(ctx, ev); !errors.Is(err, guard.ErrStepUpRequired) {
		t.Fatalf("without record: %v", err)
	}
	record()
	if _, err := h.Handle(ctx, ev); err != nil {
		t.Fatalf("with record: %v", err)
	}
	if _, err := h.Handle(ctx, ev); !errors.Is(err, guard.ErrStepUpRequired) {
		t.Fatalf("replay: %v", err)
	}

	// A step-up passed on one app client releases no tokens to another,
	// and the record is spent by the attempt.
	record()
	other := ev
	other.CallerContext.ClientID = "2other98765432"
	if got := h.Decide(ctx, other); got != guard.ReasonRecordOtherClient {
		t.Fatalf("other client: %s", got)
	}
	if got := h.Decide(ctx, ev); got != guard.ReasonRecordMissing {
		t.Fatalf("own client after other: %s", got)
	}
	down := guard.New(steprecord.New(client, "no-such-table", time.Minute), time.Minute)
	if got := down.Decide(ctx, ev); got != guard.ReasonStoreUnavailable {
		t.Fatalf("missing table: %s", got)
	}
}
