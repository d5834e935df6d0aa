package main

import (
	"context"
	"fmt"
	"os"
	"sync"
)

// owner gives devstack and the loopback provider what a test would: a
// context, cleanups run in reverse at exit, and failure reporting.
type owner struct {
	ctx      context.Context
	mu       sync.Mutex
	cleanups []func()
}

var (
	ownersMu sync.Mutex
	owners   []*owner
)

// newOwner returns an owner that closeOwners also closes.
func newOwner(ctx context.Context) *owner {
	o := &owner{ctx: ctx}
	ownersMu.Lock()
	owners = append(owners, o)
	ownersMu.Unlock()
	return o
}

// closeOwners runs every owner's cleanups (an interrupted run).
func closeOwners() {
	ownersMu.Lock()
	os := owners
	ownersMu.Unlock()
	for _, o := range os {
		o.close()
	}
}

func (o *owner) Helper()                  {}
func (o *owner) Context() context.Context { return o.ctx }
func (o *owner) Cleanup(f func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cleanups = append(o.cleanups, f)
}

func (o *owner) Errorf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "load: "+format+"\n", args...)
}

// Fatalf stops what started so far and exits.
func (o *owner) Fatalf(format string, args ...any) {
	closeOwners()
	fmt.Fprintf(os.Stderr, "load: "+format+"\n", args...)
	os.Exit(1)
}

func (o *owner) close() {
	o.mu.Lock()
	fs := o.cleanups
	o.cleanups = nil
	o.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}
