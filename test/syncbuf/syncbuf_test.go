package syncbuf_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/cognitobridge/cognitobridge/test/syncbuf"
)

// TestConcurrentWrites: under -race, writers and a reader at once; every
// line arrives whole.
func TestConcurrentWrites(t *testing.T) {
	var b syncbuf.Buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				_, _ = b.Write([]byte("line\n"))
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if got := strings.Count(b.String(), "line\n"); got != 800 {
		t.Fatalf("%d lines, want 800", got)
	}
}

// TestLimit: past Limit the next write starts afresh.
func TestLimit(t *testing.T) {
	b := syncbuf.Buffer{Limit: 4}
	_, _ = b.Write([]byte("12345"))
	_, _ = b.Write([]byte("ab"))
	if got := b.String(); got != "ab" {
		t.Fatalf("got %q, want %q", got, "ab")
	}
}
