// Package syncbuf is the log sink of tests: a buffer that a handler, a
// child process's output copier and the test itself may use at once.
//
// It lives with the other test peers under test/ because only tests and
// test peers (motoserver) use it; product code under constructs/ and
// lambdas/ never imports test/.
package syncbuf

import (
	"bytes"
	"sync"
)

// Buffer is a bytes.Buffer safe for concurrent Write and String. The zero
// value is empty and ready to use.
type Buffer struct {
	// Limit, when positive, bounds the buffer: a Write to a buffer holding
	// more than Limit bytes empties it first, so a long-running process's
	// log keeps its last lines instead of growing without bound.
	// Default: 0 (unbounded).
	Limit int

	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.Limit > 0 && b.buf.Len() > b.Limit {
		b.buf.Reset()
	}
	return b.buf.Write(p)
}

// String returns everything written so far (since the last reset).
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
