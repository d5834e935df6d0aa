package steprecord_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/steprecord/steprecordtest"
)

// TestStoreAgainstMoto drives the real aws-sdk-go-v2 DynamoDB client against
// moto_server on loopback.
func TestStoreAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts moto_server")
	}
	client, table := steprecordtest.MotoTable(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	const pool, sub = "us-east-1_AbCdEf123", "6f1c2c3e-0000-4000-8000-000000000001"
	const appClient, otherClient = "1example23456789", "2example98765432"
	window := time.Minute
	s := steprecord.New(client, table, window)
	now := time.Now()

	consume := func(pool, sub string, at time.Time) (bool, string) {
		t.Helper()
		ok, reason, err := s.Consume(ctx, pool, sub, appClient, at, window)
		if err != nil {
			t.Fatalf("Consume(%s, %s): %v", pool, sub, err)
		}
		return ok, reason
	}

	t.Run("record then consume once", func(t *testing.T) {
		if err := s.Record(ctx, pool, sub, appClient, now); err != nil {
			t.Fatal(err)
		}
		got, err := client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(table),
			Key:       map[string]types.AttributeValue{contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: pool + "#" + sub}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if v := got.Item[contract.RecordPassedAt].(*types.AttributeValueMemberN).Value; v != strconv.FormatInt(now.UnixMilli(), 10) {
			t.Errorf("passedAt = %s", v)
		}
		if v := got.Item[contract.RecordClientID].(*types.AttributeValueMemberS).Value; v != appClient {
			t.Errorf("clientId = %s", v)
		}
		if v := got.Item[contract.RecordExpiresAt].(*types.AttributeValueMemberN).Value; v != strconv.FormatInt(now.Add(window+steprecord.ExpirySlack).Unix(), 10) {
			t.Errorf("expiresAt = %s", v)
		}
		if ok, reason := consume(pool, sub, now.Add(2*time.Second)); !ok || reason != steprecord.ReasonOK {
			t.Fatalf("first Consume = %v, %s", ok, reason)
		}
		if ok, reason := consume(pool, sub, now.Add(3*time.Second)); ok || reason != steprecord.ReasonMissing {
			t.Fatalf("second Consume = %v, %s; want consumed once", ok, reason)
		}
	})

	t.Run("stale record refused and removed", func(t *testing.T) {
		if err := s.Record(ctx, pool, sub, appClient, now.Add(-window-time.Second)); err != nil {
			t.Fatal(err)
		}
		if ok, reason := consume(pool, sub, now); ok || reason != steprecord.ReasonStale {
			t.Fatalf("stale Consume = %v, %s", ok, reason)
		}
		if ok, reason := consume(pool, sub, now); ok || reason != steprecord.ReasonMissing {
			t.Fatalf("after stale Consume = %v, %s", ok, reason)
		}
	})

	t.Run("other user's record not consumed", func(t *testing.T) {
		if err := s.Record(ctx, pool, sub, appClient, now); err != nil {
			t.Fatal(err)
		}
		if ok, reason := consume(pool, "someone-else", now); ok || reason != steprecord.ReasonMissing {
			t.Fatalf("other sub = %v, %s", ok, reason)
		}
		if ok, reason := consume("us-east-1_OtherPool", sub, now); ok || reason != steprecord.ReasonMissing {
			t.Fatalf("other pool = %v, %s", ok, reason)
		}
		if ok, reason := consume(pool, sub, now); !ok {
			t.Fatalf("owner after others = %v, %s", ok, reason)
		}
	})

	t.Run("other client's consume refused and removes the record", func(t *testing.T) {
		if err := s.Record(ctx, pool, sub, appClient, now); err != nil {
			t.Fatal(err)
		}
		ok, reason, err := s.Consume(ctx, pool, sub, otherClient, now, window)
		if err != nil || ok || reason != steprecord.ReasonOtherClient {
			t.Fatalf("other client Consume = %v, %s, %v", ok, reason, err)
		}
		if ok, reason := consume(pool, sub, now); ok || reason != steprecord.ReasonMissing {
			t.Fatalf("owner client after other client = %v, %s; want the record consumed", ok, reason)
		}
	})

	t.Run("concurrent consumers: exactly one wins", func(t *testing.T) {
		if err := s.Record(ctx, pool, sub, appClient, now); err != nil {
			t.Fatal(err)
		}
		var wins, errs atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, _, err := s.Consume(ctx, pool, sub, appClient, now, window)
				if err != nil {
					errs.Add(1)
				}
				if ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 || errs.Load() != 0 {
			t.Fatalf("wins = %d, errors = %d; want exactly one win", wins.Load(), errs.Load())
		}
	})

	t.Run("missing table is a store error", func(t *testing.T) {
		missing := steprecord.New(client, "no-such-table", window)
		ok, reason, err := missing.Consume(ctx, pool, sub, appClient, now, window)
		if ok || err == nil || reason != steprecord.ReasonUnavailable {
			t.Fatalf("Consume on missing table = %v, %s, %v", ok, reason, err)
		}
		if err := missing.Record(ctx, pool, sub, appClient, now); err == nil {
			t.Fatal("Record on missing table: want error")
		}
	})
}
