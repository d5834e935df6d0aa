package enrollment_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/enrollment"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/mototest"
)

const (
	pool  = "us-east-1_AbCdEf123"
	sub   = "6f1c2c3e-0000-4000-8000-000000000001"
	table = mototest.StepUpTableName
)

var (
	alice = enrollment.Identity{Issuer: "https://idp.example.com", Subject: "idp-sub-alice"}
	other = enrollment.Identity{Issuer: "https://idp.example.com", Subject: "idp-sub-mallory"}
)

// auditLog collects the store's audit lines.
type auditLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (a *auditLog) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.buf.Write(p)
}

// take returns the lines written since the last take, decoded.
func (a *auditLog) take(t *testing.T) []map[string]any {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(a.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("audit line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	a.buf.Reset()
	return out
}

// one checks exactly one audit line was written and has the fields want.
func (a *auditLog) one(t *testing.T, want map[string]any) map[string]any {
	t.Helper()
	lines := a.take(t)
	if len(lines) != 1 {
		t.Fatalf("audit lines = %d (%v), want 1", len(lines), lines)
	}
	for k, v := range want {
		if lines[0][k] != v {
			t.Errorf("audit %s = %v, want %v (line %v)", k, lines[0][k], v, lines[0])
		}
	}
	return lines[0]
}

func newStore(t *testing.T, db enrollment.DynamoDBAPI) (*enrollment.Store, *auditLog, *time.Time) {
	log := &auditLog{}
	s := enrollment.NewStore(db, table, slog.New(slog.NewJSONHandler(log, nil)))
	now := time.Date(2026, 12, 1, 10, 0, 0, 123456789, time.UTC)
	s.Now = func() time.Time { return now }
	return s, log, &now
}

func TestStoreAgainstMoto(t *testing.T) {
	client, _ := mototest.StepUpTable(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, audit, now := newStore(t, client)

	t.Run("get of nobody", func(t *testing.T) {
		if _, found, err := s.Get(ctx, pool, sub); err != nil || found {
			t.Fatalf("Get = found %v, %v", found, err)
		}
		if lines := audit.take(t); len(lines) != 0 {
			t.Errorf("a read wrote audit lines: %v", lines)
		}
	})

	t.Run("pre-enroll writes the contract layout", func(t *testing.T) {
		rec, err := s.PreEnroll(ctx, pool, sub, alice, "ops-alice")
		if err != nil {
			t.Fatal(err)
		}
		wantAt := time.UnixMilli(now.UnixMilli())
		if rec.Identity != alice || !rec.EnrolledAt.Equal(wantAt) || rec.EnrolledBy != "admin:ops-alice" {
			t.Errorf("record = %+v", rec)
		}
		key, _ := enrollment.Key(pool, sub)
		out, err := client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(table),
			Key:       map[string]types.AttributeValue{contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: key}},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]types.AttributeValue{
			contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: contract.EnrollmentKeyPrefix + pool + "#" + sub},
			contract.EnrollIssuer:       &types.AttributeValueMemberS{Value: alice.Issuer},
			contract.EnrollSubject:      &types.AttributeValueMemberS{Value: alice.Subject},
			contract.EnrolledAt:         &types.AttributeValueMemberN{Value: strconv.FormatInt(now.UnixMilli(), 10)},
			contract.EnrolledBy:         &types.AttributeValueMemberS{Value: "admin:ops-alice"},
		}
		if len(out.Item) != len(want) {
			t.Errorf("item has %d attributes, want %d: %v", len(out.Item), len(want), out.Item)
		}
		for k, v := range want {
			if !sameValue(out.Item[k], v) {
				t.Errorf("item[%s] = %#v, want %#v", k, out.Item[k], v)
			}
		}
		if _, ok := out.Item[contract.RecordExpiresAt]; ok {
			t.Error("an enrollment must not expire (TTL attribute set)")
		}
		audit.one(t, map[string]any{
			"level": "INFO", "audit": "enrollment", "action": "pre-enroll", "outcome": "done",
			"userPoolId": pool, "sub": sub, "issuer": alice.Issuer, "subject": alice.Subject, "by": "admin:ops-alice",
		})
	})

	t.Run("get reads it back", func(t *testing.T) {
		rec, found, err := s.Get(ctx, pool, sub)
		if err != nil || !found {
			t.Fatalf("Get = found %v, %v", found, err)
		}
		if rec.Identity != alice || rec.EnrolledAt.UnixMilli() != now.UnixMilli() || rec.EnrolledBy != "admin:ops-alice" {
			t.Errorf("record = %+v", rec)
		}
	})

	t.Run("second pre-enroll refused, nothing changed", func(t *testing.T) {
		*now = now.Add(time.Hour)
		_, err := s.PreEnroll(ctx, pool, sub, other, "admin:ops-bob")
		if !errors.Is(err, enrollment.ErrAlreadyEnrolled) {
			t.Fatalf("err = %v, want ErrAlreadyEnrolled", err)
		}
		var ae *enrollment.AlreadyEnrolledError
		if !errors.As(err, &ae) {
			t.Fatalf("err %T is not *AlreadyEnrolledError", err)
		}
		if ae.Existing == nil || ae.Existing.Identity != alice || ae.Existing.EnrolledBy != "admin:ops-alice" {
			t.Errorf("existing = %+v, want alice's (ReturnValuesOnConditionCheckFailure)", ae.Existing)
		}
		t.Logf("refused: %v", err)
		rec, _, err := s.Get(ctx, pool, sub)
		if err != nil || rec.Identity != alice || rec.EnrolledBy != "admin:ops-alice" {
			t.Errorf("after refusal: %+v, %v", rec, err)
		}
		line := audit.one(t, map[string]any{
			"level": "WARN", "action": "pre-enroll", "outcome": "already_enrolled",
			"userPoolId": pool, "sub": sub, "subject": other.Subject, "by": "admin:ops-bob",
		})
		if e, _ := line["existing"].(map[string]any); e["subject"] != alice.Subject {
			t.Errorf("audit existing = %v", line["existing"])
		}
	})

	t.Run("re-enroll replaces and returns the previous", func(t *testing.T) {
		rec, prev, err := s.Reenroll(ctx, pool, sub, other, "ops-bob")
		if err != nil {
			t.Fatal(err)
		}
		if rec.Identity != other || rec.EnrolledBy != "admin:ops-bob" || rec.EnrolledAt.UnixMilli() != now.UnixMilli() {
			t.Errorf("record = %+v", rec)
		}
		if prev == nil || prev.Identity != alice || prev.EnrolledBy != "admin:ops-alice" || prev.EnrolledAt.UnixMilli() != now.Add(-time.Hour).UnixMilli() {
			t.Fatalf("previous = %+v", prev)
		}
		got, _, err := s.Get(ctx, pool, sub)
		if err != nil || got != rec {
			t.Errorf("Get = %+v, %v; want %+v", got, err, rec)
		}
		line := audit.one(t, map[string]any{"action": "re-enroll", "outcome": "done", "subject": other.Subject, "by": "admin:ops-bob"})
		if p, _ := line["previous"].(map[string]any); p["subject"] != alice.Subject || p["enrolledBy"] != "admin:ops-alice" {
			t.Errorf("audit previous = %v", line["previous"])
		}
	})

	t.Run("re-enroll of nobody creates", func(t *testing.T) {
		_, prev, err := s.Reenroll(ctx, pool, "another-sub", alice, "ops-bob")
		if err != nil || prev != nil {
			t.Fatalf("Reenroll = previous %+v, %v", prev, err)
		}
		line := audit.one(t, map[string]any{"action": "re-enroll", "outcome": "done", "sub": "another-sub"})
		if _, ok := line["previous"]; ok {
			t.Errorf("audit has a previous: %v", line)
		}
	})

	t.Run("unenroll deletes and returns the previous", func(t *testing.T) {
		prev, err := s.Unenroll(ctx, pool, sub, "ops-carol")
		if err != nil {
			t.Fatal(err)
		}
		if prev.Identity != other || prev.EnrolledBy != "admin:ops-bob" {
			t.Errorf("previous = %+v", prev)
		}
		if _, found, err := s.Get(ctx, pool, sub); err != nil || found {
			t.Errorf("after unenroll: found %v, %v", found, err)
		}
		line := audit.one(t, map[string]any{"action": "unenroll", "outcome": "done", "userPoolId": pool, "sub": sub, "by": "admin:ops-carol"})
		if p, _ := line["previous"].(map[string]any); p["subject"] != other.Subject || p["issuer"] != other.Issuer {
			t.Errorf("audit previous = %v", line["previous"])
		}
	})

	t.Run("unenroll of nobody", func(t *testing.T) {
		if _, err := s.Unenroll(ctx, pool, sub, "ops-carol"); !errors.Is(err, enrollment.ErrNotEnrolled) {
			t.Fatalf("err = %v, want ErrNotEnrolled", err)
		}
		audit.one(t, map[string]any{"level": "WARN", "action": "unenroll", "outcome": "not_enrolled"})
	})

	t.Run("pre-enroll after unenroll", func(t *testing.T) {
		if _, err := s.PreEnroll(ctx, pool, sub, alice, "ops-alice"); err != nil {
			t.Fatal(err)
		}
		audit.one(t, map[string]any{"action": "pre-enroll", "outcome": "done"})
	})

	// moto serves requests on threads without making a conditional write
	// atomic (seen: two concurrent conditional puts both succeeded), so the
	// race itself rests on DynamoDB's documented guarantee that a
	// conditional write is atomic; here the racers run one after another and
	// the condition decides.
	t.Run("pre-enrolls in turn: exactly one wins", func(t *testing.T) {
		const racers = 8
		errs := make([]error, racers)
		for i := range racers {
			id := enrollment.Identity{Issuer: alice.Issuer, Subject: "racer-" + strconv.Itoa(i)}
			_, errs[i] = s.PreEnroll(ctx, pool, "race-sub", id, "ops")
		}
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, enrollment.ErrAlreadyEnrolled):
				t.Errorf("unexpected error: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("wins = %d, want 1", wins)
		}
		if lines := audit.take(t); len(lines) != racers {
			t.Errorf("audit lines = %d, want %d", len(lines), racers)
		}
	})

	t.Run("other pool and sub are other users", func(t *testing.T) {
		if _, found, _ := s.Get(ctx, "us-east-1_Other", sub); found {
			t.Error("other pool found")
		}
		if _, found, _ := s.Get(ctx, pool, sub+"x"); found {
			t.Error("other sub found")
		}
	})

	t.Run("malformed item", func(t *testing.T) {
		key, _ := enrollment.Key(pool, "broken")
		_, err := client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(table),
			Item: map[string]types.AttributeValue{
				contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: key},
				contract.EnrollIssuer:       &types.AttributeValueMemberS{Value: alice.Issuer},
				contract.EnrolledAt:         &types.AttributeValueMemberS{Value: "yesterday"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Get(ctx, pool, "broken"); !errors.Is(err, enrollment.ErrMalformed) {
			t.Errorf("Get = %v, want ErrMalformed", err)
		}
		prev, err := s.Unenroll(ctx, pool, "broken", "ops")
		if err != nil || prev.Issuer != alice.Issuer {
			t.Errorf("Unenroll of a malformed item = %+v, %v; want it removed and reported", prev, err)
		}
		audit.take(t)
	})

	t.Run("missing table", func(t *testing.T) {
		bad := enrollment.NewStore(client, "no-such-table", slog.New(slog.NewJSONHandler(audit, nil)))
		if _, _, err := bad.Get(ctx, pool, sub); err == nil {
			t.Error("Get: want error")
		}
		if _, err := bad.PreEnroll(ctx, pool, sub, alice, "ops"); err == nil || errors.Is(err, enrollment.ErrAlreadyEnrolled) {
			t.Errorf("PreEnroll = %v, want a store error", err)
		}
		audit.one(t, map[string]any{"action": "pre-enroll", "outcome": "error"})
	})
}

func sameValue(a, b types.AttributeValue) bool {
	switch x := a.(type) {
	case *types.AttributeValueMemberS:
		y, ok := b.(*types.AttributeValueMemberS)
		return ok && x.Value == y.Value
	case *types.AttributeValueMemberN:
		y, ok := b.(*types.AttributeValueMemberN)
		return ok && x.Value == y.Value
	}
	return false
}

// TestStoreRefusesBadInput: nothing reaches DynamoDB and nothing is logged
// for an invalid key, identity or administrator.
func TestStoreRefusesBadInput(t *testing.T) {
	s, audit, _ := newStore(t, noDB{t})
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		call func() error
		want error
	}{
		{"empty sub", func() error { _, err := s.PreEnroll(ctx, pool, "", alice, "ops"); return err }, enrollment.ErrInvalidKey},
		{"pool with #", func() error { _, _, err := s.Get(ctx, "a#b", sub); return err }, enrollment.ErrInvalidKey},
		{"no issuer", func() error {
			_, err := s.PreEnroll(ctx, pool, sub, enrollment.Identity{Subject: "x"}, "ops")
			return err
		}, enrollment.ErrInvalidIdentity},
		{"no subject", func() error {
			_, _, err := s.Reenroll(ctx, pool, sub, enrollment.Identity{Issuer: "https://i"}, "ops")
			return err
		}, enrollment.ErrInvalidIdentity},
		{"empty who", func() error { _, err := s.PreEnroll(ctx, pool, sub, alice, "admin:"); return err }, enrollment.ErrInvalidAdmin},
		{"blank who", func() error { _, err := s.Unenroll(ctx, pool, sub, "  "); return err }, enrollment.ErrInvalidAdmin},
		{"control character", func() error { _, err := s.PreEnroll(ctx, pool, sub, alice, "ops\nINFO forged"); return err }, enrollment.ErrInvalidAdmin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if lines := audit.take(t); len(lines) != 0 {
		t.Errorf("refused inputs were logged: %v", lines)
	}
}

func TestAdminBy(t *testing.T) {
	for in, want := range map[string]string{
		"alice":            "admin:alice",
		"admin:alice":      "admin:alice",
		" alice ":          "admin:alice",
		"first_use":        "admin:first_use",
		"arn:aws:iam::1:x": "admin:arn:aws:iam::1:x",
	} {
		if got, err := enrollment.AdminBy(in); err != nil || got != want {
			t.Errorf("AdminBy(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "admin:", "admin: ", strings.Repeat("x", 300), "a\x00b"} {
		if got, err := enrollment.AdminBy(in); err == nil {
			t.Errorf("AdminBy(%q) = %q, want error", in, got)
		}
	}
}

// noDB fails the test on any call.
type noDB struct{ t *testing.T }

func (d noDB) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	d.t.Error("GetItem called")
	return nil, errors.New("no")
}

func (d noDB) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	d.t.Error("PutItem called")
	return nil, errors.New("no")
}

func (d noDB) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	d.t.Error("DeleteItem called")
	return nil, errors.New("no")
}
