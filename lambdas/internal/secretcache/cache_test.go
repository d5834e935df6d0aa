package secretcache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

type fakeGetter struct {
	calls atomic.Int32
	value atomic.Value // string
	err   error
	delay time.Duration
}

func (f *fakeGetter) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.calls.Add(1)
	if aws.ToString(in.SecretId) != "arn:test" {
		return nil, errors.New("wrong id")
	}
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	v, _ := f.value.Load().(string)
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(v)}, nil
}

func newFake(v string) *fakeGetter {
	f := &fakeGetter{}
	f.value.Store(v)
	return f
}

func TestCacheWithinTTL(t *testing.T) {
	f := newFake("s1")
	c := New(f, "arn:test", time.Minute)
	for i := 0; i < 10; i++ {
		v, err := c.Value(context.Background())
		if err != nil || v != "s1" {
			t.Fatalf("Value = %q, %v", v, err)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("calls = %d, want 1", n)
	}
}

func TestCacheExpiry(t *testing.T) {
	f := newFake("s1")
	c := New(f, "arn:test", time.Minute)
	now := time.Unix(1000, 0)
	c.SetClock(func() time.Time { return now })
	if _, err := c.Value(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.value.Store("s2")
	now = now.Add(59 * time.Second)
	if v, _ := c.Value(context.Background()); v != "s1" {
		t.Fatalf("before TTL got %q", v)
	}
	now = now.Add(2 * time.Second)
	if v, _ := c.Value(context.Background()); v != "s2" {
		t.Fatalf("after TTL got %q", v)
	}
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("calls = %d, want 2", n)
	}
}

func TestCacheInvalidate(t *testing.T) {
	f := newFake("old")
	c := New(f, "arn:test", time.Hour)
	if v, _ := c.Value(context.Background()); v != "old" {
		t.Fatal(v)
	}
	f.value.Store("rotated")
	c.Invalidate()
	if v, _ := c.Value(context.Background()); v != "rotated" {
		t.Fatalf("after Invalidate got %q", v)
	}
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("calls = %d, want 2", n)
	}
}

func TestCacheZeroTTLAlwaysFetches(t *testing.T) {
	f := newFake("v")
	c := New(f, "arn:test", 0)
	for i := 0; i < 3; i++ {
		if _, err := c.Value(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.calls.Load(); n != 3 {
		t.Fatalf("calls = %d, want 3", n)
	}
}

func TestCacheErrorNotCached(t *testing.T) {
	f := newFake("v")
	f.err = errors.New("boom")
	c := New(f, "arn:test", time.Hour)
	if _, err := c.Value(context.Background()); err == nil {
		t.Fatal("want error")
	}
	f.err = nil
	if v, err := c.Value(context.Background()); err != nil || v != "v" {
		t.Fatalf("Value = %q, %v", v, err)
	}
}

func TestCacheEmptyValue(t *testing.T) {
	c := New(newFake(""), "arn:test", time.Hour)
	if _, err := c.Value(context.Background()); !errors.Is(err, ErrEmpty) {
		t.Fatalf("err = %v, want ErrEmpty", err)
	}
}

func TestCacheConcurrent(t *testing.T) {
	f := newFake("v")
	f.delay = 20 * time.Millisecond
	c := New(f, "arn:test", time.Hour)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := c.Value(context.Background()); err != nil || v != "v" {
				t.Errorf("Value = %q, %v", v, err)
			}
			if i%10 == 0 {
				c.Invalidate()
			}
		}()
	}
	wg.Wait()
	if n := f.calls.Load(); n < 1 || n > 6 {
		t.Fatalf("calls = %d, want between 1 and 6", n)
	}
}

func TestCacheWaiterHonoursContext(t *testing.T) {
	f := newFake("v")
	f.delay = 2 * time.Second
	c := New(f, "arn:test", time.Hour)
	go func() { _, _ = c.Value(context.Background()) }()
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Value(ctx); err == nil {
		t.Fatal("want error")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("waited %v", d)
	}
}
