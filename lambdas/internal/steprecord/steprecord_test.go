package steprecord

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/enrollment"
)

// fakeAPI answers DeleteItem with old; it records the last inputs.
type fakeAPI struct {
	old    map[string]types.AttributeValue
	err    error
	tx     *dynamodb.TransactWriteItemsInput
	delete *dynamodb.DeleteItemInput
}

func (f *fakeAPI) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.tx = in
	return &dynamodb.TransactWriteItemsOutput{}, f.err
}

func (f *fakeAPI) GetItem(_ context.Context, _ *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return &dynamodb.GetItemOutput{}, f.err
}

func (f *fakeAPI) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	f.delete = in
	if f.err != nil {
		return nil, f.err
	}
	return &dynamodb.DeleteItemOutput{Attributes: f.old}, nil
}

var hashA = BindingHash("value-a")

func TestKey(t *testing.T) {
	long := string(make([]byte, 513))
	for _, tc := range []struct {
		pool, sub, hash, want string
		err                   bool
	}{
		{pool: "us-east-1_abc", sub: "1234-5678", hash: hashA, want: "us-east-1_abc#1234-5678#" + hashA},
		{pool: "", sub: "s", hash: hashA, err: true},
		{pool: "p", sub: "", hash: hashA, err: true},
		{pool: "p#x", sub: "s", hash: hashA, err: true},
		{pool: "p", sub: long, hash: hashA, err: true},
		{pool: "p", sub: "s", hash: "", err: true},
		{pool: "p", sub: "s", hash: hashA[:63], err: true},
		{pool: "p", sub: "s", hash: strings.ToUpper(hashA), err: true},
		{pool: "p", sub: "s", hash: hashA[:63] + "g", err: true},
	} {
		got, err := Key(tc.pool, tc.sub, tc.hash)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Key(%q, %q, %q) = %q, %v", tc.pool, tc.sub, tc.hash, got, err)
		}
	}
}

func TestBindingHash(t *testing.T) {
	if got := BindingHash("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("BindingHash(abc) = %s", got)
	}
	if BindingHash("") != "" || BindingHash(strings.Repeat("a", contract.MaxBindingValue+1)) != "" {
		t.Error("empty or oversized value hashed")
	}
}

func TestWindowFromEnv(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want time.Duration
		err  bool
	}{
		{v: "", want: time.Minute},
		{v: "30", want: 30 * time.Second},
		{v: " 10 ", want: 10 * time.Second},
		{v: "0", err: true},
		{v: "-1", err: true},
		{v: "3601", err: true},
		{v: "1.5", err: true},
		{v: "abc", err: true},
	} {
		got, err := WindowFromEnv(func(k string) string {
			if k == contract.EnvStepUpWindowSeconds {
				return tc.v
			}
			return ""
		})
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("WindowFromEnv(%q) = %v, %v", tc.v, got, err)
		}
	}
}

func TestRecordEnrolledWritesLayout(t *testing.T) {
	f := &fakeAPI{}
	at := time.UnixMilli(1_700_000_000_123)
	p := Pass{PoolID: "pool", Sub: "sub", ClientID: "client1", BindingHash: hashA, Identity: enrollment.Identity{Issuer: "https://idp", Subject: "u1"}, At: at}
	if o, err := New(f, "tbl", 30*time.Second).RecordEnrolled(context.Background(), p); err != nil || o != Recorded {
		t.Fatal(o, err)
	}
	if len(f.tx.TransactItems) != 2 {
		t.Fatalf("transaction has %d items", len(f.tx.TransactItems))
	}
	cc := f.tx.TransactItems[0].ConditionCheck
	if cc == nil || cc.Key[contract.RecordPartitionKey].(*types.AttributeValueMemberS).Value != "enrollment#pool#sub" {
		t.Fatalf("condition check %+v", cc)
	}
	item := f.tx.TransactItems[1].Put.Item
	if got := item[contract.RecordPartitionKey].(*types.AttributeValueMemberS).Value; got != "pool#sub#"+hashA {
		t.Errorf("pk = %q", got)
	}
	if got := item[contract.RecordPassedAt].(*types.AttributeValueMemberN).Value; got != "1700000000123" {
		t.Errorf("passedAt = %q", got)
	}
	if got := item[contract.RecordExpiresAt].(*types.AttributeValueMemberN).Value; got != "1700000330" {
		t.Errorf("expiresAt = %q (want at + 30 s + 300 s)", got)
	}
	if got := item[contract.RecordClientID].(*types.AttributeValueMemberS).Value; got != "client1" {
		t.Errorf("clientId = %q", got)
	}
	if len(item) != 4 {
		t.Errorf("item has %d attributes, want 4: %v", len(item), item)
	}
	for name, edit := range map[string]func(*Pass){
		"empty pool":       func(p *Pass) { p.PoolID = "" },
		"bad hash":         func(p *Pass) { p.BindingHash = "x" },
		"empty client":     func(p *Pass) { p.ClientID = "" },
		"oversized client": func(p *Pass) { p.ClientID = string(make([]byte, 513)) },
		"no issuer":        func(p *Pass) { p.Identity.Issuer = "" },
		"no subject":       func(p *Pass) { p.Identity.Subject = "" },
	} {
		q := p
		edit(&q)
		f.tx = nil
		if _, err := New(f, "tbl", 0).RecordEnrolled(context.Background(), q); err == nil || f.tx != nil {
			t.Errorf("%s: err %v, transaction %v", name, err, f.tx)
		}
		if _, err := New(f, "tbl", 0).EnrollAndRecord(context.Background(), q); err == nil || f.tx != nil {
			t.Errorf("%s: enroll err %v, transaction %v", name, err, f.tx)
		}
	}
	if _, err := New(&fakeAPI{err: errors.New("boom")}, "tbl", 0).RecordEnrolled(context.Background(), p); err == nil {
		t.Error("store error swallowed")
	}
	if _, err := New(nil, "tbl", 0).RecordEnrolled(context.Background(), p); err == nil {
		t.Error("nil API accepted")
	}
}

func TestConsumeDecisions(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	n := func(v string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{
			contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: "p#s"},
			contract.RecordPassedAt:     &types.AttributeValueMemberN{Value: v},
			contract.RecordClientID:     &types.AttributeValueMemberS{Value: "client1"},
		}
	}
	with := func(m map[string]types.AttributeValue, k string, v types.AttributeValue) map[string]types.AttributeValue {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	ms := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).UnixMilli(), 10) }
	for _, tc := range []struct {
		name   string
		api    *fakeAPI
		pool   string
		client string // "" means "client1", "-" means empty
		window time.Duration
		want   error // nil: the record passes
	}{
		{name: "fresh", api: &fakeAPI{old: n(ms(-10 * time.Second))}},
		{name: "exactly window old", api: &fakeAPI{old: n(ms(-time.Minute))}},
		{name: "just too old", api: &fakeAPI{old: n(ms(-time.Minute - time.Millisecond))}, want: ErrRecordStale},
		{name: "small future skew", api: &fakeAPI{old: n(ms(FutureSkew))}},
		{name: "far future", api: &fakeAPI{old: n(ms(FutureSkew + time.Millisecond))}, want: ErrRecordStale},
		{name: "zero window", api: &fakeAPI{old: n(ms(0))}, window: -1, want: ErrRecordStale},
		{name: "missing", api: &fakeAPI{}, want: ErrRecordMissing},
		{name: "passedAt not number", api: &fakeAPI{old: map[string]types.AttributeValue{contract.RecordPassedAt: &types.AttributeValueMemberS{Value: "1"}}}, want: ErrRecordMalformed},
		{name: "passedAt garbage", api: &fakeAPI{old: n("1e9")}, want: ErrRecordMalformed},
		{name: "passedAt absent", api: &fakeAPI{old: map[string]types.AttributeValue{contract.RecordPartitionKey: &types.AttributeValueMemberS{Value: "p#s"}}}, want: ErrRecordMalformed},
		{name: "other client", api: &fakeAPI{old: n(ms(0))}, client: "client2", want: ErrRecordOtherClient},
		{name: "client id prefix", api: &fakeAPI{old: n(ms(0))}, client: "client", want: ErrRecordOtherClient},
		{name: "client id case", api: &fakeAPI{old: n(ms(0))}, client: "CLIENT1", want: ErrRecordOtherClient},
		{name: "empty consuming client", api: &fakeAPI{old: n(ms(0))}, client: "-", want: ErrRecordOtherClient},
		{name: "stale record of other client", api: &fakeAPI{old: n(ms(-2 * time.Minute))}, client: "client2", want: ErrRecordStale},
		{name: "clientId absent", api: &fakeAPI{old: with(n(ms(0)), contract.RecordClientID, nil)}, want: ErrRecordMalformed},
		{name: "clientId empty", api: &fakeAPI{old: with(n(ms(0)), contract.RecordClientID, &types.AttributeValueMemberS{Value: ""})}, client: "-", want: ErrRecordMalformed},
		{name: "clientId not string", api: &fakeAPI{old: with(n(ms(0)), contract.RecordClientID, &types.AttributeValueMemberN{Value: "1"})}, want: ErrRecordMalformed},
		{name: "store error", api: &fakeAPI{err: errors.New("boom")}, want: ErrUnavailable},
		{name: "empty pool", api: &fakeAPI{old: n(ms(0))}, pool: "-", want: ErrInvalidKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pool := "p"
			if tc.pool == "-" {
				pool = ""
			}
			client := "client1"
			switch tc.client {
			case "":
			case "-":
				client = ""
			default:
				client = tc.client
			}
			w := time.Minute
			if tc.window != 0 {
				w = tc.window
			}
			passedAt, err := New(tc.api, "tbl", 0).ConsumeAt(context.Background(), SignIn{PoolID: pool, Sub: "s", ClientID: client, BindingHash: hashA}, now, w)
			if (tc.want == nil) != (err == nil) || !errors.Is(err, tc.want) {
				t.Fatalf("ConsumeAt = %v; want %v", err, tc.want)
			}
			// passedAt is the record's, and only on ok.
			if err == nil {
				v := tc.api.old[contract.RecordPassedAt].(*types.AttributeValueMemberN).Value
				if got := strconv.FormatInt(passedAt.UnixMilli(), 10); got != v {
					t.Fatalf("passedAt = %s, record %s", got, v)
				}
			} else if !passedAt.IsZero() {
				t.Fatalf("passedAt %v on refusal", passedAt)
			}
			if d := tc.api.delete; d != nil && d.ReturnValues != types.ReturnValueAllOld {
				t.Fatalf("ReturnValues = %q", d.ReturnValues)
			}
		})
	}
}
