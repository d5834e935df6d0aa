package lambdarun

import (
	"sort"

	"github.com/cognitobridge/cognitobridge/test/localcognito"
)

// Invocations counts the invocations each function has received so far,
// by logical id: every GET .../next of its Runtime API but the one of each
// start (a process asks for its next event once before its first
// invocation, and a recycled process starts again).
func (r *Runner) Invocations() map[string]int {
	out := make(map[string]int, len(r.byID))
	for id, f := range r.byID {
		f.mu.Lock()
		n := f.api.NextCalls() - f.starts
		f.mu.Unlock()
		out[id] = max(n, 0)
	}
	return out
}

// Recycle stops the processes of the named functions (every function when
// none is named), so that their next invocation starts a fresh process: a
// cold start, as Lambda's new execution environment, with no cache carried
// over (secrets, JWKS, parameters). It waits for invocations in progress.
func (r *Runner) Recycle(logicalIDs ...string) {
	if len(logicalIDs) == 0 {
		for id := range r.byID {
			logicalIDs = append(logicalIDs, id)
		}
		sort.Strings(logicalIDs)
	}
	for _, id := range logicalIDs {
		f, ok := r.byID[id]
		if !ok {
			continue
		}
		f.mu.Lock()
		f.kill()
		f.mu.Unlock()
	}
}

// SlotFunction is the logical id of the function serving slot ("" when
// the pool has none).
func (r *Runner) SlotFunction(slot localcognito.Slot) string {
	if f, ok := r.bySlot[slot]; ok {
		return f.def.LogicalID
	}
	return ""
}
