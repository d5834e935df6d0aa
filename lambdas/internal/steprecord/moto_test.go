package steprecord_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/enrollment"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/mototest"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
)

// TestStoreAgainstMoto drives the real aws-sdk-go-v2 DynamoDB client against
// moto_server on loopback: records, their consumption, and enrollment.
func TestStoreAgainstMoto(t *testing.T) {
	client, table := mototest.StepUpTable(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const pool = "us-east-1_AbCdEf123"
	const appClient, otherClient = "1example23456789", "2example98765432"
	window := time.Minute
	s := steprecord.New(client, table, window)
	now := time.Now()
	alice := enrollment.Identity{Issuer: "https://idp.example.com", Subject: "alice-at-idp"}
	mallory := enrollment.Identity{Issuer: "https://idp.example.com", Subject: "mallory-at-idp"}
	subSeq := 0
	newSub := func() string {
		subSeq++
		return "6f1c2c3e-0000-4000-8000-" + strconv.Itoa(100000000000+subSeq)
	}
	pass := func(sub, value string, id enrollment.Identity) steprecord.Pass {
		return steprecord.Pass{PoolID: pool, Sub: sub, ClientID: appClient, BindingHash: steprecord.BindingHash(value), Identity: id, At: now}
	}
	signIn := func(sub, value, clientID string) steprecord.SignIn {
		return steprecord.SignIn{PoolID: pool, Sub: sub, ClientID: clientID, BindingHash: steprecord.BindingHash(value)}
	}
	// consume returns nil when the record passes, else the refusal.
	consume := func(sub, value, clientID string, at time.Time) error {
		t.Helper()
		_, err := s.ConsumeAt(ctx, signIn(sub, value, clientID), at, window)
		if errors.Is(err, steprecord.ErrUnavailable) || errors.Is(err, steprecord.ErrInvalidKey) {
			t.Fatalf("ConsumeAt(%s): %v", sub, err)
		}
		return err
	}
	enroll := func(t *testing.T, p steprecord.Pass) {
		t.Helper()
		if o, err := s.EnrollAndRecord(ctx, p); err != nil || o != steprecord.Enrolled {
			t.Fatalf("EnrollAndRecord = %v, %v", o, err)
		}
	}

	t.Run("first use enrolls, later passes record, layout", func(t *testing.T) {
		sub := newSub()
		if o, err := s.RecordEnrolled(ctx, pass(sub, "v1", alice)); err != nil || o != steprecord.NotEnrolled {
			t.Fatalf("RecordEnrolled before enrollment = %v, %v", o, err)
		}
		if err := consume(sub, "v1", appClient, now); !errors.Is(err, steprecord.ErrRecordMissing) {
			t.Fatalf("a refused pass left a record: %v", err)
		}
		enroll(t, pass(sub, "v1", alice))
		got, found, err := s.Enrollment(ctx, pool, sub)
		if err != nil || !found || got != alice {
			t.Fatalf("Enrollment = %v, %v, %v", got, found, err)
		}
		item, err := client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(table),
			Key:       map[string]types.AttributeValue{contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: "enrollment#" + pool + "#" + sub}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, hasTTL := item.Item[contract.RecordExpiresAt]; hasTTL || item.Item[contract.EnrolledBy].(*types.AttributeValueMemberS).Value != contract.EnrolledByFirstUse {
			t.Errorf("enrollment item %v", item.Item)
		}
		if o, err := s.RecordEnrolled(ctx, pass(sub, "v2", alice)); err != nil || o != steprecord.Recorded {
			t.Fatalf("RecordEnrolled enrolled = %v, %v", o, err)
		}
		rec, err := client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(table),
			Key:       map[string]types.AttributeValue{contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: pool + "#" + sub + "#" + steprecord.BindingHash("v2")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if v := rec.Item[contract.RecordExpiresAt].(*types.AttributeValueMemberN).Value; v != strconv.FormatInt(now.Add(window+steprecord.ExpirySlack).Unix(), 10) {
			t.Errorf("expiresAt = %s", v)
		}
		for _, v := range []string{"v1", "v2"} {
			if err := consume(sub, v, appClient, now.Add(time.Second)); err != nil {
				t.Fatalf("consume %s = %v", v, err)
			}
			if err := consume(sub, v, appClient, now.Add(time.Second)); !errors.Is(err, steprecord.ErrRecordMissing) {
				t.Fatalf("second consume %s = %v", v, err)
			}
		}
		// The enrollment outlives its records.
		if _, found, _ := s.Enrollment(ctx, pool, sub); !found {
			t.Fatal("consuming records removed the enrollment")
		}
	})

	t.Run("another identity is refused and writes nothing", func(t *testing.T) {
		sub := newSub()
		enroll(t, pass(sub, "v1", alice))
		if o, err := s.RecordEnrolled(ctx, pass(sub, "v2", mallory)); err != nil || o != steprecord.Mismatch {
			t.Fatalf("RecordEnrolled(mallory) = %v, %v", o, err)
		}
		if o, err := s.EnrollAndRecord(ctx, pass(sub, "v3", mallory)); err != nil || o != steprecord.Mismatch {
			t.Fatalf("EnrollAndRecord(mallory) over alice = %v, %v", o, err)
		}
		for _, v := range []string{"v2", "v3"} {
			if err := consume(sub, v, appClient, now); !errors.Is(err, steprecord.ErrRecordMissing) {
				t.Fatalf("mallory's pass %s left a record: %v", v, err)
			}
		}
		if got, _, _ := s.Enrollment(ctx, pool, sub); got != alice {
			t.Fatalf("enrollment changed to %v", got)
		}
	})

	// moto serves requests on threads without making conditional writes
	// atomic, so a real race against it proves nothing about DynamoDB, which
	// documents conditional writes and transactions as atomic. The first
	// step-ups therefore run one after another here; the condition decides.
	t.Run("first step-ups in turn: exactly one enrolls", func(t *testing.T) {
		sub := newSub()
		var enrolled, mismatched, other atomic.Int32
		for i := range 8 {
			id := alice
			if i%2 == 1 {
				id = mallory
			}
			o, err := s.EnrollAndRecord(ctx, pass(sub, "race"+strconv.Itoa(i), id))
			switch {
			case err == nil && o == steprecord.Enrolled:
				enrolled.Add(1)
			case o == steprecord.Mismatch:
				mismatched.Add(1)
			default:
				other.Add(1)
			}
		}
		if enrolled.Load() != 1 || mismatched.Load() != 7 || other.Load() != 0 {
			t.Fatalf("enrolled %d, mismatched %d, other %d; want exactly one enrollment", enrolled.Load(), mismatched.Load(), other.Load())
		}
	})

	t.Run("records are per sign-in and per client", func(t *testing.T) {
		sub := newSub()
		enroll(t, pass(sub, "victim", alice))
		// A wrong or missing value consumes nothing.
		if err := consume(sub, "guess", appClient, now); !errors.Is(err, steprecord.ErrRecordMissing) {
			t.Fatalf("wrong value = %v", err)
		}
		if _, err := s.ConsumeAt(ctx, signIn(sub, "", appClient), now, window); !errors.Is(err, steprecord.ErrInvalidKey) {
			t.Fatalf("missing value = %v", err)
		}
		if err := consume(sub, "victim", otherClient, now); !errors.Is(err, steprecord.ErrRecordOtherClient) {
			t.Fatalf("other client = %v", err)
		}
		// The other client's attempt consumed it: the record is single use.
		if err := consume(sub, "victim", appClient, now); !errors.Is(err, steprecord.ErrRecordMissing) {
			t.Fatalf("after other client = %v", err)
		}
	})

	t.Run("stale record refused and removed", func(t *testing.T) {
		sub := newSub()
		p := pass(sub, "old", alice)
		p.At = now.Add(-window - time.Second)
		enroll(t, p)
		if err := consume(sub, "old", appClient, now); !errors.Is(err, steprecord.ErrRecordStale) {
			t.Fatalf("stale = %v", err)
		}
		if err := consume(sub, "old", appClient, now); !errors.Is(err, steprecord.ErrRecordMissing) {
			t.Fatalf("after stale = %v", err)
		}
	})

	// As above: DeleteItem with ALL_OLD is atomic in DynamoDB (documented),
	// not in moto; the consumers run in turn.
	t.Run("consumers in turn: exactly one wins", func(t *testing.T) {
		sub := newSub()
		enroll(t, pass(sub, "once", alice))
		var wins, errs atomic.Int32
		for range 8 {
			_, err := s.ConsumeAt(ctx, signIn(sub, "once", appClient), now, window)
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.Is(err, steprecord.ErrRecordMissing):
				errs.Add(1)
			}
		}
		if wins.Load() != 1 || errs.Load() != 0 {
			t.Fatalf("wins = %d, errors = %d; want exactly one win", wins.Load(), errs.Load())
		}
	})

	t.Run("missing table is a store error", func(t *testing.T) {
		missing := steprecord.New(client, "no-such-table", window)
		if _, err := missing.ConsumeAt(ctx, signIn("s", "x", appClient), now, window); !errors.Is(err, steprecord.ErrUnavailable) {
			t.Fatalf("Consume on missing table = %v", err)
		}
		if _, err := missing.RecordEnrolled(ctx, pass("s", "x", alice)); err == nil {
			t.Fatal("RecordEnrolled on missing table: want error")
		}
	})
}
