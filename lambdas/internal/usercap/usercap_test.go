package usercap_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/mototest"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/usercap"
)

const pool = "us-east-1_AbCdEf123"

func TestNewRefusesBadConfiguration(t *testing.T) {
	client := &dynamodb.Client{}
	for name, tc := range map[string]struct {
		kind   string
		max    int
		window time.Duration
	}{
		"unknown kind":      {"login", 3, time.Minute},
		"zero cap":          {contract.UserCapKindChallenge, 0, time.Minute},
		"cap too large":     {contract.UserCapKindChallenge, contract.MaxUserCapStarts + 1, time.Minute},
		"fractional window": {contract.UserCapKindSession, 3, 1500 * time.Millisecond},
	} {
		if _, err := usercap.New(client, "t", tc.kind, tc.max, tc.window); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	if _, err := usercap.New(nil, "t", contract.UserCapKindProofing, 3, time.Minute); err == nil {
		t.Error("New accepted a nil client")
	}
}

// TestCapAgainstMoto drives the real DynamoDB client against moto_server:
// the cap, per user and per kind, the window, the item layout, and a
// refused start writing nothing.
func TestCapAgainstMoto(t *testing.T) {
	client, table := mototest.StepUpTable(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := time.Unix(1_700_000_200, 0) // 100 s into a 900 s window (1_700_000_100 is a multiple of 900)
	newCap := func(kind string, max int) *usercap.Cap {
		c, err := usercap.New(client, table, kind, max, 900*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.Now = func() time.Time { return now }
		return c
	}
	take := func(c *usercap.Cap, user string) bool {
		t.Helper()
		ok, err := c.Take(ctx, pool, user)
		if err != nil {
			t.Fatalf("Take(%s): %v", user, err)
		}
		return ok
	}
	challenges := newCap(contract.UserCapKindChallenge, 3)
	for i := range 3 {
		if !take(challenges, "sub-alice") {
			t.Fatalf("start %d under the cap refused", i+1)
		}
	}
	for i := range 2 {
		if take(challenges, "sub-alice") {
			t.Fatalf("start %d beyond the cap passed", i+1)
		}
	}
	if !take(challenges, "sub-bob") {
		t.Fatal("another user's start was refused")
	}
	if !take(newCap(contract.UserCapKindSession, 3), "sub-alice") {
		t.Fatal("another kind's start was refused")
	}

	key, err := challenges.Key(pool, "sub-alice", now)
	if err != nil {
		t.Fatal(err)
	}
	if want := "cap#" + pool + "#sub-alice#challenge#1700000100"; key != want {
		t.Errorf("key = %q, want %q", key, want)
	}
	out, err := client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key:       map[string]types.AttributeValue{contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: key}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The refused starts wrote nothing: the count stays at the cap.
	if n := out.Item[contract.UserCapCount].(*types.AttributeValueMemberN).Value; n != "3" {
		t.Errorf("count = %s, want 3", n)
	}
	if exp := out.Item[contract.RecordExpiresAt].(*types.AttributeValueMemberN).Value; exp != strconv.FormatInt(1_700_000_100+900+60, 10) {
		t.Errorf("expiresAt = %s", exp)
	}
	if len(out.Item) != 3 {
		t.Errorf("item has %d attributes, want pk, n and expiresAt: %v", len(out.Item), out.Item)
	}

	// The next window starts from zero.
	now = now.Add(900 * time.Second)
	if !take(challenges, "sub-alice") {
		t.Fatal("the next window's first start was refused")
	}

	// An unusable key is an error, never a pass.
	if ok, err := challenges.Take(ctx, pool, ""); ok || err == nil {
		t.Errorf("empty user: ok=%v err=%v", ok, err)
	}
	// A table that does not exist fails closed.
	missing, _ := usercap.New(client, "no-such-table", contract.UserCapKindChallenge, 3, 900*time.Second)
	if ok, err := missing.Take(ctx, pool, "sub-alice"); ok || err == nil {
		t.Errorf("missing table: ok=%v err=%v", ok, err)
	}
}
