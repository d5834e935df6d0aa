package stepup

import "context"

// BindingOnly is the recorder of the tests that check the answer and the
// ID token rather than the enrollment: it writes nothing and passes what
// the configured binding decided (Passed.FirstUse). The deployed Verify
// always has a store behind its recorder (recordhook).
type BindingOnly struct{}

// Record implements Recorder.
func (BindingOnly) Record(_ context.Context, p Passed) (Reason, string) { return p.FirstUse, "" }
